"""Atomic writes, the result writer and the run manifest."""

import json
import os

import numpy as np
import pytest

from nlbench.core.io import atomic_write_text
from nlbench.store.manifest import RunManifest, read_manifest, record_sequence, sha256_file, start_manifest
from nlbench.store.writer import format_boxes, write_sequence_result


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a" / "f.txt"
    atomic_write_text(target, "one\n")
    atomic_write_text(target, "two\n")
    assert target.read_text() == "two\n"
    assert os.listdir(target.parent) == ["f.txt"]


def test_atomic_write_failure_keeps_old_content(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old\n")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_writer_format_and_round_trip(tmp_path):
    boxes = np.array([[10, 20, 30, 40], [12.34567, -3.2, 10.5, 0.25]])
    paths = write_sequence_result(tmp_path, "seq-1", boxes, [0.5, 0.0123456789], ground_box=np.array([1, 2, 3, 4.0]))
    assert paths["boxes"].read_text() == "10.0000\t20.0000\t30.0000\t40.0000\n12.3457\t-3.2000\t10.5000\t0.2500\n"
    assert paths["time"].read_text() == "0.500000\n0.012346\n"
    assert paths["ground"].read_text() == "1.0000\t2.0000\t3.0000\t4.0000\n"
    back = np.loadtxt(paths["boxes"], delimiter="\t")
    np.testing.assert_allclose(back, boxes, atol=5e-5)
    assert format_boxes(np.array([1, 2, 3, 4])) == "1.0000\t2.0000\t3.0000\t4.0000\n"


def test_manifest_records_and_merges(tmp_path):
    ckpt = tmp_path / "w.bin"
    ckpt.write_bytes(b"abc")
    assert sha256_file(ckpt) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    start_manifest(tmp_path, RunManifest(tracker="static", dataset="synth", mode="bb"))
    record_sequence(tmp_path, "b", {"status": "done"})
    record_sequence(tmp_path, "a", {"status": "failed", "error": "boom"})
    # a resumed run refreshes run-level fields but keeps what earlier runs finished
    start_manifest(tmp_path, RunManifest(tracker="static", dataset="synth", mode="bb", device="cuda"))
    data = read_manifest(tmp_path)
    assert data["device"] == "cuda"
    assert list(data["sequences"]) == ["a", "b"]
    assert data["sequences"]["a"]["error"] == "boom"
    assert "torch" in data["versions"] and "python" in data["versions"]
    json.dumps(data)


def test_atomic_write_uses_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "r.txt", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_start_manifest_removes_the_temporary_file_of_a_killed_writer(tmp_path):
    from nlbench.store.manifest import RunManifest, start_manifest

    stale = tmp_path / ".run.json.k1ll3d.tmp"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text('{"half": ')
    start_manifest(tmp_path, RunManifest(tracker="static", dataset="tnl2k", mode="bb"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".run.lock", "run.json"]
