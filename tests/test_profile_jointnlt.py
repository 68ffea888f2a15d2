"""JointNLT profiling reproduces Table 2's thop figures exactly (jointnlt-spec §5) and the true FLOPs."""

from __future__ import annotations

from functools import partial

import pytest
import torch

from nlbench.profile.macs import MacsCount, count_macs
from nlbench.profile.params import count_parameters, parameter_components
from nlbench.profile.profiler import profile
from nlbench.profile.spec import ProfileSpec
from nlbench_trackers.jointnlt.profiling import profile_spec, profile_spec_tiny


@pytest.fixture(scope="module")
def spec() -> ProfileSpec:
    return profile_spec()  # random weights: counts do not depend on them


def _count(spec: ProfileSpec, phase_name: str) -> MacsCount:
    phase = spec.phases[phase_name]
    model = spec.models[phase.model_name]
    inputs = phase.make_inputs(model, torch.device("cpu"), torch.Generator().manual_seed(0))
    (count,) = phase.counts
    return count_macs(model, partial(count.run, model, inputs), count.rules)


@pytest.fixture(scope="module")
def counted(spec) -> dict[str, MacsCount]:
    # One forward per phase, paper rule only (the true-FLOP test below is the slow one).
    return {name: _count(spec, name) for name in ("grounding", "tracking")}


def test_jointnlt_paper_macs_exact(counted):
    # jointnlt-spec §5: thop 0.0.31 on the original model = 34.920G / 42.046G (Table 2: 34.9G / 42.0G)
    assert counted["grounding"].macs == 34_919_906_080
    assert counted["tracking"].macs == 42_045_766_432


def test_jointnlt_params_exact(spec, counted):
    assert spec.paper_params_from == ("grounding",)
    assert counted["grounding"].params == counted["tracking"].params == 152_950_018  # Table 2: 153.0M
    model = spec.models["jointnlt"]
    assert count_parameters(model) == 192_864_506  # jointnlt-spec §2.1
    components = parameter_components(model)
    assert sum(components.values()) == 192_864_506
    assert components["language_backbone"] == 108_891_648
    assert components["visual_backbone"] == 59_438_456


def test_jointnlt_component_breakdown(counted):
    # jointnlt-spec §5 per-component table
    grounding = counted["grounding"].components
    tracking = counted["tracking"].components
    assert grounding["visual_backbone"] == (29_087_793_152, 59_340_672)
    assert tracking["visual_backbone"][0] == 36_205_264_896  # + 7.117G template pass
    assert grounding["language_backbone"] == (3_397_386_240, 85_017_600)
    assert grounding["vl_joint_trans"][1] == 3_153_408
    assert grounding["temporal_decoder"] == (0, 0)  # SGTM never runs
    assert grounding["box_head"] == (782_695_200, 1_956_738)


@pytest.mark.slow
def test_jointnlt_profile_end_to_end_true_flops_within_one_percent(spec):
    result = profile(spec, iterations=0)
    assert result.phases["grounding"].macs_paper == 34_919_906_080
    assert result.params_paper == 152_950_018 and result.params_total == 192_864_506
    # jointnlt-spec §5: torch.utils.flop_counter on the original = 75.0G grounding, 89.7G tracking
    assert result.phases["grounding"].flops == pytest.approx(75.0e9, rel=0.01)
    assert result.phases["tracking"].flops == pytest.approx(89.7e9, rel=0.01)


def test_jointnlt_paper_figures_attached(spec):
    assert spec.phases["grounding"].paper.macs == 34.9e9
    assert spec.phases["tracking"].paper.latency_ms == 25.3
    assert spec.paper.params == 153.0e6
    assert "cached text and template" in spec.phases["tracking"].includes


def test_jointnlt_tiny_latency_on_cpu():
    result = profile(profile_spec_tiny(), device="cpu", iterations=2, warmup=1)
    doc = result.as_json()
    assert doc["tracker"] == "jointnlt-tiny" and set(doc["phases"]) == {"grounding", "tracking"}
    for phase in doc["phases"].values():
        latency = phase["latency_ms"]
        assert latency["n"] == 2 and 0 < latency["median"] <= latency["p90"]
        assert 0 < phase["macs_paper"] < phase["flops"]
    assert doc["params"]["paper"] < doc["params"]["total"]
