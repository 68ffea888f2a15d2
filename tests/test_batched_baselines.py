"""Batched STARK-ST, OSTrack and the separated composer give the per-sequence boxes (within 0.01 px)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nlbench.core.registry import get_tracker
from nlbench_trackers.jointnlt.config import JOINTNLT_TINY
from nlbench_trackers.jointnlt.model import JointNLT
from nlbench_trackers.jointnlt.tracker import JointNLTTracker
from nlbench_trackers.ostrack.batched import BatchedOSTrack
from nlbench_trackers.ostrack.model import OSTrack, OSTrackConfig
from nlbench_trackers.ostrack.tracker import OSTrackTracker
from nlbench_trackers.separated import BatchedSeparated, SeparatedTracker
from nlbench_trackers.stark.batched import BatchedStark
from nlbench_trackers.stark.model import StarkConfig, StarkST
from nlbench_trackers.stark.tracker import StarkTracker
from tests.batched_helpers import batched, initial_box, moving_block_sequences, one_by_one

SPECS = [(5, (96, 128)), (2, (120, 90)), (4, (80, 160))]
TEXTS = ["the red block", "a red box on noise", "the block that moves right"]
SMALL_OSTRACK = OSTrackConfig(template_size=128, search_size=256, embed_dim=32, depth=4, num_heads=2, ce_loc=(1, 2),
                              head_channels=32)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _assert_same(expected, got, what):
    for k, (e, g) in enumerate(zip(expected, got)):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=0, atol=0.01, err_msg=f"{what} sequence {k}")


def _check_box_tracker(make_single, wrap, specs=SPECS, sizes=(1, 2, 3)):
    sequences = moving_block_sequences(specs)
    boxes = [initial_box(f, k) for k, f in enumerate(sequences)]
    texts = [None] * len(sequences)
    expected = one_by_one(make_single(), sequences, texts, boxes)
    for size in sizes:
        _assert_same(expected, batched(wrap(make_single(), size), sequences, texts, boxes), f"B={size}")
    return expected


def _stark(config, update_interval=2):
    torch.manual_seed(0)
    model = StarkST(config).eval()
    with torch.no_grad():  # scores above 0.5, so the dynamic template is refreshed every second frame
        model.cls_head.layers[-1].bias.fill_(4.0)
    return lambda: StarkTracker(model, torch.device("cpu"), update_interval)


def test_stark_batched_equals_one_by_one_with_per_slot_template_updates(monkeypatch):
    make = _stark(StarkConfig(depth="resnet50", template_size=64, search_size=128))
    refreshed = []
    original = BatchedStark._templates

    def spy(self, frames, boxes):
        refreshed.append(len(frames))
        return original(self, frames, boxes)

    monkeypatch.setattr(BatchedStark, "_templates", spy)
    _check_box_tracker(make, BatchedStark, sizes=(3,))
    # B=3: one start pass for all three, then refreshes at each slot's own frames 2 and 4
    assert refreshed[0] == 3 and sum(refreshed[1:]) == 3  # frame 2 of the 5- and 4-frame ones, frame 4 of the first


def test_ostrack_batched_equals_one_by_one():
    torch.manual_seed(0)
    model = OSTrack(SMALL_OSTRACK).eval()
    _check_box_tracker(lambda: OSTrackTracker(model, torch.device("cpu")), BatchedOSTrack)


def test_separated_batched_grounds_new_slots_together_and_equals_one_by_one():
    torch.manual_seed(0)
    grounder = JointNLTTracker(JointNLT(JOINTNLT_TINY).eval())
    torch.manual_seed(1)
    box_model = OSTrack(SMALL_OSTRACK).eval()
    sequences = moving_block_sequences(SPECS)
    single = SeparatedTracker(grounder, OSTrackTracker(box_model, torch.device("cpu")))
    expected = one_by_one(single, sequences, TEXTS, [None] * 3)
    calls = []
    original = grounder.ground_many

    def spy(frames, texts):
        calls.append(len(frames))
        return original(frames, texts)

    grounder.ground_many = spy
    for size in (1, 2, 3):
        tracker = BatchedSeparated(grounder, BatchedOSTrack(OSTrackTracker(box_model, torch.device("cpu")), size))
        _assert_same(expected, batched(tracker, sequences, TEXTS, [None] * 3), f"B={size}")
    assert calls[-1] == 3  # B=3: the three first frames in one grounding pass


@pytest.mark.slow
@pytest.mark.parametrize(("name", "wrap"), [("stark-st101", BatchedStark), ("ostrack-384", BatchedOSTrack)])
def test_official_size_box_trackers_batched_equal_one_by_one(name, wrap):
    torch.manual_seed(0)
    single = get_tracker(name).build(random_weights=True)
    assert get_tracker(name).build_batched is not None
    _check_box_tracker(lambda: single, wrap, specs=[(4, (96, 128)), (2, (120, 90)), (3, (80, 160))])


@pytest.mark.slow
def test_vltvg_ostrack_384_batched_equals_one_by_one():
    plugin = get_tracker("vltvg+ostrack-384")
    torch.manual_seed(0)
    single = plugin.build(random_weights=True)
    sequences = moving_block_sequences([(4, (96, 128)), (2, (120, 90)), (3, (80, 160))])
    expected = one_by_one(single, sequences, TEXTS, [None] * 3)
    for size in (1, 2, 3):
        tracker = BatchedSeparated(single.grounder, BatchedOSTrack(single.tracker, size))
        _assert_same(expected, batched(tracker, sequences, TEXTS, [None] * 3), f"B={size}")
