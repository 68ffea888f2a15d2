"""How VLTVG is profiled (baselines-spec §1, §7): one grounding forward at Table 2's configuration.

VLTVG's repository has no profiling script; Table 2's 39.6G is thop 0.0.31 over one forward of VLTVG-R50
with a 1×3×640×640 image and 40 text tokens (the count the spec reproduced exactly; 20 tokens would give
37.85G). Inputs here: batch 1, ``randn`` image with no padding, random token ids with a full mask (the
counts do not depend on the values). The timed iteration is the same full forward (BERT included).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nlbench.profile.spec import CountPass, ProfileSpec
from nlbench_trackers.common.plugin import pick, variant_profile

from .model import VLTVG, VLTVGConfig
from .variants import VARIANTS


def make_inputs(config: VLTVGConfig):
    def build(model: nn.Module, device: torch.device, g: torch.Generator) -> dict[str, Any]:
        size, length = config.image_size, config.query_len
        image = torch.randn(1, 3, size, size, generator=g)
        image_mask = torch.zeros(1, size, size, dtype=torch.bool)
        word_ids = torch.randint(1000, 3000, (1, length), generator=g)
        word_mask = torch.ones(1, length, dtype=torch.long)
        return {k: v.to(device) for k, v in
                {"image": image, "image_mask": image_mask, "word_ids": word_ids, "word_mask": word_mask}.items()}

    return build


def _forward(model: nn.Module, x: dict[str, Any]) -> Any:
    return model(x["image"], x["image_mask"], x["word_ids"], x["word_mask"])


def profile_spec(variant: str = "r50", seed: int = 0, **_options: Any) -> ProfileSpec:
    """VLTVG's ProfileSpec; ``variant`` 'r50' (Table 2's grounder) or 'r101'. Random weights."""
    chosen = pick(VARIANTS, variant, "VLTVG")
    config = chosen.config
    return variant_profile(
        chosen,
        "grounding",
        VLTVG(config),
        make_inputs(config),
        counts=(CountPass(run=_forward, label="model(image, mask, words, word_mask)"),),
        includes=(
            f"ResNet + visual encoder on the {config.image_size}² image, BERT ({config.query_len} "
            "tokens, pooler included as it runs) + verification/context encoder + 6-stage decoder + box MLP"
        ),
        seed=seed,
    )
