"""Table 2's thop figures of the separated baselines, exact on random weights (baselines-spec §1)."""

from __future__ import annotations

import importlib
from functools import partial

import pytest
import torch

from nlbench.profile.macs import MacsCount, count_macs
from nlbench.profile.params import count_parameters
from nlbench.profile.spec import ProfileSpec, compose


def _spec(package: str, *args) -> ProfileSpec:
    try:
        importlib.import_module(f"nlbench_trackers.{package}.model")
    except ModuleNotFoundError as exc:
        pytest.skip(f"the {package} model is not in this checkout ({exc})")
    return importlib.import_module(f"nlbench_trackers.{package}.profiling").profile_spec(*args)


def _count(spec: ProfileSpec, phase_name: str) -> MacsCount:
    """The paper-rule count of one phase (all its thop calls added, as the originals did)."""
    phase = spec.phases[phase_name]
    model = spec.models[phase.model_name].eval()
    with torch.no_grad():
        inputs = phase.make_inputs(model, torch.device("cpu"), torch.Generator().manual_seed(0))
    total = MacsCount()
    for count in phase.counts:
        total = total + count_macs(model, partial(count.run, model, inputs), count.rules)
    return total


@pytest.fixture(scope="module")
def stark() -> tuple[ProfileSpec, MacsCount]:
    spec = _spec("stark")
    return spec, _count(spec, "tracking")


@pytest.fixture(scope="module")
def vltvg() -> tuple[ProfileSpec, MacsCount]:
    spec = _spec("vltvg")
    return spec, _count(spec, "grounding")


def test_stark_st101_tracking_step(stark):
    spec, counted = stark
    assert (counted.macs, counted.params) == (20_379_228_192, 47_151_171)  # Table 2: 20.4G; 47.15M
    assert count_parameters(spec.models["stark-st101"]) == 47_167_299
    # backbone on the search incl. the 1x1 bottleneck: 14,370,508,800 MACs (baselines-spec §1)
    assert counted.components["backbone"][0] + counted.components["bottleneck"][0] == 14_370_508_800
    assert counted.components["cls_head"][0] == 131_328


@pytest.fixture(scope="module")
def ostrack() -> tuple[ProfileSpec, MacsCount]:
    spec = _spec("ostrack")
    return spec, _count(spec, "tracking")


def test_ostrack_384_ce_tracking_step(ostrack):
    spec, counted = ostrack
    assert (counted.macs, counted.params) == (48_317_979_456, 92_082_309)  # Table 2: 48.3G; 92.08M
    assert count_parameters(spec.models["ostrack-384"]) == 92_825_733
    assert counted.components == {"backbone": (44_588_888_064, 85_608_192), "box_head": (3_729_091_392, 6_474_117)}


def test_vltvg_r50_grounding(vltvg):
    spec, counted = vltvg
    assert (counted.macs, counted.params) == (39_556_130_816, 122_659_268)  # Table 2: 39.6G
    assert count_parameters(spec.models["vltvg"]) == 152_077_254


def test_separated_pipeline_vltvg_stark_adds_params_as_table_2(vltvg, stark):
    spec = compose(vltvg[0], stark[0])
    assert spec.name == "vltvg+stark-st101" and spec.paper.params == 169.8e6
    assert spec.phases["grounding"].counts == vltvg[0].phases["grounding"].counts
    assert spec.models["grounder"] is vltvg[0].models["vltvg"] and spec.models["tracker"] is stark[0].models["stark-st101"]
    assert spec.paper_params_from == ("grounding", "tracking")
    assert vltvg[1].params + stark[1].params == 169_810_439  # Table 2: 169.8M


def test_separated_pipeline_vltvg_ostrack_adds_params_as_table_2(vltvg, ostrack):
    spec = compose(vltvg[0], ostrack[0])
    assert spec.name == "vltvg+ostrack-384" and spec.paper.params == 214.7e6
    assert vltvg[1].params + ostrack[1].params == 214_741_577  # baselines-spec §1 (Table 2: 214.7M)
