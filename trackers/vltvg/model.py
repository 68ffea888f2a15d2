"""VLTVG network (baselines-spec §2.1-§2.4): ResNet + DETR encoder, BERT, discriminative feature layer,
multi-stage decoder and a box MLP.

Module names follow the official ``VLTVG`` so that ``checkpoint['model']`` loads strictly:
``backbone.0.body``, ``trans_encoder.encoder``, ``input_proj``, ``bert`` (Hugging Face ``BertModel``
with pooler: identical keys, §2.3), ``bert_proj``, ``trans_decoder.decoder``, ``bbox_embed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertConfig, BertModel

from nlbench_trackers.common.detr import MLP, Encoder
from nlbench_trackers.common.resnet import BackboneWrapper, ResNetBody, downsample_mask, sine_position_encoding


@dataclass(frozen=True)
class VLTVGConfig:
    depth: str = "resnet50"
    hidden: int = 256
    heads: int = 8
    feedforward: int = 2048
    image_size: int = 640
    query_len: int = 40
    bert_output_layers: int = 4
    decoder_layers: int = 6
    #: RPE offset range; the attention is hard-wired to a 20x20 grid (640 / 32)
    rpe_range: int = 20


VLTVG_R50_CONFIG = VLTVGConfig()
VLTVG_R101_CONFIG = VLTVGConfig(depth="resnet101")


def bert_config() -> BertConfig:
    """bert-base-uncased sizes (§2.3)."""
    return BertConfig(
        vocab_size=30522,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_act="gelu",
        max_position_embeddings=512,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
    )


def relative_sine_table(num_feats: int, offset_range: int, temperature: float = 10000.0) -> torch.Tensor:
    """Fixed sine table for offsets -r..r: offset/(r+1e-6)*2pi, interleaved sin/cos (§2.4 step 4)."""
    embed = torch.arange(-offset_range, offset_range + 1)
    embed = embed / (embed[-1] + 1e-6) * (2 * math.pi)
    dim_t = torch.arange(num_feats, dtype=torch.float32)
    dim_t = temperature ** (2 * (dim_t // 2) / num_feats)
    pos = embed[:, None] / dim_t
    return torch.stack((pos[:, 0::2].sin(), pos[:, 1::2].cos()), dim=-1).flatten(1)


class MHAttentionRPE(nn.Module):
    """Self-attention with relative-position logits on the 20x20 grid; projections are applied functionally."""

    def __init__(self, d_model: int = 256, heads: int = 8, offset_range: int = 20) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.scaling = float(self.head_dim) ** -0.5
        self.grid = offset_range
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model))
        self.out_proj = nn.Linear(d_model, d_model)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)
        table = relative_sine_table(d_model // 2, offset_range)
        # persistent: the official checkpoint carries these fixed tables
        self.register_buffer("pos_x", table.clone())
        self.register_buffer("pos_y", table.clone())

    def forward(
        self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, key_padding_mask: torch.Tensor
    ) -> torch.Tensor:
        tgt_len, batch, dim = query.shape
        src_len = key.shape[0]
        w_q, w_k, w_v = self.in_proj_weight.split(dim)
        b_q, b_k, b_v = self.in_proj_bias.split(dim)
        q = query.matmul(w_q.t()) + b_q
        k = key.matmul(w_k.t()) + b_k
        v = value.matmul(w_v.t()) + b_v
        q = q.view(tgt_len, batch * self.heads, -1).transpose(0, 1) * self.scaling
        k = k.view(src_len, batch * self.heads, -1).permute(1, 2, 0)
        v = v.view(src_len, batch * self.heads, -1).transpose(0, 1)
        logits = torch.bmm(q, k)

        cells = key_padding_mask.shape[1]
        if cells != self.grid * self.grid or cells != tgt_len:
            raise ValueError(f"VLTVG's RPE attention needs a {self.grid}x{self.grid} feature map, got {cells} cells")
        valid = ~key_padding_mask.view(batch, self.grid, self.grid)
        yy = valid.cumsum(1, dtype=torch.float32).view(batch, -1)
        xx = valid.cumsum(2, dtype=torch.float32).view(batch, -1)
        diff_y = yy[:, :, None] - yy[:, None, :]
        diff_x = xx[:, :, None] - xx[:, None, :]
        # y table through the first half of the key weight's input columns, x through the second (§2.4)
        k_pos_y = self.pos_y.matmul(w_k.t()[: dim // 2])
        k_pos_x = self.pos_x.matmul(w_k.t()[dim // 2 :])

        def per_head(table: torch.Tensor) -> torch.Tensor:
            return (
                table.view(-1, 1, self.heads, self.head_dim)
                .repeat(1, batch, 1, 1)
                .reshape(-1, batch * self.heads, self.head_dim)
                .permute(1, 2, 0)
            )

        logits_y = torch.bmm(q, per_head(k_pos_y)).view(batch, self.heads, cells, -1)
        logits_x = torch.bmm(q, per_head(k_pos_x)).view(batch, self.heads, cells, -1)
        index_y = (diff_y[:, None].repeat(1, self.heads, 1, 1) + self.grid).long()
        index_x = (diff_x[:, None].repeat(1, self.heads, 1, 1) + self.grid).long()
        relative = torch.gather(logits_y, -1, index_y) + torch.gather(logits_x, -1, index_x)
        logits = logits + relative.view(batch * self.heads, cells, -1)
        logits = logits.view(-1, self.heads, tgt_len, src_len).masked_fill(
            key_padding_mask.unsqueeze(1).unsqueeze(2), float("-inf")
        )
        attn = logits.view(-1, tgt_len, src_len).softmax(dim=-1)
        out = torch.bmm(attn, v).transpose(0, 1).contiguous().view(tgt_len, batch, -1)
        return F.linear(out, self.out_proj.weight, self.out_proj.bias)


class DiscriminativeFeatEncLayer(nn.Module):
    """Visual-linguistic verification + language-guided context (§2.4 step 3); output [v, fused], 512 channels."""

    def __init__(self, d_model: int = 256, heads: int = 8, offset_range: int = 20) -> None:
        super().__init__()
        self.img2text_attn = nn.MultiheadAttention(d_model, heads)
        self.text_proj = MLP(d_model, d_model, d_model, 1)
        self.img_proj = MLP(d_model, d_model, d_model, 1)
        self.tf_pow = 2.0
        self.tf_scale = nn.Parameter(torch.tensor([1.0]))
        self.tf_sigma = nn.Parameter(torch.tensor([0.5]))
        self.img2textcond_attn = nn.MultiheadAttention(d_model, heads)
        self.img2img_attn = MHAttentionRPE(d_model, heads, offset_range)
        self.norm_text_cond_img = nn.LayerNorm(d_model)
        self.norm_img = nn.LayerNorm(d_model)

    def forward(
        self, img_feat: torch.Tensor, img_mask: torch.Tensor, word_feat: torch.Tensor, word_mask: torch.Tensor
    ) -> torch.Tensor:
        # img_query_with_pos=False in every official config: no position encoding inside this layer
        text_info = self.img2text_attn(img_feat, word_feat, value=word_feat, key_padding_mask=word_mask)[0]
        text_embed = self.text_proj(text_info)
        img_embed = self.img_proj(img_feat)
        similarity = (F.normalize(img_embed, p=2, dim=-1) * F.normalize(text_embed, p=2, dim=-1)).sum(-1, keepdim=True)
        score = self.tf_scale * torch.exp(-(1 - similarity).pow(self.tf_pow) / (2 * self.tf_sigma**2))
        text_cond = self.img2textcond_attn(img_feat, word_feat, value=word_feat, key_padding_mask=word_mask)[0]
        q = k = img_feat + text_cond
        context = self.img2img_attn(q, k, img_feat, img_mask)
        fused = (self.norm_img(img_feat) + self.norm_text_cond_img(context)) * score
        return torch.cat([img_feat, fused], dim=-1)


class MultiStageDecoderLayer(nn.Module):
    def __init__(self, d_model: int = 256, heads: int = 8, feedforward: int = 2048) -> None:
        super().__init__()
        self.word_attn = nn.MultiheadAttention(d_model, heads)
        self.img_attn = nn.MultiheadAttention(d_model, heads)
        # (Linear, ReLU, Dropout, Linear): keys ffn.0 and ffn.3
        self.ffn = nn.Sequential(
            nn.Linear(d_model, feedforward), nn.ReLU(inplace=True), nn.Dropout(0.0), nn.Linear(feedforward, d_model)
        )
        self.norm = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(3))

    def forward(
        self,
        query: torch.Tensor,
        vis_query_pos: torch.Tensor,
        text_query_pos: torch.Tensor,
        img_feat: torch.Tensor,
        img_mask: torch.Tensor,
        img_pos: torch.Tensor,
        word_feat: torch.Tensor,
        word_mask: torch.Tensor,
    ) -> torch.Tensor:
        img_value, img_key = img_feat.chunk(2, dim=-1)  # value = original half, key = fused half
        text_info = self.word_attn(query + vis_query_pos, word_feat, value=word_feat, key_padding_mask=word_mask)[0]
        text_query = self.norm[0](text_info)  # no residual here (§2.4 step 5)
        vis_info = self.img_attn(
            text_query + text_query_pos, img_key + img_pos, value=img_value, key_padding_mask=img_mask
        )[0]
        query = self.norm[1](query + vis_info)
        return self.norm[2](query + self.ffn(query))


class DecoderWithExtraEncoder(nn.Module):
    def __init__(self, config: VLTVGConfig) -> None:
        super().__init__()
        d = config.hidden
        self.extra_encoder_layers = nn.ModuleList([DiscriminativeFeatEncLayer(d, config.heads, config.rpe_range)])
        self.layers = nn.ModuleList(
            MultiStageDecoderLayer(d, config.heads, config.feedforward) for _ in range(config.decoder_layers)
        )
        self.norm = nn.LayerNorm(d)
        self.vis_query_embed = nn.Embedding(1, d)
        self.text_query_embed = nn.Embedding(1, d)

    def forward(
        self,
        img_feat: torch.Tensor,
        img_mask: torch.Tensor,
        pos: torch.Tensor,
        word_feat: torch.Tensor,
        word_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Returns every stage's normalised query, (stages, B, 1, C)."""
        for layer in self.extra_encoder_layers:
            img_feat = layer(img_feat, img_mask, word_feat, word_mask)
        batch = img_feat.shape[1]
        vis_pos = self.vis_query_embed.weight.unsqueeze(1).repeat(1, batch, 1)
        text_pos = self.text_query_embed.weight.unsqueeze(1).repeat(1, batch, 1)
        query = torch.zeros_like(vis_pos)
        stages = []
        for layer in self.layers:
            query = layer(query, vis_pos, text_pos, img_feat, img_mask, pos, word_feat, word_mask)
            stages.append(self.norm(query))
        return torch.stack(stages).transpose(1, 2)


class VisualEncoder(nn.Module):
    def __init__(self, config: VLTVGConfig) -> None:
        super().__init__()
        self.encoder = Encoder(6, config.hidden, config.heads, config.feedforward)


class DecoderWrapper(nn.Module):
    def __init__(self, config: VLTVGConfig) -> None:
        super().__init__()
        self.decoder = DecoderWithExtraEncoder(config)


class VLTVG(nn.Module):
    def __init__(self, config: VLTVGConfig = VLTVG_R50_CONFIG) -> None:
        super().__init__()
        self.config = config
        body = ResNetBody(config.depth, last_layer="layer4")
        self.backbone = nn.ModuleList([BackboneWrapper(body)])
        self.trans_encoder = VisualEncoder(config)
        self.input_proj = nn.Conv2d(body.num_channels, config.hidden, kernel_size=1)
        self.bert = BertModel(bert_config(), add_pooling_layer=True)
        self.bert_proj = nn.Linear(768, config.hidden)
        self.trans_decoder = DecoderWrapper(config)
        self.bbox_embed = MLP(config.hidden, config.hidden, 4, 3)

    def encode_text(self, word_ids: torch.Tensor, word_mask: torch.Tensor) -> torch.Tensor:
        """Mean of the last 4 BERT layers -> bert_proj, sequence-first (L, B, 256). The pooler runs, unused."""
        out = self.bert(input_ids=word_ids, attention_mask=word_mask, output_hidden_states=True)
        layers = out.hidden_states[-self.config.bert_output_layers :]  # HF's tuple starts with the embeddings
        return self.bert_proj(torch.stack(layers, 1).mean(1)).permute(1, 0, 2)

    def forward(
        self, image: torch.Tensor, image_mask: torch.Tensor, word_ids: torch.Tensor, word_mask: torch.Tensor
    ) -> torch.Tensor:
        """Normalised cxcywh boxes on the 640 canvas (B, 4), from the last decoder stage."""
        feature = self.backbone[0].body(image)
        mask = downsample_mask(image_mask, feature.shape[-2:])
        pos = sine_position_encoding(mask, self.config.hidden // 2).to(feature.dtype).flatten(2).permute(2, 0, 1)
        src = self.input_proj(feature).flatten(2).permute(2, 0, 1)
        mask = mask.flatten(1)
        img_feat = self.trans_encoder.encoder(src, mask, pos)
        word_feat = self.encode_text(word_ids, word_mask)
        stages = self.trans_decoder.decoder(img_feat, mask, pos, word_feat, ~word_mask.bool())
        return self.bbox_embed(stages).sigmoid()[-1][:, 0]
