"""Safe checkpoint loading: trainer dicts with training classes, bare state_dicts, safetensors, refusals."""

from __future__ import annotations

import os
import pickle
import sys
import types
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from nlbench.core.errors import CheckpointError
from nlbench_trackers.common.checkpoint import Placeholder, load_checkpoint, load_pickle_safely, read_state_dict


class _Small(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(3, 2)
        self.norm = nn.BatchNorm2d(2)


def _fake_lib_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A stand-in for the original's lib.train.admin.settings, present only while saving."""
    module = types.ModuleType("lib.train.admin.settings")

    class Settings:
        def __init__(self) -> None:
            self.env = EnvironmentSettings()
            self.batch_size = 8

    class EnvironmentSettings:
        def __init__(self) -> None:
            self.workspace_dir = "/data/workspace"

    for cls in (Settings, EnvironmentSettings):
        cls.__module__ = module.__name__
        cls.__qualname__ = cls.__name__
        setattr(module, cls.__name__, cls)
    for name in ("lib", "lib.train", "lib.train.admin"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def _trainer_dict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, net: dict) -> Path:
    module = _fake_lib_module(monkeypatch)
    model = _Small()
    optimizer = torch.optim.AdamW(model.parameters())
    checkpoint = {
        "epoch": 300, "actor_type": "JointNLTActor", "net_type": "JointNLT", "net": net,
        "net_info": None, "constructor": None, "optimizer": optimizer.state_dict(),
        "stats": OrderedDict(train={"Loss/total": np.float64(0.25)}), "settings": module.Settings(),
    }
    path = tmp_path / "JointNLT_ep0300.pth.tar"
    torch.save(checkpoint, path)
    for name in ("lib", "lib.train", "lib.train.admin", module.__name__):
        monkeypatch.delitem(sys.modules, name)
    return path


def test_trainer_dict_with_training_classes_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _Small()
    path = _trainer_dict(tmp_path, monkeypatch, source.state_dict())
    assert "lib" not in sys.modules
    loaded = load_pickle_safely(path)
    assert isinstance(loaded["settings"], Placeholder)
    assert type(loaded["settings"]).__module__ == "lib.train.admin.settings"
    assert loaded["epoch"] == 300
    target = load_checkpoint(_Small(), path)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value)


def test_bare_state_dict_with_module_prefix_and_safetensors(tmp_path: Path) -> None:
    source = _Small()
    state = {f"module.{k}": v for k, v in source.state_dict().items()}
    torch.save(state, tmp_path / "bare.pth")
    save_file(dict(source.state_dict()), str(tmp_path / "w.safetensors"))
    for name in ("bare.pth", "w.safetensors"):
        got = read_state_dict(tmp_path / name)
        assert set(got) == set(source.state_dict())
        assert torch.equal(got["proj.weight"], source.proj.weight)


def test_key_mismatch_lists_missing_and_unexpected(tmp_path: Path) -> None:
    state = dict(_Small().state_dict())
    state.pop("proj.bias")
    state["extra.weight"] = torch.zeros(1)
    state["norm.weight"] = torch.zeros(5)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(_Small(), tmp_path / "bad.pth")
    message = str(info.value)
    assert "bad.pth" in message
    assert "missing keys 1 (proj.bias)" in message
    assert "unexpected keys 1 (extra.weight)" in message
    assert "norm.weight (5,) vs (2,)" in message


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_code_executing_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = {"net": _Small().state_dict(), "settings": _Evil(marker)}
    torch.save(evil, tmp_path / "evil.pth.tar")
    with (tmp_path / "evil.pkl").open("wb") as fh:  # a legacy, non-zip pickle
        pickle.dump(_Evil(marker), fh, protocol=2)
    with (tmp_path / "evil4.pkl").open("wb") as fh:
        pickle.dump(_Evil(marker), fh, protocol=4)
    for name in ("evil.pth.tar", "evil.pkl"):
        with pytest.raises(CheckpointError, match="refused to load: its pickle references posix.system"):
            read_state_dict(tmp_path / name)
    with pytest.raises(CheckpointError, match="evil4.pkl: refused to load"):
        read_state_dict(tmp_path / "evil4.pkl")
    assert not marker.exists()


def test_lib_class_whose_reduce_calls_system_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "pwned"
    module = types.ModuleType("lib.evil")
    _Evil.__module__ = "lib.evil"
    module._Evil = _Evil
    monkeypatch.setitem(sys.modules, "lib", types.ModuleType("lib"))
    monkeypatch.setitem(sys.modules, "lib.evil", module)
    try:
        torch.save({"net": _Small().state_dict(), "stats": _Evil(marker)}, tmp_path / "evil.pth.tar")
    finally:
        _Evil.__module__ = __name__
    with pytest.raises(CheckpointError, match="refused"):
        read_state_dict(tmp_path / "evil.pth.tar")
    assert not marker.exists()


def test_placeholder_inside_weights_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _fake_lib_module(monkeypatch)
    torch.save({"net": {"proj.weight": module.Settings()}}, tmp_path / "odd.pth")
    with pytest.raises(CheckpointError, match="no state_dict"):
        read_state_dict(tmp_path / "odd.pth")


def test_missing_and_garbage_files(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found"):
        read_state_dict(tmp_path / "nope.pth")
    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="garbage.pth"):
        read_state_dict(tmp_path / "garbage.pth")
    (tmp_path / "garbage.safetensors").write_bytes(b"\x00" * 3)
    with pytest.raises(CheckpointError, match="garbage.safetensors"):
        read_state_dict(tmp_path / "garbage.safetensors")
