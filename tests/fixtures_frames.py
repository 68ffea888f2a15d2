"""Small TNL2K-format sequences with real, decodable frames (a coloured square moving on a texture)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def make_moving_square_sequence(root: Path, name: str, n_frames: int = 12, size=(96, 128), step: int = 3,
                                 sentence: str = "the red square moving right", seed: int = 0) -> np.ndarray:
    """Write ``<root>/<name>/{imgs/*.png, groundtruth.txt, language.txt}``; returns the GT (N, 4)."""
    rng = np.random.default_rng(seed)
    h, w = size
    background = rng.integers(0, 90, size=(h, w, 3), dtype=np.uint8)
    folder = root / name
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    gt = []
    for i in range(n_frames):
        x, y = 10 + step * i, 30 + (i % 3)
        frame = background.copy()
        frame[y : y + 24, x : x + 24] = (40, 40, 230)  # BGR red
        frame[y + 6 : y + 18, x + 6 : x + 18] = (230, 230, 230)
        cv2.imwrite(str(folder / "imgs" / f"{i + 1:08d}.png"), frame)
        gt.append((x, y, 24, 24))
    (folder / "groundtruth.txt").write_text("".join(f"{x},{y},{bw},{bh}\n" for x, y, bw, bh in gt))
    (folder / "language.txt").write_text(sentence + "\n")
    return np.asarray(gt, dtype=np.float64)
