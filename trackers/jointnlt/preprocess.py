"""Test-time preprocessing and box mapping of the original tracker, in its order of operations (spec §4, §8).

Frames are RGB uint8 (H, W, 3). Boxes are ``[x, y, w, h]`` lists of Python floats, as the original keeps its
state; Python's ``round`` (half to even) where the original rounds; OpenCV INTER_LINEAR resizes.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import cv2
import numpy as np
import torch


def sample_target(image: np.ndarray, box: Sequence[float], factor: float,
                  output_size: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Square crop of side ceil(sqrt(w·h)·factor) centred on ``box``, zero-padded, resized (spec §4.1).

    Returns (patch uint8 (S, S, 3), resize_factor = S / crop_sz, mask bool (S, S) True where padded).
    Quirks kept (§8.8): Python round (half to even) for the crop origin, and +1 on the right/bottom padding,
    so the last image column/row never enters a crop that reaches past it.
    """
    x, y, w, h = (float(v) for v in box)
    crop_sz = math.ceil(math.sqrt(w * h) * factor)
    if crop_sz < 1:
        w = 1.0 if w == 0 else w
        h = 1.0 if h == 0 else h
        crop_sz = math.ceil(math.sqrt(w * h) * factor)
    x1 = int(round(x + 0.5 * w - crop_sz * 0.5))
    y1 = int(round(y + 0.5 * h - crop_sz * 0.5))
    x2, y2 = x1 + crop_sz, y1 + crop_sz
    x1_pad, y1_pad = max(0, -x1), max(0, -y1)
    x2_pad = max(x2 - image.shape[1] + 1, 0)
    y2_pad = max(y2 - image.shape[0] + 1, 0)

    crop = image[y1 + y1_pad:y2 - y2_pad, x1 + x1_pad:x2 - x2_pad, :]
    padded = cv2.copyMakeBorder(crop, y1_pad, y2_pad, x1_pad, x2_pad, cv2.BORDER_CONSTANT)
    mask = np.ones(padded.shape[:2], dtype=np.float64)
    mask[y1_pad:(-y2_pad or None), x1_pad:(-x2_pad or None)] = 0
    patch = cv2.resize(padded, (output_size, output_size))
    # A partially padded pixel becomes True: bilinear resize of the 0/1 mask, then nonzero (spec §8.6).
    mask = cv2.resize(mask, (output_size, output_size)).astype(np.bool_)
    return patch, output_size / crop_sz, mask


def grounding_resize(image: np.ndarray, output_size: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Whole-frame aspect-preserving resize, top-left placement, zero padding (spec §4.1).

    Returns (patch uint8 (S, S, 3), mask bool (S, S) True on padding, new_w, new_h).
    """
    h, w = image.shape[:2]
    if w > h:
        new_w, new_h = output_size, int(output_size * h / w)
    else:
        new_w, new_h = int(output_size * w / h), output_size
    # The original passes PIL's BILINEAR positionally as `dst`, so OpenCV's INTER_LINEAR applies (spec §8.7).
    resized = cv2.resize(image, (new_w, new_h))
    patch = cv2.copyMakeBorder(resized, 0, output_size - new_h, 0, output_size - new_w, cv2.BORDER_CONSTANT,
                               value=(0, 0, 0))
    mask = np.ones((output_size, output_size), dtype=np.bool_)
    mask[:new_h, :new_w] = False
    return patch, mask, new_w, new_h


def map_grounding_box_back(pred_cxcywh: torch.Tensor, new_w: int, new_h: int, image_width: int,
                           output_size: int) -> torch.Tensor:
    """Grounded box (B, 4) cxcywh normalised to the padded square → (B, 4) xywh image pixels (spec §4.1.3).

    float32 tensor arithmetic in the original's order: round half to even of p·S, xyxy, intersection with the
    resized image [0, 0, new_w, new_h], then a single factor W / new_w for all four numbers (also for y).
    """
    pred = torch.round(pred_cxcywh.float() * output_size)
    cx, cy, w, h = pred.unbind(-1)
    xyxy = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1)
    image_rect = torch.tensor([[0, 0, new_w, new_h]], device=pred.device)  # int64, as the original
    lt = torch.max(image_rect[:, :2], xyxy[:, :2])
    rb = torch.min(image_rect[:, 2:], xyxy[:, 2:])
    boxes = torch.cat((lt, (rb - lt).clamp(min=0)), dim=-1)
    boxes[:, 0:2] = torch.sub(boxes[:, 0:2], image_rect[:, 0:2]).clamp(min=0)
    scale = torch.div(torch.tensor([image_width], device=pred.device), image_rect[:, 2]).unsqueeze(-1)
    return boxes * scale


def unclipped_grounding_box(pred_cxcywh: torch.Tensor, new_w: int, new_h: int, image_width: int,
                            image_height: int, output_size: int) -> np.ndarray:
    """Grounded box → (B, 4) float64 xywh image pixels without rounding or clipping (spec §6).

    test_grounding.py scores the float32 xyxy box in the normalised padded square against the GT scaled by
    (new_w / W, new_h / H); undoing exactly that per-axis scaling keeps every IoU unchanged.
    """
    cx, cy, w, h = pred_cxcywh.float().unbind(-1)
    xyxy = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=-1).cpu().numpy()
    scale = np.array([image_width / new_w, image_height / new_h] * 2) * output_size
    xyxy = xyxy.astype(np.float64) * scale
    return np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1)


def map_box_back(pred_cxcywh: Sequence[float], previous: Sequence[float], resize_factor: float,
                 search_size: int) -> list[float]:
    """Crop-relative (cx, cy, w, h) in image scale → image xywh, around the unrounded previous centre (§4.2.5)."""
    cx_prev = previous[0] + 0.5 * previous[2]
    cy_prev = previous[1] + 0.5 * previous[3]
    cx, cy, w, h = pred_cxcywh
    half_side = 0.5 * search_size / resize_factor
    cx_real = cx + (cx_prev - half_side)
    cy_real = cy + (cy_prev - half_side)
    return [cx_real - 0.5 * w, cy_real - 0.5 * h, w, h]


def clip_box(box: Sequence[float], height: int, width: int, margin: int = 0) -> list[float]:
    """Keep the box inside the frame with at least ``margin`` pixels of width/height (spec §4.2.6)."""
    x1, y1, w, h = box
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    return [x1, y1, max(margin, x2 - x1), max(margin, y2 - y1)]


class Normalizer:
    """uint8 RGB (H, W, 3) → normalised float (1, 3, H, W) on the device; mean/std allocated once."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32) -> None:
        self.device = torch.device(device)
        self.dtype = dtype
        self.mean = torch.tensor(mean, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)

    def image(self, patch: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(patch)).to(self.device).float().permute(2, 0, 1).unsqueeze(0)
        return (((tensor / 255.0) - self.mean) / self.std).to(self.dtype)

    def mask(self, mask: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(mask).to(self.device).unsqueeze(0)


_COMMENT = re.compile("#")


def query_as_original_reads_it(text: str) -> str:
    """The sentence as ``str(np.loadtxt(path, delimiter=',', dtype=str))`` yields it (spec §4.3, §8.9).

    numpy 1.19's loadtxt: per line, drop everything from '#', strip line endings only, skip empty lines,
    split on ','; the array is squeezed and printed. One field gives the text itself; several give the
    array repr, e.g. "['the white airplane' ' flying in the sky']". Ragged lines (an error in the original)
    fall back to the verbatim text.
    """
    rows = []
    for line in text.split("\n"):
        line = _COMMENT.split(line, maxsplit=1)[0].strip("\r\n")
        if line:
            rows.append(line.split(","))
    if rows and len({len(r) for r in rows}) > 1:
        return text
    array = np.array(rows, dtype=str)
    if array.ndim > 0:
        array = np.squeeze(array)
    return str(array)
