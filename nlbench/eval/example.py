"""A tiny worked example for the stages' doctests: two synth sequences and two trackers' result folders.

Both sequences have four frames of a 20 x 20 box moving right by 2 px; tracker ``A`` follows it exactly,
tracker ``B`` stays at the first box (IoU 0.82, 0.67, 0.54 on frames 1-3).  The root holds annotations only
(evaluation never opens an image) unless ``frames``: then 64 x 48 grey frames with the red square drawn.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLE_SEQUENCES", "write_example"]

EXAMPLE_SEQUENCES = ("synth_test_0001", "synth_test_0002")
_GT = [(10 + 2 * i, 10, 20, 20) for i in range(4)]


def _rows(boxes: list[tuple[int, int, int, int]], sep: str) -> str:
    return "".join(sep.join(str(v) for v in box) + "\n" for box in boxes)


def _write_frames(images: Path) -> None:
    import cv2
    import numpy as np

    images.mkdir(parents=True, exist_ok=True)
    for i, (x, y, w, h) in enumerate(_GT):
        frame = np.full((48, 64, 3), 128, np.uint8)
        frame[y:y + h, x:x + w] = (0, 0, 255)  # BGR red
        cv2.imwrite(str(images / f"{i + 1:05d}.png"), frame)


def write_example(folder: str | Path, frames: bool = False) -> tuple[Path, Path, Path]:
    """Write ``folder/root`` (the synth layout) and ``folder/A``, ``folder/B``; returns the three paths."""
    folder = Path(folder)
    root, a, b = folder / "root", folder / "A", folder / "B"
    for name in EXAMPLE_SEQUENCES:
        sequence = root / "test" / name
        sequence.mkdir(parents=True, exist_ok=True)
        (sequence / "groundtruth.txt").write_text(_rows(_GT, ","))
        (sequence / "language.txt").write_text("the red square\n")
        (sequence / "absent.txt").write_text("0\n" * len(_GT))
        if frames:
            _write_frames(sequence / "imgs")
        for tracker, boxes in ((a, _GT), (b, [_GT[0]] * len(_GT))):
            tracker.mkdir(parents=True, exist_ok=True)
            (tracker / f"{name}.txt").write_text(_rows(boxes, "\t"))
    return root, a, b
