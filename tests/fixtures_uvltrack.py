"""Seeded UVLTrack weights and the generated golden sequences shared by the UVLTrack tests.

The same functions made the golden boxes in tests/data/uvltrack/: the weights were loaded into the ORIGINAL
code (OpenSpaceAI/UVLTrack @ 6ca3405) through a trainer-format checkpoint, and the frames written as PNG
files were what both trackers read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import torch

DATA = Path(__file__).with_name("data") / "uvltrack"
TEXTS = ("the red block moving right", "a red box, on the textured floor", "the square that moves to the right")


def seeded_state_dict(template: dict, search_factor: float, seed: int = 0) -> dict:
    """Weights with sane scales for every key of the official state_dict, independent of any model's init.

    Random weights give degenerate boxes; so that boxes follow the image, the size towers' output layer is
    centred near the target's share of the crop (1 / search_factor) with a small spread and the score and offset outputs are
    sharpened (x6, x4), which spreads scores over (0, 1) so the prompt-update gate both opens and stays shut.
    """
    g = torch.Generator().manual_seed(seed)
    share = 1.1 / search_factor  # a little above the crop share: a multiplicative random walk drifts down
    size_logit = math.log(share / (1 - share))
    out = {}
    for key in sorted(template):
        ref = template[key]
        shape = tuple(ref.shape)
        if key.endswith("coodinate") or key.endswith("pos_embed_z") or key.endswith("pos_embed_x"):
            out[key] = ref.clone()  # a fixed buffer / the MAE sin-cos tables
        elif key.endswith("num_batches_tracked"):
            out[key] = torch.zeros((), dtype=torch.int64)
        elif key.endswith("running_mean"):
            out[key] = torch.randn(shape, generator=g) * 0.1
        elif key.endswith("running_var"):
            out[key] = torch.rand(shape, generator=g) + 0.5
        elif key.endswith("logit_scale"):
            out[key] = torch.tensor(math.log(1 / 0.07))
        elif len(shape) == 1 and key.endswith("weight"):
            out[key] = 1.0 + torch.randn(shape, generator=g) * 0.1
        elif len(shape) == 1:
            out[key] = torch.randn(shape, generator=g) * 0.02
        else:
            fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
            out[key] = torch.randn(shape, generator=g) / math.sqrt(fan_in)
        if key.startswith("box_head.conv_cls.4."):
            out[key] = out[key] * 6.0
        if key.startswith("box_head.conv_offset.4."):
            out[key] = out[key] * 4.0
        if key.startswith(("box_head.conv_bbox.4.", "box_head.conv_bbox_grounding.4.")):
            out[key] = out[key] * 0.1 + (size_logit if key.endswith("bias") else 0.0)
    return out


def make_frames(length: int, height: int, width: int, k: int) -> list[np.ndarray]:
    """Deterministic RGB frames without an RNG: a textured background and a red block drifting right/down."""
    yy, xx = np.mgrid[0:height, 0:width]
    # 16-px cells and an 8-px checker: texture for the network, and small PNG files
    cells_x, cells_y = xx // 16, yy // 16
    base = np.stack([(cells_x * 37 + cells_y * 53 + 40 * k) % 256, (cells_x * 91 + cells_y * 17) % 256,
                     ((xx // 8 + yy // 8) % 2) * 120], -1)
    bw, bh = width // 4, height // 4
    frames = []
    for i in range(length):
        frame = base.astype(np.uint8).copy()
        x = (width // 4 + 2 * i) % (width - bw)
        y = (height // 3 + (i // 2)) % (height - bh)
        frame[y:y + bh, x:x + bw] = (230, 30, 30)
        frames.append(frame)
    return frames


def initial_box(height: int, width: int) -> list[float]:
    """The block's first-frame box (make_frames' i = 0)."""
    return [float(width // 4), float(height // 3), float(width // 4), float(height // 4)]


def read_sequences(folder: Path) -> list[dict]:
    """The committed golden sequences: {'name', 'text', 'box', 'frames' (RGB arrays)} in order."""
    meta = json.loads((folder / "sequences.json").read_text(encoding="utf-8"))
    sequences = []
    for entry in meta["sequences"]:
        frames = []
        for i in range(entry["length"]):
            bgr = cv2.imread(str(folder / entry["name"] / f"{i:04d}.png"), cv2.IMREAD_COLOR)
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        sequences.append({"name": entry["name"], "text": entry["text"], "box": entry["box"], "frames": frames})
    return sequences
