"""Run a grounder over a split: every sample grounded once, predictions saved, then scored.

The loop beside :mod:`nlbench.run.runner` for grounding datasets (RefCOCOg, synth's grounding split).
The metric is :mod:`nlbench.eval.grounding`; the predictions file is :mod:`nlbench.store.grounding`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import Sequence as Seq

import numpy as np

from nlbench.core.errors import DatasetError
from nlbench.eval.grounding import GroundingResult, check_rule, common_value, infer_unit, score_records
from nlbench.store.grounding import save_predictions
from nlbench.core.types import GroundingRecord, GroundingSample

__all__ = ["default_predictions_path", "ground_samples", "load_grounding_samples", "run_grounding"]


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
    dataset: str, root: str | Path | None = None, split: str | None = None, split_by: str | None = None, unit: str = "ref"
) -> tuple[list[GroundingSample], str]:
    """(samples, unit) of a registered dataset: a ``kind="grounding"`` plugin, or one with ``load_grounding``.

    ``unit`` is passed to loaders that take it (RefCOCOg); for the others it is inferred from the samples.
    """
    from nlbench.core.config import resolve_root
    from nlbench.core.registry import get_dataset

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
    split = common_value((s.split for s in samples), "split").replace("/", "-") or "split"
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
    batch_size: Any = None,
) -> tuple[GroundingResult, Path]:
    """Ground every sample of a split with a registered grounder, save the predictions, score them.

    ``batch_size``: samples per batched call (default 1 on CPU, 32 on CUDA, as ``nlbench run``); a grounder without
    ``ground_many`` says so and grounds one sample at a time. Returns the result and the predictions file
    (``predictions`` or ``results/grounding/<dataset>/<grounder>-<split>-<unit>.csv``).
    """
    import sys

    from nlbench.core.errors import PluginError
    from nlbench.core.registry import get_tracker
    from nlbench.run.runner import resolve_batch_size

    check_rule(rule)
    batch_size = resolve_batch_size(batch_size, device)
    plugin = get_tracker(grounder)
    if not plugin.grounder:
        raise PluginError(f"tracker '{grounder}' is not a grounder (it cannot ground a sentence in an image)")
    samples, unit_used = load_grounding_samples(dataset, root, split, split_by, unit)
    if limit is not None:
        samples = samples[: max(0, int(limit))]
    if not samples:
        raise DatasetError(f"dataset '{dataset}': the split has no grounding samples")
    model = plugin.build(checkpoint=checkpoint, device=device)
    if batch_size > 1 and not hasattr(model, "ground_many"):
        print(f"note: {grounder} cannot ground samples in batches; grounding them one at a time (--batch-size ignored)",
              file=sys.stderr)
    records = ground_samples(model, samples, progress=progress, unit=unit_used, batch_size=batch_size)
    path = Path(predictions) if predictions is not None else default_predictions_path(dataset, grounder, samples, unit_used)
    save_predictions(path, records)
    return score_records(records, rule), path
