"""STARK-ST: official key sets and sizes (baselines-spec §3.2), update rule (§3.4), end-to-end tracking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nlbench.core.errors import CheckpointError
from nlbench.core.registry import get_tracker
from nlbench_trackers.common.checkpoint import load_strict
from nlbench_trackers.stark.model import ST50, ST101, StarkST
from nlbench_trackers.stark.tracker import StarkTracker, should_update_template, update_interval_for
from tests.fixtures_baselines import golden_frames, seeded_state, spec_keys, state_signature











@pytest.fixture(scope="module")
def st50() -> StarkST:
    return StarkST(ST50).eval()


@pytest.mark.parametrize(
    ("config", "entries", "digest", "params", "backbone"),
    [
        (ST101, 721, "bbd26a05dd5a782837647d0a306c1d27808c6b1a8e89e0f52002d54fd48eb4b7", 47_167_299, 27_452_608),
        (ST50, 466, "dd8f69248fdb2915ed8e70fa4e1d4c6eb739ca1b5288ee47e11ed2fea9df2df3", 28_227_395, 8_512_704),
    ],
    ids=["st101", "st50"],
)
def test_key_set_and_parameter_totals(config, entries, digest, params, backbone) -> None:
    # digests of the sorted (key, shape, dtype) rows of baselines-state-dict-keys.tsv
    model = StarkST(config)
    assert state_signature(model) == (entries, digest)
    assert sum(p.numel() for p in model.parameters()) == params
    assert sum(p.numel() for p in model.backbone.parameters()) == backbone
    assert sum(p.numel() for p in model.transformer.parameters()) == 17_363_456
    assert sum(p.numel() for p in model.box_head.parameters()) == 1_956_738
    assert sum(p.numel() for p in model.cls_head.parameters()) == 131_841


@pytest.mark.parametrize(("tag", "config", "entries"), [("stark_st101", ST101, 721), ("stark_st50", ST50, 466)])
def test_random_state_dict_with_the_official_keys_loads_strictly(tag, config, entries) -> None:
    keys = spec_keys(tag)
    assert len(keys) == entries
    gen = torch.Generator().manual_seed(0)
    state = {
        k: torch.randint(0, 5, shape, generator=gen) if dtype == "int64" else torch.rand(shape, generator=gen) + 0.5
        for k, (shape, dtype) in keys.items()
    }
    model = StarkST(config)
    load_strict(model, state, "random")
    name = "backbone.0.body.layer3.5.bn2.running_var"
    assert torch.equal(model.state_dict()[name], state[name])


def test_official_checkpoint_with_num_batches_tracked_on_frozen_bn_loads(st50: StarkST) -> None:
    state = dict(st50.state_dict())
    state["backbone.0.body.bn1.num_batches_tracked"] = torch.tensor(0)  # dropped by FrozenBatchNorm2d as the original
    load_strict(StarkST(ST50), state, "x")
    state["extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError, match="unexpected keys 1"):
        load_strict(StarkST(ST50), state, "x")


@pytest.mark.parametrize(
    ("frame_id", "score", "interval", "update"),
    [(200, 0.51, 200, True), (200, 0.5, 200, False), (199, 0.99, 200, False), (400, 0.6, 200, True), (25, 0.7, 25, True)],
    ids=["on-interval", "score-equal-threshold", "off-interval", "second-interval", "trackingnet"],
)
def test_update_rule(frame_id, score, interval, update) -> None:
    assert should_update_template(frame_id, score, interval) is update


def test_update_interval_per_dataset() -> None:
    assert update_interval_for("LaSOT") == 200
    assert update_interval_for("trackingnet") == 25
    assert update_interval_for("vot20") == 10
    assert update_interval_for("tnl2k") == 200  # falls back to DATA.MAX_SAMPLE_INTERVAL
    assert update_interval_for(None) == 200


def _frames(count: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
    return [np.roll(base, 2 * i, axis=1) for i in range(count)]


@pytest.mark.parametrize(
    ("bias", "expect_update"),
    [pytest.param(20.0, True, marks=pytest.mark.slow), (-20.0, False)],  # the golden test covers the update
    ids=["confident", "unsure"],
)
def test_dynamic_template_replaced_only_when_score_passes(st50: StarkST, bias: float, expect_update: bool) -> None:
    with torch.no_grad():
        st50.cls_head.layers[2].bias.fill_(bias)
    tracker = StarkTracker(st50, torch.device("cpu"), update_interval=2)
    frames = _frames(3)
    tracker.initialize(frames[0], None, np.array([40.0, 30.0, 24.0, 20.0]))
    static = tracker.templates[0]["feat"].clone()
    tracker.track(frames[1])  # frame 1: never an update with interval 2
    assert torch.equal(tracker.templates[1]["feat"], static)
    tracker.track(frames[2])  # frame 2: update iff score > 0.5
    assert (tracker.last_score > 0.5) is expect_update
    assert torch.equal(tracker.templates[0]["feat"], static)  # the first template is never replaced
    assert (not torch.equal(tracker.templates[1]["feat"], static)) is expect_update


def test_plugin_needs_a_checkpoint_unless_random_weights() -> None:
    plugin = get_tracker("stark-st101")
    assert plugin.modes == ("bb",) and plugin.needs_checkpoint and not plugin.grounder
    assert "--checkpoint" in plugin.checkpoint_help
    with pytest.raises(CheckpointError, match="STARKST_ep0050"):
        plugin.build()


def test_stark_st50_reproduces_the_original_tracker() -> None:
    # Golden boxes and scores: researchmm/Stark@162e1d3 lib/test/tracker/stark_st.py (STARK_ST, baseline.yaml with
    # TEST.UPDATE_INTERVALS.LASOT = [2]) run on CPU with these weights and frames; the update fires at frame 2.
    golden = [
        ([55.10938596725464, 40.60989856719971, 10.0, 10.0], 0.8800843954086304),
        ([58.704036712646484, 44.348374873399734, 10.0, 10.0], 0.8800842761993408),
        ([62.29868745803833, 48.08685117959976, 10.0, 10.0], 0.8800843954086304),
    ]
    tracker = get_tracker("stark-st50").build(random_weights=True, update_interval=2)
    state = seeded_state(tracker.network, head_gain=300.0)
    state["cls_head.layers.2.bias"] = torch.tensor([2.0])
    tracker.network.load_state_dict(state)
    frames = golden_frames(4)
    init = np.array([40.0, 30.0, 40.0, 30.0])
    np.testing.assert_array_equal(tracker.initialize(frames[0], "ignored", init), init)
    static = tracker.templates[0]["feat"].clone()
    for frame_id, (frame, (box, score)) in enumerate(zip(frames[1:], golden), start=1):
        np.testing.assert_allclose(tracker.track(frame), box, atol=1e-2)  # spec jointnlt §10.2: thread-count noise
        assert tracker.last_score == pytest.approx(score, abs=1e-5)
        # score > 0.5 on every frame: the dynamic slot is refreshed at frame 2 only; slot 0 never
        assert torch.equal(tracker.templates[1]["feat"], static) is (frame_id < 2)
        assert torch.equal(tracker.templates[0]["feat"], static)
