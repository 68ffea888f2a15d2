"""Run a grounder over a split: every sample grounded once, in order.

The loop beside :mod:`nlbench.run.runner` for grounding datasets (RefCOCOg, synth's grounding split); the
``ground`` stage (:mod:`nlbench.run.stages`) saves and scores what it returns.  The metric is
:mod:`nlbench.eval.grounding`; the predictions file is :mod:`nlbench.store.grounding`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import Sequence as Seq

import numpy as np

from nlbench.core.errors import DatasetError
from nlbench.core.types import GroundingRecord, GroundingSample
from nlbench.eval.grounding import common_value, infer_unit

__all__ = ["default_predictions_path", "ground_samples", "load_grounding_samples"]


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
