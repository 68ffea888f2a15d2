"""Writing raw results in the pytracking layout, atomically.

``<seq>.txt``: one row per frame, tab-separated ``x y w h`` with 4 decimals
(sub-pixel precision is kept; the original's int truncation is a reader-side
concern, not something we bake into our files).  ``<seq>_time.txt``: seconds per
frame.  ``<seq>_ground.txt``: the first-frame grounded box in NL mode.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nlbench.core.io import atomic_write_text


def format_boxes(boxes: np.ndarray) -> str:
    buf = io.StringIO()
    np.savetxt(buf, np.asarray(boxes, dtype=np.float64).reshape(-1, 4), fmt="%.4f", delimiter="\t")
    return buf.getvalue()


def result_paths(out_dir: Path, seq_name: str) -> dict[str, Path]:
    return {
        "boxes": out_dir / f"{seq_name}.txt",
        "time": out_dir / f"{seq_name}_time.txt",
        "ground": out_dir / f"{seq_name}_ground.txt",
    }


def write_sequence_result(
    out_dir: Path,
    seq_name: str,
    boxes: np.ndarray,
    times: np.ndarray | list[float],
    ground_box: np.ndarray | None = None,
) -> dict[str, Path]:
    """Write one sequence's files. The box file is written last: its presence marks the sequence done."""
    paths = result_paths(out_dir, seq_name)
    atomic_write_text(paths["time"], "".join(f"{t:.6f}\n" for t in np.asarray(times, dtype=np.float64)))
    if ground_box is not None:
        atomic_write_text(paths["ground"], format_boxes(ground_box))
    atomic_write_text(paths["boxes"], format_boxes(boxes))
    return paths
