"""DETR-style post-norm transformer layers of JointNLT (spec §2.4, §3.3–§3.5).

Sequence-first tensors ``(L, B, C)`` and ``nn.MultiheadAttention`` as in the original (its key names are
in the checkpoint, and thop leaves it uncounted, spec §5). Masks apply to keys only; every position is
computed as a query, so padded search tokens still produce outputs (spec §8.5): never use the nested-tensor
fast path of ``nn.TransformerEncoder``.

``need_weights=True`` (the default) keeps MultiheadAttention on its explicit matmul/softmax path, as in the
original's torch 1.11; the fused SDPA path (``need_weights=False``) moves boxes by ~1e-4 px.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nlbench_trackers.common.layers import init_trunc_normal


def _with_pos(x: torch.Tensor, pos: torch.Tensor | None) -> torch.Tensor:
    return x if pos is None else x + pos


class EncoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, heads, dropout=dropout)
        self.linear1 = nn.Linear(dim, ffn)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ffn, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, src: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                pos: torch.Tensor | None = None) -> torch.Tensor:
        q = k = _with_pos(src, pos)
        attn = self.self_attn(q, k, value=src, key_padding_mask=key_padding_mask, need_weights=True)[0]
        src = self.norm1(src + self.dropout1(attn))
        ffn = self.linear2(self.dropout(F.gelu(self.linear1(src))))  # exact erf GELU (spec §1)
        return self.norm2(src + self.dropout2(ffn))


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, heads, dropout=dropout)
        self.multihead_attn = nn.MultiheadAttention(dim, heads, dropout=dropout)
        self.linear1 = nn.Linear(dim, ffn)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ffn, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, memory_key_padding_mask: torch.Tensor | None = None,
                pos: torch.Tensor | None = None, query_pos: torch.Tensor | None = None) -> torch.Tensor:
        q = k = _with_pos(tgt, query_pos)
        attn = self.self_attn(q, k, value=tgt, need_weights=True)[0]
        tgt = self.norm1(tgt + self.dropout1(attn))
        attn = self.multihead_attn(query=_with_pos(tgt, query_pos), key=_with_pos(memory, pos), value=memory,
                                   key_padding_mask=memory_key_padding_mask, need_weights=True)[0]
        tgt = self.norm2(tgt + self.dropout2(attn))
        ffn = self.linear2(self.dropout(F.gelu(self.linear1(tgt))))
        return self.norm3(tgt + self.dropout3(ffn))


class Encoder(nn.Module):
    """A stack of post-norm encoder layers without a final norm (``NORM_BEFORE: False``)."""

    def __init__(self, num_layers: int, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(dim, heads, ffn, dropout) for _ in range(num_layers))

    def forward(self, src: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                pos: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            src = layer(src, key_padding_mask, pos)
        return src


class Decoder(nn.Module):
    """A stack of decoder layers with a final LayerNorm; only the last output (no intermediates)."""

    def __init__(self, num_layers: int, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(dim, heads, ffn, dropout) for _ in range(num_layers))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, memory_key_padding_mask: torch.Tensor | None = None,
                pos: torch.Tensor | None = None, query_pos: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            tgt = layer(tgt, memory, memory_key_padding_mask, pos, query_pos)
        return self.norm(tgt)


class VisionLanguageEncoder(nn.Module):
    """Multi-source relation encoder (``vl_joint_trans``): text, template, separator and search tokens."""

    def __init__(self, num_layers: int, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.encoder = Encoder(num_layers, dim, heads, ffn, dropout)
        self.apply(init_trunc_normal)

    def forward(self, src: torch.Tensor, key_padding_mask: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return self.encoder(src, key_padding_mask, pos)


class TemporalTransformer(nn.Module):
    """Semantics-guided temporal module (``temporal_decoder``, spec §3.4): full DETR encoder/decoder."""

    def __init__(self, enc_layers: int, dec_layers: int, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.encoder = Encoder(enc_layers, dim, heads, ffn, dropout)
        self.decoder = Decoder(dec_layers, dim, heads, ffn, dropout)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src: torch.Tensor, query_embed: torch.Tensor) -> torch.Tensor:
        """src (L, B, C) without mask or positions; the decoder starts from zeros with ``query_embed`` as query_pos."""
        memory = self.encoder(src)
        return self.decoder(torch.zeros_like(query_embed), memory, query_pos=query_embed)

