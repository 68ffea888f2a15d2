"""Corner head with soft-argmax (spec §2.5, §3.7)."""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    """Conv3x3 + BatchNorm2d + ReLU, as ``Sequential`` so the keys are ``.0.*`` / ``.1.*``."""
    return nn.Sequential(nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1, bias=True),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=False))


class CornerPredictor(nn.Module):
    """Two conv towers (top-left, bottom-right) → score maps → expected corner in [0, 1) of the crop."""

    def __init__(self, inplanes: int, channel: int, feat_sz: int, stride: int) -> None:
        super().__init__()
        self.feat_sz = feat_sz
        self.img_sz = feat_sz * stride
        widths = (inplanes, channel, channel // 2, channel // 4, channel // 8)
        for side in ("tl", "br"):
            for i in range(4):
                self.add_module(f"conv{i + 1}_{side}", conv_bn_relu(widths[i], widths[i + 1]))
            self.add_module(f"conv5_{side}", nn.Conv2d(channel // 8, 1, kernel_size=1))
        # Cell top-left corners, no +0.5 (range [0, (feat_sz-1)·stride]); row-major: x = k mod sz, y = k div sz.
        # Plain attributes in the original (not in the checkpoint), hence non-persistent buffers (spec §2.5, §8.11).
        index = torch.arange(feat_sz, dtype=torch.float32) * stride
        self.register_buffer("coord_x", index.repeat(feat_sz), persistent=False)
        self.register_buffer("coord_y", index.repeat_interleave(feat_sz), persistent=False)

    def _tower(self, x: torch.Tensor, side: str) -> torch.Tensor:
        for i in range(1, 6):
            x = getattr(self, f"conv{i}_{side}")(x)
        return x

    def score_maps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._tower(x, "tl"), self._tower(x, "br")

    def soft_argmax(self, score_map: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        prob = score_map.view(-1, self.feat_sz * self.feat_sz).softmax(dim=1)
        return (self.coord_x * prob).sum(dim=1), (self.coord_y * prob).sum(dim=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (xyxy normalised to the crop (B, 4), score map tl (B,1,H,W), score map br)."""
        tl, br = self.score_maps(x)
        x1, y1 = self.soft_argmax(tl)
        x2, y2 = self.soft_argmax(br)
        return torch.stack((x1, y1, x2, y2), dim=1) / self.img_sz, tl, br
