"""Batched UVLTrack gives the per-sequence tracker's boxes (within 0.01 px) at B = 1, 2, 3 in NL, BB and NL+BB."""

from __future__ import annotations

import numpy as np
import pytest

from nlbench_trackers.uvltrack.batched import BatchedUVLTrack
from nlbench_trackers.uvltrack.config import UVLTRACK_TEST
from nlbench_trackers.uvltrack.model import UVLTrack
from nlbench_trackers.uvltrack.tracker import SequenceState, UVLTrackTracker
from tests.batched_helpers import batched, one_by_one
from tests.fixtures_uvltrack import TEXTS, initial_box, make_frames, seeded_state_dict

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model() -> UVLTrack:
    net = UVLTrack(UVLTRACK_TEST)
    net.load_state_dict(seeded_state_dict(net.state_dict(), UVLTRACK_TEST.search_factor))
    return net.eval()


@pytest.mark.parametrize("mode", ["nl", "bb", "nl+bb"])
def test_batched_equals_one_by_one(model: UVLTrack, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # lengths 45, 6, 27 and three frame sizes: slots start, finish and refill at different steps, and prompt
    # updates (every 20 frames) fall on different steps of different slots (the golden set's frames: with
    # these weights every mode updates its prompt at least once there)
    specs = [(45, 96, 128), (6, 120, 90), (27, 80, 160)]
    sequences = [make_frames(n, h, w, k) for k, (n, h, w) in enumerate(specs)]
    texts = [t if "nl" in mode else None for t in TEXTS]
    boxes = [np.array(initial_box(h, w)) if "bb" in mode else None for _, h, w in specs]
    updates: list[int] = []
    original = SequenceState.update_prompt
    monkeypatch.setattr(SequenceState, "update_prompt",
                        lambda self, *a: updates.append(self.frame_id) or original(self, *a))
    expected = one_by_one(UVLTrackTracker(model), sequences, texts, boxes)
    per_sequence_updates = sorted(updates)
    assert per_sequence_updates  # the prompt-update path is exercised
    for size in (1, 2, 3):
        updates.clear()
        got = batched(BatchedUVLTrack(UVLTrackTracker(model), size), sequences, texts, boxes)
        for k, (e, g) in enumerate(zip(expected, got)):
            assert g.shape == e.shape == (len(sequences[k]), 4)
            np.testing.assert_allclose(g, e, rtol=0, atol=0.01, err_msg=f"{mode} B={size} sequence {k}")
        assert sorted(updates) == per_sequence_updates
    if mode == "nl":  # grounded first boxes differ between sequences: the slots did not share state
        assert len({tuple(e[0]) for e in expected}) == len(expected)
