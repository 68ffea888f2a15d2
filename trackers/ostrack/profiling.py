"""How OSTrack is profiled: OSTrack's ``tracking/profile_model.py`` (baselines-spec §1, §7) as a ProfileSpec.

The original calls ``thop.profile(model, (template, search))`` once: batch 1, ``randn`` template and search
at the test sizes (192²/384² for ``vitb_384_mae_ce_32x4_ep300``), no masks, so candidate elimination
averages over every template row, and no custom rule. The template goes through the ViT on every frame, so
it is part of the tracking step; the timed iteration is the same full forward.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nlbench.profile.spec import CountPass, ProfileSpec
from nlbench_trackers.common.plugin import pick, variant_profile

from .model import OSTrack, OSTrackConfig
from .variants import VARIANTS


def make_inputs(config: OSTrackConfig):
    def build(model: nn.Module, device: torch.device, g: torch.Generator) -> dict[str, Any]:
        template = torch.randn(1, 3, config.template_size, config.template_size, generator=g)
        search = torch.randn(1, 3, config.search_size, config.search_size, generator=g)
        return {"template": template.to(device), "search": search.to(device)}

    return build


def _forward(model: nn.Module, x: dict[str, Any]) -> Any:
    return model(x["template"], x["search"])


def profile_spec(variant: str = "384", seed: int = 0, **_options: Any) -> ProfileSpec:
    """OSTrack-CE's ProfileSpec; ``variant`` '384' (Table 2's tracker) or '256'. Random weights."""
    chosen = pick(VARIANTS, variant, "OSTrack")
    config = chosen.config
    return variant_profile(
        chosen,
        "tracking",
        OSTrack(config),
        make_inputs(config),
        counts=(CountPass(run=_forward, label="model(template, search)"),),
        includes=(
            f"ViT-B with candidate elimination over the {config.template_size}² template and "
            f"{config.search_size}² search (the template is re-encoded every frame) + centre head; "
            "no CE template mask, as OSTrack's profile_model.py"
        ),
        seed=seed,
    )
