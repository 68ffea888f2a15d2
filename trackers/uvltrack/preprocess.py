"""UVLTrack's test-time preprocessing in the original's order of operations (uvltrack-spec §4.1, §4.3).

Frames are RGB uint8 (H, W, 3); boxes are ``[x, y, w, h]`` Python floats as the original keeps its state. The
crop is the shared pytracking ``sample_target`` (banker's rounding, the +1 pad, zero padding); the normalised
box it "returns" assumes a perfectly centred crop, ignoring the rounding (processing_utils.py:213).
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import cv2
import numpy as np
import torch

from nlbench_trackers.common import crop


def sample_target_with_box(image: np.ndarray, box: Sequence[float], factor: float, output_size: int
                           ) -> tuple[np.ndarray, float, torch.Tensor]:
    """``sample_target(..., return_bbox=True)``: (patch, resize factor, float32 (1, 4) xywh box normalised to the
    crop as if it were centred: [0.5 − w/c/2, 0.5 − h/c/2, w/c, h/c] with c the crop side)."""
    patch, resize_factor, _ = crop.sample_target(image, box, factor, output_size)
    _, _, w, h = (float(v) for v in box)
    side = math.ceil(math.sqrt(w * h) * factor)
    normalised = torch.tensor([[0.5 - w / side / 2, 0.5 - h / side / 2, w / side, h / side]])
    return patch, resize_factor, normalised


def anno2mask(boxes_xywh: torch.Tensor, size: int) -> torch.Tensor:
    """(B, 4) float32 xywh in [0, 1] → (B, size²) bool: cells whose centre lies strictly inside the box, plus the
    cell at the truncated box centre (tracker:175-186). float32 arithmetic as the original."""
    x1, y1, w, h = boxes_xywh.float().unbind(-1)
    xyxy = torch.stack([x1, y1, x1 + w, y1 + h], dim=-1) * size
    cells = torch.arange(size).unsqueeze(0).repeat(boxes_xywh.shape[0], 1) + 0.5
    x_in = ((cells > xyxy[:, 0:1]) & (cells < xyxy[:, 2:3])).unsqueeze(1)
    y_in = ((cells > xyxy[:, 1:2]) & (cells < xyxy[:, 3:4])).unsqueeze(2)
    mask = x_in & y_in
    cx = ((xyxy[:, 0] + xyxy[:, 2]) / 2).long()
    cy = ((xyxy[:, 1] + xyxy[:, 3]) / 2).long()
    mask[torch.arange(cx.shape[0]), cy, cx] = True
    return mask.flatten(1)


def cxcywh_to_xywh(box: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = box.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, w, h], dim=-1)


def grounding_letterbox(image: np.ndarray, output_size: int) -> np.ndarray:
    """``grounding_resize``: aspect-preserving INTER_LINEAR resize (the long side to ``output_size``, the short
    side truncated), centred zero padding with the odd pixel on the top/left (processing_utils.py:60-141)."""
    h, w = image.shape[:2]
    if w > h:
        new_w, new_h = output_size, int(output_size * h / w)
    else:
        new_w, new_h = int(output_size * w / h), output_size
    # The original passes PIL's BILINEAR positionally as `dst`, so OpenCV's default INTER_LINEAR applies.
    resized = cv2.resize(image, (new_w, new_h))
    top = bottom = int((output_size - new_h) / 2)
    left = right = int((output_size - new_w) / 2)
    top += (top + bottom + new_h) != output_size
    left += (left + right + new_w) != output_size
    return cv2.copyMakeBorder(resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def grounded_box(pred_cxcywh: torch.Tensor, height: int, width: int) -> list[float]:
    """The grounded box (4,) cxcywh in the letterbox → image xywh, as ``grounding`` maps it (tracker:58-61).

    float32 ``pred · max(H, W)`` and cxcywh → xywh, then Python floats and the offset ``min(0, (W−H)/2)`` on x,
    ``min(0, (H−W)/2)`` on y: one scale for both axes, the letterbox floors and pads ignored, no clipping.
    """
    xywh = cxcywh_to_xywh(pred_cxcywh.float().reshape(4) * max(height, width)).tolist()
    xywh[0] += min(0, (width - height) / 2)
    xywh[1] += min(0, (height - width) / 2)
    return xywh


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def query_as_original_reads_it(text: str) -> str:
    """The sentence as the original's loaders read it: ``open(path).readlines()[0].rstrip()`` (universal
    newlines: the first line only, trailing whitespace removed; tnl2kdataset.py:36, lasotdataset.py:59)."""
    return _LINE_BREAK.split(text, maxsplit=1)[0].rstrip()
