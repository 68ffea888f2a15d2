"""Test-time preprocessing and box mapping of the original tracker, in its order of operations (spec §4, §8).

Frames are RGB uint8 (H, W, 3). Boxes are ``[x, y, w, h]`` lists of Python floats, as the original keeps its
state; Python's ``round`` (half to even) where the original rounds; OpenCV INTER_LINEAR resizes.
"""

from __future__ import annotations

import re
from typing import Sequence

import cv2
import numpy as np
import torch

from nlbench_trackers.common import crop


def sample_target(image: np.ndarray, box: Sequence[float], factor: float,
                  output_size: int) -> tuple[np.ndarray, float, np.ndarray]:
    """The shared pytracking crop (spec §4.1, §8.8) with JointNLT's zero-area rule: a zero side becomes 1."""
    return crop.sample_target(image, box, factor, output_size, zero_area="unit")


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
