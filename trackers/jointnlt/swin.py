"""The mmdet-style Swin Transformer of JointNLT (spec §2.2, §3.2, §8.4).

Module names follow the original (``stages.{i}.pre_stage`` / ``stages.{i}.blocks.{j}`` / ``norm{i}``) so
that the official state_dict loads strictly. Behaviour that differs from timm/HF Swin and is kept on
purpose: zero padding to window multiples *after* ``norm1`` without masking the padded tokens, a shift
that is never disabled, and a shift-mask value of -100.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nlbench_trackers.common.layers import Mlp, init_trunc_normal


class DropPath(nn.Module):
    """Stochastic depth per sample (training only)."""

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.rate == 0.0 or not self.training:
            return x
        keep = 1.0 - self.rate
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        return x * x.new_empty(shape).bernoulli_(keep) / keep


def relative_position_index(window: int) -> torch.Tensor:
    """(window², window²) int64: (r_p − r_q + w−1)·(2w−1) + (c_p − c_q + w−1), tokens row-major (spec §2.2)."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
    rel = coords[:, :, None] - coords[:, None, :] + (window - 1)
    return rel[0] * (2 * window - 1) + rel[1]


def window_partition(x: torch.Tensor, window: int) -> torch.Tensor:
    """(B, H, W, C) -> (B·nW, window², C), windows row-major, tokens row-major inside a window."""
    b, h, w, c = x.shape
    x = x.view(b, h // window, window, w // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, c)


def window_reverse(windows: torch.Tensor, window: int, h: int, w: int) -> torch.Tensor:
    b = windows.shape[0] // ((h // window) * (w // window))
    x = windows.view(b, h // window, w // window, window, window, -1)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, -1)


def shift_attention_mask(hp: int, wp: int, window: int, shift: int, device: torch.device) -> torch.Tensor:
    """(nW, window², window²) float: -100 between tokens of different shifted regions, else 0 (spec §3.2.4)."""
    labels = torch.zeros((1, hp, wp, 1), device=device)
    slices = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    count = 0
    for hs in slices:
        for ws in slices:
            labels[:, hs, ws, :] = count
            count += 1
    windows = window_partition(labels, window).squeeze(-1)
    diff = windows.unsqueeze(1) - windows.unsqueeze(2)
    return diff.masked_fill(diff != 0, -100.0).masked_fill(diff == 0, 0.0)


class WindowAttention(nn.Module):
    def __init__(self, dim: int, window: int, num_heads: int) -> None:
        super().__init__()
        self.window = window
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, num_heads))
        # Persistent in the original, so it is part of the checkpoint (spec §2.2).
        self.register_buffer("relative_position_index", relative_position_index(window), persistent=True)
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        bw, n, c = x.shape
        qkv = self.qkv(x).reshape(bw, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(bw // nw, nw, self.num_heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, n, n)
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(bw, n, c))


class SwinBlock(nn.Module):
    def __init__(self, dim: int, num_heads: int, window: int, shift: int, mlp_ratio: float, drop_path: float) -> None:
        super().__init__()
        self.window = window
        self.shift = shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, num_heads)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, h: int, w: int, mask: torch.Tensor) -> torch.Tensor:
        b, _, c = x.shape
        shortcut = x
        y = self.norm1(x).view(b, h, w, c)
        # mmdet quirk (§8.4): pad after the norm; the padded zero tokens take part in attention unmasked.
        pad_r = (self.window - w % self.window) % self.window
        pad_b = (self.window - h % self.window) % self.window
        y = F.pad(y, (0, 0, 0, pad_r, 0, pad_b))
        hp, wp = h + pad_b, w + pad_r
        if self.shift:
            y = torch.roll(y, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = self.attn(window_partition(y, self.window), mask if self.shift else None)
        y = window_reverse(windows, self.window, hp, wp)
        if self.shift:
            y = torch.roll(y, shifts=(self.shift, self.shift), dims=(1, 2))
        if pad_r or pad_b:
            y = y[:, :h, :w, :].contiguous()
        x = shortcut + self.drop_path(y.view(b, h * w, c))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, patch: int, in_chans: int, dim: int) -> None:
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        _, _, h, w = x.shape
        if w % self.patch:
            x = F.pad(x, (0, self.patch - w % self.patch))
        if h % self.patch:
            x = F.pad(x, (0, 0, 0, self.patch - h % self.patch))
        x = self.proj(x)
        h, w = x.shape[2], x.shape[3]
        return self.norm(x.flatten(2).transpose(1, 2)), h, w


class PatchMerging(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor, h: int, w: int) -> tuple[torch.Tensor, int, int]:
        b, _, c = x.shape
        x = x.view(b, h, w, c)
        if h % 2 or w % 2:
            x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        # Channel order of the original: (even,even), (odd row,even col), (even row,odd col), (odd,odd).
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        x = self.reduction(self.norm(x.view(b, -1, 4 * c)))
        return x, (h + 1) // 2, (w + 1) // 2


class SwinStage(nn.Module):
    def __init__(self, pre_stage: nn.Module, dim: int, depth: int, num_heads: int, window: int,
                 mlp_ratio: float, drop_paths: list[float]) -> None:
        super().__init__()
        self.pre_stage = pre_stage
        self.window = window
        self.shift = window // 2
        self.blocks = nn.ModuleList(
            SwinBlock(dim, num_heads, window, 0 if j % 2 == 0 else self.shift, mlp_ratio, drop_paths[j])
            for j in range(depth)
        )
        self._mask_cache: dict[tuple[int, int, torch.device, torch.dtype], torch.Tensor] = {}

    def _mask(self, h: int, w: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        hp = math.ceil(h / self.window) * self.window
        wp = math.ceil(w / self.window) * self.window
        key = (hp, wp, device, dtype)
        if key not in self._mask_cache:  # a constant per resolution: build once, not per frame
            mask = shift_attention_mask(hp, wp, self.window, self.shift, device)
            self._mask_cache[key] = mask.to(dtype)
        return self._mask_cache[key]

    def forward(self, x: torch.Tensor, h: int, w: int) -> tuple[torch.Tensor, int, int]:
        x, h, w = self.pre_stage(x) if isinstance(self.pre_stage, PatchEmbed) else self.pre_stage(x, h, w)
        mask = self._mask(h, w, x.device, x.dtype)
        for block in self.blocks:
            x = block(x, h, w, mask)
        return x, h, w


class SwinBackbone(nn.Module):
    """Swin with ``len(depths)`` stages; ``forward`` returns the last stage after its ``norm{i}``, (B, C, H, W).

    norm0/norm1 exist (they are in the checkpoint) but their outputs are discarded by JointNLT, so they are
    only computed when ``all_stages=True``.
    """

    def __init__(self, embed_dim: int, depths: tuple[int, ...], heads: tuple[int, ...], window: int = 7,
                 patch: int = 4, mlp_ratio: float = 4.0, drop_path: float = 0.0) -> None:
        super().__init__()
        dims = [embed_dim * 2**i for i in range(len(depths))]
        rates = torch.linspace(0, drop_path, sum(depths)).tolist()
        self.stages = nn.ModuleList()
        start = 0
        for i, (depth, num_heads) in enumerate(zip(depths, heads)):
            pre = PatchEmbed(patch, 3, embed_dim) if i == 0 else PatchMerging(dims[i - 1])
            self.stages.append(SwinStage(pre, dims[i], depth, num_heads, window, mlp_ratio, rates[start:start + depth]))
            start += depth
        for i, dim in enumerate(dims):
            self.add_module(f"norm{i}", nn.LayerNorm(dim))
        self.dims = tuple(dims)
        self.apply(init_trunc_normal)

    def forward(self, x: torch.Tensor, all_stages: bool = False) -> list[torch.Tensor]:
        h = w = 0
        outs = []
        last = len(self.stages) - 1
        for i, stage in enumerate(self.stages):
            x, h, w = stage(x, h, w)
            if all_stages or i == last:
                y = getattr(self, f"norm{i}")(x)
                outs.append(y.view(-1, h, w, self.dims[i]).permute(0, 3, 1, 2).contiguous())
        return outs

