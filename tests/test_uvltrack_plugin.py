"""The uvltrack-b / uvltrack-l plugins: registry records, checkpoint help, options, grounder, composition."""

from __future__ import annotations

import numpy as np
import pytest

from nlbench.core.errors import CheckpointError, PluginError
from nlbench.core.registry import get_tracker
from nlbench_trackers.separated import SeparatedTracker
from nlbench_trackers.uvltrack.config import UVLTRACK_B, UVLTRACK_L, UVLTRACK_TEST
from nlbench_trackers.uvltrack.model import UVLTrack
from nlbench_trackers.uvltrack.tracker import UVLTrackTracker
from nlbench_trackers.uvltrack.variants import VARIANTS
from tests.fixtures_uvltrack import TEXTS, initial_box, make_frames, seeded_state_dict

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("name", "config", "mode"), [("uvltrack-b", UVLTRACK_B, "nl+bb"), ("uvltrack-l", UVLTRACK_L, "bb")])
def test_registry_records(name: str, config, mode: str) -> None:
    plugin = get_tracker(name)
    assert plugin.modes == ("nl", "bb", "nl+bb") and plugin.grounder and plugin.needs_checkpoint
    assert plugin.default_mode == mode  # TEST.MODE as each yaml ships it (spec §1)
    assert "OpenSpaceAI/UVLTrack" in plugin.checkpoint_help and "--checkpoint" in plugin.checkpoint_help
    assert plugin.build_batched is not None and plugin.profile is not None
    assert VARIANTS[name[-1]].config == config


def test_build_without_weights_explains_where_they_come_from(tmp_path) -> None:
    plugin = get_tracker("uvltrack-b")
    with pytest.raises(CheckpointError, match="UVLTrack_ep0300.pth.tar.*Google Drive or Baidu"):
        plugin.build()
    with pytest.raises(CheckpointError, match="checkpoint file not found"):
        plugin.build(checkpoint=tmp_path / "absent.pth.tar")
    with pytest.raises(PluginError, match="unknown option.*dtype"):
        plugin.build(dtype="fp16")


def test_composed_with_ostrack() -> None:
    plugin = get_tracker("uvltrack-b+ostrack-256")
    assert plugin.modes == ("nl",) and plugin.grounder and plugin.build_batched is not None
    assert "OpenSpaceAI/UVLTrack" in plugin.checkpoint_help and "botaoye/OSTrack" in plugin.checkpoint_help
    with pytest.raises(CheckpointError, match="--checkpoint grounder=PATH"):
        plugin.build()


@pytest.fixture(scope="module")
def tiny() -> UVLTrackTracker:
    model = UVLTrack(UVLTRACK_TEST)
    model.load_state_dict(seeded_state_dict(model.state_dict(), UVLTRACK_TEST.search_factor))
    return UVLTrackTracker(model.eval())


def test_ground_is_the_nl_initial_box_and_separated_pipelines_start_from_it(tiny: UVLTrackTracker) -> None:
    frames = make_frames(4, 96, 128, 0)
    grounded = tiny.initialize(frames[0], TEXTS[0], None)
    np.testing.assert_array_equal(tiny.ground(frames[0], TEXTS[0]), grounded)
    np.testing.assert_array_equal(tiny.ground_many(frames[:1], TEXTS[:1])[0], grounded)
    pipeline = SeparatedTracker(tiny, get_tracker("csrt").build())
    np.testing.assert_array_equal(pipeline.initialize(frames[0], TEXTS[0], None), grounded)
    assert all(np.isfinite(pipeline.track(f)).all() for f in frames[1:])


def test_modes_follow_the_inputs(tiny: UVLTrackTracker) -> None:
    frames = make_frames(2, 96, 128, 0)
    box = np.array(initial_box(96, 128))
    np.testing.assert_array_equal(tiny.initialize(frames[0], None, box), box)
    assert int(tiny.state.flag) == 0 and not tiny.state.text[1].any()  # BB: zero text ids, zero mask
    tiny.initialize(frames[0], TEXTS[0], box)
    assert int(tiny.state.flag) == 2
    tiny.initialize(frames[0], TEXTS[0], None)
    assert int(tiny.state.flag) == 2  # NL tracks as NL+BB after grounding (spec §4.2)
    with pytest.raises(PluginError, match="needs a sentence"):
        tiny.initialize(frames[0], None, None)


@pytest.mark.slow
def test_uvltrack_b_plus_ostrack_runs_with_random_weights() -> None:
    tracker = get_tracker("uvltrack-b+ostrack-256").build(
        checkpoint={}, **{"grounder.random_weights": True, "tracker.random_weights": True})
    frames = make_frames(3, 96, 128, 0)
    first = tracker.initialize(frames[0], TEXTS[0], None)
    np.testing.assert_array_equal(first, tracker.grounder.ground(frames[0], TEXTS[0]))
    assert all(np.isfinite(tracker.track(f)).all() for f in frames[1:])
