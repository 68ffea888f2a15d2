"""Grounding accuracy (RefCOCOg, any dataset with grounding samples, the first frame of tracking runs), eval-spec §5.

Two rules, one implementation:

* ``jointnlt`` — JointNLT's ``tracking/test_grounding.py``: continuous IoU of corner boxes, no
  clipping of the prediction, correct when **IoU > t** (strict).  JointNLT computes it in float32
  in the 320-padded normalised frame; IoU is invariant to that per-axis scaling, so it is computed
  here in float64 in image pixels (only a float32 rounding at an exact tie could differ).
* ``standard`` — the TransVG/VLTVG family: the prediction is clipped to the image first and a
  sample is correct when **IoU >= t**.

Acc@0.5 is the headline number; Acc@0.25, Acc@0.75 and the mean IoU come with it, and every
result carries its numerator, denominator, split, split-by, unit (``ref`` or ``expression``) and
rule so that a printed accuracy can be traced (eval-spec §5 shows how 0.7007 and 0.7298 are only
consistent with different splits/units).

The released script iterates over the *ref ids* of the split but uses each as a *position* in the
split list: correct only when the ids are exactly 0…N−1, otherwise it raises IndexError or samples
refs with repetition (eval-spec §5, jointnlt-spec §6).  This module does not reproduce that bug:
it visits every sample of the split exactly once, in the dataset's order.

Predictions are saved by :mod:`nlbench.store.grounding` (ids, sentence, predicted and GT boxes,
image size), so :func:`score_records` recomputes every number without the model.  The loop that
runs a grounder is :mod:`nlbench.run.grounding`.  :func:`first_frame_grounding` scores the
``<seq>_ground.txt`` boxes of a tracking run (NL mode) against the first GT box with the same IoU.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, field
from typing import Any, Iterable
from typing import Sequence as Seq

import numpy as np

from nlbench.core.boxes import iou_xyxy, xywh_to_xyxy
from nlbench.core.errors import EvaluationError
from nlbench.core.types import GroundingRecord, GroundingSample, Sequence

__all__ = [
    "RULES",
    "GroundingResult",
    "FirstFrameGrounding",
    "evaluate_grounding",
    "first_frame_grounding",
    "grounding_ious",
    "infer_unit",
    "make_records",
    "score_records",
]

#: JointNLT's rule (IoU > t, the prediction as it is) and the standard one (IoU >= t, clipped to the image).
JOINTNLT_RULE, STANDARD_RULE = RULES = ("jointnlt", "standard")
DEFAULT_RULE = JOINTNLT_RULE
UNITS = ("ref", "expression")
THRESHOLDS = (0.25, 0.5, 0.75)

_RULE_TEXT = {
    JOINTNLT_RULE: "jointnlt (IoU > t, prediction not clipped)",
    STANDARD_RULE: "standard (IoU >= t, prediction clipped to the image)",
}


@dataclass(frozen=True, eq=False)
class GroundingResult:
    accuracy: float  # Acc@0.5
    numerator: int
    denominator: int
    acc25: float
    acc75: float
    mean_iou: float
    split: str
    split_by: str
    unit: str
    rule: str
    ious: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    #: scores per sub-label of the split (synth: ``test`` = unambiguous, ``test-ambiguous``), when there are several
    subsets: dict[str, "GroundingResult"] = field(default_factory=dict)

    def summary(self) -> str:
        """Accuracy with everything needed to trace it (numerator, denominator, split, unit, rule)."""
        where = f"{self.split_by}/{self.split}" if self.split_by else self.split
        return (
            f"Acc@0.5 = {self.accuracy:.4f} ({self.numerator}/{self.denominator})  split: {where or '?'}  "
            f"unit: {self.unit}  rule: {_RULE_TEXT.get(self.rule, self.rule)}\n"
            f"Acc@0.25 = {self.acc25:.4f}  Acc@0.75 = {self.acc75:.4f}  mean IoU = {self.mean_iou:.4f}"
        ) + "".join(
            f"\n  {label}: Acc@0.5 = {sub.accuracy:.4f} ({sub.numerator}/{sub.denominator})  mean IoU = {sub.mean_iou:.4f}"
            for label, sub in self.subsets.items()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "acc@0.25": self.acc25,
            "acc@0.5": self.accuracy,
            "acc@0.75": self.acc75,
            "mean_iou": self.mean_iou,
            "split": self.split,
            "split_by": self.split_by,
            "unit": self.unit,
            "rule": self.rule,
            "rule_text": _RULE_TEXT.get(self.rule, self.rule),
            **({"subsets": {label: sub.to_dict() for label, sub in self.subsets.items()}} if self.subsets else {}),
        }


# ---------------------------------------------------------------------------------------------- metric


def grounding_ious(
    pred: np.ndarray, gt: np.ndarray, rule: str = DEFAULT_RULE, sizes: np.ndarray | None = None
) -> np.ndarray:
    """Per-sample IoU of (N, 4) xywh predictions against (N, 4) xywh GT under ``rule``.

    ``sizes`` (N, 2) = (width, height), needed by the standard rule to clip the prediction.
    A degenerate pair (zero union) scores 0.
    """
    check_rule(rule)
    p = xywh_to_xyxy(np.asarray(pred, dtype=np.float64).reshape(-1, 4))
    g = xywh_to_xyxy(np.asarray(gt, dtype=np.float64).reshape(-1, 4))
    if len(p) != len(g):
        raise EvaluationError(f"{len(p)} predictions for {len(g)} samples")
    if rule == STANDARD_RULE:
        if sizes is None or np.isnan(np.asarray(sizes, dtype=np.float64)).any():
            raise EvaluationError("the standard rule clips predictions to the image: every sample needs its width and height")
        wh = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
        upper = np.concatenate([wh, wh], axis=1)
        p = np.clip(p, 0.0, upper)
    ious = iou_xyxy(p, g)
    return np.where(np.isfinite(ious), ious, 0.0)


def check_rule(rule: str) -> None:
    if rule not in RULES:
        raise EvaluationError(f"unknown grounding rule '{rule}'; choose one of: {', '.join(RULES)}")


def rule_values(rule: str) -> dict[str, Any]:
    """The rule as data, for provenance: comparison, clipping, thresholds."""
    check_rule(rule)
    return {
        "name": rule,
        "text": _RULE_TEXT[rule],
        "comparison": ">" if rule == JOINTNLT_RULE else ">=",
        "clip_prediction_to_image": rule == STANDARD_RULE,
        "thresholds": list(THRESHOLDS),
    }


def _correct(ious: np.ndarray, threshold: float, rule: str) -> np.ndarray:
    return ious > threshold if rule == JOINTNLT_RULE else ious >= threshold


def _score(ious: np.ndarray, rule: str, split: str, unit: str) -> GroundingResult:
    n = len(ious)
    if n == 0:
        raise EvaluationError("no grounding samples to score")
    counts = {t: int(_correct(ious, t, rule).sum()) for t in THRESHOLDS}
    split_by, _, name = split.rpartition("/")
    return GroundingResult(
        accuracy=counts[0.5] / n,
        numerator=counts[0.5],
        denominator=n,
        acc25=counts[0.25] / n,
        acc75=counts[0.75] / n,
        mean_iou=float(ious.mean()),
        split=name,
        split_by=split_by,
        unit=unit,
        rule=rule,
        ious=ious,
    )


def common_value(values: Iterable[str], what: str) -> str:
    """The one value all samples share; sub-labels of one split (``test``, ``test-ambiguous``) count as it."""
    distinct = sorted(set(values), key=lambda v: (len(v), v))
    if not distinct:
        return ""
    if any(not v.startswith(distinct[0]) for v in distinct[1:]):
        raise EvaluationError(f"samples mix several {what}s ({', '.join(distinct)}); score them separately")
    return distinct[0]


def evaluate_grounding(
    samples: Seq[GroundingSample],
    predictions: np.ndarray | Seq[Seq[float]],
    rule: str = DEFAULT_RULE,
    unit: str | None = None,
) -> GroundingResult:
    """Score (N, 4) xywh ``predictions`` against ``samples`` (same order).

    ``unit`` defaults to ``ref`` when every sample has a distinct ref id or none, else ``expression``.
    """
    check_rule(rule)
    pred = np.asarray(predictions, dtype=np.float64).reshape(-1, 4)
    if len(pred) != len(samples):
        raise EvaluationError(f"{len(pred)} predictions for {len(samples)} samples")
    records = make_records(samples, pred, unit or infer_unit(samples))
    return score_records(records, rule)


def infer_unit(samples: Seq[GroundingSample]) -> str:
    ids = [s.ref_id for s in samples if s.ref_id is not None]
    return "expression" if len(ids) != len(set(ids)) else "ref"


def make_records(samples: Seq[GroundingSample], predictions: np.ndarray, unit: str) -> list[GroundingRecord]:
    return [GroundingRecord.of(i, s, p, unit) for i, (s, p) in enumerate(zip(samples, predictions))]


def score_records(records: Seq[GroundingRecord], rule: str = DEFAULT_RULE) -> GroundingResult:
    """Score saved (or fresh) records; needs no model and no image."""
    check_rule(rule)
    if not records:
        raise EvaluationError("no grounding samples to score")
    pred = np.stack([r.pred for r in records])
    gt = np.stack([r.gt for r in records])
    sizes = np.array(
        [[np.nan if r.width is None else r.width, np.nan if r.height is None else r.height] for r in records]
    )
    ious = grounding_ious(pred, gt, rule, sizes if rule == "standard" else None)
    split_labels = np.array([r.split for r in records])
    unit = common_value((r.unit for r in records), "unit")
    result = _score(ious, rule, common_value(split_labels, "split"), unit)
    labels = sorted(set(split_labels), key=lambda v: (len(v), v))
    if len(labels) > 1:  # e.g. synth's ambiguous sentences, reported apart (the paper's Figure 6 limitation)
        result.subsets.update({label: _score(ious[split_labels == label], rule, label, unit) for label in labels})
    return result


# ------------------------------------------------------------------------------- first frame of tracking runs


@dataclass(frozen=True)
class FirstFrameGrounding:
    """The grounded first-frame boxes of a tracking run (NL mode) scored against GT frame 0.

    One IoU per sample (a sequence in each run folder), the JointNLT IoU (no clipping: tracking
    datasets give no image size without frames).  Acc@0.5 under both comparisons: ``acc50`` counts
    IoU > 0.5 (JointNLT's code), ``acc50_ge`` IoU >= 0.5 (the standard).  Scores in percent, IoU 0-1.
    """

    ious: dict[str, float]  # per sequence (mean over runs when a folder holds several)
    samples: np.ndarray  # every (sequence, run) IoU
    attributes: dict[str, dict[str, float | int]]

    @staticmethod
    def _summary(ious: np.ndarray) -> dict[str, float | int]:
        return {
            "n": int(ious.size),
            "mean_iou": float(ious.mean()),
            "acc50": float(_correct(ious, 0.5, JOINTNLT_RULE).mean() * 100.0),
            "acc50_ge": float(_correct(ious, 0.5, STANDARD_RULE).mean() * 100.0),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self._summary(self.samples), "sequences": dict(self.ious)}


def first_frame_grounding(
    grounded: Mapping[str, SequenceOf[np.ndarray]],
    sequences: SequenceOf[Sequence],
    attribute_names: SequenceOf[str] = (),
) -> FirstFrameGrounding | None:
    """Score ``grounded[seq]`` (the ``(4,)`` boxes of each run) against each sequence's first GT box.

    Sequences without a grounded box are left out; None when no sequence has one.
    """
    per_sequence: dict[str, float] = {}
    samples: list[float] = []
    by_sequence: dict[str, np.ndarray] = {}
    for seq in sequences:
        boxes = grounded.get(seq.name)
        if not boxes:
            continue
        pred = np.stack([np.asarray(b, dtype=np.float64).reshape(4) for b in boxes])
        gt = np.repeat(np.asarray(seq.gt[0], dtype=np.float64)[None], len(pred), axis=0)
        ious = grounding_ious(pred, gt, JOINTNLT_RULE)
        by_sequence[seq.name] = ious
        per_sequence[seq.name] = float(ious.mean())
        samples.extend(ious.tolist())
    if not samples:
        return None
    attributes: dict[str, dict[str, float | int]] = {}
    for attr in attribute_names:
        rows = [by_sequence[s.name] for s in sequences if s.name in by_sequence and s.attributes.get(attr, False)]
        if rows:
            attributes[attr] = FirstFrameGrounding._summary(np.concatenate(rows))
    return FirstFrameGrounding(ious=per_sequence, samples=np.asarray(samples), attributes=attributes)
