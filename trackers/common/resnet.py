"""ResNet bodies with frozen batch norm and DETR's sine position encoding.

VLTVG and STARK both wrap torchvision's ResNet (Bottleneck v1.5: the stride on
the 3x3 conv) with ``FrozenBatchNorm2d`` (baselines-spec §2.2, §3.2).
torchvision's own ``FrozenBatchNorm2d`` has exactly the four persistent buffers
of the originals, drops ``num_batches_tracked`` on load and computes
``x * w / sqrt(var + eps) + (b - mean * w / sqrt(var + eps))`` with eps 1e-5.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torchvision.models import resnet50, resnet101
from torchvision.ops.misc import FrozenBatchNorm2d

_BUILDERS = {"resnet50": resnet50, "resnet101": resnet101}
_LAYER_CHANNELS = {"layer1": 256, "layer2": 512, "layer3": 1024, "layer4": 2048}


class ResNetBody(nn.Module):
    """The stem and ``layer1..last_layer`` of a torchvision ResNet; no avgpool/fc (state_dict ``body.*``)."""

    def __init__(self, depth: str, last_layer: str = "layer4") -> None:
        super().__init__()
        if depth not in _BUILDERS:
            raise ValueError(f"unknown ResNet depth {depth!r}; expected one of {sorted(_BUILDERS)}")
        full = _BUILDERS[depth](weights=None, norm_layer=FrozenBatchNorm2d)
        self.conv1, self.bn1, self.relu, self.maxpool = full.conv1, full.bn1, full.relu, full.maxpool
        self.layer_names = [f"layer{i}" for i in range(1, int(last_layer[-1]) + 1)]
        for name in self.layer_names:
            setattr(self, name, getattr(full, name))
        self.num_channels = _LAYER_CHANNELS[last_layer]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for name in self.layer_names:
            x = getattr(self, name)(x)
        return x


class BackboneWrapper(nn.Module):
    """Reproduces the ``backbone.0.body.*`` key path of DETR's ``Joiner(Backbone, PositionEncoding)``."""

    def __init__(self, body: ResNetBody) -> None:
        super().__init__()
        self.body = body


def downsample_mask(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest downsampling of a (B, H, W) bool padding mask; samples pixel (stride*i, stride*j)."""
    return nn.functional.interpolate(mask[None].float(), size=size).to(torch.bool)[0]


def sine_position_encoding(mask: torch.Tensor, num_pos_feats: int = 128, temperature: float = 10000.0) -> torch.Tensor:
    """DETR's normalised sine encoding of a (B, H, W) padding mask -> (B, 2*num_pos_feats, H, W).

    Row/column cumulative counts of valid cells are divided by the last count (+1e-6)
    and scaled by 2*pi; y features come first, each interleaving sin and cos.
    """
    not_mask = ~mask
    y_embed = not_mask.cumsum(1, dtype=torch.float32)
    x_embed = not_mask.cumsum(2, dtype=torch.float32)
    eps, scale = 1e-6, 2 * math.pi
    y_embed = y_embed / (y_embed[:, -1:, :] + eps) * scale
    x_embed = x_embed / (x_embed[:, :, -1:] + eps) * scale
    dim_t = torch.arange(num_pos_feats, dtype=torch.float32, device=mask.device)
    dim_t = temperature ** (2 * (dim_t // 2) / num_pos_feats)
    pos_x = x_embed[:, :, :, None] / dim_t
    pos_y = y_embed[:, :, :, None] / dim_t
    pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
    pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
    return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)
