"""Registry, simple trackers and the separated composer."""

import numpy as np
import pytest

from nlbench.core.errors import CheckpointError, NlbenchError, PluginError
from nlbench.core.registry import get_tracker
from nlbench.core.types import TrackerPlugin
from nlbench_trackers.separated import SeparatedTracker, compose_plugin, split_options


def test_unknown_tracker_suggests():
    with pytest.raises(PluginError, match="Did you mean 'static'"):
        get_tracker("statik")


def test_static_repeats_box():
    tracker = get_tracker("static").build()
    frame = np.zeros((50, 60, 3), np.uint8)
    assert tracker.initialize(frame, None, np.array([1, 2, 3, 4.0])).tolist() == [1, 2, 3, 4]
    assert tracker.track(frame).tolist() == [1, 2, 3, 4]
    with pytest.raises(NlbenchError):
        tracker.initialize(frame, "a sentence", None)


@pytest.mark.parametrize("name", ["csrt", "kcf", "mil"])
def test_opencv_trackers_follow_a_moving_square(name):
    def frame(x):
        img = np.full((120, 160, 3), 30, np.uint8)
        img[40:70, x : x + 30] = (220, 40, 40)
        img[45:65, x + 5 : x + 25] = (40, 220, 40)
        return img

    tracker = get_tracker(name).build()
    tracker.initialize(frame(20), None, np.array([20, 40, 30, 30.0]))
    for x in range(22, 42, 2):
        box = tracker.track(frame(x))
    assert abs(box[0] - 40) <= 6, box


class _FakeGrounder:
    def ground(self, frame, text):
        return np.array([5, 6, 7, 8.0])


def _plugin(name, grounder=False, modes=("bb",), needs_checkpoint=False, seen=None):
    def build(checkpoint=None, device="cpu", **options):
        if seen is not None:
            seen[name] = (checkpoint, options)
        return _FakeGrounder() if grounder else get_tracker("static").build()

    return TrackerPlugin(name=name, description="", build=build, modes=modes, grounder=grounder, needs_checkpoint=needs_checkpoint)


def test_composer_grounds_then_tracks_and_routes_options():
    seen = {}
    plugin = compose_plugin(_plugin("g", grounder=True, modes=(), needs_checkpoint=True, seen=seen), _plugin("t", seen=seen))
    assert plugin.name == "g+t" and plugin.modes == ("nl",)
    tracker = plugin.build(checkpoint="w.pth", **{"grounder.a": 1, "tracker.b": 2, "c": 3})
    assert seen["g"] == ("w.pth", {"a": 1, "c": 3}) and seen["t"] == (None, {"b": 2, "c": 3})
    frame = np.zeros((10, 10, 3), np.uint8)
    assert tracker.initialize(frame, "the red square", None).tolist() == [5, 6, 7, 8]
    assert tracker.track(frame).tolist() == [5, 6, 7, 8]
    with pytest.raises(NlbenchError):
        tracker.initialize(frame, "", None)


def test_composer_rejects_bad_parts_and_ambiguous_checkpoint():
    with pytest.raises(PluginError, match="not a grounder"):
        compose_plugin(_plugin("x"), _plugin("t"))
    both = compose_plugin(_plugin("g", grounder=True, needs_checkpoint=True), _plugin("t", needs_checkpoint=True))
    with pytest.raises(CheckpointError, match="grounder=PATH"):
        both.build(checkpoint="one.pth")


def test_split_options():
    assert split_options({"grounder.x": 1, "y": 2}) == {"grounder": {"x": 1, "y": 2}, "tracker": {"y": 2}}


def test_registry_composes_names():
    with pytest.raises(PluginError, match="not a grounder"):
        get_tracker("static+csrt")


def test_degenerate_grounding_is_grown_around_its_centre_for_the_tracker():
    from nlbench_trackers.separated import guard_min_size

    np.testing.assert_array_equal(guard_min_size(np.array([10, 20, 0, 6.0]), 1.0), [9.5, 20, 1, 6])
    np.testing.assert_array_equal(guard_min_size(np.array([10, 20, 4, 6.0]), 1.0), [10, 20, 4, 6])

    class ZeroGrounder:
        def ground(self, frame, text):
            return np.array([5, 5, 0, 0.0])

    class Recorder:
        def initialize(self, frame, text, box):
            self.box = box

    recorder = Recorder()
    tracker = SeparatedTracker(ZeroGrounder(), recorder, min_box_size=4)
    grounded = tracker.initialize(np.zeros((10, 10, 3), np.uint8), "x", None)
    assert grounded.tolist() == [5, 5, 0, 0]  # the file keeps what the grounder said
    assert recorder.box.tolist() == [3, 3, 4, 4]


def test_a_part_without_weights_says_which_checkpoint_role_to_use():
    def refuse(checkpoint=None, device="cpu", **options):
        if checkpoint is None:
            raise CheckpointError("g needs its weights.")
        return _FakeGrounder()

    g = TrackerPlugin(name="g", description="", build=refuse, modes=(), grounder=True, needs_checkpoint=True)
    with pytest.raises(CheckpointError, match=r"--checkpoint grounder=PATH"):
        compose_plugin(g, _plugin("t")).build()
