"""UVLTrack profiling: thop-rule MACs equal the module arithmetic exactly, true FLOPs match spec §2.5's count
(attention matmuls included), parameters equal the state_dict total."""

from __future__ import annotations

import pytest
import torch

from nlbench.profile.profiler import profile
from nlbench_trackers.uvltrack.config import UVLTRACK_B, UVLTRACK_TEST
from nlbench_trackers.uvltrack.profiling import profile_spec, spec_arithmetic_macs

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _check(spec, cfg) -> None:
    result = profile(spec, iterations=1, warmup=0)
    model = next(iter(spec.models.values()))
    state = model.state_dict()
    params = {name for name, _ in model.named_parameters()}
    assert result.params_total == sum(v.numel() for k, v in state.items() if k in params)
    parts = spec_arithmetic_macs(cfg)
    thop_rule = sum(v for k, v in parts.items() if "matmul" not in k)  # thop counts no functional matmul
    tracking = result.phases["tracking"]
    assert tracking.macs_paper == thop_rule
    # true FLOPs / 2 ≈ the full arithmetic; the rest is the contrastive score and the prompter's products
    assert abs(tracking.flops / 2 / sum(parts.values()) - 1) < 0.01
    # grounding = tracking + the prompter's MLP (the training path builds its prompt); the update is that MLP
    mlp = 3 * 2 * cfg.embed_dim * int(cfg.embed_dim * cfg.mlp_ratio)
    assert result.phases["prompt_update"].macs_paper == mlp
    assert result.phases["grounding"].macs_paper == thop_rule + mlp
    assert all(p.paper.macs is None and p.paper.latency_ms is None for p in result.phases.values())


def test_reduced_config_counts() -> None:
    _check(profile_spec(config=UVLTRACK_TEST), UVLTRACK_TEST)


def test_spec_arithmetic_of_uvltrack_b() -> None:
    # spec §2.5: ViT 31.1 / BERT 1.71 / patch-embed 0.19 / head 2.21 GMACs -> about 35.2 GMACs
    parts = spec_arithmetic_macs(UVLTRACK_B)
    assert round((parts["vit_linear"] + parts["vit_attention_matmuls"]) / 1e9, 1) == 31.1
    assert round((parts["bert_linear"] + parts["bert_attention_matmuls"]) / 1e9, 2) == 1.71
    assert round(parts["patch_embed"] / 1e9, 2) == 0.19 and round(parts["head"] / 1e9, 2) == 2.21
    assert round(sum(parts.values()) / 1e9, 1) == 35.2


@pytest.mark.slow
def test_uvltrack_b_counts() -> None:
    # measured: thop rule 33,060,235,008 MACs; true FLOPs 70,449,025,024 (35.22 GMACs); params 168,568,170
    _check(profile_spec("b"), UVLTRACK_B)
    assert torch.get_num_threads() == 1
