"""Run a grounder over a split: every sample grounded once, predictions saved, then scored.

The loop beside :mod:`nlbench.run.runner` for grounding datasets (RefCOCOg, synth's grounding split).
The metric is :mod:`nlbench.eval.grounding`; the predictions file is :mod:`nlbench.store.grounding`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Sequence as Seq

import numpy as np

from nlbench.core.errors import DatasetError, NlbenchError
from nlbench.core.request import Request, option
from nlbench.core.types import GroundingRecord, GroundingSample
from nlbench.datasets import DEFAULT_GROUNDING_DATASET
from nlbench.eval.grounding import DEFAULT_RULE, GroundingResult, check_rule, common_value, infer_unit, score_records
from nlbench.store.grounding import load_predictions, save_predictions

__all__ = ["GroundRequest", "GroundSummary", "default_predictions_path", "ground", "ground_samples",
           "load_grounding_samples"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GroundRequest(Request):
    """``nlbench ground``: ground every sample of a split once, save the predictions, score them.

    ``split_by`` and ``unit`` None: the loader's own default (passed only to loaders that take them);
    ``batch_size`` None: the device's default; ``rescore``: score a saved predictions file instead (no model).

        >>> GroundRequest("jointnlt-tiny", "synth", split="test", batch_size=16, quiet=True).to_argv()
        ['ground', '--grounder', 'jointnlt-tiny', '--dataset', 'synth', '--split', 'test', '--batch-size', '16', \
'--quiet']
    """

    verb = ("ground",)
    grounder: str | None = option("--grounder", default=None)
    dataset: str = option("--dataset", default=DEFAULT_GROUNDING_DATASET, always=True)
    root: Path | None = option("--root", default=None)
    split_by: str | None = option("--split-by", default=None)
    split: str | None = option("--split", default=None)
    unit: str | None = option("--unit", default=None)
    rule: str = option("--rule", default=DEFAULT_RULE)
    checkpoint: Path | None = option("--checkpoint", default=None)
    device: str = option("--device", default="cpu")
    limit: int | None = option("--limit", default=None)
    batch_size: int | None = option("--batch-size", default=None)
    predictions: Path | None = option("--predictions", default=None)
    json_out: Path | None = option("--json", default=None)
    rescore: Path | None = option("--rescore", default=None)
    quiet: bool = option("--quiet", default=False)


@dataclass(frozen=True)
class GroundSummary:
    """What ``nlbench ground`` measured, and where the predictions (and the JSON, if asked) are."""

    result: GroundingResult
    predictions: Path
    json_out: Path | None = None
    rescored: bool = False  # the predictions were read back, not made by a model


def _read_rgb(sample: GroundingSample, index: int) -> np.ndarray:
    """The sample's image as the originals read it: OpenCV, then BGR -> RGB."""
    import cv2

    bgr = cv2.imread(str(sample.image), cv2.IMREAD_COLOR)
    if bgr is None:
        raise DatasetError(
            f"{sample.image}: cannot read image (sample {index}, ref {sample.ref_id}); check the dataset root's images"
        )
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def ground_samples(
    grounder: Any, samples: Seq[GroundingSample], progress: bool = True, unit: str | None = None, batch_size: int = 1
) -> list[GroundingRecord]:
    """Run the grounder on every sample, each once, in order.

    ``batch_size`` > 1 with a grounder that has ``ground_many(frames, texts)`` grounds that many samples per call
    (the same boxes: the batched grounders are checked against ``ground``); otherwise
    ``grounder.ground(frame_rgb, text) -> xywh`` per sample. Images are read with OpenCV and converted BGR→RGB (as
    the originals), once per run of samples on the same image; a sample without a width/height takes the image's.
    """
    from tqdm.auto import tqdm

    unit = unit or infer_unit(samples)
    step = batch_size if batch_size > 1 and hasattr(grounder, "ground_many") else 1
    records: list[GroundingRecord] = []
    cached_path, cached_rgb = None, None
    with tqdm(total=len(samples), desc="grounding", unit="sample", disable=not progress) as bar:
        for first in range(0, len(samples), step):
            chunk = samples[first:first + step]
            images = []
            for i, sample in enumerate(chunk, start=first):
                if sample.image != cached_path:
                    cached_path, cached_rgb = sample.image, _read_rgb(sample, i)
                images.append(cached_rgb)
            if step == 1:
                preds = [grounder.ground(images[0], chunk[0].sentence)]
            else:
                preds = grounder.ground_many(images, [sample.sentence for sample in chunk])
            for i, (sample, image, pred) in enumerate(zip(chunk, images, preds), start=first):
                height, width = image.shape[:2]
                box = np.asarray(pred, dtype=np.float64).reshape(4)
                records.append(GroundingRecord.of(i, sample, box, unit, image_size=(width, height)))
            bar.update(len(chunk))
    return records


def load_grounding_samples(
    dataset: str, root: str | Path | None = None, split: str | None = None, split_by: str | None = None,
    unit: str | None = None,
) -> tuple[list[GroundingSample], str]:
    """(samples, unit) of a registered dataset: a ``kind="grounding"`` plugin, or one with ``load_grounding``.

    ``split_by`` and ``unit`` are passed to loaders that take them when given (None: the loader's default);
    the unit returned is the one the samples have.
    """
    from nlbench.core.config import resolve_root
    from nlbench.core.registry import get_dataset

    plugin = get_dataset(dataset)
    path = resolve_root(plugin, root)
    if plugin.kind == "grounding":
        extra = {k: v for k, v in (("split_by", split_by), ("unit", unit)) if k in plugin.load_options and v is not None}
        samples = list(plugin.load(path, split or plugin.default_split, **extra))
        return samples, unit if unit is not None and "unit" in plugin.load_options else infer_unit(samples)
    if plugin.load_grounding is not None:
        samples = list(plugin.load_grounding(path, split or plugin.default_split))
        return samples, infer_unit(samples)
    raise DatasetError(f"dataset '{dataset}' has no grounding samples (it is a {plugin.kind} dataset without load_grounding)")


def default_predictions_path(dataset: str, grounder: str, samples: Seq[GroundingSample], unit: str) -> Path:
    split = common_value((s.split for s in samples), "split").replace("/", "-") or "split"
    return Path("results") / "grounding" / dataset / f"{grounder}-{split}-{unit}.csv"


def ground(request: GroundRequest) -> GroundSummary:
    """Ground a split with a registered grounder (or rescore saved predictions), save and score them.

    The predictions go to ``request.predictions`` or ``results/grounding/<dataset>/<grounder>-<split>-<unit>.csv``;
    with ``json_out`` the result is also written as JSON, with its grounder, dataset and provenance.

        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> summary = ground(GroundRequest("jointnlt-tiny", "synth", split="test", limit=4,
        ...                                predictions=folder / "p.csv", quiet=True))
        >>> summary.result.denominator, summary.predictions == folder / "p.csv"
        (4, True)
    """
    check_rule(request.rule)
    if request.rescore is not None:
        records = load_predictions(request.rescore)
        summary = GroundSummary(score_records(records, request.rule), request.rescore, request.json_out, rescored=True)
    else:
        if not request.grounder:
            raise NlbenchError("give --grounder NAME (or --rescore PRED.csv to score saved predictions)")
        records, path = _ground_split(request)
        summary = GroundSummary(score_records(records, request.rule), path, request.json_out)
    if request.json_out is not None:
        _write_json(request, summary)
    return summary


def _ground_split(request: GroundRequest) -> tuple[list[GroundingRecord], Path]:
    from nlbench.core.errors import PluginError
    from nlbench.core.registry import get_tracker
    from nlbench.run.runner import resolve_batch_size

    grounder, dataset = request.grounder, request.dataset
    batch_size = resolve_batch_size(request.batch_size, request.device)
    plugin = get_tracker(grounder)
    if not plugin.grounder:
        raise PluginError(f"tracker '{grounder}' is not a grounder (it cannot ground a sentence in an image)")
    samples, unit_used = load_grounding_samples(dataset, request.root, request.split, request.split_by, request.unit)
    if request.limit is not None:
        samples = samples[: max(0, int(request.limit))]
    if not samples:
        raise DatasetError(f"dataset '{dataset}': the split has no grounding samples")
    checkpoint = str(request.checkpoint) if request.checkpoint is not None else None
    model = plugin.build(checkpoint=checkpoint, device=request.device)
    if batch_size > 1 and not hasattr(model, "ground_many"):
        log.warning("%s cannot ground samples in batches; grounding them one at a time (--batch-size ignored)", grounder)
    records = ground_samples(model, samples, progress=not request.quiet, unit=unit_used, batch_size=batch_size)
    path = request.predictions or default_predictions_path(dataset, grounder, samples, unit_used)
    save_predictions(path, records)
    return records, path


def _write_json(request: GroundRequest, summary: GroundSummary) -> None:
    from nlbench.core.io import atomic_write_json
    from nlbench.core.registry import get_tracker
    from nlbench.eval.provenance import grounding_provenance

    grounder, checkpoint = request.grounder, request.checkpoint
    weights = checkpoint if checkpoint or grounder is None else get_tracker(grounder).default_checkpoint
    provenance = grounding_provenance(load_predictions(summary.predictions), request.rule, grounder, weights,
                                      command=request.shell_line())
    # grounder and dataset are recorded so reports can label the numbers (a rescore knows neither)
    labels = {} if summary.rescored else {"grounder": grounder, "dataset": request.dataset}
    atomic_write_json(request.json_out, {**labels, **summary.result.to_dict(), "predictions": str(summary.predictions),
                                         "provenance": provenance})
