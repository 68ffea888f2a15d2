"""How JointNLT is profiled: the phases of ``tracking/profile_model.py`` (jointnlt-spec §5) as a ProfileSpec.

Counting reproduces the original script: ``model(text, template, None, search, mode)`` with batch 1, random
template 128² and search 320² each with a random 0/1 pixel mask, text ids and mask drawn from ``randint(5)``
(length 40), no temporal clue, thop 0.0.31 rules with no custom ops. In tracking mode the template goes
through the backbone inside the counted call, as in the original; the timed tracking step does not (the
original timed ``forward_test`` with cached text and template features).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nlbench.profile.spec import CountPass, PhaseSpec, ProfileSpec, table2_params, table2_phase

from .config import CONFIGS, JOINTNLT_SWIN_B, JointNLTConfig

#: The Table 2 row (``results/reported``) of the official configuration.
PAPER_ROW = "JointNLT"


def _image(g: torch.Generator, size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    img = torch.randn(1, 3, size, size, generator=g)
    mask = torch.randint(0, 2, (1, size, size), generator=g).to(torch.bool)
    return img.to(device), mask.to(device)


def make_inputs(cfg: JointNLTConfig):
    """The original's ``get_text``/``get_data`` for batch 1 (values drawn from ``generator``)."""

    def build(model: nn.Module, device: torch.device, g: torch.Generator) -> dict[str, Any]:
        template = _image(g, cfg.template_size, device)
        search = _image(g, cfg.search_size, device)
        ids = torch.randint(5, (1, cfg.max_query_len), generator=g).to(device)
        # randint(5) as the original: values 0..4, nonzero = real token for BERT's mask and for text_mask
        ids_mask = torch.randint(5, (1, cfg.max_query_len), generator=g).to(device)
        return {"text": (ids, ids_mask), "template": template, "search": search}

    return build


def _grounding_call(model: nn.Module, x: dict[str, Any]) -> Any:
    return model(x["text"], x["template"], None, x["search"], "grounding")


def _tracking_call(model: nn.Module, x: dict[str, Any]) -> Any:
    return model(x["text"], x["template"], None, x["search"], "tracking")


def _timed_grounding(model: nn.Module, x: dict[str, Any]):
    # The original timed model(text, None, None, search, "grounding"): BERT + search backbone + the rest.
    return lambda: model(x["text"], None, None, x["search"], "grounding")


def _timed_tracking(model: nn.Module, x: dict[str, Any]):
    # The original timed forward_test(cached text, cached template, search, None).
    text_src, text_mask = model.encode_text(*x["text"])
    template_tokens, template_mask = model.encode_visual(*x["template"])
    search_img, search_mask = x["search"]
    return lambda: model.forward_tracking(text_src, text_mask, template_tokens, template_mask, search_img,
                                          search_mask, None)


def profile_spec(config: str | JointNLTConfig = JOINTNLT_SWIN_B, seed: int = 0, **_options: Any) -> ProfileSpec:
    """JointNLT's ProfileSpec; ``config`` is a JointNLTConfig or a name in ``CONFIGS`` ('jointnlt', 'jointnlt-tiny').

    Builds the network with random weights (no checkpoint is needed: counts and timings do not depend on
    the weights).
    """
    from .model import JointNLT

    cfg = CONFIGS[config] if isinstance(config, str) else config
    official = cfg == JOINTNLT_SWIN_B
    row = PAPER_ROW if official else None
    model = JointNLT(cfg)
    build_inputs = make_inputs(cfg)
    grounding = PhaseSpec(
        model_name="jointnlt",
        make_inputs=build_inputs,
        counts=(CountPass(run=_grounding_call, label="model(text, template, None, search, 'grounding')"),),
        timed=_timed_grounding,
        includes=(
            "BERT + search backbone + relation encoder + target decoder + head + RoI "
            f"({cfg.search_size}² image, {cfg.max_query_len} tokens, zero template slot), as the paper"
        ),
        paper=table2_phase(row, "grounding"),
    )
    tracking = PhaseSpec(
        model_name="jointnlt",
        make_inputs=build_inputs,
        counts=(CountPass(run=_tracking_call, label="model(text, template, None, search, 'tracking')"),),
        timed=_timed_tracking,
        includes=(
            "no temporal clue (SGTM not run), as the paper: MACs/FLOPs include BERT and the "
            f"{cfg.template_size}² template backbone pass (the original's thop call); latency excludes the "
            "cached text and template (the original's forward_test)"
        ),
        paper=table2_phase(row, "tracking"),
    )
    return ProfileSpec(
        name=cfg.name if not official else "jointnlt",
        models={"jointnlt": model},
        phases={"grounding": grounding, "tracking": tracking},
        paper_params_from=("grounding",),
        paper=table2_params(row),
        seed=seed,
    )


def profile_spec_tiny(seed: int = 0, **_options: Any) -> ProfileSpec:
    """The small ``jointnlt-tiny`` configuration (no published figures)."""
    return profile_spec("jointnlt-tiny", seed=seed)
