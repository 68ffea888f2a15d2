"""Frames as every tracker is given them: RGB uint8 ``(H, W, 3)``, decoded as the original trackers read them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from nlbench.core.errors import NlbenchError


def read_frame(path: Path) -> np.ndarray:
    """Decode a frame as the originals do: OpenCV, then BGR -> RGB."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise NlbenchError(f"cannot read frame {path}")  # run.json keeps the error type runs have always recorded
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
