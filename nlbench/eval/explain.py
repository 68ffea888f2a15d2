"""Where the gap between two protocols comes from: a walk from P1 to P2, one rule at a time.

Every step is a :class:`~nlbench.eval.protocols.Protocol` made with
``dataclasses.replace`` from the previous one, changing the fields of one rule
to P2's values, and scored by the one :func:`~nlbench.eval.evaluate` (no second
metric implementation).  The walk starts on P1 itself and its last step is P2
itself, so the steps add up exactly to the total difference.

Some fields cannot be changed one without the other and move together as one
rule; :data:`RULES` says which and why.  The order of :data:`RULES` is the order
of the walk (inputs first, then scoring, then averaging); a different order
gives different intermediate numbers, never a different end.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, fields, replace
from typing import Any

from nlbench.eval.evaluate import ResultSource, TrackerEvaluation
from nlbench.eval.matrix import Cell, Refusal, evaluate_cells
from nlbench.eval.protocols import Protocol, get_protocol
from nlbench.core.types import Sequence

__all__ = ["RULES", "Rule", "RuleStep", "TrackerWalk", "Walk", "explain", "rule_steps"]

#: the three headline numbers the walk follows (percent)
SCORES = ("auc", "precision", "norm_precision")


@dataclass(frozen=True)
class Rule:
    """One step of a walk: the Protocol fields it sets, and why they move together when there are several."""

    label: str
    fields: tuple[str, ...]
    together: str = ""


RULES: tuple[Rule, ...] = (
    Rule("start frame", ("init_omit",)),
    Rule("invalid predictions", ("invalid_pred", "carry_zero_size", "carry_nan"),
         "carrying zero-size boxes has no effect once every invalid box is carried (MATLAB); which NaN rows are "
         "carried means nothing without carrying"),
    Rule("NaN coordinates in the overlap", ("overlap_skips_nan",)),
    Rule("NaN ground truth", ("nan_gt",)),
    Rule("image clipping", ("clip_to_image",)),
    Rule("long results", ("long_result",)),
    Rule("first-frame override", ("first_frame_gt",)),
    Rule("short results", ("short_result", "short_result_lasot"),
         "one rule: the dataset's quirk tag picks which of the two applies"),
    Rule("validity rule", ("validity",)),
    Rule("absent frames", ("use_visibility", "absent_from_zero_gt"),
         "0,0,0,0 rows stand for absent flags only where no visibility flags are used"),
    Rule("absent frames excluded", ("exclude_absent",)),
    Rule("IoU epsilon", ("iou_eps",)),
    Rule("IoU clipping", ("iou_clip",)),
    Rule("overlap measure", ("overlap_measure",)),
    Rule("normalized error", ("norm_divide_first",)),
    Rule("normalized-error size epsilon", ("norm_size_eps",)),
    Rule("normalized precision measure", ("norm_precision_measure",)),
    Rule("success thresholds", ("success_thresholds",)),
    Rule("precision thresholds", ("precision_thresholds",)),
    Rule("strict precision", ("precision_strict",)),
    Rule("normalized-precision thresholds", ("norm_thresholds",)),
    Rule("invalid-box frames in precision", ("invalid_box_precision",)),
    Rule("invalid-box frames in normalized precision", ("invalid_box_norm_precision",)),
    Rule("absent frames in the error curves", ("absent_precision", "absent_norm_precision", "lasot_invisible_fails"),
         "the quirk tag's invisible-frame override rewrites the same frames' outcomes"),
    Rule("denominator epsilon", ("denominator_eps",)),
    Rule("all-zero sequences dropped", ("drop_all_zero_sequences",)),
    Rule("attribute minimum", ("min_attribute_sequences",)),
    Rule("headline normalized precision", ("norm_precision_headline",)),
    Rule("zero normalized-precision sequences dropped", ("drop_zero_norm_sequences",)),
)  # fmt: skip

_IDENTITY = ("name", "description", "family")  # what a protocol is called and grouped with, not how it scores


def _describe(field: str, old: Any, new: Any) -> str:
    if isinstance(old, tuple):
        differ = sum(a != b for a, b in zip(old, new)) + abs(len(old) - len(new))
        return f"{field}: {differ} of {max(len(old), len(new))} values"
    return f"{field}: {old!r} -> {new!r}"


@dataclass(frozen=True)
class RuleStep:
    rule: Rule
    protocol: Protocol  # the rules after this step
    changes: tuple[str, ...]  # "field: old -> new"

    @property
    def text(self) -> str:
        return f"{self.rule.label} ({'; '.join(self.changes)})"


def rule_steps(start: Protocol, end: Protocol) -> list[RuleStep]:
    """The protocols between ``start`` and ``end``, one rule at a time over the rules that differ; the last is ``end``."""
    covered = {f for rule in RULES for f in rule.fields}
    missing = [f.name for f in fields(Protocol) if f.name not in covered and f.name not in _IDENTITY]
    if missing:  # a new Protocol field must be placed in a rule
        raise AssertionError(f"Protocol fields without a rule: {missing}")
    steps: list[RuleStep] = []
    current = start
    for rule in RULES:
        changed = {f: getattr(end, f) for f in rule.fields if getattr(current, f) != getattr(end, f)}
        if not changed:
            continue
        described = tuple(_describe(f, getattr(current, f), v) for f, v in changed.items())
        current = replace(current, name=f"{start.name}->{end.name} after '{rule.label}'", **changed)
        steps.append(RuleStep(rule, current, described))
    if steps:
        assert replace(current, **{f: getattr(end, f) for f in _IDENTITY}) == end
        steps[-1] = replace(steps[-1], protocol=end)
    return steps


def _scores(cell: Cell) -> dict[str, Any]:
    if isinstance(cell, Refusal):
        return cell.to_json()  # {"error": reason}, as in the protocol matrix
    return {k: getattr(cell, k) for k in SCORES}


@dataclass
class TrackerWalk:
    name: str
    start: Cell
    steps: list[Cell]
    end: Cell

    def moved(self, index: int, top: int = 3) -> list[tuple[str, float]]:
        """The sequences whose AUC changed most at step ``index`` (largest change first), with the change."""
        before = self.start if index == 0 else self.steps[index - 1]
        after = self.steps[index]
        if not isinstance(before, TrackerEvaluation) or not isinstance(after, TrackerEvaluation):
            return []
        old, new = before.sequence_scores(), after.sequence_scores()
        deltas = [(name, new[name]["auc"] - old[name]["auc"]) for name in new if name in old]
        deltas = [d for d in deltas if d[1] != 0.0]
        return sorted(deltas, key=lambda d: (-abs(d[1]), d[0]))[:top]

    def to_json(self, steps: SequenceOf[RuleStep]) -> dict[str, Any]:
        return {
            "start": _scores(self.start),
            "steps": [{"rule": step.text, **_scores(cell)} for step, cell in zip(steps, self.steps)],
            "end": _scores(self.end),
        }


@dataclass
class Walk:
    dataset: str
    start: Protocol
    end: Protocol
    steps: list[RuleStep]
    trackers: dict[str, TrackerWalk]

    def to_json(self) -> dict[str, Any]:
        """``{"from", "to", "trackers": {NAME: {"start", "steps": [{"rule", ...}], "end"}}}``."""
        return {
            "from": self.start.name,
            "to": self.end.name,
            "trackers": {name: walk.to_json(self.steps) for name, walk in self.trackers.items()},
        }


def explain(
    sequences: SequenceOf[Sequence],
    results: Mapping[str, ResultSource],
    dataset: str,
    start: str | Protocol,
    end: str | Protocol,
    **options: Any,
) -> Walk:
    """Score every tracker under ``start``, after each rule step, and under ``end`` (``options`` as for evaluate)."""
    first, last = get_protocol(start), get_protocol(end)
    options.setdefault("bootstrap", False)  # the walk follows the scores; intervals would only cost time
    steps = rule_steps(first, last)
    begin, _ = evaluate_cells(sequences, results, dataset, first, **options)
    scored = [evaluate_cells(sequences, results, dataset, step.protocol, **options)[0] for step in steps]
    finish = scored[-1] if scored else begin
    walks = {
        name: TrackerWalk(name, begin[name], [cells[name] for cells in scored], finish[name]) for name in results
    }
    return Walk(dataset=dataset, start=first, end=last, steps=steps, trackers=walks)
