"""Plain ViT layers with timm's module names: patch embedding, pre-norm block with a key-padding mask, and MAE's
fixed 2-D sine-cosine position tables (uvltrack-spec §2.1).

Keys: ``patch_embed.proj``, ``blocks.{i}.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}``, as in timm and
in the MAE-initialised trackers. Attention is written with explicit matmuls as the originals (thop counts
no MACs for them). The key mask is *finite* (−1e10, the originals' value): a row whose keys are all masked
gives a uniform softmax instead of NaN.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nlbench_trackers.common.layers import Mlp

#: The masked_fill value of the originals' attention (UVLTrack block.py:54).
KEY_MASK_FILL = -1e10


class PatchEmbed(nn.Module):
    """Conv k=s=patch, flattened to tokens (B, HW, C); no size check (the originals' assert is commented out)."""

    def __init__(self, patch_size: int, embed_dim: int, in_chans: int = 3) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class MaskedAttention(nn.Module):
    """Multi-head self-attention; ``key_mask`` (B, N) bool, True = that key is ignored by every query."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim {dim} must be divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, tokens, channels = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, channels // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        if key_mask is not None:
            attn = attn.masked_fill(key_mask[:, None, None, :], KEY_MASK_FILL)
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(batch, tokens, channels))


class Block(nn.Module):
    """Pre-norm transformer block (LN eps 1e-6, exact GELU, no LayerScale): x += attn(norm1 x); x += mlp(norm2 x)."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0, qkv_bias: bool = True,
                 eps: float = 1e-6) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = MaskedAttention(dim, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), key_mask)
        return x + self.mlp(self.norm2(x))


def sincos_pos_embed_2d(embed_dim: int, grid_size: int) -> torch.Tensor:
    """MAE's fixed table (grid_size², embed_dim): half the channels encode the row, half the column; each half
    is [sin, cos] of ``pos / 10000**(2i/d)``, computed in float64 and cast to float32 as MAE does."""
    if embed_dim % 4:
        raise ValueError(f"embed_dim {embed_dim} must be divisible by 4 for a 2-D sin-cos table")
    grid = np.meshgrid(np.arange(grid_size, dtype=np.float32), np.arange(grid_size, dtype=np.float32))  # w first

    def one_axis(dim: int, pos: np.ndarray) -> np.ndarray:
        omega = 1.0 / 10000 ** (np.arange(dim // 2, dtype=np.float64) / (dim / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    table = np.concatenate([one_axis(embed_dim // 2, grid[0]), one_axis(embed_dim // 2, grid[1])], axis=1)
    return torch.from_numpy(table).float()
