"""The JointNLT network (spec §2, §3): one class for the official Swin-B model and the small configurations.

Attribute names equal the original's so that the official ``net`` state_dict loads with ``strict=True``.
Everything is batch-shaped; no pretrained weights are downloaded at construction (spec §8.12); constants
follow the input's device (spec §8.11).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import RoIAlign
from transformers import BertConfig, BertModel

from nlbench_trackers.common.layers import CornerPredictor, init_trunc_normal

from .config import JOINTNLT_SWIN_B, JointNLTConfig
from .swin import SwinBackbone
from .transformer import Decoder, TemporalTransformer, VisionLanguageEncoder


def box_xyxy_to_cxcywh(box: torch.Tensor) -> torch.Tensor:
    x0, y0, x1, y1 = box.unbind(-1)
    return torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0), (y1 - y0)], dim=-1)


def box_cxcywh_to_xyxy(box: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = box.unbind(-1)
    return torch.stack([(cx - 0.5 * w), (cy - 0.5 * h), (cx + 0.5 * w), (cy + 0.5 * h)], dim=-1)


def bert_config(cfg: JointNLTConfig) -> BertConfig:
    return BertConfig(
        vocab_size=cfg.bert_vocab,
        hidden_size=cfg.bert_hidden,
        num_hidden_layers=cfg.bert_layers,
        num_attention_heads=cfg.bert_heads,
        intermediate_size=cfg.bert_intermediate,
        hidden_act="gelu",
        hidden_dropout_prob=cfg.bert_dropout,
        attention_probs_dropout_prob=cfg.bert_dropout,
        max_position_embeddings=cfg.bert_max_positions,
        type_vocab_size=cfg.bert_type_vocab,
        layer_norm_eps=1e-12,
    )


class LanguageBackbone(nn.Module):
    """``language_backbone.bert``: BERT without pooler; the last layer's hidden states (spec §2.3, §3.1)."""

    def __init__(self, cfg: JointNLTConfig) -> None:
        super().__init__()
        self.bert = BertModel(bert_config(cfg), add_pooling_layer=False)
        self.num_channels = cfg.bert_hidden

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))
        return out.last_hidden_state


class JointNLT(nn.Module):
    """Joint grounding and tracking network.

    Boxes are ``cxcywh`` normalised to the search (= grounding) crop. Text, template and search masks are
    bool with True meaning padding (ignored as attention keys).
    """

    def __init__(self, cfg: JointNLTConfig = JOINTNLT_SWIN_B) -> None:
        super().__init__()
        self.cfg = cfg
        c = cfg.hidden_dim
        self.hidden_dim = c
        self.visual_backbone = SwinBackbone(cfg.swin_embed_dim, cfg.swin_depths, cfg.swin_heads, cfg.swin_window,
                                            cfg.swin_patch, cfg.swin_mlp_ratio, cfg.swin_drop_path)
        self.language_backbone = LanguageBackbone(cfg)
        self.vl_joint_trans = VisionLanguageEncoder(cfg.vl_layers, c, cfg.num_heads, cfg.ffn_dim, cfg.dropout)
        self.temporal_decoder = TemporalTransformer(cfg.temporal_enc_layers, cfg.temporal_dec_layers, c,
                                                    cfg.num_heads, cfg.ffn_dim, cfg.dropout)
        self.target_decoder = Decoder(cfg.target_dec_layers, c, cfg.num_heads, cfg.ffn_dim, cfg.dropout)
        self.box_head = CornerPredictor(c, cfg.head_channel, cfg.search_feat_size, cfg.stride)
        self.visu_proj = nn.Linear(self.visual_backbone.dims[-1], c)
        self.text_proj = nn.Linear(cfg.bert_hidden, c)
        self.sep_embed = nn.Embedding(1, c)  # USE_VIS_SEP: True; no visual CLS token (spec §1, §8.18)
        self.temporal_query_embed = nn.Embedding(1, c)
        self.target_query_embed = nn.Embedding(1, c)
        self.vl_pos_embed = nn.Embedding(cfg.num_vl_tokens, c)
        #: run the batch-sensitive stages once per element (set by the batched tracker; no effect at batch 1)
        self.batch_invariant = False
        self.roi = RoIAlign((cfg.roi_output_size, cfg.roi_output_size), spatial_scale=1 / cfg.stride,
                            sampling_ratio=cfg.roi_sampling_ratio, aligned=False)
        for module in (self.vl_pos_embed, self.text_proj, self.visu_proj):
            module.apply(init_trunc_normal)
        nn.init.trunc_normal_(self.vl_pos_embed.weight, std=0.02)

    # Encoders ---------------------------------------------------------------------------------
    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """ids, mask (B, L) with mask 1 on real tokens → text_src (B, L, C), text_mask (B, L) True on padding."""
        hidden = self.language_backbone(ids, mask)
        return self.text_proj(hidden), ~mask.to(torch.bool)

    def encode_visual(self, img: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised image (B, 3, S, S) and pixel mask (B, S, S) True on padding → tokens (B, HW, C), mask (B, HW)."""
        size = img.shape[-1] // self.cfg.stride
        feat = self.visual_backbone(img)[-1]
        tokens = self.visu_proj(feat.flatten(2).permute(0, 2, 1).contiguous())
        # PyTorch 'nearest' samples pixel (16i, 16j) (spec §8.6); the original feeds mask[None] (batch as channels).
        token_mask = F.interpolate(mask[None].float(), size=size, mode="nearest").to(torch.bool)[0].flatten(1)
        return tokens, token_mask

    # Joint part ---------------------------------------------------------------------------------
    def forward_joint(self, text_src: torch.Tensor, text_mask: torch.Tensor, template_src: torch.Tensor,
                      template_mask: torch.Tensor, search_src: torch.Tensor, search_mask: torch.Tensor,
                      temporal_clue: torch.Tensor | list[torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        """Relation encoder, SGTM, target decoder, modulation, head and RoI (spec §3.3–§3.9)."""
        b = text_src.shape[0]
        sep = self.sep_embed.weight.unsqueeze(0).expand(b, -1, -1)
        sep_mask = text_mask.new_zeros((b, 1))
        src = torch.cat([text_src, template_src, sep, search_src], dim=1).permute(1, 0, 2).contiguous()
        mask = torch.cat([text_mask, template_mask, sep_mask, search_mask], dim=1)
        pos = self.vl_pos_embed.weight.unsqueeze(1).expand(-1, b, -1)
        out = self.vl_joint_trans(src, mask, pos)

        n_search = self.cfg.num_search_tokens
        search_tokens = out[-n_search:]  # (HW, B, C)
        search_pos = pos[-n_search:]
        text_cls = out[0]  # (B, C), the [CLS] slot

        query = self.target_query_embed.weight.unsqueeze(1).expand(-1, b, -1)
        if isinstance(temporal_clue, (list, tuple)):  # batched slots at different frames: clues of two lengths
            query = query + self.forward_temporal_ragged(text_cls, temporal_clue)
        elif temporal_clue is not None:
            temporal_out = self._per_sample(self.forward_temporal, (0, 0), 1, text_cls, temporal_clue)
            query = query + temporal_out
        target = self._per_sample(
            lambda q, m, k, p: self.target_decoder(q, m, memory_key_padding_mask=k, pos=p), (1, 1, 0, 1), 1,
            query, search_tokens, search_mask, search_pos)

        # Target-aware modulation (spec §3.6).
        search_tokens = search_tokens + search_tokens * target
        side = self.cfg.search_feat_size
        feat = search_tokens.permute(1, 2, 0).contiguous().view(b, self.hidden_dim, side, side)

        xyxy, score_tl, score_br = self._per_sample(self.box_head, (0,), 0, feat)
        head_boxes = box_xyxy_to_cxcywh(xyxy)
        # The original scales w, h by 1.5 in place on the tensor it returns (spec §3.9, §8.1).
        roi_boxes = torch.cat([head_boxes[:, :2], head_boxes[:, 2:] * self.cfg.roi_scale], dim=1)
        roi_feature = self.extract_roi(feat, roi_boxes)
        return {
            "pred_boxes": roi_boxes if self.cfg.roi_scale_in_place else head_boxes,
            "head_boxes": head_boxes,
            "roi_boxes": roi_boxes,
            "roi_feature": roi_feature,
            "score_map_tl": score_tl,
            "score_map_br": score_br,
            "vl_search_tokens": out[-n_search:],  # (HW, B, C) before modulation; training's token loss reads it
        }

    def forward_temporal(self, text_cls: torch.Tensor, temporal_clue: torch.Tensor) -> torch.Tensor:
        """SGTM: [text_cls, RoI tokens] (clue (B, C, N·36)) → temporal output (1, B, C) (spec §3.4)."""
        b = text_cls.shape[0]
        seq = torch.cat((text_cls.unsqueeze(-1), temporal_clue), dim=-1).permute(2, 0, 1).contiguous()
        query = self.temporal_query_embed.weight.unsqueeze(1).expand(-1, b, -1)
        return self.temporal_decoder(seq, query)

    def _per_sample(self, fn: Any, dims: tuple[int, ...], out_dim: int, *args: torch.Tensor) -> Any:
        """``fn(*args)``, or with ``batch_invariant`` one call per batch element, concatenated along ``out_dim``.

        The single-query stages (SGTM, the target decoder) and the corner head compute a batch-1 element with
        other kernels (matrix-vector products, other conv algorithms) than a batch; their ~1e-6 differences
        can flip the crop's integer rounding on a later frame. Per element they are the batch-1 numbers.
        """
        b = args[0].shape[dims[0]]
        if not self.batch_invariant or b == 1:
            return fn(*args)
        outs = [fn(*(a.narrow(d, i, 1) for a, d in zip(args, dims))) for i in range(b)]
        if isinstance(outs[0], tuple):
            return tuple(torch.cat(parts, dim=out_dim) for parts in zip(*outs))
        return torch.cat(outs, dim=out_dim)

    def forward_temporal_ragged(self, text_cls: torch.Tensor, clues: list[torch.Tensor]) -> torch.Tensor:
        """SGTM for a batch whose clues (one (1, C, N·36) per element) differ in length: one pass per length.

        Grouping instead of padding keeps every element's numbers those of its batch-1 pass.
        """
        out = text_cls.new_empty((1, text_cls.shape[0], self.hidden_dim))
        for length in sorted({clue.shape[-1] for clue in clues}):
            index = [i for i, clue in enumerate(clues) if clue.shape[-1] == length]
            rows = torch.tensor(index, device=text_cls.device)
            out[:, rows] = self._per_sample(self.forward_temporal, (0, 0), 1, text_cls[rows],
                                            torch.cat([clues[i] for i in index]))
        return out

    def extract_roi(self, feat: torch.Tensor, boxes_cxcywh: torch.Tensor) -> torch.Tensor:
        """RoIAlign of the modulated map over the (already enlarged) boxes → (B, C, 6, 6)."""
        xyxy = box_cxcywh_to_xyxy(boxes_cxcywh * self.cfg.search_size)
        index = torch.arange(feat.shape[0], device=feat.device, dtype=xyxy.dtype).unsqueeze(-1)
        rois = torch.cat((index, xyxy), dim=1)
        if feat.dtype == torch.bfloat16:  # torchvision's roi_align kernels have no bfloat16 variant
            return self.roi(feat.float(), rois.float()).to(feat.dtype)
        return self.roi(feat, rois)

    # Modes --------------------------------------------------------------------------------------
    def grounding_placeholder(self, b: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero template tokens with an all-True mask: the template slot in grounding mode (spec §3.3)."""
        n = self.cfg.num_template_tokens
        return like.new_zeros((b, n, self.hidden_dim)), torch.ones((b, n), dtype=torch.bool, device=like.device)

    def forward_grounding(self, text_src: torch.Tensor, text_mask: torch.Tensor, img: torch.Tensor,
                          img_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        search_src, search_mask = self.encode_visual(img, img_mask)
        template_src, template_mask = self.grounding_placeholder(text_src.shape[0], text_src)
        return self.forward_joint(text_src, text_mask, template_src, template_mask, search_src, search_mask, None)

    def forward_tracking(self, text_src: torch.Tensor, text_mask: torch.Tensor, template_tokens: torch.Tensor,
                         template_mask: torch.Tensor, search_img: torch.Tensor, search_mask: torch.Tensor,
                         temporal_clue: torch.Tensor | list[torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        search_src, search_token_mask = self.encode_visual(search_img, search_mask)
        return self.forward_joint(text_src, text_mask, template_tokens, template_mask, search_src,
                                  search_token_mask, temporal_clue)

    def forward(self, text: Any, template: Any, temporal: torch.Tensor | None, search: Any,
                mode: str = "grounding") -> dict[str, torch.Tensor]:
        """The original's ``model(text, template, temporal, search, mode)``, for profiling and training.

        ``text`` = (ids, 0/1 mask); ``template`` and ``search`` = (image, pixel mask True on padding);
        ``mode`` is 'grounding' (template ignored) or 'tracking'.
        """
        ids, ids_mask = text
        text_src, text_mask = self.encode_text(ids, ids_mask)
        search_img, search_mask = search
        if mode == "grounding":
            return self.forward_grounding(text_src, text_mask, search_img, search_mask)
        if mode == "tracking":
            template_tokens, template_mask = self.encode_visual(*template)
            return self.forward_tracking(text_src, text_mask, template_tokens, template_mask, search_img,
                                         search_mask, temporal)
        raise ValueError(f"mode must be 'grounding' or 'tracking', not {mode!r}")


def build_jointnlt(cfg: JointNLTConfig = JOINTNLT_SWIN_B) -> JointNLT:
    return JointNLT(cfg)
