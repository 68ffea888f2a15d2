"""OSTrack network (baselines-spec §4.1-§4.3): ViT-B/16 with candidate elimination and a centre head.

The ViT is written here rather than taken from timm (not a dependency); module names
reproduce timm's (``patch_embed.proj``, ``blocks.{i}.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}``)
so ``OSTrack_ep0300.pth.tar['net']`` loads strictly. Attention uses explicit matmuls
as the original (thop counts no MACs for them, §7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nlbench_trackers.common.layers import Mlp, conv_bn_relu


@dataclass(frozen=True)
class OSTrackConfig:
    template_size: int = 192
    template_factor: float = 2.0
    search_size: int = 384
    search_factor: float = 5.0
    patch_size: int = 16
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.0
    ce_loc: tuple[int, ...] = (3, 6, 9)
    ce_keep_ratio: float = 0.7
    head_channels: int = 256
    #: the unused MAE table ``pos_embed`` keeps its 14x14+1 shape in the checkpoint
    mae_positions: int = 197

    @property
    def template_feat_size(self) -> int:
        return self.template_size // self.patch_size

    @property
    def search_feat_size(self) -> int:
        return self.search_size // self.patch_size


OSTRACK_384_CONFIG = OSTrackConfig()
OSTRACK_256_CONFIG = OSTrackConfig(template_size=128, search_size=256, search_factor=4.0)


class PatchEmbed(nn.Module):
    def __init__(self, patch_size: int, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns the output and the post-softmax attention (B, heads, N, N)."""
        batch, tokens, channels = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, channels // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(batch, tokens, channels)
        return self.proj(out), attn


def candidate_elimination(
    attn: torch.Tensor,
    tokens: torch.Tensor,
    template_len: int,
    keep_ratio: float,
    global_index: torch.Tensor,
    template_mask: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Keep the ceil(keep_ratio * L_s) search tokens most attended by the (selected) template queries.

    Kept tokens come out in descending score order, their global indices tracked;
    dropped ones are simply removed (no fused token). Returns tokens, kept and removed indices.
    """
    search_len = attn.shape[-1] - template_len
    batch, heads = attn.shape[:2]
    keep = math.ceil(keep_ratio * search_len)
    if keep == search_len:
        return tokens, global_index, None
    attn_t = attn[:, :, :template_len, template_len:]
    if template_mask is not None:
        selector = template_mask.unsqueeze(1).unsqueeze(-1).expand(-1, heads, -1, search_len)
        attn_t = attn_t[selector].view(batch, heads, -1, search_len)
    scores = attn_t.mean(dim=2).mean(dim=1)
    _, order = torch.sort(scores, dim=1, descending=True)  # sort, not topk, as the original (tie order, §9)
    kept_idx, removed_idx = order[:, :keep], order[:, keep:]
    search = tokens[:, template_len:]
    channels = search.shape[-1]
    attentive = search.gather(dim=1, index=kept_idx.unsqueeze(-1).expand(batch, -1, channels))
    new_tokens = torch.cat([tokens[:, :template_len], attentive], dim=1)
    return new_tokens, global_index.gather(1, kept_idx), global_index.gather(1, removed_idx)


class CEBlock(nn.Module):
    """Pre-norm ViT block; candidate elimination sits between the attention and the MLP residuals."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, keep_ratio: float = 1.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.keep_ratio = keep_ratio

    def forward(
        self, x: torch.Tensor, template_len: int, global_index_s: torch.Tensor, template_mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        out, attn = self.attn(self.norm1(x))
        x = x + out
        removed = None
        if self.keep_ratio < 1:
            x, global_index_s, removed = candidate_elimination(
                attn, x, template_len, self.keep_ratio, global_index_s, template_mask
            )
        x = x + self.mlp(self.norm2(x))
        return x, global_index_s, removed


class VisionTransformerCE(nn.Module):
    def __init__(self, config: OSTrackConfig) -> None:
        super().__init__()
        dim = config.embed_dim
        # cls_token and the MAE pos_embed are never used at test time but are part of the checkpoint
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, config.mae_positions, dim))
        self.pos_embed_z = nn.Parameter(torch.zeros(1, config.template_feat_size**2, dim))
        self.pos_embed_x = nn.Parameter(torch.zeros(1, config.search_feat_size**2, dim))
        self.patch_embed = PatchEmbed(config.patch_size, dim)
        self.blocks = nn.ModuleList(
            CEBlock(dim, config.num_heads, config.mlp_ratio, config.ce_keep_ratio if i in config.ce_loc else 1.0)
            for i in range(config.depth)
        )
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.pos_embed_z, std=0.02)
        nn.init.trunc_normal_(self.pos_embed_x, std=0.02)

    def forward(
        self, template: torch.Tensor, search: torch.Tensor, template_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Returns [template tokens, search tokens restored to raster order] (B, Lz+Lx, C).

        Search tokens removed by candidate elimination are exact zeros, inserted after the final norm (§4.3 step 6).
        """
        x = self.patch_embed(search) + self.pos_embed_x
        z = self.patch_embed(template) + self.pos_embed_z
        batch, lens_x, lens_z = x.shape[0], x.shape[1], z.shape[1]
        x = torch.cat([z, x], dim=1)
        global_index_s = torch.linspace(0, lens_x - 1, lens_x, device=x.device).repeat(batch, 1)
        removed: list[torch.Tensor] = []
        for block in self.blocks:
            x, global_index_s, removed_s = block(x, lens_z, global_index_s, template_mask)
            if removed_s is not None:
                removed.append(removed_s)
        x = self.norm(x)
        z, x = x[:, :lens_z], x[:, lens_z:]
        if removed:
            channels = x.shape[-1]
            x = torch.cat([x, x.new_zeros(batch, lens_x - global_index_s.shape[1], channels)], dim=1)
            index_all = torch.cat([global_index_s, *removed], dim=1)
            index = index_all.unsqueeze(-1).expand(batch, -1, channels).to(torch.int64)
            x = torch.zeros_like(x).scatter_(dim=1, index=index, src=x)
        return torch.cat([z, x], dim=1)


def _clamped_sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x.sigmoid(), min=1e-4, max=1 - 1e-4)


class CenterPredictor(nn.Module):
    """Centre-score, offset and size towers; decoding reads offset and size at the score argmax."""

    def __init__(self, in_channels: int = 768, channels: int = 256, feat_size: int = 24) -> None:
        super().__init__()
        self.feat_size = feat_size
        widths = [in_channels, channels, channels // 2, channels // 4, channels // 8]
        for branch, out in (("ctr", 1), ("offset", 2), ("size", 2)):
            for i in range(4):
                setattr(self, f"conv{i + 1}_{branch}", conv_bn_relu(widths[i], widths[i + 1]))
            setattr(self, f"conv5_{branch}", nn.Conv2d(widths[4], out, kernel_size=1))

    def _tower(self, x: torch.Tensor, branch: str) -> torch.Tensor:
        for i in range(1, 6):
            x = getattr(self, f"conv{i}_{branch}")(x)
        return x

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, C, fs, fs) -> score map (B,1,fs,fs), size map (B,2,fs,fs), offset map (B,2,fs,fs)."""
        return _clamped_sigmoid(self._tower(x, "ctr")), _clamped_sigmoid(self._tower(x, "size")), self._tower(x, "offset")

    def decode(self, score_map: torch.Tensor, size_map: torch.Tensor, offset_map: torch.Tensor) -> torch.Tensor:
        """Normalised cxcywh (B, 4) at the row-major argmax of ``score_map`` (first index wins ties)."""
        _, idx = torch.max(score_map.flatten(1), dim=1, keepdim=True)
        idx_y = idx // self.feat_size
        idx_x = idx % self.feat_size
        gather_idx = idx.unsqueeze(1).expand(idx.shape[0], 2, 1)
        size = size_map.flatten(2).gather(dim=2, index=gather_idx)
        offset = offset_map.flatten(2).gather(dim=2, index=gather_idx).squeeze(-1)
        return torch.cat(
            [
                (idx_x.to(torch.float) + offset[:, :1]) / self.feat_size,
                (idx_y.to(torch.float) + offset[:, 1:]) / self.feat_size,
                size.squeeze(-1),
            ],
            dim=1,
        )


def center_template_mask(template_feat_size: int, batch: int = 1, device: torch.device | str = "cpu") -> torch.Tensor:
    """``CTR_POINT``: only the template token at the centre cell ((5,5) for 12x12, (3,3) for 8x8) scores CE."""
    centre = {8: 3, 12: 5, 7: 3, 14: 6}.get(template_feat_size)
    if centre is None:
        raise ValueError(f"CTR_POINT is defined for template grids 7, 8, 12, 14, not {template_feat_size}")
    mask = torch.zeros(batch, template_feat_size, template_feat_size, device=device)
    mask[:, centre, centre] = 1
    return mask.flatten(1).to(torch.bool)


class OSTrack(nn.Module):
    def __init__(self, config: OSTrackConfig = OSTRACK_384_CONFIG) -> None:
        super().__init__()
        self.config = config
        self.backbone = VisionTransformerCE(config)
        self.box_head = CenterPredictor(config.embed_dim, config.head_channels, config.search_feat_size)

    def forward(
        self, template: torch.Tensor, search: torch.Tensor, template_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Score, size and offset maps of the search region (before the Hann window)."""
        tokens = self.backbone(template, search, template_mask)
        fs = self.config.search_feat_size
        search_tokens = tokens[:, -fs * fs :]
        feature = search_tokens.unsqueeze(-1).permute(0, 3, 2, 1).contiguous().view(-1, self.config.embed_dim, fs, fs)
        return self.box_head(feature)
