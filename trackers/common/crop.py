"""Test-time crop geometry of the pytracking family: JointNLT, STARK-ST and OSTrack (jointnlt-spec §4, §8.8;
baselines-spec §3.4, §4.4, §6).

The quirks are kept on purpose because they move boxes by whole pixels: Python ``round`` (ties to even) on the
crop origin, ``ceil`` on the crop side, a right/bottom pad one larger than needed, the map-back from the
*unrounded* previous centre, and float32 arithmetic for the network's box before it becomes Python floats.
Frames are RGB uint8 (H, W, 3); boxes ``[x, y, w, h]`` Python floats, as the originals keep their state.
"""

from __future__ import annotations

import math
from typing import Literal, Sequence

import cv2
import numpy as np
import torch

from nlbench.core.errors import NlbenchError

#: What ``sample_target`` does with a box of zero area (crop side ``ceil(sqrt(w*h)*factor) < 1``):
#: ``"raise"`` (STARK, OSTrack: the original fails on it) or ``"unit"`` (JointNLT: a zero side becomes 1 first).
ZeroArea = Literal["raise", "unit"]


def sample_target(
    image: np.ndarray,
    box: Sequence[float] | np.ndarray,
    factor: float,
    output_size: int,
    zero_area: ZeroArea = "raise",
) -> tuple[np.ndarray, float, np.ndarray]:
    """Square crop of side ``ceil(sqrt(w*h)*factor)`` centred on ``box`` (xywh), zero-padded, resized to ``output_size``.

    Returns the (output_size, output_size, 3) uint8 crop, the resize factor ``output_size / crop_side`` and the
    bool padding mask (True = padded; a pixel that is only partly padded after the bilinear resize counts as
    padded, jointnlt-spec §8.6). ``zero_area`` chooses the rule for zero-area boxes (see :data:`ZeroArea`).
    """
    x, y, w, h = (float(v) for v in box)
    crop_side = math.ceil(math.sqrt(w * h) * factor)
    if crop_side < 1:
        if zero_area == "raise":
            raise NlbenchError(f"box {[x, y, w, h]} is too small to crop a tracking region (zero area)")
        if zero_area != "unit":
            raise ValueError(f"zero_area must be 'raise' or 'unit', not {zero_area!r}")
        w = 1.0 if w == 0 else w  # JointNLT's rule (jointnlt-spec §4.1): before the centre is taken
        h = 1.0 if h == 0 else h
        crop_side = math.ceil(math.sqrt(w * h) * factor)
    x1 = round(x + 0.5 * w - crop_side * 0.5)
    y1 = round(y + 0.5 * h - crop_side * 0.5)
    x2, y2 = x1 + crop_side, y1 + crop_side
    x1_pad, y1_pad = max(0, -x1), max(0, -y1)
    x2_pad = max(x2 - image.shape[1] + 1, 0)  # +1: the original drops the last column when it pads
    y2_pad = max(y2 - image.shape[0] + 1, 0)
    crop = image[y1 + y1_pad : y2 - y2_pad, x1 + x1_pad : x2 - x2_pad, :]
    padded = cv2.copyMakeBorder(crop, y1_pad, y2_pad, x1_pad, x2_pad, cv2.BORDER_CONSTANT)
    mask = np.ones(padded.shape[:2], dtype=np.float64)
    mask[y1_pad : (-y2_pad or None), x1_pad : (-x2_pad or None)] = 0
    patch = cv2.resize(padded, (output_size, output_size))
    mask = cv2.resize(mask, (output_size, output_size)).astype(np.bool_)
    return patch, output_size / crop_side, mask


def scale_box_to_image(pred_box: torch.Tensor, search_size: int, resize_factor: float) -> list[float]:
    """Normalised cxcywh of the search crop -> crop pixels at image scale, computed in float32 as the originals."""
    return (pred_box.detach().float().cpu() * search_size / resize_factor).tolist()


def map_box_back(pred_cxcywh: Sequence[float], previous: Sequence[float], resize_factor: float,
                 search_size: int) -> list[float]:
    """Crop-relative (cx, cy, w, h) at image scale -> image xywh, around the unrounded previous centre
    (jointnlt-spec §4.2.5, baselines-spec §6)."""
    cx_prev = previous[0] + 0.5 * previous[2]
    cy_prev = previous[1] + 0.5 * previous[3]
    cx, cy, w, h = pred_cxcywh
    half_side = 0.5 * search_size / resize_factor
    cx_real = cx + (cx_prev - half_side)
    cy_real = cy + (cy_prev - half_side)
    return [cx_real - 0.5 * w, cy_real - 0.5 * h, w, h]


def clip_box(box: Sequence[float], height: int, width: int, margin: int = 0) -> list[float]:
    """Keep the box inside the frame with at least ``margin`` pixels of width/height (jointnlt-spec §4.2.6)."""
    x1, y1, w, h = box
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    return [x1, y1, max(margin, x2 - x1), max(margin, y2 - y1)]


def hann1d(size: int) -> torch.Tensor:
    """OSTrack's centred Hann window 0.5*(1-cos(2*pi*k/(size+1))), k=1..size: strictly positive edges."""
    return 0.5 * (1 - torch.cos((2 * math.pi / (size + 1)) * torch.arange(1, size + 1).float()))


def hann2d(size: int) -> torch.Tensor:
    """Outer product of two 1-D windows, shaped (1, 1, size, size) to multiply a score map."""
    window = hann1d(size)
    return window.reshape(1, 1, -1, 1) * window.reshape(1, 1, 1, -1)


def numpy_hann2d(size: int) -> np.ndarray:
    """UVLTrack's window: ``np.outer(np.hanning(size), np.hanning(size)).flatten()``, float64 (size²,) with exact
    zeros on the border rows and columns, so border cells never win the argmax (uvltrack-spec §4.2, risk 3)."""
    window = np.hanning(size)
    return np.outer(window, window).flatten()
