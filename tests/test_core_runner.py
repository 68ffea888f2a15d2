"""The runner: outputs, failures that do not stop the run, shards, and kill-then-resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import NlbenchError
from nlbench.run.runner import parse_shard, select_shard
from nlbench.run.stages import RunRequest, RunSummary, run_stage
from tests.fixtures_frames import make_moving_square_sequence
from tests.processes import kill_after_first_result

NAMES = [f"seq_{i:02d}" for i in range(6)]


def run_tnl2k(tracker: str, **fields) -> RunSummary:
    """``nlbench run --tracker TRACKER --dataset tnl2k --quiet`` with these fields."""
    return run_stage(RunRequest(tracker=tracker, dataset="tnl2k", quiet=True, **fields))


@pytest.fixture()
def tnl2k_root(tmp_path):
    root = tmp_path / "TNL2K_test"
    for i, name in enumerate(NAMES):
        make_moving_square_sequence(root, name, n_frames=10 + i, seed=i)
    return root


def test_run_static_writes_results_and_manifest(tnl2k_root, tmp_path):
    out = tmp_path / "out"
    summary = run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out)
    assert summary.ok and summary.done == NAMES[:2]
    boxes = np.loadtxt(out / "seq_00.txt", delimiter="\t")
    assert boxes.shape == (10, 4)
    np.testing.assert_array_equal(boxes, np.tile([10, 30, 24, 24], (10, 1)))
    assert len((out / "seq_00_time.txt").read_text().splitlines()) == 10
    assert not (out / "seq_00_ground.txt").exists()  # BB mode grounds nothing
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["tracker"] == "static" and manifest["mode"] == "bb" and manifest["dataset"] == "tnl2k"
    assert manifest["sequences"]["seq_01"]["status"] == "done" and manifest["sequences"]["seq_01"]["frames"] == 11
    # a second run skips what is finished
    again = run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out)
    assert again.done == [] and again.skipped == NAMES[:2]


def test_a_broken_sequence_is_recorded_and_the_run_goes_on(tnl2k_root, tmp_path):
    (tnl2k_root / "seq_01" / "imgs" / "00000003.png").write_bytes(b"not an image")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", "-t", "kcf", "-d", "tnl2k", "--root", str(tnl2k_root), "--sequences", "seq_00,seq_01,seq_02",
               "--mode", "bb", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 1, result.output
    assert "seq_01" in result.output and "00000003.png" in result.output
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["sequences"]["seq_01"]["status"] == "failed"
    assert "cannot read frame" in manifest["sequences"]["seq_01"]["error"]
    assert (out / "seq_00.txt").exists() and (out / "seq_02.txt").exists() and not (out / "seq_01.txt").exists()


def test_mode_and_name_errors(tnl2k_root, tmp_path):
    result = CliRunner().invoke(main, ["run", "-t", "static", "-d", "tnl2k", "--root", str(tnl2k_root),
                                       "--sequences", "nope", "--mode", "bb", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "nope" in result.output
    result = CliRunner().invoke(main, ["run", "-t", "static", "-d", "tnl2k", "--root", str(tnl2k_root),
                                       "--sequences", "seq_00", "--mode", "nl", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "supports modes" in result.output


def test_shards_partition_the_sequences():
    seqs = [type("S", (), {"name": n})() for n in NAMES]
    parts = [select_shard(seqs, (k, 3)) for k in (1, 2, 3)]
    names = sorted(s.name for part in parts for s in part)
    assert names == NAMES and [len(p) for p in parts] == [2, 2, 2]
    assert parse_shard("2/8") == (2, 8)
    with pytest.raises(NlbenchError, match="numbered from 1"):
        parse_shard("0/8")


def test_parallel_workers_give_the_same_files(tnl2k_root, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    run_tnl2k("kcf", root=tnl2k_root, sequences=NAMES[:4], mode="bb", out=one)
    run_tnl2k("kcf", root=tnl2k_root, sequences=NAMES[:4], mode="bb", out=two, workers=2)
    for name in NAMES[:4]:
        assert (one / f"{name}.txt").read_bytes() == (two / f"{name}.txt").read_bytes()


def test_killed_run_resumes_to_identical_files(tnl2k_root, tmp_path):
    many = [f"long_{i:02d}" for i in range(6)]
    for i, name in enumerate(many):
        make_moving_square_sequence(tnl2k_root, name, n_frames=40, seed=10 + i, step=1)
    args = [sys.executable, "-m", "nlbench.cli", "run", "-t", "csrt", "-d", "tnl2k", "--root", str(tnl2k_root),
            "--sequences", ",".join(many), "--mode", "bb", "--quiet", "--out"]
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    finished_before = kill_after_first_result(args, killed, env, timeout=120)
    assert 0 < len(finished_before) < len(many), "the kill should land mid-run"
    subprocess.run(args + [str(killed)], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(args + [str(clean)], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for name in many:
        assert (killed / f"{name}.txt").read_bytes() == (clean / f"{name}.txt").read_bytes(), name
    leftovers = [p.name for p in killed.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    statuses = json.loads((killed / "run.json").read_text())["sequences"]
    assert sorted(statuses) == many and all(v["status"] == "done" for v in statuses.values())


def test_a_tracker_that_cannot_build_fails_once_before_any_output(tnl2k_root, tmp_path):
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["run", "-t", "jointnlt", "-d", "tnl2k", "--root", str(tnl2k_root),
                                       "--sequences", "seq_00,seq_01", "--mode", "nl", "--workers", "2", "--out", str(out)])
    assert result.exit_code == 2
    assert "JointNLT_ep0300.pth.tar" in result.output and "--checkpoint" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_resume_refuses_a_folder_of_another_run(tnl2k_root, tmp_path):
    out = tmp_path / "out"
    run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:1], mode="bb", out=out)
    with pytest.raises(NlbenchError, match=r"different run \(tracker 'static' -> 'kcf'\)"):
        run_tnl2k("kcf", root=tnl2k_root, sequences=NAMES[:1], mode="bb", out=out)
    # the same run resumes
    assert run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out).done == NAMES[1:2]


def test_shipped_default_weights_are_recorded(tnl2k_root, tmp_path):
    from nlbench.store.manifest import sha256_file
    from nlbench_trackers.jointnlt.plugin import TINY_WEIGHTS

    out = tmp_path / "tiny"
    run_tnl2k("jointnlt-tiny+kcf", root=tnl2k_root, sequences=NAMES[:1], mode="nl", out=out)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["checkpoint"] == {"grounder": str(TINY_WEIGHTS)}
    assert manifest["checkpoint_sha256"] == {"grounder": sha256_file(TINY_WEIGHTS)}
    assert np.loadtxt(out / "seq_00_ground.txt").shape == (4,)


def test_resume_records_a_sequence_whose_record_was_lost(tnl2k_root, tmp_path):
    """A kill between a sequence's box file and its run.json record: the resumed run records it as done."""
    out = tmp_path / "out"
    run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out)
    manifest = json.loads((out / "run.json").read_text())
    del manifest["sequences"]["seq_01"]
    (out / "run.json").write_text(json.dumps(manifest))
    again = run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out)
    assert again.skipped == NAMES[:2]
    record = json.loads((out / "run.json").read_text())["sequences"]["seq_01"]
    assert record == {"status": "done", "frames": 11, "seconds": None}
