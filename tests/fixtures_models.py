"""Models with random weights for behaviour tests (no checkpoint)."""

from __future__ import annotations

import torch

from nlbench_trackers.jointnlt.config import JointNLTConfig
from nlbench_trackers.jointnlt.model import JointNLT


def sharpened_random_jointnlt(cfg: JointNLTConfig, seed: int = 0) -> JointNLT:
    """A JointNLT with seeded random weights whose corner maps are sharpened: untouched random weights give
    degenerate boxes (jointnlt-spec §10.3), which would hide a wrong crop or map-back."""
    torch.manual_seed(seed)
    model = JointNLT(cfg)
    with torch.no_grad():
        for side in ("tl", "br"):
            conv = getattr(model.box_head, f"conv5_{side}")
            conv.weight.mul_(300)
            conv.bias.mul_(300)
    return model.eval()
