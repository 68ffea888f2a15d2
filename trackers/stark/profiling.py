"""How STARK-ST is profiled: STARK's ``tracking/profile_model.py`` (baselines-spec §1, §7) as a ProfileSpec.

The original counts a tracking step with two thop calls and adds them: (a) the backbone on the 320² search
with no custom rule, (b) the transformer and both heads over the merged [template, dynamic template,
search] features with STARK's own ``nn.MultiheadAttention`` rule. Inputs: batch 1, ``randn`` templates 128²
and search 320², each with a ``rand > 0.5`` padding mask. Template backbone passes are cached by the tracker
and excluded, as is the dynamic-template refresh (every 200 frames).
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from nlbench.profile.macs import MacRule
from nlbench.profile.spec import CountPass, ProfileSpec
from nlbench_trackers.common.plugin import pick, variant_profile

from .model import StarkConfig, StarkST
from .variants import VARIANTS


def stark_mha_macs(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> int:
    """STARK's custom ``nn.MultiheadAttention`` rule (``tracking/profile_model.py``, baselines-spec §7).

    Q projection d_in·d·Lq·B + K and V projections 2·d_in·d·Lk·B + the two attention matmuls 2·Lq·Lk·d
    (no batch factor); ``out_proj`` is not counted. Tensors are sequence-first ``(L, B, D)``.
    """
    names = ("query", "key", "value")
    query, key = (args[i] if len(args) > i else kwargs[names[i]] for i in range(2))
    lq, batch, d_in = query.shape
    lk = key.shape[0]
    d = module.embed_dim
    return d_in * d * lq * batch + 2 * d_in * d * lk * batch + 2 * lq * lk * d


#: STARK's ``custom_ops`` for thop, by exact module type (the transformer count pass uses them).
STARK_RULES: Mapping[type, MacRule] = {nn.MultiheadAttention: stark_mha_macs}


def _image(g: torch.Generator, size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    image = torch.randn(1, 3, size, size, generator=g)
    mask = torch.rand(1, size, size, generator=g) > 0.5
    return image.to(device), mask.to(device)


def make_inputs(config: StarkConfig):
    def build(model: nn.Module, device: torch.device, g: torch.Generator) -> dict[str, Any]:
        template1 = _image(g, config.template_size, device)
        template2 = _image(g, config.template_size, device)
        search = _image(g, config.search_size, device)
        # seq_dict of the original: backbone outputs of [template1, template2, search] (not counted)
        parts = [model.forward_backbone(*x) for x in (template1, template2, search)]
        return {"search": search, "parts": parts}

    return build


def _backbone_call(model: nn.Module, x: dict[str, Any]) -> Any:
    return model.forward_backbone(*x["search"])


def _transformer_call(model: nn.Module, x: dict[str, Any]) -> Any:
    return model.forward_transformer(x["parts"])


def profile_spec(variant: str = "st101", seed: int = 0, **_options: Any) -> ProfileSpec:
    """STARK-ST's ProfileSpec; ``variant`` 'st101' (Table 2's tracker) or 'st50'. Random weights."""
    chosen = pick(VARIANTS, variant, "STARK")
    config = chosen.config
    return variant_profile(
        chosen,
        "tracking",
        StarkST(config),
        make_inputs(config),
        counts=(
            CountPass(run=_backbone_call, label="backbone(search)"),
            CountPass(run=_transformer_call, rules=STARK_RULES, label="transformer + box head + cls head"),
        ),
        includes=(
            f"ResNet backbone on the {config.search_size}² search + transformer over cached "
            "template features + corner and score heads; template backbone passes and the dynamic-template "
            "refresh excluded (STARK's profile_model.py; MACs with STARK's MHA rule)"
        ),
        seed=seed,
    )
