"""Run a grounder over a split: every sample grounded once, predictions saved, then scored.

The loop beside :mod:`nlbench.runner` for grounding datasets (RefCOCOg, synth's grounding split).
The metric is :mod:`nlbench.eval.grounding`; the predictions file is :mod:`nlbench.store.grounding`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import Sequence as Seq

import numpy as np

from nlbench.errors import DatasetError
from nlbench.eval.grounding import GroundingResult, check_rule, common_value, infer_unit, score_records
from nlbench.store.grounding import save_predictions
from nlbench.types import GroundingRecord, GroundingSample

__all__ = ["default_predictions_path", "ground_samples", "load_grounding_samples", "run_grounding"]


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
        records.append(GroundingRecord.of(i, sample, pred, unit, image_size=(width, height)))
    return records


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
) -> tuple[GroundingResult, Path]:
    """Ground every sample of a split with a registered grounder, save the predictions, score them.

    Returns the result and the predictions file (``predictions`` or
    ``results/grounding/<dataset>/<grounder>-<split>-<unit>.csv``).
    """
    from nlbench.errors import PluginError
    from nlbench.registry import get_tracker

    check_rule(rule)
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
