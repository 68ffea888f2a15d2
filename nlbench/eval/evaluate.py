"""Evaluate trackers on a dataset: per-sequence curves, dataset scores, attributes, intervals.

:func:`evaluate` is the library entry point used by the CLI and the reports.
Sequences are weighted equally (eval-spec §1.7); several run ids of one
tracker are averaged per sequence before the dataset mean.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Union

import numpy as np

from nlbench.core.errors import EvaluationError, ResultFormatError
from nlbench.eval.attributes import attribute_order
from nlbench.eval.grounding import FirstFrameGrounding, first_frame_grounding
from nlbench.eval.scorer import NORM_PRECISION_INDEX, PRECISION_INDEX, Curves, score
from nlbench.eval.protocols import DEFAULT_PROTOCOL, Protocol, get_protocol
from nlbench.eval.provenance import protocol_rules, run_provenance, sequence_digest, tool_version
from nlbench.eval.statistics import bootstrap_ci
from nlbench.core.registry import find_dataset
from nlbench.store.grounding import read_first_frame_boxes
from nlbench.store.layouts import find_result_files
from nlbench.store.manifest import recorded_sentences
from nlbench.store.parse_cache import read_result_file, read_result_files
from nlbench.core.types import Sequence

__all__ = ["EvaluationResult", "TrackerEvaluation", "evaluate", "lasot_quirks"]

#: A tracker's results: a directory of result files, or arrays per sequence
#: (one ``(M, 4)`` array, or a list of arrays for several runs).
ResultSource = Union[str, os.PathLike, Mapping[str, Union[np.ndarray, SequenceOf[np.ndarray]]]]

_EPS = float(np.finfo(np.float64).eps)


def lasot_quirks(dataset: str) -> bool:
    """Whether the dataset's plugin carries the reference's LaSOT-toolkit rules (§1.8 steps 4 and 8).

    The plugin's ``eval_quirks`` tag decides (``"ltk"``); a dataset no plugin registers gets the ordinary rules.
    """
    plugin = find_dataset(dataset)
    return plugin is not None and plugin.eval_quirks == "ltk"


@dataclass
class TrackerEvaluation:
    """Everything computed for one tracker. Curves are fractions, scores percentages."""

    name: str
    sequence_names: list[str]
    per_sequence: Curves  # (S, K) arrays, runs already averaged
    curves: Curves  # (K,) dataset means
    auc: float
    op50: float
    op75: float
    precision: float
    norm_precision: float
    norm_precision_mean: float  # mean of the 51-point normalized curve (got10k / TNL2K-MATLAB headline)
    n_runs: dict[str, int]
    attributes: dict[str, dict[str, float | int]] = field(default_factory=dict)
    auc_ci95: tuple[float, float] | None = None
    #: the sentence each sequence was run with (``run.json``'s record, else the dataset's)
    sentences: dict[str, str] = field(default_factory=dict)
    #: the grounded first-frame boxes (``<seq>_ground.txt``, NL mode) against GT frame 0, when the run has them
    first_frame_grounding: FirstFrameGrounding | None = None

    @property
    def sequence_auc(self) -> np.ndarray:
        return self.per_sequence.success.mean(axis=1) * 100.0

    def sequence_scores(self) -> dict[str, dict[str, float]]:
        auc = self.sequence_auc
        prec = self.per_sequence.precision[:, PRECISION_INDEX] * 100.0
        norm = self.per_sequence.norm_precision[:, NORM_PRECISION_INDEX] * 100.0
        return {
            name: {"auc": float(auc[i]), "precision": float(prec[i]), "norm_precision": float(norm[i]),
                   **({"sentence": self.sentences[name]} if name in self.sentences else {})}
            for i, name in enumerate(self.sequence_names)
        }

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "auc": self.auc,
            "precision": self.precision,
            "norm_precision": self.norm_precision,
            "op50": self.op50,
            "op75": self.op75,
            "success_curve": self.curves.success.tolist(),
            "precision_curve": self.curves.precision.tolist(),
            "norm_precision_curve": self.curves.norm_precision.tolist(),
            "sequences": self.sequence_scores(),
            "attributes": self.attributes,
            # Extra keys (the ones above are the stable interface).
            "norm_precision_mean": self.norm_precision_mean,
            "n_sequences": len(self.sequence_names),
        }
        if self.auc_ci95 is not None:
            out["auc_ci95"] = list(self.auc_ci95)
        if any(n > 1 for n in self.n_runs.values()):
            out["runs"] = self.n_runs
        if self.first_frame_grounding is not None:
            out["first_frame_grounding"] = self.first_frame_grounding.to_json()
            out["first_frame_grounding_attributes"] = self.first_frame_grounding.attributes
        return out


@dataclass
class EvaluationResult:
    dataset: str
    protocol: Protocol
    trackers: dict[str, TrackerEvaluation]
    sequence_names: list[str]  # evaluated, dataset order
    n_requested: int  # sequences asked for (before skipping missing results)
    skipped: dict[str, list[str]]  # sequence -> trackers without a result (skip-missing)
    #: per tracker, how its result folder was produced (run.json: tracker, mode, checkpoint SHA-256, command)
    runs: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def coverage(self) -> str:
        """ "over K / N sequences" when some were skipped, else ''."""
        if not self.skipped:
            return ""
        return f"over {len(self.sequence_names)} / {self.n_requested} sequences"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "protocol": self.protocol.name,
            "trackers": {name: t.to_json() for name, t in self.trackers.items()},
        }
        out["n_sequences"] = len(self.sequence_names)
        out["n_requested"] = self.n_requested
        if self.skipped:
            out["skipped"] = self.skipped
        out["provenance"] = self.provenance()
        return out

    def provenance(self, tracker: str | None = None) -> dict[str, Any]:
        """nlbench's version, every rule of the protocol, the evaluated list's digest and the runs (or one run)."""
        out: dict[str, Any] = {
            "nlbench": tool_version(),
            "protocol": protocol_rules(self.protocol),
            "sequences": sequence_digest(self.sequence_names),
        }
        if tracker is None:
            out["runs"] = {name: self.runs.get(name) for name in self.trackers}
        else:
            out["run"] = self.runs.get(tracker)
        return out


def _dataset_mean(per_sequence: np.ndarray, protocol: Protocol, drop_zero: bool = False) -> np.ndarray:
    """Equal-weight mean over sequences; MATLAB drops all-zero sequences first (eval-spec §1.7), MGIT its
    zero-N-PRE ones (``drop_zero``)."""
    if protocol.drop_all_zero_sequences or drop_zero:
        per_sequence = per_sequence[per_sequence.sum(axis=1) > _EPS]
    if per_sequence.shape[0] == 0:
        return np.zeros(per_sequence.shape[1])
    return per_sequence.mean(axis=0)


def _scores(curves: Curves) -> dict[str, float]:
    return {
        "auc": float(curves.success.mean() * 100.0),
        "op50": _success_at(curves.success, 0.5),
        "op75": _success_at(curves.success, 0.75),
        "precision": float(curves.precision[PRECISION_INDEX] * 100.0),
        "norm_precision": float(curves.norm_precision[NORM_PRECISION_INDEX] * 100.0),
        "norm_precision_mean": float(curves.norm_precision.mean() * 100.0),
    }


def _success_at(success: np.ndarray, threshold: float) -> float:
    """The success curve at ``threshold``: its thresholds span [0, 1] evenly (21 points, MGIT's 101)."""
    return float(success[round(threshold * (success.shape[-1] - 1))] * 100.0)


def _aggregate(per_sequence: Curves, protocol: Protocol) -> Curves:
    return Curves(
        success=_dataset_mean(per_sequence.success, protocol),
        precision=_dataset_mean(per_sequence.precision, protocol),
        norm_precision=_dataset_mean(per_sequence.norm_precision, protocol, protocol.drop_zero_norm_sequences),
    )


def _load_runs(
    tracker: str,
    source: ResultSource,
    names: list[str],
    aliases: Mapping[str, Iterable[str]] | None,
    strict: bool,
    cache: bool = True,
    allow_non_finite: bool = False,
) -> tuple[dict[str, list[np.ndarray] | None], str]:
    """Per sequence: the result arrays of every run, or None when missing; plus where they came from."""
    runs: dict[str, list[np.ndarray] | None] = {name: None for name in names}
    if isinstance(source, Mapping):
        for name in names:
            value = source.get(name)
            if value is None:
                continue
            if isinstance(value, (list, tuple)) and value and isinstance(value[0], np.ndarray):
                runs[name] = [np.asarray(v, dtype=np.float64).reshape(-1, 4) for v in value]  # several runs
            else:
                runs[name] = [np.asarray(value, dtype=np.float64).reshape(-1, 4)]
        return runs, "the given arrays"
    directory = Path(source)
    try:
        files = find_result_files(directory, names, aliases)
    except ResultFormatError as exc:
        raise ResultFormatError(f"tracker {tracker}: {exc}") from None
    flat = [(name, path) for name in names for path in files.get(name) or []]
    try:
        arrays = read_result_files(
            [path for _, path in flat], strict=strict, disk_cache=cache, allow_non_finite=allow_non_finite
        )
    except ResultFormatError:
        for name, path in flat:  # find the file again to name its sequence
            try:
                read_result_file(path, strict=strict, allow_non_finite=allow_non_finite)
            except ResultFormatError as exc:
                raise ResultFormatError(f"tracker {tracker}, sequence {name}: {exc}") from None
        raise
    for (name, _), values in zip(flat, arrays):
        runs[name] = (runs[name] or []) + [values]
    return runs, str(directory)


def _from_start_frame(
    sequences: list[Sequence], runs: list[list[list[np.ndarray]]], rules: Protocol
) -> tuple[list[Sequence], list[list[list[np.ndarray]]]]:
    """``Protocol.init_omit``: each sequence without its first ``init_omit`` frames, and the results to match.

    A result with a row for every GT row loses its first rows too; a shorter one is taken to start at the
    start frame already (pytracking's and the OTB toolkit's own results do).
    """
    if not rules.init_omit or not any(s.init_omit for s in sequences):
        return sequences, runs
    cut = [s.init_omit if 0 < s.init_omit < len(s.gt) else 0 for s in sequences]
    trimmed = [
        s if k == 0 else replace(s, gt=s.gt[k:], visible=None if s.visible is None else s.visible[k:], frames=s.frames[k:])
        for s, k in zip(sequences, cut)
    ]
    full = [len(s.gt) for s in sequences]
    runs = [[[p[k:] if k and p.shape[0] >= n else p for p in per_seq] for per_seq, k, n in zip(per_tracker, cut, full)]
            for per_tracker in runs]  # fmt: skip
    return trimmed, runs


def _score_sequences(
    sequences: list[Sequence],
    trackers: list[str],
    loaded: Mapping[str, Mapping[str, list[np.ndarray] | None]],
    rules: Protocol,
    quirks: bool,
) -> dict[str, Curves]:
    """Per tracker: the (S, K) per-sequence curves, runs averaged per sequence.

    Every result of every tracker is scored in one call of :func:`~nlbench.eval.scorer.score`, which
    raises for the first problem in dataset order (sequence, then tracker, then run).
    """
    runs = [[loaded[t][seq.name] or [] for seq in sequences] for t in trackers]
    sequences, runs = _from_start_frame(sequences, runs, rules)
    predictions = [run for per_tracker in runs for per_seq in per_tracker for run in per_seq]
    owners = [i for per_tracker in runs for i, per_seq in enumerate(per_tracker) for _ in per_seq]
    labels = [f"tracker {t}, sequence {seq.name}" for t, per_tracker in zip(trackers, runs)
              for seq, per_seq in zip(sequences, per_tracker) for _ in per_seq]  # fmt: skip
    curves = score(predictions, owners, sequences, rules, quirks, labels)
    counts = np.array([len(per_seq) for per_tracker in runs for per_seq in per_tracker])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    several = np.flatnonzero(counts > 1)

    def mean_runs(values: np.ndarray) -> np.ndarray:
        out = values[starts]
        for i in several:
            out[i] = values[starts[i] : starts[i] + counts[i]].mean(axis=0)
        return out.reshape(len(trackers), len(sequences), -1)

    success, precision, norm = (mean_runs(c) for c in (curves.success, curves.precision, curves.norm_precision))
    return {t: Curves(success[i], precision[i], norm[i]) for i, t in enumerate(trackers)}


def _summarise(
    tracker: str,
    sequences: list[Sequence],
    stack: Curves,
    n_runs: dict[str, int],
    attr_names: list[str],
    rules: Protocol,
    bootstrap: bool,
) -> TrackerEvaluation:
    """Dataset curves and scores, per-attribute scores and the AUC interval of one tracker."""
    mean = _aggregate(stack, rules)
    attributes: dict[str, dict[str, float | int]] = {}
    for attr in attr_names:
        rows = np.array([bool(s.attributes.get(attr, False)) for s in sequences])
        n = int(rows.sum())
        if n == 0 or n < rules.min_attribute_sequences:
            continue
        sub = _scores(_aggregate(Curves(stack.success[rows], stack.precision[rows], stack.norm_precision[rows]), rules))
        attributes[attr] = {"auc": sub["auc"], "precision": sub["precision"], "norm_precision": sub["norm_precision"], "n": n}
    evaluation = TrackerEvaluation(
        name=tracker,
        sequence_names=[s.name for s in sequences],
        per_sequence=stack,
        curves=mean,
        n_runs=n_runs,
        attributes=attributes,
        **_scores(mean),
    )
    if bootstrap:
        auc = evaluation.sequence_auc
        if rules.drop_all_zero_sequences:  # the MATLAB mean leaves these out, so does its interval
            auc = auc[stack.success.sum(axis=1) > _EPS]
        evaluation.auc_ci95 = bootstrap_ci(auc)
    return evaluation


def evaluate(
    sequences: SequenceOf[Sequence],
    results: Mapping[str, ResultSource],
    dataset: str,
    protocol: str | Protocol = DEFAULT_PROTOCOL,
    skip_missing: bool = False,
    strict: bool = False,
    bootstrap: bool = True,
    aliases: Mapping[str, Iterable[str]] | None = None,
    cache: bool = True,
    allow_non_finite: bool = False,
) -> EvaluationResult:
    """Score every tracker of ``results`` on ``sequences`` under ``protocol``.

    ``results`` maps a tracker name to a results directory (any layout of eval-spec
    §4.4) or to arrays per sequence.  ``dataset`` names the registered dataset whose
    plugin gives the quirk tag, the attribute order and the sequence-name aliases
    (an unregistered name gets the defaults).  A missing result raises
    :class:`EvaluationError` unless ``skip_missing``, which removes that sequence
    from every tracker ("over K / N sequences").  ``strict`` reads files as
    pytracking does (tab, then comma).  The plugin's name aliases apply automatically.
    ``cache`` keeps parsed files on disk (``nlbench.core.config.cache_dir()``) for the
    next process; the in-memory cache is always used.  ``inf``/``nan`` in a result file are
    an error naming the file and line unless ``allow_non_finite``, which reads them as numbers
    and applies the protocol's rules, as the reference does (``nlbench eval --help`` spells them out).
    """
    rules = get_protocol(protocol)
    if not results:
        raise EvaluationError("no results to evaluate; pass at least one NAME=DIR")
    if not sequences:
        raise EvaluationError(f"dataset {dataset}: no sequences to evaluate")
    names = [s.name for s in sequences]
    if len(set(names)) != len(names):
        raise EvaluationError(f"dataset {dataset}: duplicate sequence names")
    plugin = find_dataset(dataset)
    if aliases is None and plugin is not None and plugin.sequence_aliases is not None:
        aliases = plugin.sequence_aliases()
    quirks = lasot_quirks(dataset)

    loaded: dict[str, dict[str, list[np.ndarray] | None]] = {}
    missing: dict[str, list[str]] = {}
    for tracker, source in results.items():
        runs, origin = _load_runs(tracker, source, names, aliases, strict, cache, allow_non_finite)
        loaded[tracker] = runs
        for name in names:
            if runs[name] is None:
                if not skip_missing:
                    raise EvaluationError(
                        f"tracker {tracker}, sequence {name}: result not found in {origin} (expected {name}.txt); "
                        "use --skip-missing to evaluate the sequences that all trackers have"
                    )
                missing.setdefault(name, []).append(tracker)
    kept = [s for s in sequences if s.name not in missing]
    if not kept:
        raise EvaluationError(f"dataset {dataset}: no sequence has results from every tracker")

    trackers = list(results)
    per_tracker = _score_sequences(kept, trackers, loaded, rules, quirks)
    attr_names = attribute_order(dataset, (s.attributes for s in kept))
    evaluations = {
        t: _summarise(t, kept, per_tracker[t], {s.name: len(loaded[t][s.name] or []) for s in kept}, attr_names, rules, bootstrap)
        for t in trackers
    }
    for t, source in results.items():
        recorded = recorded_sentences(source) if not isinstance(source, Mapping) else {}
        evaluations[t].sentences = {s.name: recorded.get(s.name, s.language) for s in kept}
        if not isinstance(source, Mapping):
            grounded = read_first_frame_boxes(source, [s.name for s in kept], aliases)
            evaluations[t].first_frame_grounding = first_frame_grounding(grounded, kept, attr_names)

    return EvaluationResult(
        dataset=dataset,
        protocol=rules,
        trackers=evaluations,
        sequence_names=[s.name for s in kept],
        n_requested=len(names),
        skipped={name: missing[name] for name in names if name in missing},
        runs={t: run_provenance(source) for t, source in results.items()},
    )
