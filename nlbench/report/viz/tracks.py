"""What a picture shows of one sequence: each tracker's boxes, per-frame IoU and NL grounded box.

Result files are read through the store's importer (any layout it knows); the IoU is
:func:`nlbench.core.boxes.iou`, the reference overlap.  Row 0 of a result file is the GT initial box
(the toolkits' convention); an NL run's own first-frame box is its ``<seq>_ground.txt``, so that
box is what the picture shows (and scores) on frame 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlbench.core.boxes import iou
from nlbench.core.errors import VisualizationError
from nlbench.store.importer import find_result_files, read_result_file
from nlbench.store.manifest import read_manifest
from nlbench.core.types import Sequence
from nlbench.report.viz.palette import RGB

__all__ = ["NL_MODES", "TrackView", "frame_ious", "is_nl_run", "load_track", "read_run_boxes", "valid_gt"]

#: Initialisations that make a run an NL tracker's run.
NL_MODES = ("nl", "nl+bb")


@dataclass(frozen=True, eq=False)
class TrackView:
    """One tracker on one sequence, aligned to the sequence's frames."""

    name: str
    colour: RGB
    boxes: np.ndarray  # (N, 4) xywh, NaN rows where the result file has no box
    ious: np.ndarray  # (N,) IoU with the GT box; NaN where the frame has no valid GT box
    mode: str | None = None  # from run.json when present
    grounded: np.ndarray | None = None  # (4,) the NL run's first-frame (grounded) box

    @property
    def is_nl(self) -> bool:
        return is_nl_run({"mode": self.mode}, self.grounded is not None)


def valid_gt(sequence: Sequence) -> np.ndarray:
    """Frames whose GT box can be scored: finite, positive size, and visible where the dataset says."""
    gt = np.asarray(sequence.gt, dtype=np.float64)
    ok = np.isfinite(gt).all(axis=1) & (gt[:, 2] > 0) & (gt[:, 3] > 0)
    if sequence.visible is not None:
        ok &= np.asarray(sequence.visible, dtype=bool)[: len(ok)]
    return ok


def frame_ious(boxes: np.ndarray, sequence: Sequence) -> np.ndarray:
    """Per-frame IoU of ``boxes`` with the GT; 0 for a missing or invalid prediction, NaN without a GT box."""
    gt = np.asarray(sequence.gt, dtype=np.float64)
    ok = valid_gt(sequence)
    predicted = np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
    out = np.zeros(len(gt))
    both = ok & predicted
    if both.any():
        out[both] = np.clip(iou(boxes[both], gt[both]), 0.0, 1.0)
    out[~ok] = np.nan
    return out


def _aligned(values: np.ndarray, n: int) -> np.ndarray:
    """Rows 0..n-1: a short result is padded with NaN (no box), a long one cut."""
    out = np.full((n, 4), np.nan)
    m = min(n, len(values))
    out[:m] = values[:m]
    return out


def read_run_boxes(path: Path, n_frames: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A result file's boxes aligned to ``n_frames`` frames, with an NL run's grounded box on frame 0.

    Returns (boxes, grounded); grounded is the ``<seq>_ground.txt`` box beside ``path``, or None.
    """
    boxes = _aligned(read_result_file(path), n_frames)
    grounded = None
    ground_path = path.with_name(f"{path.stem}_ground.txt")
    if ground_path.is_file():
        grounded = read_result_file(ground_path)[0]
        boxes[0] = grounded
    return boxes, grounded


def is_nl_run(manifest: Mapping, has_grounded_box: bool) -> bool:
    """A run initialised by language: its run.json says so, or it wrote grounded boxes."""
    return has_grounded_box or str(manifest.get("mode") or "").lower() in NL_MODES


def load_track(name: str, directory: str | Path, sequence: Sequence, colour: RGB,
               manifest: Mapping | None = None) -> TrackView:
    """Read ``<seq>.txt`` (and ``<seq>_ground.txt``) of ``sequence`` from a results folder.

    ``manifest`` is the folder's ``run.json`` if the caller has read it already (picking reads many sequences).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise VisualizationError(f"results {name}: {directory} is not a folder")
    found = find_result_files(directory, [sequence.name]).get(sequence.name) or []
    if not found:
        raise VisualizationError(
            f"results {name}: folder {directory} has no result for sequence {sequence.name} "
            f"(expected {sequence.name}.txt); run the tracker on it or pick another sequence"
        )
    path = found[0]  # several run ids: the first one is shown
    boxes, grounded = read_run_boxes(path, len(sequence))
    if manifest is None:
        manifest = read_manifest(path.parent) or read_manifest(directory) or {}
    mode = manifest.get("mode")
    return TrackView(name, colour, boxes, frame_ious(boxes, sequence), mode if isinstance(mode, str) else None,
                     grounded)
