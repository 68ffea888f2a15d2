"""Sensitivity to the sentence: one tracker, the same sequences, runs that differ only in their sentences.

Every run is scored by :func:`nlbench.eval.evaluate` (AUC, precision at 20 px) and, where the run
has ``<seq>_ground.txt`` (NL mode), by first-frame grounding with the one grounding metric
(:func:`nlbench.eval.grounding.grounding_ious`, JointNLT's rule: correct when IoU > 0.5).  Each variant
is compared with the base over sequences by ``compare``'s statistics
(:func:`nlbench.eval.statistics.paired_comparison`: paired bootstrap 95 % CI and Wilcoxon), and the
sequences that flip from success to failure are listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence as SequenceOf
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlbench.core.errors import EvaluationError
from nlbench.eval.evaluate import evaluate
from nlbench.eval.statistics import PairedComparison, paired_comparison
from nlbench.eval.grounding import grounding_ious
from nlbench.eval.protocols import DEFAULT_PROTOCOL
from nlbench.store.parse_cache import read_result_file
from nlbench.core.textable import text_table
from nlbench.core.types import Sequence

#: a sequence flips when the variant's first-frame grounding fails (IoU <= 0.5) where the base's succeeded ...
GROUNDING_SUCCESS_IOU = 0.5
#: ... or when its AUC drops by more than this many points
AUC_DROP_POINTS = 30.0


@dataclass(frozen=True)
class Flip:
    """A sequence that succeeds with the base sentence and fails with the variant's."""

    sequence: str
    reasons: tuple[str, ...]  # "grounding" and/or "auc"
    base_sentence: str
    sentence: str
    base_auc: float
    auc: float
    base_iou: float | None
    iou: float | None

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class VariantScores:
    """One run's scores (percent) and, for a variant, its paired comparison with the base."""

    label: str
    source: str
    auc: float
    precision: float  # P@20
    grounding_accuracy: float | None  # first-frame Acc@0.5 over sequences, None without _ground.txt
    grounding_n: int
    sequence_auc: dict[str, float]
    sequence_precision: dict[str, float]
    sequence_iou: dict[str, float]
    sentences: dict[str, str]
    comparison: PairedComparison | None = None  # variant minus base, AUC points
    delta_precision: float | None = None
    delta_grounding: float | None = None
    flips: tuple[Flip, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "source": self.source,
            "auc": self.auc,
            "precision": self.precision,
            "grounding_accuracy": self.grounding_accuracy,
            "grounding_n": self.grounding_n,
        }
        if self.comparison is not None:
            out["delta_auc"] = self.comparison.to_json()
            out["delta_precision"] = self.delta_precision
            out["delta_grounding_accuracy"] = self.delta_grounding
            out["flipped"] = [f.to_json() for f in self.flips]
        out["sequences"] = {
            name: {
                "auc": self.sequence_auc[name],
                "precision": self.sequence_precision[name],
                "first_frame_iou": self.sequence_iou.get(name),
                "sentence": self.sentences.get(name, ""),
            }
            for name in self.sequence_auc
        }
        return out


@dataclass(frozen=True)
class SensitivityResult:
    dataset: str
    protocol: str
    base: VariantScores
    variants: tuple[VariantScores, ...]
    sequence_names: list[str] = field(default_factory=list)
    #: sequence -> runs without a result, left out of every run (``skip_missing``)
    skipped: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "sensitivity",
            "dataset": self.dataset,
            "protocol": self.protocol,
            "n_sequences": len(self.sequence_names),
            "flip_rule": {"grounding_iou_at_most": GROUNDING_SUCCESS_IOU, "auc_drop_more_than": AUC_DROP_POINTS},
            "base": self.base.to_json(),
            "variants": [v.to_json() for v in self.variants],
            **({"skipped": self.skipped} if self.skipped else {}),
        }


def read_ground_boxes(run_dir: str | Path, names: SequenceOf[str]) -> dict[str, np.ndarray]:
    """The first-frame grounded boxes ``<seq>_ground.txt`` a run wrote (NL mode); sequences without one left out."""
    boxes = {}
    for name in names:
        path = Path(run_dir) / f"{name}_ground.txt"
        if path.is_file():
            values = read_result_file(path)
            if values.shape != (1, 4):
                raise EvaluationError(f"{path}: expected one row 'x y w h' (the grounded first-frame box)")
            boxes[name] = values[0]
    return boxes


def _scores(label: str, source: str, evaluation: Any, sequences: SequenceOf[Sequence]) -> VariantScores:
    names = evaluation.sequence_names
    by_name = {s.name: s for s in sequences}
    ground = read_ground_boxes(source, names)
    ious: dict[str, float] = {}
    if ground:
        order = [n for n in names if n in ground]
        values = grounding_ious(np.stack([ground[n] for n in order]), np.stack([by_name[n].gt[0] for n in order]))
        ious = {n: float(v) for n, v in zip(order, values)}
    accuracy = float(np.mean([v > GROUNDING_SUCCESS_IOU for v in ious.values()]) * 100.0) if ious else None
    per = evaluation.sequence_scores()
    return VariantScores(
        label=label,
        source=source,
        auc=evaluation.auc,
        precision=evaluation.precision,
        grounding_accuracy=accuracy,
        grounding_n=len(ious),
        sequence_auc={n: per[n]["auc"] for n in names},
        sequence_precision={n: per[n]["precision"] for n in names},
        sequence_iou=ious,
        sentences=dict(evaluation.sentences),
    )


def _flips(base: VariantScores, variant: VariantScores) -> tuple[Flip, ...]:
    flips = []
    for name, base_auc in base.sequence_auc.items():
        auc = variant.sequence_auc[name]
        base_iou, iou = base.sequence_iou.get(name), variant.sequence_iou.get(name)
        reasons = []
        if base_iou is not None and iou is not None and base_iou > GROUNDING_SUCCESS_IOU >= iou:
            reasons.append("grounding")
        if base_auc - auc > AUC_DROP_POINTS:
            reasons.append("auc")
        if reasons:
            flips.append(Flip(name, tuple(reasons), base.sentences.get(name, ""), variant.sentences.get(name, ""),
                              base_auc, auc, base_iou, iou))
    return tuple(flips)


def sensitivity(
    sequences: SequenceOf[Sequence],
    base: tuple[str, str | Path],
    variants: SequenceOf[tuple[str, str | Path]],
    dataset: str,
    protocol: str = DEFAULT_PROTOCOL,
    alpha: float = 0.05,
    skip_missing: bool = False,
) -> SensitivityResult:
    """Score the base run and each variant run on ``sequences`` and compare each variant with the base.

    A sequence some run has no result for is an error, unless ``skip_missing``: then it is left out of every run.
    """
    if not variants:
        raise EvaluationError("sensitivity needs at least one --variant LABEL=DIR beside the --base")
    labels = [base[0]] + [label for label, _ in variants]
    if len(set(labels)) != len(labels):
        raise EvaluationError(f"each run needs its own name; got {', '.join(labels)}")
    sources: Mapping[str, str | Path] = {base[0]: base[1], **{label: d for label, d in variants}}
    result = evaluate(list(sequences), {k: str(v) for k, v in sources.items()}, dataset=dataset, protocol=protocol,
                      bootstrap=False, skip_missing=skip_missing)
    scores = {label: _scores(label, str(sources[label]), result.trackers[label], sequences) for label in labels}
    base_scores = scores[base[0]]
    compared = []
    for label, _ in variants:
        v = scores[label]
        names = list(base_scores.sequence_auc)
        comparison = paired_comparison(label, np.array([v.sequence_auc[n] for n in names]), base[0],
                                       np.array([base_scores.sequence_auc[n] for n in names]), alpha=alpha)
        delta_grounding = (v.grounding_accuracy - base_scores.grounding_accuracy
                           if v.grounding_accuracy is not None and base_scores.grounding_accuracy is not None else None)
        compared.append(VariantScores(
            **{**v.__dict__, "comparison": comparison, "delta_precision": v.precision - base_scores.precision,
               "delta_grounding": delta_grounding, "flips": _flips(base_scores, v)}
        ))
    return SensitivityResult(dataset=dataset, protocol=result.protocol.name, base=base_scores,
                             variants=tuple(compared), sequence_names=list(result.sequence_names),
                             skipped=dict(result.skipped))


def format_sensitivity(result: SensitivityResult) -> str:
    """The terminal table: one row per run, then the flipped sequences of each variant."""
    def num(value: float | None, signed: bool = False) -> str:
        return "—" if value is None or not np.isfinite(value) else (f"{value:+.2f}" if signed else f"{value:.2f}")

    header = ("run", "AUC", "P@20", "ground@0.5", "ΔAUC [95% CI]", "Wilcoxon p", "ΔP@20", "Δground", "flipped")
    rows = [(f"{result.base.label} (base)", num(result.base.auc), num(result.base.precision),
             num(result.base.grounding_accuracy), "", "", "", "", "")]
    for v in result.variants:
        c = v.comparison
        rows.append((v.label, num(v.auc), num(v.precision), num(v.grounding_accuracy),
                     f"{num(c.mean_difference, True)} [{num(c.ci95[0], True)}, {num(c.ci95[1], True)}]",
                     f"{c.wilcoxon_p:.3g}", num(v.delta_precision, True), num(v.delta_grounding, True),
                     f"{len(v.flips)}/{len(v.sequence_auc)}"))
    lines = [text_table(rows, header, right=range(1, len(header)), rule=True)]
    for v in result.variants:
        if v.flips:
            lines.append(f"\nflipped with {v.label} (grounding IoU <= {GROUNDING_SUCCESS_IOU} or AUC drop > "
                         f"{AUC_DROP_POINTS:.0f} points):")
            for f in v.flips:
                iou = "" if f.iou is None else f", IoU {num(f.base_iou)} -> {num(f.iou)}"
                lines.append(f"  {f.sequence}: AUC {num(f.base_auc)} -> {num(f.auc)}{iou}; {f.sentence!r}")
    return "\n".join(lines)
