"""VLTVG test-time input pipeline (baselines-spec §2.3, §2.5): 640 canvas and 40-token BERT ids.

The image is resized with PIL bilinear (which antialiases when shrinking, unlike
cv2), normalised, then pasted *centred* on a zero 640x640 canvas. The padding mask
handed to the network is all False, as in the original, whose transform never
marks the padded area: padding is attended like content (§2.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from nlbench_trackers.common.normalize import Normalizer
from nlbench_trackers.jointnlt.tokenizer import get_tokenizer  # the shared offline bert-base-uncased vocabulary

CANVAS = 640
QUERY_LEN = 40
_PAIR = re.compile(r"^(.*) \|\|\| (.*)$")


@dataclass(frozen=True)
class CanvasGeometry:
    """Where the resized image sits on the canvas; enough to map a box back to the original image."""

    width: int
    height: int
    new_width: int
    new_height: int
    left: int
    top: int


def canvas_geometry(width: int, height: int, canvas: int = CANVAS) -> CanvasGeometry:
    """Long side to ``canvas`` (Python ``round``), then centred: offset round(d/2 - 0.1), i.e. floor(d/2)."""
    ratio = float(canvas) / max(height, width)
    new_h, new_w = round(height * ratio), round(width * ratio)
    top = round((canvas - new_h) / 2.0 - 0.1)
    left = round((canvas - new_w) / 2.0 - 0.1)
    return CanvasGeometry(width, height, new_w, new_h, left, top)


def image_to_canvas(frame: np.ndarray, canvas: int = CANVAS) -> tuple[torch.Tensor, torch.Tensor, CanvasGeometry]:
    """RGB uint8 (H, W, 3) -> normalised (1, 3, 640, 640) float32 canvas, all-False mask (1, 640, 640), geometry."""
    height, width = frame.shape[:2]
    geo = canvas_geometry(width, height, canvas)
    resized = Image.fromarray(np.ascontiguousarray(frame)).resize((geo.new_width, geo.new_height), Image.BILINEAR)
    tensor = Normalizer().image(np.array(resized))[0]
    out = torch.zeros((3, canvas, canvas), dtype=torch.float32)
    out[:, geo.top : geo.top + geo.new_height, geo.left : geo.left + geo.new_width] = tensor
    mask = torch.zeros((1, canvas, canvas), dtype=torch.bool)
    return out.unsqueeze(0), mask, geo


def canvas_box_to_image(box_cxcywh: torch.Tensor, geo: CanvasGeometry, canvas: int = CANVAS) -> np.ndarray:
    """Normalised cxcywh on the canvas -> xywh in original pixels (float32 steps of ``PostProcess``, §2.5).

    xyxy * 640, minus (left, top), clamp >= 0, divided by (new_w/W, new_h/H), clamped to <= (W, H).
    """
    cx, cy, w, h = box_cxcywh.detach().float().cpu().reshape(4).unbind(-1)
    xyxy = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h])
    xyxy = xyxy * torch.tensor([canvas] * 4, dtype=torch.float32)
    xyxy = (xyxy - torch.tensor([geo.left, geo.top] * 2, dtype=torch.float32)).clamp(min=0)
    ratio_w = torch.tensor(float(geo.new_width) / geo.width, dtype=torch.float32)
    ratio_h = torch.tensor(float(geo.new_height) / geo.height, dtype=torch.float32)
    xyxy = xyxy / torch.stack([ratio_w, ratio_h, ratio_w, ratio_h])
    xyxy = torch.min(xyxy, torch.tensor([geo.width, geo.height] * 2, dtype=torch.float32))
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    return np.array([x1, y1, x2 - x1, y2 - y1], dtype=np.float64)


def _truncate_pair(tokens_a: list[str], tokens_b: list[str], max_length: int) -> None:
    while len(tokens_a) + len(tokens_b) > max_length:
        (tokens_a if len(tokens_a) > len(tokens_b) else tokens_b).pop()


def encode_phrase(text: str, query_len: int = QUERY_LEN) -> tuple[torch.Tensor, torch.Tensor]:
    """Phrase -> (ids, mask), each (1, query_len) int64, as VLTVG's dataset code builds them.

    Lower-cased, stripped; ``A ||| B`` becomes a sentence pair ([CLS] A [SEP] B [SEP]; the segment
    ids are never passed to BERT). One sentence keeps its first ``query_len - 2`` word pieces.
    """
    tokenizer = get_tokenizer()
    line = text.lower().strip()
    match = _PAIR.match(line)
    text_a, text_b = (match.group(1), match.group(2)) if match else (line, None)
    tokens_a = tokenizer.tokenize(text_a)
    tokens_b = tokenizer.tokenize(text_b) if text_b else []
    if tokens_b:
        _truncate_pair(tokens_a, tokens_b, query_len - 3)
        tokens = ["[CLS]", *tokens_a, "[SEP]", *tokens_b, "[SEP]"]
    else:
        tokens = ["[CLS]", *tokens_a[: query_len - 2], "[SEP]"]
    ids = tokenizer.convert_tokens_to_ids(tokens)
    mask = [1] * len(ids) + [0] * (query_len - len(ids))
    ids = ids + [0] * (query_len - len(ids))
    return torch.tensor([ids], dtype=torch.int64), torch.tensor([mask], dtype=torch.int64)
