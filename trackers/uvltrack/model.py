"""The UVLTrack network (uvltrack-spec §2), top to bottom as the paper's figure: the modality-unified feature
extractor (MAE ViT + truncated BERT, fused in the last blocks), the modality-adaptive box head, and the
distribution-based prompter inside it.

Attribute names equal the original's so that the official ``net`` state_dict (390 keys for B, 630 for L) loads
with ``strict=True``; the prompter's old prefix ``image_tokenlize`` is mapped in :mod:`.checkpoint`. Everything
is batch-shaped, with one ``flag`` per row (0 = BBOX, 1 = NL, 2 = NL+BBOX). No pretrained file is read at
construction; dropout layers are omitted (test time only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertConfig, BertModel

from nlbench_trackers.common.layers import Mlp, conv_bn_relu
from nlbench_trackers.common.vit import Block, PatchEmbed, sincos_pos_embed_2d

from .config import UVLTRACK_B, UVLTrackConfig

#: Masked fills of the original: BERT's additive −10000, the prompter's −1e20 (finite: no NaN rows).
BERT_MASK_FILL = -10000.0
PROMPT_MASK_FILL = -1e20
FLAG_BBOX, FLAG_NL, FLAG_NLBBOX = 0, 1, 2


@dataclass
class Features:
    """What the feature extractor hands the head (the original's ``out_dict``), every tensor batch-first."""

    template: torch.Tensor  # (B, Nz, D) fused template tokens
    search: torch.Tensor  # (B, Nx, D) fused search tokens
    vis_token: torch.Tensor  # (B, 1, D) the ViT cls token
    txt_token: torch.Tensor  # (B, 1, D) the fused [CLS] text token (TXT_TOKEN_MODE 'cls')
    flag: torch.Tensor  # (B,) int64

    def rows(self, index: slice | torch.Tensor) -> "Features":
        return Features(self.template[index], self.search[index], self.vis_token[index], self.txt_token[index],
                        self.flag[index])

    def token(self) -> torch.Tensor:
        """(B, D): [vis_token, txt_token, (vis+txt)/2][flag] (head :96-106)."""
        group = torch.cat([self.vis_token, self.txt_token, (self.vis_token + self.txt_token) / 2], dim=1)
        return group[torch.arange(group.shape[0], device=group.device), self.flag]


def bert_config(cfg: UVLTrackConfig) -> BertConfig:
    return BertConfig(
        vocab_size=cfg.bert_vocab,
        hidden_size=cfg.embed_dim,
        num_hidden_layers=cfg.bert_layers,
        num_attention_heads=cfg.bert_heads,
        intermediate_size=cfg.bert_intermediate,
        hidden_act="gelu",
        max_position_embeddings=cfg.bert_max_positions,
        type_vocab_size=cfg.bert_type_vocab,
        layer_norm_eps=1e-12,
        attn_implementation="eager",  # scores + additive mask, softmax: pytorch_pretrained_bert's arithmetic
    )


class MaskedAutoencoderViT(nn.Module):
    """``backbone.vit``: MAE ViT with separate template/search position tables and the two modality embeddings.

    ``norm`` is in the checkpoint but never applied (spec §2.1).
    """

    def __init__(self, cfg: UVLTrackConfig) -> None:
        super().__init__()
        d = cfg.embed_dim
        self.num_patches_z = cfg.num_template_tokens
        self.num_patches_x = cfg.num_search_tokens
        self.patch_embed = PatchEmbed(cfg.patch_size, d)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed_z = nn.Parameter(sincos_pos_embed_2d(d, cfg.template_feat_size)[None], requires_grad=False)
        self.pos_embed_x = nn.Parameter(sincos_pos_embed_2d(d, cfg.feat_size)[None], requires_grad=False)
        self.modal_embed = nn.Parameter(torch.zeros(2, d))
        self.blocks = nn.ModuleList(Block(d, cfg.num_heads, cfg.mlp_ratio) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(d, eps=1e-6)
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.modal_embed, std=0.02)

    def patchify(self, template: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        """[cls, z + pos_z, x + pos_x]: (B, 1 + Nz + Nx, D); no position on the cls token."""
        z = self.patch_embed(template) + self.pos_embed_z
        x = self.patch_embed(search) + self.pos_embed_x
        return torch.cat((self.cls_token.expand(x.shape[0], -1, -1), z, x), dim=1)

    def forward_joint(self, img: torch.Tensor, txt: torch.Tensor, mask: torch.Tensor, index: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """Block ``index`` over [img + modal_embed[0], txt + modal_embed[1]]; the embeddings are re-added at every
        fusion layer (spec §2.1, risk 7)."""
        joint = torch.cat([img + self.modal_embed[0], txt + self.modal_embed[1]], dim=1)
        joint = self.blocks[index](joint, mask)
        return joint.split([img.shape[1], txt.shape[1]], dim=1)


class ModalityUnifiedFeatureExtractor(nn.Module):
    """``backbone``: shallow ViT and BERT layers in parallel, then the deep layers on image and text jointly."""

    def __init__(self, cfg: UVLTrackConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))  # training's contrastive loss only
        self.vit = MaskedAutoencoderViT(cfg)
        self.bert = BertModel(bert_config(cfg), add_pooling_layer=True)  # the pooler is stored, never used
        self.fusion_layers = frozenset(cfg.fusion_layers)

    def masks(self, text_mask: torch.Tensor, flag: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``cat_mask`` (…extractor.py:43-50): (joint mask (B, 1+Nz+Nx+L), visual mask (B, 1+Nz+Nx)), True = masked.

        cls and template are masked in NL mode (flag 1), the text in BBOX mode (flag 0).
        """
        flag = flag.reshape(-1, 1)
        b = flag.shape[0]
        ones = torch.ones((b, 1), device=flag.device)
        x_keep = torch.ones((b, self.vit.num_patches_x), device=flag.device)
        z_keep = torch.ones((b, self.vit.num_patches_z), device=flag.device) * (flag != FLAG_NL)
        c_keep = ones * (flag != FLAG_NL)
        t_keep = text_mask * (flag != FLAG_BBOX)
        visual = torch.cat([c_keep, z_keep, x_keep], dim=1)
        return ~torch.cat([visual, t_keep.to(visual.dtype)], dim=1).bool(), ~visual.bool()

    def forward(self, template: torch.Tensor, search: torch.Tensor, text_ids: torch.Tensor,
                text_mask: torch.Tensor, flag: torch.Tensor) -> Features:
        img = self.vit.patchify(template, search)
        txt = self.bert.embeddings(input_ids=text_ids, token_type_ids=torch.zeros_like(text_ids))
        bert_mask = (1.0 - text_mask[:, None, None, :].to(txt.dtype)) * BERT_MASK_FILL
        mask, visual_mask = self.masks(text_mask, flag)
        for i, block in enumerate(self.vit.blocks):
            if i in self.fusion_layers:
                img, txt = self.vit.forward_joint(img, txt, mask, i)
            else:
                img = block(img, visual_mask)
                txt = self.bert.encoder.layer[i](txt, bert_mask)
            # The original also computes contrastive logits at CONT_LOSS_LAYER here; no output reads them.
        vis_token, z, x = img.split([1, self.vit.num_patches_z, self.vit.num_patches_x], dim=1)
        return Features(z, x, vis_token, txt[:, :1], flag.reshape(-1))


class DistributionBasedCrossAttention(nn.Module):
    """``box_head.prompter`` (heads/utils.py:23-99): the [target, distractor, background] prompt (B, 3, D).

    ``q``, ``kv``, ``proj`` and ``norm`` are built and stored by the original but never used.
    """

    def __init__(self, dim: int, background_mass: float = 0.25, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.background_mass = background_mass
        self.q = nn.Linear(dim, dim, bias=False)
        self.kv = nn.Linear(dim, dim * 2, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.query_embed = nn.Embedding(3, dim)
        self.norm = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))

    def divide_background(self, score: torch.Tensor) -> torch.Tensor:
        """Distractor cells: the high-similarity part of the background, all but the lowest ``background_mass``."""
        values, _ = score.sort(dim=-1, descending=False)
        low = values.cumsum(dim=-1) < self.background_mass
        threshold = values.masked_fill(low, 1.0).min(dim=-1, keepdim=True).values
        return score >= threshold

    def forward(self, template: torch.Tensor, template_mask: torch.Tensor, context: torch.Tensor,
                context_mask: torch.Tensor, token: torch.Tensor, flag: torch.Tensor) -> torch.Tensor:
        base = self.query_embed.weight.unsqueeze(0).repeat(context.shape[0], 1, 1)
        base[:, 0] = base[:, 0] + token
        target = torch.cat([template, context], dim=1)
        target_mask = torch.cat([template_mask, context_mask], dim=1).unsqueeze(1)  # True = a target cell
        sim = F.normalize(token, dim=-1).unsqueeze(1) @ F.normalize(target, dim=-1).transpose(-2, -1)
        sim = sim * self.logit_scale.exp()
        target_token = sim.masked_fill(~target_mask, PROMPT_MASK_FILL).softmax(-1) @ target
        background = sim.masked_fill(target_mask, PROMPT_MASK_FILL)
        distractor = self.divide_background(background.softmax(-1))
        background_token = background.masked_fill(distractor, PROMPT_MASK_FILL).softmax(-1) @ target
        distractor_token = background.masked_fill(~distractor, PROMPT_MASK_FILL).softmax(-1) @ target
        prompt = torch.cat([target_token, distractor_token, background_token], dim=1) + base
        prompt = self.mlp(prompt) + prompt
        # Switcher: NL (flag 1) takes the query embeddings + text token, independent of the image.
        switched = torch.stack([prompt, base, prompt], dim=1)
        return switched[torch.arange(switched.shape[0], device=switched.device), flag]


def _tower(inplanes: int, channel: int, out: int) -> nn.Sequential:
    return nn.Sequential(conv_bn_relu(inplanes, channel), conv_bn_relu(channel, channel // 2),
                         conv_bn_relu(channel // 2, channel // 4), conv_bn_relu(channel // 4, channel // 8),
                         nn.Conv2d(channel // 8, out, kernel_size=1))


@dataclass
class HeadOutput:
    cls_map: torch.Tensor  # (B, fs, fs) sigmoid scores (cls_score_test)
    bbox_map: torch.Tensor  # (B, fs², 4) cxcywh normalised to the crop
    cont_score: torch.Tensor  # (B, fs², 3) with a prompt, (B, fs², 2) without
    pred_boxes: torch.Tensor  # (B, 4): bbox_map at argmax(cls · softmax(cont)[…, 0]), no window


class ModalityAdaptiveBoxHead(nn.Module):
    """``box_head``: score, offset and two size towers (tracking, grounding) + the contrastive score."""

    def __init__(self, cfg: UVLTrackConfig) -> None:
        super().__init__()
        d, c = cfg.embed_dim, cfg.head_dim
        self.feat_sz = cfg.feat_size
        self.conv_cls = _tower(d, c, 1)
        self.conv_offset = _tower(d, c, 2)
        self.conv_bbox = _tower(d, c, 2)
        self.conv_bbox_grounding = _tower(d, c, 2)
        self.prompter = DistributionBasedCrossAttention(d, cfg.background_mass)
        self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))
        # row 0 = column (s % fs), row 1 = row (s // fs); no +0.5 because OFFSET_SIGMOID is true (:54-60)
        cells = torch.arange(self.feat_sz**2)
        self.register_buffer("coodinate", torch.stack([cells % self.feat_sz, cells // self.feat_sz])[None])

    def forward_prompt(self, feats: Features, template_mask: torch.Tensor, context_mask: torch.Tensor) -> torch.Tensor:
        """The prompt from the template and the search (context) tokens of ``feats``."""
        return self.prompter(feats.template, template_mask, feats.search, context_mask, feats.token(), feats.flag)

    def contrastive_score(self, search: torch.Tensor, prompt: torch.Tensor, with_zero_column: bool) -> torch.Tensor:
        """``exp(s)·cos(search, prompt)`` → [c0, max(c1, c2, 0)] (+ a zero column on the test path) (:121-150)."""
        c = self.logit_scale.exp() * (F.normalize(search, dim=-1) @ F.normalize(prompt, dim=-1).transpose(-2, -1))
        zero = torch.zeros_like(c[:, :, :1])
        other = torch.cat([c[:, :, 1:], zero], dim=-1).max(dim=-1, keepdim=True).values
        return torch.cat([c[:, :, :1], other, zero] if with_zero_column else [c[:, :, :1], other], dim=-1)

    def forward(self, feats: Features, prompt: torch.Tensor | None = None, template_mask: torch.Tensor | None = None,
                context_mask: torch.Tensor | None = None) -> HeadOutput:
        """With ``prompt`` the test path (three columns); without it the training path, whose prompt is built
        from the search itself (batch 1; for flag 1 the prompt does not depend on the image at all)."""
        if prompt is None:
            cont = self.contrastive_score(feats.search, self.forward_prompt(feats, template_mask, context_mask), False)
        else:
            cont = self.contrastive_score(feats.search, prompt, True)
        b = feats.search.shape[0]
        x = feats.search.transpose(-2, -1).reshape(b, -1, self.feat_sz, self.feat_sz).contiguous()
        cls_map = self.conv_cls(x).sigmoid().squeeze(1)
        offset = self.conv_offset(x).sigmoid()
        size_tracking = self.conv_bbox(x).sigmoid().unsqueeze(1)
        size_grounding = self.conv_bbox_grounding(x).sigmoid().unsqueeze(1)
        rows = torch.arange(b, device=x.device)
        size = torch.cat([size_tracking, size_grounding, size_tracking], dim=1)[rows, feats.flag]
        centre = (self.coodinate.repeat(b, 1, 1) + offset.reshape(b, 2, -1)) / self.feat_sz
        bbox_map = torch.cat([centre, size.reshape(b, 2, -1)], dim=1).transpose(-2, -1)
        best = torch.argmax(cls_map.reshape(b, -1) * cont.softmax(-1)[:, :, 0], dim=-1)
        return HeadOutput(cls_map, bbox_map, cont, bbox_map[rows, best])


class UVLTrack(nn.Module):
    """``UVLTrack(backbone, box_head)`` with the original's entry points (uvltrack.py:18-45)."""

    def __init__(self, cfg: UVLTrackConfig = UVLTRACK_B) -> None:
        super().__init__()
        self.cfg = cfg
        self.backbone = ModalityUnifiedFeatureExtractor(cfg)
        self.box_head = ModalityAdaptiveBoxHead(cfg)

    def forward(self, template: torch.Tensor, search: torch.Tensor, text_ids: torch.Tensor, text_mask: torch.Tensor,
                template_mask: torch.Tensor, context_mask: torch.Tensor, flag: torch.Tensor) -> HeadOutput:
        """The training path; the tracker uses it for NL grounding (spec §4.3)."""
        feats = self.backbone(template, search, text_ids, text_mask, flag)
        return self.box_head(feats, None, template_mask, context_mask)

    def forward_prompt_init(self, template: torch.Tensor, search: torch.Tensor, text_ids: torch.Tensor,
                            text_mask: torch.Tensor, template_mask: torch.Tensor, context_mask: torch.Tensor,
                            flag: torch.Tensor) -> torch.Tensor:
        """Backbone on the first frame's context crop, then the prompter (initialisation)."""
        feats = self.backbone(template, search, text_ids, text_mask, flag)
        return self.box_head.forward_prompt(feats, template_mask, context_mask)

    def forward_prompt(self, feats: Features, template_mask: torch.Tensor, context_mask: torch.Tensor) -> torch.Tensor:
        """The prompt update: the prompter alone on a stored frame's features."""
        return self.box_head.forward_prompt(feats, template_mask, context_mask)

    def forward_test(self, template: torch.Tensor, search: torch.Tensor, text_ids: torch.Tensor,
                     text_mask: torch.Tensor, prompt: torch.Tensor, flag: torch.Tensor
                     ) -> tuple[HeadOutput, Features]:
        """One tracked frame; the features are returned too, for the prompt update."""
        feats = self.backbone(template, search, text_ids, text_mask, flag)
        return self.box_head(feats, prompt), feats


def build_uvltrack(cfg: UVLTrackConfig = UVLTRACK_B) -> UVLTrack:
    return UVLTrack(cfg)
