"""Files that are not checkpoints at all, given as ``--checkpoint``: one CheckpointError naming the file, for every
tracker and grounder family, raised before any model is built (issue 14, item 8)."""

from __future__ import annotations

import importlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import CheckpointError, NlbenchError
from nlbench.core.registry import get_tracker
from nlbench_trackers.common.checkpoint import read_state_dict


def _text(path: Path) -> None:
    path.write_text("these are not weights\n0.1 0.2 0.3\n", encoding="utf-8")


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(14).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def _random_bytes_after_a_pickle_header(path: Path) -> None:
    # passes the header check and reaches the unpickler, which must fail as a CheckpointError too
    path.write_bytes(b"\x80\x02" + np.random.default_rng(8).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _zip_not_torch(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights/readme.txt", "a zip, but torch.save did not write it")


def _damaged_torch_zip(path: Path) -> None:
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(3)}, buffer)
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 2])


FILES = {
    "text": _text,
    "random-bytes": _random_bytes,
    "pickle-header-noise": _random_bytes_after_a_pickle_header,
    "empty": _empty,
    "zip-not-torch": _zip_not_torch,
    "truncated-torch-zip": _damaged_torch_zip,
}


@pytest.fixture(params=sorted(FILES), ids=sorted(FILES))
def bad_file(request, tmp_path) -> Path:
    path = tmp_path / f"{request.param}.pth"
    FILES[request.param](path)
    return path


def test_reader_names_the_file(bad_file: Path) -> None:
    with pytest.raises(CheckpointError) as info:
        read_state_dict(bad_file)
    message = str(info.value)
    assert str(bad_file) in message and "\n" not in message
    assert "checkpoint" in message


@pytest.mark.parametrize("kind", ["text", "empty", "random-bytes"])
def test_safetensors_suffix_does_not_hide_a_bad_file(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "weights.safetensors"
    FILES[kind](path)
    with pytest.raises(CheckpointError, match="weights.safetensors"):
        read_state_dict(path)


PLUGINS = [
    ("jointnlt", None),
    ("jointnlt-tiny", None),
    ("vltvg", None),
    ("vltvg-r101", None),
    ("stark-st101", None),
    ("stark-st50", None),
    ("ostrack-384", None),
    ("ostrack-256", None),
    ("vltvg+stark-st101", "grounder"),
    ("jointnlt-tiny+ostrack-256", "tracker"),
    ("jointnlt-tiny+stark-st50", "tracker"),
]


@pytest.mark.parametrize(("name", "role"), PLUGINS, ids=[p[0] + (f"[{p[1]}]" if p[1] else "") for p in PLUGINS])
def test_every_family_refuses_a_file_that_is_no_checkpoint(name, role, bad_file: Path, monkeypatch) -> None:
    # Building the network would be the slow part: refuse the file before any model is constructed (in a
    # composed tracker the grounder, here the shipped tiny JointNLT, is built first).
    for family in ("jointnlt.model", "jointnlt.tracker", "vltvg.model", "stark.model", "ostrack.model"):
        importlib.import_module(f"nlbench_trackers.{family}")  # imports build module objects of their own
    if role != "tracker":
        monkeypatch.setattr(torch.nn.Module, "__init__", _no_model_may_be_built)
    plugin = get_tracker(name)
    if role is None:
        checkpoint: object = str(bad_file)
    else:  # the other part gets random weights; the bad file goes to ``role``
        checkpoint = {role: str(bad_file)}
    options = {"tracker.random_weights": True} if role == "grounder" else {}
    with pytest.raises(CheckpointError) as info:
        plugin.build(checkpoint=checkpoint, device="cpu", **options)
    message = str(info.value)
    assert str(bad_file) in message and "\n" not in message
    assert isinstance(info.value, NlbenchError)


def _no_model_may_be_built(self, *args, **kwargs):
    raise AssertionError("a model was built before the checkpoint file was checked")


def test_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    from tests.fixtures_frames import make_moving_square_sequence

    root = tmp_path / "TNL2K_test"
    make_moving_square_sequence(root, "seq_00", n_frames=4, seed=0)
    bad = tmp_path / "notes.pth"
    _text(bad)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "-t", "stark-st50", "-d", "tnl2k", "--root", str(root), "--sequences",
                                       "seq_00", "--mode", "bb", "--checkpoint", str(bad), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "not a checkpoint" in lines[0]
    assert "Traceback" not in result.output
    assert not (out / "seq_00.txt").exists()


def test_safetensors_content_is_recognised_whatever_the_suffix(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    path = tmp_path / "weights.pth"
    save_file({"module.fc.weight": torch.arange(6.0).view(2, 3)}, str(path))
    state = read_state_dict(path)
    assert list(state) == ["fc.weight"] and torch.equal(state["fc.weight"], torch.arange(6.0).view(2, 3))
