"""DETR transformer layers (post-norm, ReLU), sequence-first ``(L, B, C)``, as VLTVG and STARK use them.

``nn.MultiheadAttention`` is kept as the module type so that the state_dict keys
(``in_proj_weight``, ``out_proj.*``) and the thop counting rules match the originals
(baselines-spec §1, §7). Dropout layers are omitted: the baselines only run in eval mode.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _with_pos(x: torch.Tensor, pos: torch.Tensor | None) -> torch.Tensor:
    return x if pos is None else x + pos


class EncoderLayer(nn.Module):
    def __init__(self, d_model: int = 256, nhead: int = 8, dim_feedforward: int = 2048) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)

    def forward(self, src: torch.Tensor, key_padding_mask: torch.Tensor | None, pos: torch.Tensor | None) -> torch.Tensor:
        q = k = _with_pos(src, pos)
        src = self.norm1(src + self.self_attn(q, k, value=src, key_padding_mask=key_padding_mask)[0])
        return self.norm2(src + self.linear2(F.relu(self.linear1(src))))


class Encoder(nn.Module):
    """A stack of post-norm encoder layers with no final norm (DETR ``TransformerEncoder``, norm None)."""

    def __init__(self, num_layers: int = 6, d_model: int = 256, nhead: int = 8, dim_feedforward: int = 2048) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(d_model, nhead, dim_feedforward) for _ in range(num_layers))

    def forward(self, src: torch.Tensor, key_padding_mask: torch.Tensor | None, pos: torch.Tensor | None) -> torch.Tensor:
        for layer in self.layers:
            src = layer(src, key_padding_mask, pos)
        return src


class DecoderLayer(nn.Module):
    def __init__(self, d_model: int = 256, nhead: int = 8, dim_feedforward: int = 2048) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead)
        self.multihead_attn = nn.MultiheadAttention(d_model, nhead)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(
        self,
        tgt: torch.Tensor,
        memory: torch.Tensor,
        memory_key_padding_mask: torch.Tensor | None,
        pos: torch.Tensor | None,
        query_pos: torch.Tensor | None,
    ) -> torch.Tensor:
        q = k = _with_pos(tgt, query_pos)
        tgt = self.norm1(tgt + self.self_attn(q, k, value=tgt)[0])
        attended = self.multihead_attn(
            query=_with_pos(tgt, query_pos),
            key=_with_pos(memory, pos),
            value=memory,
            key_padding_mask=memory_key_padding_mask,
        )[0]
        tgt = self.norm2(tgt + attended)
        return self.norm3(tgt + self.linear2(F.relu(self.linear1(tgt))))


class Decoder(nn.Module):
    """Post-norm decoder layers followed by one shared final LayerNorm (``return_intermediate`` False)."""

    def __init__(self, num_layers: int = 6, d_model: int = 256, nhead: int = 8, dim_feedforward: int = 2048) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(d_model, nhead, dim_feedforward) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)

    def forward(
        self,
        tgt: torch.Tensor,
        memory: torch.Tensor,
        memory_key_padding_mask: torch.Tensor | None,
        pos: torch.Tensor | None,
        query_pos: torch.Tensor | None,
    ) -> torch.Tensor:
        """Returns (1, Nq, B, C): the final-norm output with a leading stage axis, as DETR's decoder."""
        for layer in self.layers:
            tgt = layer(tgt, memory, memory_key_padding_mask, pos, query_pos)
        return self.norm(tgt).unsqueeze(0)


class MLP(nn.Module):
    """``num_layers`` Linear layers with ReLU between them (DETR's box MLP; keys ``layers.{i}``)."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, num_layers: int) -> None:
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        outs = [hidden_dim] * (num_layers - 1) + [output_dim]
        self.layers = nn.ModuleList(nn.Linear(n, k) for n, k in zip(dims, outs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = F.relu(layer(x)) if i < last else layer(x)
        return x
