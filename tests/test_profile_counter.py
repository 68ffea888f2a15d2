"""The thop-0.0.31-rule counter, true FLOPs, latency, the spec protocol and the CLI on hand-computed toys."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from torch import nn

from nlbench.profile.flops import count_flops
from nlbench.profile.latency import measure_latency, summarize
from nlbench.profile.macs import count_macs
from nlbench.profile.params import count_parameters, parameter_components
from nlbench.profile.profiler import profile
from nlbench.profile.spec import CountPass, PaperFigures, PhaseSpec, ProfileSpec, compose
from nlbench.profile.table import format_table
from nlbench_trackers.stark.profiling import STARK_RULES


class _LinearSubclass(nn.Linear):
    """Like nn.MultiheadAttention.out_proj: a Linear subclass, so not of the exact registered type."""


class Toy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)  # bias: +1 per output element
        self.conv_nobias = nn.Conv2d(4, 4, 1, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(256, 10)
        self.twice = nn.Linear(10, 10)  # runs twice: MACs twice, params once
        self.seq = nn.Sequential(nn.Linear(10, 6), nn.Dropout(0.5), nn.Linear(6, 3))
        self.norm = nn.LayerNorm(10)  # runs, no rule
        self.sub = _LinearSubclass(10, 10)  # runs, not the exact type
        self.mha = nn.MultiheadAttention(8, 2)
        self.unused = nn.Linear(100, 100)  # never runs
        self.table = nn.Parameter(torch.zeros(7))  # held directly by the root

    def forward(self, image: torch.Tensor, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.conv_nobias(self.conv(image))))
        x = self.fc(x.flatten(1))
        x = self.twice(self.twice(x))
        x = self.sub(self.norm(x))
        attn = self.mha(q, k, k)[0]
        return self.seq(x).sum() + attn.sum()


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(1, 3, 8, 8, generator=g), torch.randn(5, 1, 8, generator=g), torch.randn(7, 1, 8, generator=g)


# Hand-computed (thop 0.0.31 rules, jointnlt-spec §5): per module (MACs, params).
EXPECTED = {
    "conv": (4 * 8 * 8 * (3 * 9 + 1), 4 * 3 * 9 + 4),  # 7,168 / 112
    "conv_nobias": (4 * 8 * 8 * 4, 16),  # 1,024 / 16
    "bn": (2 * 4 * 8 * 8, 8),  # 512 / 8
    "relu": (0, 0),
    "fc": (256 * 10, 2570),
    "twice": (2 * 10 * 10, 110),
    "seq": (10 * 6 + 6 * 3, 66 + 21),
    "norm": (0, 0),
    "sub": (0, 0),
    "mha": (0, 0),
    "unused": (0, 0),
}


def test_thop_rules_per_module_hand_computed():
    model = Toy()
    image, q, k = _inputs()
    result = count_macs(model, lambda: model(image, q, k))
    assert result.components == EXPECTED
    assert result.macs == sum(m for m, _ in EXPECTED.values()) == 11_542
    assert result.params == sum(p for _, p in EXPECTED.values()) == 2_903


def test_stark_mha_rule_counts_projections_and_attention_and_all_params():
    model = Toy()
    image, q, k = _inputs()
    result = count_macs(model, lambda: model(image, q, k), STARK_RULES)
    # Lq=5, Lk=7, B=1, d_in=d=8: 8·8·5 + 2·8·8·7 + 2·5·7·8 = 320 + 896 + 560 (baselines-spec §7)
    assert result.components["mha"] == (1_776, 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8)
    assert result.macs == 11_542 + 1_776


def test_counting_restores_train_flag_and_leaves_no_hooks():
    model = Toy().train()
    image, q, k = _inputs()
    count_macs(model, lambda: model(image, q, k))
    assert model.training and model.bn.training
    assert not model.fc._forward_hooks and not model.mha._forward_hooks
    assert "total_ops" not in dict(model.named_buffers())


def test_bn_is_counted_in_eval_mode_even_for_a_model_in_train_mode():
    model = nn.Sequential(nn.BatchNorm2d(2))
    x = torch.randn(1, 2, 3, 3)
    result = count_macs(model, lambda: model(x))
    assert (result.macs, result.params) == (36, 4)


def test_rnn_raises_instead_of_silent_zero():
    model = nn.Sequential(nn.GRU(4, 4))
    with pytest.raises(NotImplementedError, match="GRU"):
        count_macs(model, lambda: model(torch.randn(2, 1, 4)))


def test_adaptive_avgpool_and_upsample_rules():
    model = nn.Sequential(nn.AdaptiveAvgPool2d(2), nn.Upsample(scale_factor=2, mode="bilinear"), nn.AvgPool2d(2))
    result = count_macs(model, lambda: model(torch.randn(1, 3, 8, 6)))
    # adaptive: 12 outputs × (4·3 + 1); bilinear: 48 outputs × 11; avgpool: 12 outputs × 1
    assert result.components == {"0": (12 * 13, 0), "1": (48 * 11, 0), "2": (12, 0)}


def test_true_flops_include_attention_matmuls():
    linear = nn.Linear(256, 10)
    assert count_flops(lambda: linear(torch.randn(1, 256))) == 2 * 2560
    mha = nn.MultiheadAttention(8, 2)
    q, k = torch.randn(5, 1, 8), torch.randn(7, 1, 8)
    # projections 2·(5·8·8 + 2·7·8·8 + 5·8·8) + attention 2·(2·5·7·8)
    assert count_flops(lambda: mha(q, k, k)) == 2 * (320 + 896 + 320) + 2 * 560


def test_parameter_components_add_up():
    model = Toy()
    components = parameter_components(model)
    assert components["table"] == 7 and components["unused"] == 10_100
    assert sum(components.values()) == count_parameters(model)


def test_latency_summary_and_cpu_measurement():
    stats = summarize([float(v) for v in range(1, 11)])
    assert (stats.median_ms, stats.p90_ms, stats.n) == (5.5, pytest.approx(9.1), 10)
    measured = measure_latency(lambda: torch.ones(64, 64) @ torch.ones(64, 64), "cpu", iterations=4, warmup=1)
    assert measured.n == 4 and len(measured.samples_ms) == 4
    assert 0 < measured.median_ms <= measured.p90_ms
    with pytest.raises(ValueError):
        measure_latency(lambda: None, "cpu", iterations=0, warmup=0)


def _toy_spec(name: str, phases: tuple[str, ...], paper_params: float | None = None) -> ProfileSpec:
    model = Toy()

    def make_inputs(m: nn.Module, device: torch.device, g: torch.Generator):
        return tuple(t.to(device) for t in (torch.randn(1, 3, 8, 8, generator=g), torch.randn(5, 1, 8, generator=g),
                                            torch.randn(7, 1, 8, generator=g)))

    phase = PhaseSpec(
        model_name=name,
        make_inputs=make_inputs,
        counts=(CountPass(run=lambda m, x: m(*x)),),
        includes="the whole toy",
        paper=PaperFigures(macs=11.5e3, latency_ms=1.0, source="hand"),
    )
    return ProfileSpec(name=name, models={name: model}, phases={p: phase for p in phases},
                       paper_params_from=(phases[0],), paper=PaperFigures(params=paper_params))


def test_profile_json_has_the_documented_shape():
    result = profile(_toy_spec("toy", ("grounding", "tracking"), 2.9e3), iterations=3, warmup=1)
    doc = result.as_json()
    assert doc["tracker"] == "toy" and doc["device"] == "cpu" and doc["dtype"] == "fp32"
    assert doc["params"]["total"] == count_parameters(Toy())
    assert doc["params"]["paper"] == 2_903
    assert sum(doc["params"]["components"].values()) == doc["params"]["total"]
    for phase in ("grounding", "tracking"):
        entry = doc["phases"][phase]
        assert entry["macs_paper"] == 11_542
        assert isinstance(entry["flops"], int) and entry["flops"] > 2 * 11_542  # + LayerNorm-free matmuls of MHA
        assert entry["latency_ms"]["n"] == 3 and entry["latency_ms"]["median"] > 0
        assert entry["includes"] == "the whole toy"
    json.dumps(doc)  # serialisable as is
    table = format_table(result)
    assert "grounding" in table and "0.00G" in table and "thop rule 0.00M" in table


def test_bf16_autocast_runs_and_keeps_paper_macs():
    result = profile(_toy_spec("toy", ("tracking",)), dtype="bf16", iterations=1, warmup=0)
    assert result.phases["tracking"].macs_paper == 11_542 and result.dtype == "bf16"


def test_compose_takes_grounding_from_grounder_and_adds_paper_params():
    grounder, tracker = _toy_spec("vltvg", ("grounding",)), _toy_spec("stark-st101", ("tracking",))
    spec = compose(grounder, tracker)
    assert spec.name == "vltvg+stark-st101" and set(spec.phases) == {"grounding", "tracking"}
    assert spec.models["grounder"] is grounder.models["vltvg"] and spec.models["tracker"] is tracker.models["stark-st101"]
    assert spec.paper.params == 169.8e6  # Table 2
    result = profile(spec, iterations=0)
    assert result.params_paper == 2 * 2_903
    assert result.params_total == 2 * count_parameters(Toy())
    assert result.phases["tracking"].latency is None
    assert set(result.params_components) >= {"grounder.fc", "tracker.fc"}
    with pytest.raises(ValueError, match="no tracking phase"):
        compose(grounder, grounder)


def test_cli_profile_writes_json(tmp_path, monkeypatch):
    from nlbench.cli import main
    from nlbench.core.types import TrackerPlugin

    plugin = TrackerPlugin(name="toy", description="toy", build=lambda **_: None,
                           profile=lambda seed=0, **_: _toy_spec("toy", ("grounding", "tracking")))
    monkeypatch.setattr("nlbench.core.registry.get_tracker", lambda name: plugin)
    out = tmp_path / "p.json"
    res = CliRunner().invoke(main, ["profile", "--tracker", "toy", "--iterations", "2", "--warmup", "0",
                                    "--json", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["phases"]["tracking"]["latency_ms"]["n"] == 2
    assert "MACs (thop rule)" in res.output


def test_cli_profile_without_profile_support_is_a_user_error(monkeypatch):
    from nlbench.cli import main
    from nlbench.core.types import TrackerPlugin

    monkeypatch.setattr("nlbench.core.registry.get_tracker",
                        lambda name: TrackerPlugin(name="x", description="x", build=lambda **_: None))
    res = CliRunner().invoke(main, ["profile", "--tracker", "x"])
    assert res.exit_code == 2 and "does not describe how to profile" in res.output


def test_true_flops_count_cpu_scaled_dot_product_attention():
    # torch's table lacks the CPU flash kernel; without nlbench's formula this would be 0.
    q = torch.randn(1, 2, 5, 4)
    assert count_flops(lambda: torch.nn.functional.scaled_dot_product_attention(q, q, q)) == 2 * (2 * 5 * 5 * 4) * 2
    mha = nn.MultiheadAttention(8, 2)
    x = torch.randn(5, 1, 8)
    assert count_flops(lambda: mha(x, x, x, need_weights=False)) == count_flops(lambda: mha(x, x, x))


def test_true_flops_leave_parameters_trainable():
    model = nn.Sequential(nn.Embedding(3, 4))
    count_flops(lambda: model[0].weight.unsqueeze(0) @ torch.ones(4, 1), [model])
    assert model[0].weight.requires_grad


def test_profile_json_round_trip_to_cost_rows(tmp_path):
    from nlbench.core.errors import ResultFormatError
    from nlbench.core.io import atomic_write_json
    from nlbench.profile.table import cost_rows, load_profile_json

    path = atomic_write_json(tmp_path / "toy.json", profile(_toy_spec("toy", ("grounding", "tracking"), 2.9e3),
                                                            iterations=1, warmup=0).as_json())
    rows = cost_rows([load_profile_json(path)])
    assert [r["phase"] for r in rows] == ["grounding", "tracking"]
    assert rows[0]["macs_paper"] == 11_542 and rows[0]["macs_published"] == 11.5e3
    assert rows[1]["params_paper"] == 2_903 and rows[1]["params_published"] == 2.9e3 and rows[1]["latency_n"] == 1
    (tmp_path / "bad.json").write_text('{"tracker": "x"}')
    with pytest.raises(ResultFormatError, match="bad.json.*lacks device"):
        load_profile_json(tmp_path / "bad.json")
