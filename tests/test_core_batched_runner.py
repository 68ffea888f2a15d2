"""``nlbench run --batch-size``: same files as one sequence at a time, failures per sequence, kill then resume."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import NlbenchError
from nlbench.run.runner import resolve_batch_size
from nlbench.run.stages import RunRequest, RunSummary, run_stage
from tests.fixtures_frames import make_moving_square_sequence
from tests.processes import kill_after_first_result

NAMES = [f"seq_{i:02d}" for i in range(5)]


def run_tnl2k(tracker: str, **fields) -> RunSummary:
    """``nlbench run --tracker TRACKER --dataset tnl2k --quiet`` with these fields."""
    return run_stage(RunRequest(tracker=tracker, dataset="tnl2k", quiet=True, **fields))


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("batched") / "TNL2K_test"
    sizes = [(96, 128), (112, 96), (80, 144), (96, 128), (128, 128)]
    for i, name in enumerate(NAMES):
        make_moving_square_sequence(root, name, n_frames=4 + 2 * i, size=sizes[i], seed=i,
                                    sentence=["the red square", "a square moving right", "red box"][i % 3])
    return root


@pytest.fixture(scope="module")
def one_at_a_time(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("b1") / "out"
    run_tnl2k("jointnlt-tiny", root=root, sequences=NAMES, mode="nl", out=out, options={"verbatim_text": True})
    return out


def _boxes(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter="\t", ndmin=2)


def test_batched_run_writes_the_same_files(root, one_at_a_time, tmp_path):
    out = tmp_path / "b3"
    summary = run_tnl2k("jointnlt-tiny", root=root, sequences=NAMES, mode="nl", out=out, batch_size=3,
                        options={"verbatim_text": True})
    assert summary.ok and sorted(summary.done) == NAMES
    for name in NAMES:
        for suffix in (".txt", "_ground.txt"):
            a, b = _boxes(one_at_a_time / f"{name}{suffix}"), _boxes(out / f"{name}{suffix}")
            assert a.shape == b.shape
            np.testing.assert_allclose(b, a, rtol=0, atol=0.01, err_msg=name + suffix)
        assert len((out / f"{name}_time.txt").read_text().splitlines()) == len(_boxes(out / f"{name}.txt"))
        # the same text layout: tab-separated, four decimals
        assert (out / f"{name}.txt").read_text().splitlines()[0].count("\t") == 3
    manifest = json.loads((out / "run.json").read_text())
    stats = manifest["throughput"]
    assert stats["batch_size"] == 3 and stats["frames"] == sum(4 + 2 * i for i in range(5))
    assert stats["frames_per_second"] > 0 and 0 <= stats["frame_wait_share"] <= 1
    assert json.loads((one_at_a_time / "run.json").read_text())["throughput"]["batch_size"] == 1


def test_workers_with_batches_report_each_sequence_as_it_finishes(root, one_at_a_time, tmp_path, monkeypatch):
    """--workers 2 --batch-size 2: two processes, each a batched tracker over an interleaved share; the same boxes,
    and run.json / the summary get each sequence as it ends (the outcomes come over a queue, not per share)."""
    from nlbench.run import runner

    arrivals: list[tuple[str, set[str]]] = []
    record = runner.record_sequence

    def spy(out_dir, name, entry):
        arrivals.append((name, {p.name for p in Path(out_dir).glob("seq_*[0-9].txt")}))
        return record(out_dir, name, entry)

    monkeypatch.setattr(runner, "record_sequence", spy)
    out = tmp_path / "w2b2"
    summary = run_tnl2k("jointnlt-tiny", root=root, sequences=NAMES, mode="nl", out=out, batch_size=2, workers=2,
                        options={"verbatim_text": True})
    assert summary.ok and sorted(summary.done) == NAMES
    for name in NAMES:
        np.testing.assert_allclose(_boxes(out / f"{name}.txt"), _boxes(one_at_a_time / f"{name}.txt"), rtol=0,
                                   atol=0.01, err_msg=name)
    assert sorted(name for name, _ in arrivals) == NAMES
    # shares are interleaved (seq_00, seq_02, seq_04 / seq_01, seq_03): the first sequence is recorded while
    # its share still runs (the longest, seq_04 or seq_03, starts only when a slot frees), not when the share ends
    first, written = arrivals[0]
    share = NAMES[NAMES.index(first) % 2::2]
    assert not {f"{name}.txt" for name in share} <= written
    manifest = json.loads((out / "run.json").read_text())
    statuses = manifest["sequences"]
    assert all(statuses[name]["status"] == "done" and statuses[name]["frames"] == 4 + 2 * i for i, name in enumerate(NAMES))
    # the workers' wait-for-frames share comes back with their shares; frames are counted once
    stats = manifest["throughput"]
    assert stats["batch_size"] == 2 and stats["frames"] == sum(4 + 2 * i for i in range(5))
    assert stats["frames_per_second"] > 0 and 0 <= stats["frame_wait_share"] <= 1


def test_a_broken_frame_fails_only_its_sequence(root, one_at_a_time, tmp_path):
    broken = tmp_path / "TNL2K_test"
    for name in NAMES[:3]:
        make_moving_square_sequence(broken, name, n_frames=4 + 2 * NAMES.index(name), seed=NAMES.index(name))
    (broken / "seq_01" / "imgs" / "00000003.png").write_bytes(b"not an image")
    out = tmp_path / "out"
    summary = run_tnl2k("jointnlt-tiny", root=broken, sequences=NAMES[:3], mode="nl+bb", out=out, batch_size=2)
    assert list(summary.failed) == ["seq_01"] and "00000003.png" in summary.failed["seq_01"]
    assert sorted(summary.done) == ["seq_00", "seq_02"]
    assert not (out / "seq_01.txt").exists()
    assert json.loads((out / "run.json").read_text())["sequences"]["seq_01"]["status"] == "failed"


def test_batch_size_must_be_a_positive_integer(root, tmp_path):
    for bad in ("0", "-2", "1.5", "four"):
        result = CliRunner().invoke(main, ["run", "-t", "static", "-d", "tnl2k", "--root", str(root), "--mode", "bb",
                                           "--batch-size", bad, "--out", str(tmp_path / "o")])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --batch-size must be a positive integer, not ")
        assert lines[0].endswith((bad, f"'{bad}'"))
        assert not (tmp_path / "o").exists()
    assert resolve_batch_size(None, "cpu") == 1 and resolve_batch_size(None, "cuda:0") == 32
    with pytest.raises(NlbenchError):
        resolve_batch_size(2.0, "cpu")


def test_a_tracker_that_cannot_batch_says_so_and_runs_per_sequence(root, tmp_path, caplog):
    one, four = tmp_path / "one", tmp_path / "four"
    run_tnl2k("kcf", root=root, sequences=NAMES[:2], mode="bb", out=one)
    with caplog.at_level(logging.WARNING, logger="nlbench"):
        summary = run_tnl2k("kcf", root=root, sequences=NAMES[:2], mode="bb", out=four, batch_size=4)
    assert summary.ok and caplog.messages == ["kcf cannot batch sequences; running them one at a time (--batch-size ignored)"]
    # the command line shows it as a note on stderr
    cli = CliRunner().invoke(main, ["run", "-t", "kcf", "-d", "tnl2k", "--root", str(root), "--sequences", NAMES[2],
                                    "--mode", "bb", "--out", str(tmp_path / "cli"), "--batch-size", "4", "--quiet"])
    assert cli.exit_code == 0 and cli.stderr.strip() == \
        "note: kcf cannot batch sequences; running them one at a time (--batch-size ignored)"
    for name in NAMES[:2]:
        assert (one / f"{name}.txt").read_bytes() == (four / f"{name}.txt").read_bytes()


def test_killed_batched_run_resumes_to_identical_files(tmp_path):
    root = tmp_path / "TNL2K_test"
    many = [f"long_{i:02d}" for i in range(6)]
    for i, name in enumerate(many):
        make_moving_square_sequence(root, name, n_frames=8 + 4 * i, seed=10 + i, step=1)
    args = [sys.executable, "-m", "nlbench.cli", "run", "-t", "jointnlt-tiny", "-d", "tnl2k", "--root", str(root),
            "--sequences", ",".join(many), "--mode", "nl+bb", "--batch-size", "2", "--quiet", "--out"]
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "OMP_NUM_THREADS": "1"}
    finished_before = kill_after_first_result(args, killed, env, timeout=300)
    assert 0 < len(finished_before) < len(many), "the kill should land mid-run"
    started_again = time.time()
    subprocess.run(args + [str(killed)], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(args + [str(clean)], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for name in many:  # which sequences share a batch differs after the resume: equal within 0.01 px
        np.testing.assert_allclose(_boxes(killed / f"{name}.txt"), _boxes(clean / f"{name}.txt"), rtol=0, atol=0.01)
    untouched = [p for p in finished_before if (killed / p).stat().st_mtime < started_again]
    assert sorted(untouched) == finished_before  # the resume kept what the killed run had finished
    assert [p.name for p in killed.iterdir() if p.name.startswith(".run.json")] == []
    statuses = json.loads((killed / "run.json").read_text())["sequences"]
    assert sorted(statuses) == many and all(v["status"] == "done" for v in statuses.values())


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["nl", "nl+bb"])
def test_whole_synth_test_split_at_batch_16_equals_batch_1(tmp_path, mode):
    """jointnlt-tiny with its shipped weights, all 40 synth test sequences: every box within 0.01 px."""
    one, sixteen = tmp_path / "b1", tmp_path / "b16"
    run_stage(RunRequest(tracker="jointnlt-tiny", dataset="synth", mode=mode, out=one, quiet=True))
    summary = run_stage(RunRequest(tracker="jointnlt-tiny", dataset="synth", mode=mode, out=sixteen, quiet=True,
                                   batch_size=16))
    assert summary.ok and len(summary.done) == 40
    for path in sorted(one.glob("synth_test_*[0-9].txt")):
        np.testing.assert_allclose(_boxes(sixteen / path.name), _boxes(path), rtol=0, atol=0.01, err_msg=path.name)
    if mode == "nl":
        for path in sorted(one.glob("*_ground.txt")):
            np.testing.assert_allclose(_boxes(sixteen / path.name), _boxes(path), rtol=0, atol=0.01)
