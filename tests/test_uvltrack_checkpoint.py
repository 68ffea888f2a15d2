"""UVLTrack weights load strictly (390 keys for B, 630 for L) under either prompter prefix; mismatches name keys."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import torch

from nlbench.core.errors import CheckpointError
from nlbench_trackers.uvltrack.checkpoint import OLD_PROMPTER, PROMPTER, load_checkpoint, load_weights
from nlbench_trackers.uvltrack.config import UVLTRACK_B, UVLTRACK_L, UVLTRACK_TEST
from nlbench_trackers.uvltrack.model import UVLTrack
from tests.fixtures_uvltrack import seeded_state_dict


def write_trainer_dict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, net: dict) -> Path:
    """``UVLTrack_ep0300.pth.tar`` as base_trainer.py:115-148 saves it, with a pickled training class."""
    module = types.ModuleType("lib.train.admin.settings")

    class Settings:
        def __init__(self) -> None:
            self.project_path = "train/uvltrack/baseline_base"
            self.batch_size = 8

    Settings.__module__ = module.__name__
    Settings.__qualname__ = "Settings"
    module.Settings = Settings
    names = ("lib", "lib.train", "lib.train.admin")
    for name in names:
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    path = tmp_path / "UVLTrack_ep0300.pth.tar"
    torch.save({"epoch": 300, "actor_type": "UVLTrackActor", "net_type": "UVLTrack", "net": net, "net_info": None,
                "constructor": None, "optimizer": None, "stats": None, "settings": Settings()}, path)
    for name in (*names, module.__name__):
        monkeypatch.delitem(sys.modules, name)
    return path


@pytest.fixture(scope="module")
def tiny_state() -> dict:
    return seeded_state_dict(UVLTrack(UVLTRACK_TEST).state_dict(), UVLTRACK_TEST.search_factor)


def _meta(cfg) -> UVLTrack:
    with torch.device("meta"):
        return UVLTrack(cfg)


@pytest.mark.parametrize(("cfg", "keys", "params"), [(UVLTRACK_B, 390, 168_568_170), (UVLTRACK_L, 630, 511_002_474)],
                         ids=["B", "L"])
def test_official_key_count_and_parameters(cfg, keys: int, params: int) -> None:
    # spec §3: 390 / 630 state_dict entries; §2.5: sum(p.numel()) 168,568,170 / 511,002,474
    model = _meta(cfg)
    assert len(model.state_dict()) == keys
    assert sum(p.numel() for p in model.parameters()) == params
    assert sum(1 for k in model.state_dict() if k.startswith(PROMPTER)) == 12


@pytest.mark.parametrize("prefix", [PROMPTER, OLD_PROMPTER], ids=["prompter", "image_tokenlize"])
def test_official_b_loads_strictly_under_either_prefix(prefix: str) -> None:
    model = _meta(UVLTRACK_B)
    state = {(prefix + k[len(PROMPTER):] if k.startswith(PROMPTER) else k): v for k, v in model.state_dict().items()}
    load_weights(model, state, "B.pth.tar")  # meta tensors: shapes and names only


def test_trainer_dict_with_training_classes_loads(tmp_path, monkeypatch, tiny_state) -> None:
    path = write_trainer_dict(tmp_path, monkeypatch, tiny_state)
    model = load_checkpoint(UVLTrack(UVLTRACK_TEST), path)
    assert torch.equal(model.box_head.prompter.mlp.fc1.weight, tiny_state["box_head.prompter.mlp.fc1.weight"])
    assert "lib" not in sys.modules  # nothing of the original's training code was imported or executed


def test_old_prompter_prefix_gives_the_same_weights(tiny_state) -> None:
    renamed = {(OLD_PROMPTER + k[len(PROMPTER):] if k.startswith(PROMPTER) else k): v for k, v in tiny_state.items()}
    model = load_weights(UVLTrack(UVLTRACK_TEST), renamed)
    assert torch.equal(model.box_head.prompter.query_embed.weight, tiny_state["box_head.prompter.query_embed.weight"])


def test_missing_prompter_key_is_named(tiny_state) -> None:
    state = dict(tiny_state)
    del state["box_head.prompter.mlp.fc2.bias"]
    with pytest.raises(CheckpointError, match=r"box_head\.prompter\.mlp\.fc2\.bias.*randomly initialised prompter"):
        load_weights(UVLTrack(UVLTRACK_TEST), state, "x.pth")


def test_missing_and_unexpected_keys_are_named(tiny_state) -> None:
    state = dict(tiny_state)
    del state["backbone.vit.norm.weight"]
    state["backbone.vit.head.weight"] = torch.zeros(2)
    with pytest.raises(CheckpointError, match=r"missing keys 1 \(backbone\.vit\.norm\.weight\).*"
                                              r"unexpected keys 1 \(backbone\.vit\.head\.weight\)"):
        load_weights(UVLTrack(UVLTRACK_TEST), state, "x.pth")


def test_both_prompter_prefixes_at_once_is_an_error(tiny_state) -> None:
    state = dict(tiny_state)
    state[OLD_PROMPTER + "logit_scale"] = state[PROMPTER + "logit_scale"]
    with pytest.raises(CheckpointError, match="prompter twice"):
        load_weights(UVLTrack(UVLTRACK_TEST), state, "x.pth")
