"""OSTrack: official key sets and sizes (baselines-spec §4.2), CE and restore (§4.3), Hann window + decode (§4.4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nlbench.core.errors import CheckpointError
from nlbench.core.registry import get_tracker
from nlbench_trackers.common.checkpoint import load_strict
from nlbench_trackers.common.crop import hann2d
from nlbench_trackers.ostrack.model import (
    OSTRACK_256_CONFIG,
    OSTRACK_384_CONFIG,
    CenterPredictor,
    OSTrack,
    OSTrackConfig,
    VisionTransformerCE,
    candidate_elimination,
    center_template_mask,
)
from tests.fixtures_baselines import golden_frames, seeded_state, spec_keys, state_signature











@pytest.mark.parametrize(
    ("config", "digest", "params"),
    [
        (OSTRACK_384_CONFIG, "6607b75235f23c92689111b7800a2856384b98e791ac3aeb72ec5c1d7fd47bc3", 92_825_733),
        (OSTRACK_256_CONFIG, "d5e7d07778e5b4159acf5028626007e8d8fd4a21995050b87ed7fab88b04be23", 92_518_533),
    ],
    ids=["384", "256"],
)
def test_key_set_and_parameter_totals(config, digest, params) -> None:
    # digests of the sorted (key, shape, dtype) rows of baselines-state-dict-keys.tsv
    model = OSTrack(config)
    assert state_signature(model) == (242, digest)
    assert sum(p.numel() for p in model.parameters()) == params
    assert sum(p.numel() for p in model.box_head.parameters()) == 6_474_117  # spec §1: all counted by thop


@pytest.mark.parametrize(("tag", "config"), [("ostrack_384", OSTRACK_384_CONFIG), ("ostrack_256", OSTRACK_256_CONFIG)])
def test_random_state_dict_with_the_official_keys_loads_strictly(tag, config) -> None:
    keys = spec_keys(tag)
    assert len(keys) == 242
    gen = torch.Generator().manual_seed(0)
    state = {
        k: torch.randint(0, 5, shape, generator=gen) if dtype == "int64" else torch.full(shape, 0.5) + len(k) / 100
        for k, (shape, dtype) in keys.items()
    }
    model = OSTrack(config)
    load_strict(model, state, "random")
    assert torch.equal(model.state_dict()["backbone.pos_embed_x"], state["backbone.pos_embed_x"])


def test_center_template_mask_selects_one_token() -> None:
    assert torch.nonzero(center_template_mask(12)[0]).flatten().tolist() == [65]  # cell (5,5) of 12x12
    assert torch.nonzero(center_template_mask(8)[0]).flatten().tolist() == [27]  # cell (3,3) of 8x8


def test_candidate_elimination_keeps_the_most_attended_in_sorted_order() -> None:
    # one head, template length 2 (only token 1 selected by the mask), four search tokens
    attn = torch.zeros(1, 1, 6, 6)
    attn[0, 0, 0, 2:] = torch.tensor([0.9, 0.0, 0.0, 0.0])  # unselected template row must not count
    attn[0, 0, 1, 2:] = torch.tensor([0.1, 0.4, 0.2, 0.3])
    tokens = torch.arange(6, dtype=torch.float32).view(1, 6, 1)
    index = torch.tensor([[10.0, 11.0, 12.0, 13.0]])
    mask = torch.tensor([[False, True]])
    new_tokens, kept, removed = candidate_elimination(attn, tokens, 2, 0.7, index, mask)
    # keep ceil(0.7 * 4) = 3 tokens, by score 0.4 > 0.3 > 0.2
    assert kept.tolist() == [[11.0, 13.0, 12.0]]
    assert removed.tolist() == [[10.0]]
    assert new_tokens.flatten().tolist() == [0.0, 1.0, 3.0, 5.0, 4.0]
    # with no mask all template rows are averaged: token 10 now scores (0.9 + 0.1) / 2 = 0.5
    _, kept_all, _ = candidate_elimination(attn, tokens, 2, 0.7, index, None)
    assert kept_all.tolist() == [[10.0, 11.0, 13.0]]


def test_removed_search_tokens_are_restored_as_exact_zeros() -> None:
    config = OSTrackConfig(template_size=32, search_size=64, embed_dim=32, depth=4, num_heads=2, ce_loc=(1, 2))
    vit = VisionTransformerCE(config).eval()
    torch.manual_seed(0)
    with torch.no_grad():
        out = vit(torch.randn(1, 3, 32, 32), torch.randn(1, 3, 64, 64), None)
    search = out[0, 4:]
    zero_rows = int((search.abs().sum(dim=1) == 0).sum())
    # 16 search tokens -> ceil(0.7*16)=12 -> ceil(0.7*12)=9 kept: 7 positions hold exact zeros
    assert zero_rows == 16 - math.ceil(0.7 * math.ceil(0.7 * 16)) == 7
    assert out.shape == (1, 4 + 16, 32)


def test_hann_window_moves_the_argmax_to_the_centre() -> None:
    head = CenterPredictor(in_channels=8, channels=32, feat_size=4)
    score = torch.zeros(1, 1, 4, 4)
    score[0, 0, 0, 0] = 0.9  # raw maximum at a corner: 0.9 * 0.3454915**2 = 0.1074
    score[0, 0, 1, 2] = 0.2  # 0.2 * 0.9045085**2 = 0.1636 wins after the window
    size = torch.zeros(1, 2, 4, 4)
    size[0, :, 1, 2] = torch.tensor([0.3, 0.4])
    offset = torch.zeros(1, 2, 4, 4)
    offset[0, :, 1, 2] = torch.tensor([0.25, 0.5])
    box = head.decode(hann2d(4) * score, size, offset)
    # cx = (col 2 + 0.25) / 4, cy = (row 1 + 0.5) / 4
    assert box[0].tolist() == pytest.approx([0.5625, 0.375, 0.3, 0.4])
    assert head.decode(score, size, offset)[0, :2].tolist() == [0.0, 0.0]  # without the window: the corner


def test_decode_ties_take_the_first_index() -> None:
    head = CenterPredictor(in_channels=8, channels=32, feat_size=4)
    windowed = hann2d(4) * torch.ones(1, 1, 4, 4)  # four equal maxima at (1,1), (1,2), (2,1), (2,2)
    box = head.decode(windowed, torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4))
    assert box[0, :2].tolist() == [0.25, 0.25]


def test_plugin_needs_a_checkpoint_unless_random_weights() -> None:
    plugin = get_tracker("ostrack-384")
    assert plugin.modes == ("bb",) and plugin.needs_checkpoint and not plugin.grounder
    with pytest.raises(CheckpointError, match="OSTrack_ep0300"):
        plugin.build()


# Golden boxes: botaoye/OSTrack@33b5e12 lib/test/tracker/ostrack.py (vitb_*_mae_ce_32x4_ep300) run on CPU with timm 0.5.4,
# these weights (size-head bias -1.5 so that boxes stay finite-sized) and frames.
GOLDEN = {
    "ostrack-256": [
        [52.157904624938965, 16.46155071258545, 24.003664016723633, 29.06168556213379],
        [58.17927837371826, 9.22909164428711, 18.305139541625977, 22.162330627441406],
        [57.699528217315674, 8.742456436157227, 13.987746238708496, 16.935359954833984],
    ],
    "ostrack-384": [
        [48.44744396209717, 15.120460510253906, 30.04795265197754, 36.37945556640625],
        [52.450082778930664, 4.804498672485352, 28.666240692138672, 34.70669174194336],
        [56.29295539855957, 0.0, 27.28493881225586, 28.060192108154297],
    ],
}


@pytest.mark.parametrize("name", ["ostrack-256", pytest.param("ostrack-384", marks=pytest.mark.slow)])
def test_reproduces_the_original_tracker(name: str) -> None:
    tracker = get_tracker(name).build(random_weights=True)
    state = seeded_state(tracker.network, head_gain=20.0)
    state["box_head.conv5_size.bias"] = torch.tensor([-1.5, -1.5])
    tracker.network.load_state_dict(state)
    frames = golden_frames(4)
    init = np.array([40.0, 30.0, 40.0, 30.0])
    np.testing.assert_array_equal(tracker.initialize(frames[0], None, init), init)
    for frame, box in zip(frames[1:], GOLDEN[name]):
        np.testing.assert_allclose(tracker.track(frame), box, atol=1e-2)  # spec jointnlt §10.2: thread-count noise
    assert tracker.frame_id == 3
