"""Batched JointNLT gives the per-sequence tracker's boxes (within 0.01 px) for any batch size and mix of slots."""

from __future__ import annotations

import numpy as np
import pytest

from nlbench_trackers.jointnlt.batched import BatchedJointNLT
from nlbench_trackers.jointnlt.config import JOINTNLT_SWIN_B, JOINTNLT_TINY
from nlbench_trackers.jointnlt.model import JointNLT
from nlbench_trackers.jointnlt.tracker import JointNLTTracker
from tests.batched_helpers import batched, initial_box, moving_block_sequences, one_by_one
from tests.fixtures_models import sharpened_random_jointnlt

TEXTS = ["the red block, in the middle", "a red box", "the block that moves to the right of the noisy picture"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _check(model: JointNLT, specs, sizes=(1, 2, 3)) -> None:
    sequences = moving_block_sequences(specs)
    texts = TEXTS[:len(sequences)]
    for mode in ("nl", "nl+bb"):
        boxes = [initial_box(f, k) if mode == "nl+bb" else None for k, f in enumerate(sequences)]
        expected = one_by_one(JointNLTTracker(model), sequences, texts, boxes)
        for size in sizes:
            got = batched(BatchedJointNLT(JointNLTTracker(model), size), sequences, texts, boxes)
            for k, (e, g) in enumerate(zip(expected, got)):
                assert g.shape == e.shape == (len(sequences[k]), 4)
                np.testing.assert_allclose(g, e, rtol=0, atol=0.01, err_msg=f"{mode} B={size} sequence {k}")
        if mode == "nl":  # grounded first boxes differ between sequences: the slots did not share state
            assert len({tuple(e[0]) for e in expected}) == len(expected)


def test_tiny_batched_equals_one_by_one_in_both_modes():
    # lengths 5, 2, 4 and three frame sizes: slots start, finish and refill at different steps
    _check(sharpened_random_jointnlt(JOINTNLT_TINY), [(5, (96, 128)), (2, (120, 90)), (4, (80, 160))])


@pytest.mark.slow
def test_official_size_batched_equals_one_by_one_in_both_modes():
    # the official Swin-B/BERT-base network with random weights, ~1 s per step on one CPU thread; square frames
    # so that the random grounding cannot land wholly in the padding (a box outside the frame cannot be cropped)
    _check(sharpened_random_jointnlt(JOINTNLT_SWIN_B), [(4, (96, 96)), (2, (128, 128)), (3, (112, 112))])


def test_sgtm_clue_lengths_are_grouped_not_padded():
    model = sharpened_random_jointnlt(JOINTNLT_TINY)
    tracker = BatchedJointNLT(JointNLTTracker(model), 2)
    sequences = moving_block_sequences([(4, (96, 128)), (3, (96, 128))])
    from nlbench.core.types import SlotStart

    tracker.start({0: SlotStart(sequences[0][0], TEXTS[0], None)})
    tracker.step({0: sequences[0][1]})  # slot 0 now holds one RoI: its next clue has 72 tokens
    tracker.start({1: SlotStart(sequences[1][0], TEXTS[1], None)})  # slot 1's first clue has 36
    seen = []
    original = model.forward_temporal

    def spy(text_cls, clue):
        seen.append((text_cls.shape[0], clue.shape[-1]))
        return original(text_cls, clue)

    model.forward_temporal = spy
    tracker.step({0: sequences[0][2], 1: sequences[1][1]})
    assert sorted(seen) == [(1, 36), (1, 72)]


def test_half_precision_runs_batched():
    """dtype=bf16 (meant for GPUs) works batched: the slots' boxes stay near the bf16 batch-1 boxes."""
    model = sharpened_random_jointnlt(JOINTNLT_TINY)
    sequences = moving_block_sequences([(3, (96, 128)), (2, (120, 90))])
    boxes = [initial_box(f, k) for k, f in enumerate(sequences)]
    expected = one_by_one(JointNLTTracker(model, dtype="bf16"), sequences, TEXTS[:2], boxes)
    got = batched(BatchedJointNLT(JointNLTTracker(model, dtype="bf16"), 2), sequences, TEXTS[:2], boxes)
    for e, g in zip(expected, got):
        assert np.isfinite(g).all()
        np.testing.assert_allclose(g, e, rtol=0, atol=2.0)  # bf16 sums depend on the batch shape
