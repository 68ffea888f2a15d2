"""How UVLTrack is profiled: ``tracking/profile_model.py`` (uvltrack-spec §7) as a ProfileSpec, plus the two phases
that script leaves out.

The original only times ``forward_test`` (batch 1, randn 128² template and 256² search, text ids ``ones(1, 40)``
with a random bool mask, ``prompt = randn(1, 3, D)``, ``flag = ones(1)``, i.e. NL masking); it imports thop but
never calls it, so the paper gives no FLOPs or parameter figures ("not reported"). The phases here:

- ``grounding``: the NL-mode first frame, ``network.forward`` with flag 1 (the training path: backbone on a
  zero template and the letterboxed 256² frame, prompter, all four head towers);
- ``tracking``: ``forward_test`` on the original script's inputs (every frame: the template goes through the
  one-stream ViT each time);
- ``prompt_update``: the prompter alone on a stored frame's features (every 20 frames when the gate opens).

thop's rules count the Linear/Conv/BN modules only; the attention matmuls and the contrastive and prompter
products are functional ops it skips (spec §2.5's arithmetic includes the attention matmuls, see
:func:`spec_arithmetic_macs`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nlbench.profile.spec import CountPass, PaperFigures, PhaseSpec, ProfileSpec
from nlbench_trackers.common.plugin import pick

from .config import UVLTrackConfig
from .model import FLAG_NL, FLAG_NLBBOX, UVLTrack
from .variants import VARIANTS


#: UVLTrack's paper and repository give no MACs, FLOPs or parameter count; the README gives speed only.
NOT_REPORTED = PaperFigures(source="not reported: UVLTrack gives no FLOPs or parameters (README: B about 60 FPS, "
                                   "L about 34 FPS on an RTX 3090, forward_test only)")


def make_inputs(cfg: UVLTrackConfig):
    """profile_model.py's inputs for batch 1, plus the masks and cached features the other two phases need."""

    def build(model: nn.Module, device: torch.device, g: torch.Generator) -> dict[str, Any]:
        template = torch.randn(1, 3, cfg.template_size, cfg.template_size, generator=g)
        search = torch.randn(1, 3, cfg.search_size, cfg.search_size, generator=g)
        ids = torch.ones(1, cfg.max_query_len, dtype=torch.long)
        mask = torch.randn(1, cfg.max_query_len, generator=g) > 0.5
        prompt = torch.randn(1, 3, cfg.embed_dim, generator=g)
        x = {"template": template, "search": search, "ids": ids, "mask": mask, "prompt": prompt,
             "flag": torch.ones(1, dtype=torch.long),
             "template_mask": torch.zeros(1, cfg.num_template_tokens, dtype=torch.bool),
             "context_mask": torch.zeros(1, cfg.num_search_tokens, dtype=torch.bool)}
        x = {k: v.to(device) for k, v in x.items()}
        # the stored frame of a prompt update: NL+BB features of the same crops, a centred target mask
        x["feats"] = model.backbone(x["template"], x["search"], x["ids"], x["mask"],
                                    torch.full((1, 1), FLAG_NLBBOX, device=device))
        centre = torch.zeros(1, cfg.feat_size, cfg.feat_size, dtype=torch.bool)
        half = cfg.feat_size // 2
        centre[:, half - 2:half + 2, half - 2:half + 2] = True
        x["target_mask"] = centre.flatten(1).to(device)
        return x

    return build


def _grounding(model: nn.Module, x: dict[str, Any]) -> Any:
    zeros = torch.zeros_like(x["template"])
    return model(zeros, x["search"], x["ids"], x["mask"], x["template_mask"], x["context_mask"],
                 torch.full((1, 1), FLAG_NL, device=x["search"].device))


def _tracking(model: nn.Module, x: dict[str, Any]) -> Any:
    return model.forward_test(x["template"], x["search"], x["ids"], x["mask"], x["prompt"], x["flag"])


def _prompt_update(model: nn.Module, x: dict[str, Any]) -> Any:
    return model.forward_prompt(x["feats"], x["template_mask"], x["target_mask"])


def spec_arithmetic_macs(cfg: UVLTrackConfig) -> dict[str, int]:
    """Spec §2.5's count of ``forward_test`` (batch 1), per part, *with* the attention matmuls (QKᵀ and AV):
    ViT blocks (321 tokens in the shallow blocks, 361 in the fusion blocks), BERT layers (40 tokens), the patch
    embedding (64 + 256 patches) and the four head towers. thop's rule omits the two matmul terms."""
    d, n_img, n_txt = cfg.embed_dim, 1 + cfg.num_template_tokens + cfg.num_search_tokens, cfg.max_query_len
    per_token = d * (3 * d) + d * d + 2 * d * int(d * cfg.mlp_ratio)
    shallow, deep = cfg.bert_layers, cfg.depth - cfg.bert_layers
    vit_linear = (shallow * n_img + deep * (n_img + n_txt)) * per_token
    vit_matmul = 2 * d * (shallow * n_img**2 + deep * (n_img + n_txt) ** 2)
    bert_linear = shallow * n_txt * (4 * d * d + 2 * d * cfg.bert_intermediate)
    bert_matmul = shallow * 2 * d * n_txt**2
    patches = cfg.num_template_tokens + cfg.num_search_tokens
    patch = patches * d * (3 * cfg.patch_size**2 + 1)
    c, cells = cfg.head_dim, cfg.num_search_tokens
    widths = (d, c, c // 2, c // 4, c // 8)
    tower = sum(cells * widths[i + 1] * (widths[i] * 9 + 1) + 2 * cells * widths[i + 1] for i in range(4))
    head = sum(tower + cells * out * (c // 8 + 1) for out in (1, 2, 2, 2))
    return {"vit_linear": vit_linear, "vit_attention_matmuls": vit_matmul, "bert_linear": bert_linear,
            "bert_attention_matmuls": bert_matmul, "patch_embed": patch, "head": head}


def profile_spec(variant: str = "b", seed: int = 0, config: UVLTrackConfig | None = None,
                 **_options: Any) -> ProfileSpec:
    """UVLTrack's ProfileSpec; ``variant`` 'b' or 'l' (or an explicit ``config``). Random weights."""
    chosen = pick(VARIANTS, variant, "UVLTrack")
    cfg = config or chosen.config
    name = chosen.name if config is None else cfg.name
    build = make_inputs(cfg)
    image = f"{cfg.template_size}² template + {cfg.search_size}² search, {cfg.max_query_len} tokens"
    phases = {
        "grounding": PhaseSpec(
            name, build, (CountPass(_grounding, label="network.forward(..., flag=1)"),),
            includes=f"NL first frame: the training forward with flag 1 ({image}, zero template masked), "
                     "prompter, four head towers; not reported by the paper"),
        "tracking": PhaseSpec(
            name, build, (CountPass(_tracking, label="forward_test(template, search, text, prompt, flag)"),),
            includes=f"forward_test as tracking/profile_model.py ({image}, flag 1): the one-stream ViT with the "
                     "template every frame, BERT's shallow layers, four head towers; not reported by the paper "
                     "(the README gives only FPS on an RTX 3090)"),
        "prompt_update": PhaseSpec(
            name, build, (CountPass(_prompt_update, label="forward_prompt(stored features, masks)"),),
            includes="the prompter alone on a stored frame's features (every 20 frames when the score passed "
                     "0.5); not reported by the paper"),
    }
    return ProfileSpec(name=name, models={name: UVLTrack(cfg)}, phases=phases, paper_params_from=("tracking",),
                       paper=NOT_REPORTED, seed=seed)
