"""Grounding accuracy (RefCOCOg and any dataset with grounding samples), eval-spec §5, jointnlt-spec §6.

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

Predictions are saved (CSV or JSON lines, atomically) with ids, sentence, predicted and GT boxes
and the image size, so :func:`load_predictions` + :func:`score_records` recompute every number
without the model.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from typing import Sequence as Seq

import numpy as np

from nlbench.boxes import iou_xyxy, xywh_to_xyxy
from nlbench.errors import DatasetError, EvaluationError, ResultFormatError
from nlbench.io import atomic_write_text
from nlbench.types import GroundingSample

RULES = ("jointnlt", "standard")
UNITS = ("ref", "expression")
THRESHOLDS = (0.25, 0.5, 0.75)

_RULE_TEXT = {
    "jointnlt": "jointnlt (IoU > t, prediction not clipped)",
    "standard": "standard (IoU >= t, prediction clipped to the image)",
}


@dataclass(frozen=True, eq=False)
class GroundingRecord:
    """One scored sample: what the predictions file stores per row."""

    index: int
    sentence: str
    pred: np.ndarray  # (4,) xywh, image pixels
    gt: np.ndarray  # (4,) xywh, image pixels
    width: int | None = None
    height: int | None = None
    ref_id: int | None = None
    ann_id: int | None = None
    image_id: int | None = None
    image: str = ""
    split: str = ""  # e.g. "google/val"
    unit: str = "ref"


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
    pred: np.ndarray, gt: np.ndarray, rule: str = "jointnlt", sizes: np.ndarray | None = None
) -> np.ndarray:
    """Per-sample IoU of (N, 4) xywh predictions against (N, 4) xywh GT under ``rule``.

    ``sizes`` (N, 2) = (width, height), needed by the standard rule to clip the prediction.
    A degenerate pair (zero union) scores 0.
    """
    _check_rule(rule)
    p = xywh_to_xyxy(np.asarray(pred, dtype=np.float64).reshape(-1, 4))
    g = xywh_to_xyxy(np.asarray(gt, dtype=np.float64).reshape(-1, 4))
    if len(p) != len(g):
        raise EvaluationError(f"{len(p)} predictions for {len(g)} samples")
    if rule == "standard":
        if sizes is None or np.isnan(np.asarray(sizes, dtype=np.float64)).any():
            raise EvaluationError("the standard rule clips predictions to the image: every sample needs its width and height")
        wh = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
        upper = np.concatenate([wh, wh], axis=1)
        p = np.clip(p, 0.0, upper)
    ious = iou_xyxy(p, g)
    return np.where(np.isfinite(ious), ious, 0.0)


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise EvaluationError(f"unknown grounding rule '{rule}'; choose one of: {', '.join(RULES)}")


def _correct(ious: np.ndarray, threshold: float, rule: str) -> np.ndarray:
    return ious > threshold if rule == "jointnlt" else ious >= threshold


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


def _common(values: Iterable[str], what: str) -> str:
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
    rule: str = "jointnlt",
    unit: str | None = None,
) -> GroundingResult:
    """Score (N, 4) xywh ``predictions`` against ``samples`` (same order).

    ``unit`` defaults to ``ref`` when every sample has a distinct ref id or none, else ``expression``.
    """
    _check_rule(rule)
    pred = np.asarray(predictions, dtype=np.float64).reshape(-1, 4)
    if len(pred) != len(samples):
        raise EvaluationError(f"{len(pred)} predictions for {len(samples)} samples")
    records = make_records(samples, pred, unit or infer_unit(samples))
    return score_records(records, rule)


def infer_unit(samples: Seq[GroundingSample]) -> str:
    ids = [s.ref_id for s in samples if s.ref_id is not None]
    return "expression" if len(ids) != len(set(ids)) else "ref"


def make_records(samples: Seq[GroundingSample], predictions: np.ndarray, unit: str) -> list[GroundingRecord]:
    return [
        GroundingRecord(
            index=i,
            sentence=s.sentence,
            pred=np.asarray(p, dtype=np.float64).reshape(4),
            gt=np.asarray(s.box, dtype=np.float64).reshape(4),
            width=s.width,
            height=s.height,
            ref_id=s.ref_id,
            ann_id=s.ann_id,
            image_id=s.image_id,
            image=str(s.image),
            split=s.split,
            unit=unit,
        )
        for i, (s, p) in enumerate(zip(samples, predictions))
    ]


def score_records(records: Seq[GroundingRecord], rule: str = "jointnlt") -> GroundingResult:
    """Score saved (or fresh) records; needs no model and no image."""
    _check_rule(rule)
    if not records:
        raise EvaluationError("no grounding samples to score")
    pred = np.stack([r.pred for r in records])
    gt = np.stack([r.gt for r in records])
    sizes = np.array(
        [[np.nan if r.width is None else r.width, np.nan if r.height is None else r.height] for r in records]
    )
    ious = grounding_ious(pred, gt, rule, sizes if rule == "standard" else None)
    split_labels = np.array([r.split for r in records])
    unit = _common((r.unit for r in records), "unit")
    result = _score(ious, rule, _common(split_labels, "split"), unit)
    labels = sorted(set(split_labels), key=lambda v: (len(v), v))
    if len(labels) > 1:  # e.g. synth's ambiguous sentences, reported apart (the paper's Figure 6 limitation)
        result.subsets.update({label: _score(ious[split_labels == label], rule, label, unit) for label in labels})
    return result


# ------------------------------------------------------------------------------------------- run a model


def ground_samples(
    grounder: Any, samples: Seq[GroundingSample], progress: bool = True, unit: str | None = None
) -> list[GroundingRecord]:
    """Run ``grounder.ground(frame_rgb, text) -> xywh`` on every sample, each once, in order.

    Images are read with OpenCV and converted BGR→RGB (as the originals); a sample without a
    width/height takes the image's.
    """
    import cv2
    from tqdm.auto import tqdm

    unit = unit or infer_unit(samples)
    records: list[GroundingRecord] = []
    cached_path, cached_rgb = None, None
    for i, sample in enumerate(tqdm(samples, desc="grounding", unit="sample", disable=not progress)):
        if sample.image != cached_path:
            bgr = cv2.imread(str(sample.image), cv2.IMREAD_COLOR)
            if bgr is None:
                raise DatasetError(
                    f"{sample.image}: cannot read image (sample {i}, ref {sample.ref_id}); check the dataset root's images"
                )
            cached_path, cached_rgb = sample.image, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        pred = np.asarray(grounder.ground(cached_rgb, sample.sentence), dtype=np.float64).reshape(4)
        height, width = cached_rgb.shape[:2]
        records.append(
            GroundingRecord(
                index=i,
                sentence=sample.sentence,
                pred=pred,
                gt=np.asarray(sample.box, dtype=np.float64).reshape(4),
                width=sample.width if sample.width is not None else int(width),
                height=sample.height if sample.height is not None else int(height),
                ref_id=sample.ref_id,
                ann_id=sample.ann_id,
                image_id=sample.image_id,
                image=str(sample.image),
                split=sample.split,
                unit=unit,
            )
        )
    return records


# ----------------------------------------------------------------------------------------- predictions file

_COLUMNS = (
    "index", "ref_id", "ann_id", "image_id", "split", "unit", "image", "width", "height", "sentence",
    "pred_x", "pred_y", "pred_w", "pred_h", "gt_x", "gt_y", "gt_w", "gt_h",
)  # fmt: skip


def _row(record: GroundingRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "index": record.index,
        "ref_id": record.ref_id,
        "ann_id": record.ann_id,
        "image_id": record.image_id,
        "split": record.split,
        "unit": record.unit,
        "image": record.image,
        "width": record.width,
        "height": record.height,
        "sentence": record.sentence,
    }
    # repr() round-trips a float64 exactly, so a rescore reproduces every tie decision
    for prefix, box in (("pred", record.pred), ("gt", record.gt)):
        for key, value in zip("xywh", box):
            row[f"{prefix}_{key}"] = float(value)
    return row


def save_predictions(path: str | Path, records: Seq[GroundingRecord]) -> Path:
    """Write records atomically: ``.jsonl`` → JSON lines, anything else → CSV (header + one row per sample)."""
    path = Path(path)
    rows = [_row(r) for r in records]
    if path.suffix.lower() in (".jsonl", ".json"):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else repr(v) if isinstance(v, float) else v) for k, v in row.items()})
        text = buffer.getvalue()
    return atomic_write_text(path, text)


def _record_from(row: dict[str, Any], where: str) -> GroundingRecord:
    try:

        def number(key: str) -> float:
            return float(row[key])

        def optional_int(key: str) -> int | None:
            value = row.get(key)
            return None if value in (None, "") else int(value)

        pred = np.array([number(f"pred_{k}") for k in "xywh"], dtype=np.float64)
        gt = np.array([number(f"gt_{k}") for k in "xywh"], dtype=np.float64)
        if not np.isfinite(gt).all():
            raise ValueError("ground-truth box is not finite")
        return GroundingRecord(
            index=int(row["index"]),
            sentence=str(row.get("sentence", "")),
            pred=pred,
            gt=gt,
            width=optional_int("width"),
            height=optional_int("height"),
            ref_id=optional_int("ref_id"),
            ann_id=optional_int("ann_id"),
            image_id=optional_int("image_id"),
            image=str(row.get("image", "")),
            split=str(row.get("split", "")),
            unit=str(row.get("unit", "") or "ref"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ResultFormatError(f"{where}: bad prediction row ({type(exc).__name__}: {exc})") from None


def load_predictions(path: str | Path) -> list[GroundingRecord]:
    """Read a predictions file written by :func:`save_predictions` (CSV or JSON lines)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: predictions file not found") from None
    records = []
    if path.suffix.lower() in (".jsonl", ".json"):
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ResultFormatError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            records.append(_record_from(row, f"{path}:{lineno}"))
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("index", "pred_x", "pred_y", "pred_w", "pred_h", "gt_x", "gt_y", "gt_w", "gt_h")
                   if c not in (reader.fieldnames or [])]  # fmt: skip
        if missing:
            raise ResultFormatError(f"{path}:1: header lacks {', '.join(missing)}")
        for lineno, row in enumerate(reader, start=2):
            records.append(_record_from(row, f"{path}:{lineno}"))
    if not records:
        raise ResultFormatError(f"{path}: no predictions")
    return records


# ---------------------------------------------------------------------------------------------- pipeline


def load_grounding_samples(
    dataset: str, root: str | Path | None = None, split: str | None = None, split_by: str | None = None, unit: str = "ref"
) -> tuple[list[GroundingSample], str]:
    """(samples, unit) of a registered dataset: a ``kind="grounding"`` plugin, or one with ``load_grounding``.

    ``unit`` is passed to loaders that take it (RefCOCOg); for the others it is inferred from the samples.
    """
    from nlbench.config import resolve_root
    from nlbench.registry import get_dataset

    plugin = get_dataset(dataset)
    path = resolve_root(plugin, root)
    if plugin.kind == "grounding":
        extra = {k: v for k, v in (("split_by", split_by), ("unit", unit)) if k in plugin.load_options}
        samples = list(plugin.load(path, split or plugin.default_split, **extra))
        return samples, unit if "unit" in plugin.load_options else infer_unit(samples)
    if plugin.load_grounding is not None:
        samples = list(plugin.load_grounding(path, split or plugin.default_split))
        return samples, infer_unit(samples)
    raise DatasetError(f"dataset '{dataset}' has no grounding samples (it is a {plugin.kind} dataset without load_grounding)")


def default_predictions_path(dataset: str, grounder: str, samples: Seq[GroundingSample], unit: str) -> Path:
    split = _common((s.split for s in samples), "split").replace("/", "-") or "split"
    return Path("results") / "grounding" / dataset / f"{grounder}-{split}-{unit}.csv"


def run_grounding(
    grounder: str,
    dataset: str = "refcocog",
    root: str | Path | None = None,
    split: str | None = None,
    split_by: str | None = None,
    unit: str = "ref",
    rule: str = "jointnlt",
    checkpoint: Any = None,
    device: str = "cpu",
    limit: int | None = None,
    predictions: str | Path | None = None,
    progress: bool = True,
) -> tuple[GroundingResult, Path]:
    """Ground every sample of a split with a registered grounder, save the predictions, score them.

    Returns the result and the predictions file (``predictions`` or
    ``results/grounding/<dataset>/<grounder>-<split>-<unit>.csv``).
    """
    from nlbench.errors import PluginError
    from nlbench.registry import get_tracker

    _check_rule(rule)
    plugin = get_tracker(grounder)
    if not plugin.grounder:
        raise PluginError(f"tracker '{grounder}' is not a grounder (it cannot ground a sentence in an image)")
    samples, unit_used = load_grounding_samples(dataset, root, split, split_by, unit)
    if limit is not None:
        samples = samples[: max(0, int(limit))]
    if not samples:
        raise DatasetError(f"dataset '{dataset}': the split has no grounding samples")
    model = plugin.build(checkpoint=checkpoint, device=device)
    records = ground_samples(model, samples, progress=progress, unit=unit_used)
    path = Path(predictions) if predictions is not None else default_predictions_path(dataset, grounder, samples, unit_used)
    save_predictions(path, records)
    return score_records(records, rule), path
