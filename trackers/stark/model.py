"""STARK-ST network (baselines-spec §3.1-§3.3): ResNet to layer3, DETR transformer, corner and score heads.

Module names follow the official ``STARKST`` so that ``STARKST_ep0050.pth.tar['net']``
loads strictly: ``backbone.0.body``, ``transformer.{encoder,decoder}``, ``box_head``,
``query_embed``, ``bottleneck``, ``cls_head``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nlbench_trackers.common.detr import MLP, Decoder, Encoder
from nlbench_trackers.common.layers import CornerPredictor
from nlbench_trackers.common.resnet import BackboneWrapper, ResNetBody, downsample_mask, sine_position_encoding


@dataclass(frozen=True)
class StarkConfig:
    depth: str = "resnet101"  # ST50: resnet50
    hidden: int = 256
    template_size: int = 128
    template_factor: float = 2.0
    search_size: int = 320
    search_factor: float = 5.0
    stride: int = 16


ST101 = StarkConfig(depth="resnet101")
ST50 = StarkConfig(depth="resnet50")


class StarkTransformer(nn.Module):
    def __init__(self, d_model: int = 256) -> None:
        super().__init__()
        self.encoder = Encoder(6, d_model)
        self.decoder = Decoder(6, d_model)


def xyxy_to_cxcywh(boxes: torch.Tensor) -> torch.Tensor:
    x0, y0, x1, y1 = boxes.unbind(-1)
    return torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], dim=-1)


class StarkST(nn.Module):
    def __init__(self, config: StarkConfig = ST101) -> None:
        super().__init__()
        self.config = config
        body = ResNetBody(config.depth, last_layer="layer3")
        self.backbone = nn.ModuleList([BackboneWrapper(body)])
        self.transformer = StarkTransformer(config.hidden)
        self.feat_size = config.search_size // config.stride
        self.box_head = CornerPredictor(config.hidden, config.hidden, self.feat_size, config.stride)
        self.query_embed = nn.Embedding(1, config.hidden)
        self.bottleneck = nn.Conv2d(body.num_channels, config.hidden, kernel_size=1)
        self.cls_head = MLP(config.hidden, config.hidden, 1, 3)

    def forward_backbone(self, image: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """One image (B,3,H,W) with its padding mask (B,H,W) -> sequence-first feature, mask and position."""
        feature = self.backbone[0].body(image)
        feat_mask = downsample_mask(mask, feature.shape[-2:])
        pos = sine_position_encoding(feat_mask, self.config.hidden // 2).to(feature.dtype)
        return {
            "feat": self.bottleneck(feature).flatten(2).permute(2, 0, 1),
            "mask": feat_mask.flatten(1),
            "pos": pos.flatten(2).permute(2, 0, 1),
        }

    def forward_transformer(self, parts: list[dict[str, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
        """[template, dynamic template, search] -> normalised cxcywh boxes (B, 4) and score logits (B,).

        The search must be the last part: the corner head reads the last fs*fs encoder tokens.
        """
        feat = torch.cat([p["feat"] for p in parts], dim=0)
        mask = torch.cat([p["mask"] for p in parts], dim=1)
        pos = torch.cat([p["pos"] for p in parts], dim=0)
        batch = feat.shape[1]
        memory = self.transformer.encoder(feat, mask, pos)
        query = self.query_embed.weight.unsqueeze(1).repeat(1, batch, 1)
        hs = self.transformer.decoder(torch.zeros_like(query), memory, mask, pos, query)  # (1, Nq, B, C)
        hs = hs.transpose(1, 2)  # (1, B, Nq, C)
        search_len = self.feat_size * self.feat_size
        enc = memory[-search_len:].transpose(0, 1)  # (B, HW, C)
        dec = hs.squeeze(0).transpose(1, 2)  # (B, C, Nq)
        weights = torch.matmul(enc, dec)  # (B, HW, Nq); padded search cells are not masked (§3.3 step 5)
        fused = (enc.unsqueeze(-1) * weights.unsqueeze(-2)).permute(0, 3, 2, 1).contiguous()
        fused = fused.view(-1, self.config.hidden, self.feat_size, self.feat_size)
        boxes = xyxy_to_cxcywh(self.box_head(fused)[0])
        logits = self.cls_head(hs)[-1].view(-1)
        return boxes, logits
