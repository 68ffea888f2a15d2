"""Model layers shared by the trackers: the conv towers of the STARK-family heads, the corner head and the
transformer MLP block. Module and attribute names reproduce the originals' so that official checkpoints load
strictly (jointnlt-spec §2.5; baselines-spec §3.2, §4.2).
"""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_relu(in_planes: int, out_planes: int) -> nn.Sequential:
    """3x3 conv (pad 1, bias) + BatchNorm2d + ReLU as a ``Sequential``, so the keys are ``.0.*`` and ``.1.*``
    (the ``conv`` helper of STARK's, OSTrack's and JointNLT's heads)."""
    return nn.Sequential(
        nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=1, padding=1, bias=True),
        nn.BatchNorm2d(out_planes),
        nn.ReLU(inplace=True),
    )


def init_trunc_normal(module: nn.Module) -> None:
    """timm's initialisation for ``Module.apply``: Linear weights truncated-normal (std 0.02), biases 0, LayerNorm 1/0."""
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class Mlp(nn.Module):
    """timm's transformer MLP: Linear, exact GELU, Linear (keys ``fc1``, ``fc2``); Swin's and ViT's blocks."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class CornerPredictor(nn.Module):
    """STARK's corner head: two conv towers (top-left, bottom-right) -> score maps -> soft-argmax corners.

    Widths ``inplanes -> channel -> channel/2 -> channel/4 -> channel/8 -> 1``; keys ``conv{1..5}_{tl,br}``.
    """

    def __init__(self, inplanes: int, channel: int, feat_sz: int, stride: int) -> None:
        super().__init__()
        self.feat_sz = feat_sz
        self.img_sz = feat_sz * stride
        widths = (inplanes, channel, channel // 2, channel // 4, channel // 8)
        for side in ("tl", "br"):
            for i in range(4):
                self.add_module(f"conv{i + 1}_{side}", conv_bn_relu(widths[i], widths[i + 1]))
            self.add_module(f"conv5_{side}", nn.Conv2d(channel // 8, 1, kernel_size=1))
        # Cell top-left corners, no +0.5 (range [0, (feat_sz-1)*stride]); row-major: x = k mod sz, y = k div sz.
        # Plain attributes in the originals (not in the checkpoints), hence non-persistent buffers.
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
        """(B, C, fs, fs) -> (xyxy normalised to the crop (B, 4), score map tl (B,1,fs,fs), score map br)."""
        tl, br = self.score_maps(x)
        x1, y1 = self.soft_argmax(tl)
        x2, y2 = self.soft_argmax(br)
        return torch.stack((x1, y1, x2, y2), dim=1) / self.img_sz, tl, br
