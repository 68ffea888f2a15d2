"""Golden boxes from the ORIGINAL UVLTrack tracker (OpenSpaceAI/UVLTrack @ 6ca3405), in NL, BB and NL+BB.

How tests/data/uvltrack/<set>/golden.json was made: the original's own model, tokenizer (pytorch_pretrained_bert
0.6.2) and tracker class ran from a read-only checkout on CPU (torch 2.14, one thread), built from
experiments/uvltrack/baseline_base.yaml, with shims only for CUDA calls (``.cuda()`` as identity), numpy's
removed ``np.float`` alias and torch 1.10's ``torch.load`` default, and local stand-ins for the pretrained files
it reads at construction (empty MAE and BERT weights, a BERT config of the model's size, the bert-base-uncased
vocabulary). The weights are ``seeded_state_dict`` (tests/fixtures_uvltrack.py), saved as a trainer dict
(``net`` plus a pickled ``lib.train.admin.settings.Settings``) and loaded by the original with its own
``torch.load(...)['net']``. A fresh original tracker ran each sequence in each TEST.MODE; row 0 is its state
after ``initialize`` (the grounded box in NL mode). ``prompt_updates`` lists the frames where it reran the
prompter.

- ``tiny``: the same code at reduced sizes (UVLTRACK_TEST: every size is a config key of the original except
  the ViT's width/depth/heads, fixed in ``mae_vit_base_patch16``, which the generator replaced by the original's
  own ``MaskedAutoencoderViT`` at those sizes). 3 sequences of 45/23/41 frames, 128x96, 88x120, 80x80.
- ``base``: UVLTrack-B exactly as shipped (slow: about 1 s per frame). 22/8/5 frames, same frame sizes.

Measured agreement (max over every frame, grounded boxes included): tiny 2.3e-5 px, base 3.1e-5 px in NL and
NL+BB; BB is bit-exact in both. The only numeric difference is Hugging Face BERT against pytorch_pretrained_bert
(the text path). Generator and comparison scripts are outside the repository (the original's code never enters it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from nlbench.core.types import Sequence
from nlbench.run.executors.sequence import track_sequence
from nlbench_trackers.uvltrack.config import UVLTRACK_B, UVLTRACK_TEST
from nlbench_trackers.uvltrack.model import UVLTrack
from nlbench_trackers.uvltrack.tracker import UVLTrackTracker
from tests.fixtures_uvltrack import DATA, seeded_state_dict

pytestmark = pytest.mark.usefixtures("one_torch_thread")
MODES = ("nl", "bb", "nl+bb")


def _sequences(folder: Path) -> list[Sequence]:
    meta = json.loads((folder / "sequences.json").read_text(encoding="utf-8"))
    out = []
    for entry in meta["sequences"]:
        frames = tuple(folder / entry["name"] / f"{i:04d}.png" for i in range(entry["length"]))
        gt = np.tile(np.asarray(entry["box"], dtype=np.float64), (entry["length"], 1))
        out.append(Sequence(entry["name"], "golden", frames, gt, language=entry["text"]))
    return out


def _check(tracker: UVLTrackTracker, folder: Path) -> None:
    golden = json.loads((folder / "golden.json").read_text(encoding="utf-8"))["modes"]
    updates: list[int] = []
    model = tracker.model
    original = model.forward_prompt

    def spy(*args, **kwargs):
        updates.append(tracker.state.frame_id)
        return original(*args, **kwargs)

    model.forward_prompt = spy
    try:
        for mode in MODES:
            for seq in _sequences(folder):
                expected = golden[mode][seq.name]
                updates.clear()
                boxes, _, grounded = track_sequence(tracker, seq, mode)
                want = np.asarray(expected["boxes"])
                # the runner writes the GT as row 0 and the NL grounded box to <seq>_ground.txt
                np.testing.assert_array_equal(boxes[0], seq.gt[0])
                if mode == "nl":
                    np.testing.assert_allclose(grounded, want[0], rtol=0, atol=0.01, err_msg=f"{seq.name} grounding")
                else:
                    assert grounded is None
                np.testing.assert_allclose(boxes[1:], want[1:], rtol=0, atol=0.01, err_msg=f"{mode} {seq.name}")
                assert updates == expected["prompt_updates"], f"{mode} {seq.name}"
                assert np.ptp(want[1:], axis=0).max() > 5  # the boxes move: random weights, not degenerate
    finally:
        model.forward_prompt = original


def _seeded(cfg) -> UVLTrack:
    model = UVLTrack(cfg)
    model.load_state_dict(seeded_state_dict(model.state_dict(), cfg.search_factor), strict=True)
    return model.eval()


def test_reduced_config_matches_the_original_in_every_mode() -> None:
    _check(UVLTrackTracker(_seeded(UVLTRACK_TEST)), DATA / "tiny")


def test_the_golden_set_exercises_the_prompt_update_gate() -> None:
    """Updates happen at 20 and 40, at 40 only (gate shut at 20), at 20 only, and never: every branch of §4.4."""
    golden = json.loads((DATA / "tiny" / "golden.json").read_text(encoding="utf-8"))["modes"]
    seen = {tuple(entry["prompt_updates"]) for per in golden.values() for entry in per.values()}
    assert {(20, 40), (40,), (20,), ()} <= seen


@pytest.mark.slow
def test_uvltrack_b_plugin_matches_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The registered ``uvltrack-b`` from a trainer-format checkpoint reproduces the original B (about 60 s)."""
    from nlbench.core.registry import get_tracker
    from tests.test_uvltrack_checkpoint import write_trainer_dict

    model = UVLTrack(UVLTRACK_B)
    path = write_trainer_dict(tmp_path, monkeypatch, seeded_state_dict(model.state_dict(), UVLTRACK_B.search_factor))
    del model
    tracker = get_tracker("uvltrack-b").build(checkpoint=path, device="cpu")
    _check(tracker, DATA / "base")
    assert torch.get_num_threads() == 1
