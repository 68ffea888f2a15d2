"""Test-time geometry shared by STARK-ST and OSTrack (baselines-spec §3.4, §4.4, §6).

The quirks are kept on purpose because they move boxes by whole pixels:
Python ``round`` (ties to even) on the crop origin, ``ceil`` on the crop side, a
right/bottom pad one larger than needed, the map-back from the *unrounded*
previous centre, and float32 arithmetic for the network's box before it becomes
Python floats.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch

from nlbench.errors import NlbenchError
# The box mapping and the margin clip are the same in JointNLT, STARK and OSTrack (baselines-spec §6): one copy.
from nlbench_trackers.jointnlt.preprocess import clip_box, map_box_back  # noqa: F401  (re-exported)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def sample_target(
    image: np.ndarray, box: np.ndarray | list[float], factor: float, output_size: int
) -> tuple[np.ndarray, float, np.ndarray]:
    """Square crop of side ``ceil(sqrt(w*h)*factor)`` centred on ``box`` (xywh), resized to ``output_size``.

    Returns the (output_size, output_size, 3) uint8 crop, the resize factor
    ``output_size / crop_side`` and the bool padding mask (True = padded; a pixel
    that is only partly padded after the bilinear resize counts as padded).
    """
    x, y, w, h = (float(v) for v in box)
    crop_side = math.ceil(math.sqrt(w * h) * factor)
    if crop_side < 1:
        raise NlbenchError(f"box {[x, y, w, h]} is too small to crop a tracking region (zero area)")
    x1 = round(x + 0.5 * w - crop_side * 0.5)
    y1 = round(y + 0.5 * h - crop_side * 0.5)
    x2, y2 = x1 + crop_side, y1 + crop_side
    x1_pad, y1_pad = max(0, -x1), max(0, -y1)
    x2_pad = max(x2 - image.shape[1] + 1, 0)  # +1: the original drops the last column when it pads
    y2_pad = max(y2 - image.shape[0] + 1, 0)
    crop = image[y1 + y1_pad : y2 - y2_pad, x1 + x1_pad : x2 - x2_pad, :]
    padded = cv2.copyMakeBorder(crop, y1_pad, y2_pad, x1_pad, x2_pad, cv2.BORDER_CONSTANT)
    height, width = padded.shape[:2]
    mask = np.ones((height, width))
    end_y = None if y2_pad == 0 else -y2_pad
    end_x = None if x2_pad == 0 else -x2_pad
    mask[y1_pad:end_y, x1_pad:end_x] = 0
    resize_factor = output_size / crop_side
    patch = cv2.resize(padded, (output_size, output_size))
    mask = cv2.resize(mask, (output_size, output_size)).astype(np.bool_)
    return patch, resize_factor, mask


def normalize_patch(patch: np.ndarray, mask: np.ndarray | None, device: torch.device | str = "cpu"):
    """RGB uint8 (H, W, 3) -> (1, 3, H, W) float32 ImageNet-normalised tensor, and the (1, H, W) bool mask."""
    tensor = torch.from_numpy(np.ascontiguousarray(patch)).to(device).float().permute(2, 0, 1).unsqueeze(0)
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    tensor = ((tensor / 255.0) - mean) / std
    bool_mask = None if mask is None else torch.from_numpy(mask).to(torch.bool).to(device).unsqueeze(0)
    return tensor, bool_mask


def scale_box_to_image(pred_box: torch.Tensor, search_size: int, resize_factor: float) -> list[float]:
    """Normalised cxcywh of the search crop -> crop pixels at image scale, computed in float32 as the originals."""
    return (pred_box.detach().float().cpu() * search_size / resize_factor).tolist()


def hann1d(size: int) -> torch.Tensor:
    """OSTrack's centred Hann window 0.5*(1-cos(2*pi*k/(size+1))), k=1..size: strictly positive edges."""
    return 0.5 * (1 - torch.cos((2 * math.pi / (size + 1)) * torch.arange(1, size + 1).float()))


def hann2d(size: int) -> torch.Tensor:
    """Outer product of two 1-D windows, shaped (1, 1, size, size) to multiply a score map."""
    window = hann1d(size)
    return window.reshape(1, 1, -1, 1) * window.reshape(1, 1, 1, -1)
