"""Faults of a real machine (issue 28): a full disk, an unwritable folder, a signal mid-verb.

Every case asks the same three things: the verb ends with one ``error:`` line that names the path (no
traceback), no final path holds a partial file (each file there equals the undisturbed run's, byte for byte,
and no temporary file is left), and a re-run after the fault is fixed gives the undisturbed run's files.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import tempfile
import time
from pathlib import Path

import pytest

from tests.faults import can_honour_permissions, nlbench, one_error_line, snapshot, start, tiny_disk

SEQUENCE = "synth_test_0007"
FULL_DISK = ("no space left", "file too large")  # tmpfs, or RLIMIT_FSIZE where mounting is not allowed


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> dict:
    """A static run on synth and, per verb, the undisturbed outputs every faulty run is compared with."""
    base = tmp_path_factory.mktemp("faults")
    env = {"NLBENCH_CACHE": str(base / "cache"), "NLBENCH_CONFIG": str(base / "config.toml")}
    run = nlbench(["run", "--tracker", "static", "--dataset", "synth", "--mode", "bb", "--out", str(base / "static"),
                   "--quiet"], cwd=base, env=env)
    assert run.returncode == 0, run.stderr
    work = {"base": base, "env": env, "results": base / "static"}
    work["verbs"] = {
        "report": lambda out: ["report", "--dataset", "synth", "--results", f"Static@bb={work['results']}",
                               "--out", str(out / "report")],
        "eval": lambda out: ["eval", "--dataset", "synth", "--results", f"Static={work['results']}", "--no-store",
                             "--json", str(out / "eval.json")],
        "visualize": lambda out: ["visualize", "--dataset", "synth", "--results", f"Static={work['results']}",
                                  "-s", SEQUENCE, "--out", str(out / "seq.mp4"), "--quiet"],
        "leaderboard": lambda out: ["leaderboard", "--dataset", "synth", "--html", str(out / "board.html")],
    }
    work["reference"] = {}
    for verb, args in work["verbs"].items():
        out = base / f"reference-{verb}"
        out.mkdir()
        done = nlbench(args(out), cwd=base, env=env)
        assert done.returncode == 0, done.stderr
        work["reference"][verb] = snapshot(out)
    return work


def assert_no_partial_file(folder: Path, reference: dict[str, bytes]) -> None:
    files = snapshot(folder)
    assert not [name for name in files if name.endswith(".tmp")], sorted(files)
    for name, data in files.items():
        assert name in reference, name
        assert data == reference[name], f"{name} differs from the undisturbed run's"


@pytest.mark.parametrize("verb,size_kb", [("report", 96), ("eval", 8), ("visualize", 16), ("leaderboard", 4)])
def test_full_disk_gives_one_line_and_a_rerun_completes(work, tmp_path, verb, size_kb):
    with tiny_disk(tmp_path, size_kb) as disk:
        failed = nlbench(work["verbs"][verb](disk.path), cwd=work["base"], env=work["env"], file_limit=disk.file_limit)
        assert failed.returncode == 2, failed.stderr
        line = one_error_line(failed.stderr)
        assert str(disk.path) in line and any(kind in line for kind in FULL_DISK), line
        assert_no_partial_file(disk.path, work["reference"][verb])

        disk.free()
        again = nlbench(work["verbs"][verb](disk.path), cwd=work["base"], env=work["env"])
        assert again.returncode == 0, again.stderr
        assert snapshot(disk.path) == work["reference"][verb]


def test_full_disk_during_a_run_keeps_finished_sequences_and_a_rerun_completes(work, tmp_path):
    reference = {name: data for name, data in snapshot(work["results"]).items() if not name.endswith("_time.txt")}
    boxes = {name for name in reference if name.endswith(".txt")}
    args = ["run", "--tracker", "static", "--dataset", "synth", "--mode", "bb", "--quiet"]
    with tiny_disk(tmp_path, 40) as disk:
        out = disk.path / "static"
        failed = nlbench([*args, "--out", str(out)], cwd=work["base"], env=work["env"], file_limit=disk.file_limit)
        assert failed.returncode != 0
        line = one_error_line(failed.stderr)
        assert str(out) in line and any(kind in line for kind in FULL_DISK), line
        finished = snapshot(out)
        assert not [n for n in finished if n.endswith(".tmp")]
        written = [n for n in finished if n in boxes]
        assert written, "some sequences should have fitted"
        assert all(finished[n] == reference[n] for n in written)

        disk.free()
        again = nlbench([*args, "--out", str(out)], cwd=work["base"], env=work["env"])
        assert again.returncode == 0, again.stderr
        rerun = snapshot(out)
        assert {n: rerun[n] for n in boxes} == {n: reference[n] for n in boxes}


@pytest.mark.skipif(not can_honour_permissions(), reason="root that cannot drop CAP_DAC_OVERRIDE: chmod closes nothing")
def test_unwritable_folder(work):
    closed = Path(tempfile.mkdtemp(dir=work["base"]))
    try:
        os.chmod(closed, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        failed = nlbench(work["verbs"]["eval"](closed), cwd=work["base"], env=work["env"], honour_permissions=True)
        assert failed.returncode == 2, failed.stderr
        line = one_error_line(failed.stderr)
        assert str(closed) in line and "permission denied" in line, line
        assert not list(closed.iterdir())
    finally:
        os.chmod(closed, stat.S_IRWXU)


def test_a_file_in_place_of_a_folder(work, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder\n")
    failed = nlbench(work["verbs"]["eval"](tmp_path / "taken"), cwd=work["base"], env=work["env"])
    assert failed.returncode == 2
    line = one_error_line(failed.stderr)
    assert "taken" in line and "not a folder" in line, line


def _interrupt(work, verb: str, out: Path, delay: float, sig: int) -> int:
    proc = start(work["verbs"][verb](out), cwd=work["base"], env=work["env"])
    time.sleep(delay)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 128 + signal.SIGTERM:
        assert "terminated (SIGTERM)" in one_error_line(stderr)
    elif proc.returncode == -signal.SIGTERM:
        assert not stderr  # the signal came before the CLI had installed its handler: nothing had started
    else:
        assert "Traceback" not in stderr, stderr
    return proc.returncode


@pytest.mark.parametrize("verb", ["report", "eval", "visualize", "leaderboard"])
def test_a_signal_mid_verb_never_leaves_a_truncated_file(work, tmp_path, verb):
    """SIGTERM ends with exit 143 and one line, SIGKILL just stops; either way each final file is whole."""
    rng = random.Random(verb)
    for attempt, sig in enumerate((signal.SIGTERM, signal.SIGKILL)):
        out = tmp_path / f"attempt-{attempt}"
        out.mkdir()
        code = _interrupt(work, verb, out, rng.uniform(0.3, 1.5), sig)
        assert code in (0, 128 + signal.SIGTERM, -signal.SIGTERM, -signal.SIGKILL), code
        assert_no_partial_file(out, work["reference"][verb])
        again = nlbench(work["verbs"][verb](out), cwd=work["base"], env=work["env"])
        assert again.returncode == 0, again.stderr
        assert snapshot(out) == work["reference"][verb]


@pytest.mark.slow
@pytest.mark.parametrize("verb", ["report", "eval", "visualize", "leaderboard"])
def test_five_random_kills_per_verb(work, tmp_path, verb):
    rng = random.Random(f"five-{verb}")
    for attempt in range(5):
        out = tmp_path / f"kill-{attempt}"
        out.mkdir()
        _interrupt(work, verb, out, rng.uniform(0.2, 3.0), rng.choice((signal.SIGTERM, signal.SIGKILL)))
        assert_no_partial_file(out, work["reference"][verb])


def _box_files(folder: Path) -> dict[str, bytes]:
    return {n: b for n, b in snapshot(folder).items() if n.endswith(".txt") and not n.endswith(("_time.txt", "_ground.txt"))
            and "/" not in n}


#: A part of synth that keeps several processes busy at once for a few seconds.
SHARED = ["--sequences", ",".join(f"synth_test_{k:04d}" for k in range(1, 17))]


def _runs(stdout: str) -> int:
    """How many sequences this process tracked ('N sequence(s) run, ...')."""
    line = [x for x in stdout.splitlines() if "sequence(s) run" in x][-1]
    return int(line.split()[0])


@pytest.fixture(scope="module")
def kcf_reference(work) -> dict[str, bytes]:
    out = work["base"] / "kcf-single"
    done = nlbench(["run", "--tracker", "kcf", "--dataset", "synth", "--mode", "bb", "--out", str(out), "--quiet", *SHARED],
                   cwd=work["base"], env=work["env"])
    assert done.returncode == 0, done.stderr
    return _box_files(out)


@pytest.mark.parametrize("processes", [2, 4])
def test_runs_sharing_one_folder_track_each_sequence_once(work, kcf_reference, tmp_path, processes):
    out = tmp_path / "shared"
    args = ["run", "--tracker", "kcf", "--dataset", "synth", "--mode", "bb", "--out", str(out), "--quiet", *SHARED]
    procs = [start(args, cwd=work["base"], env=work["env"]) for _ in range(processes)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1] for r in results]
    counts = [_runs(stdout) for stdout, _ in results]
    assert sum(counts) == len(kcf_reference), counts  # every sequence tracked exactly once, over all processes
    assert _box_files(out) == kcf_reference
    assert not list((out / ".claims").glob("*.claim"))  # every claim released


def test_a_killed_run_leaves_its_sequences_to_the_others(work, kcf_reference, tmp_path):
    out = tmp_path / "shared"
    args = ["run", "--tracker", "kcf", "--dataset", "synth", "--mode", "bb", "--out", str(out), "--quiet", *SHARED]
    victim = start(args, cwd=work["base"], env=work["env"])
    deadline = time.time() + 60
    while not list((out / ".claims").glob("*.claim")) and time.time() < deadline:
        time.sleep(0.02)
    survivor = start(args, cwd=work["base"], env=work["env"])
    time.sleep(0.5)
    victim.kill()  # mid-sequence: its claim stays behind, naming a pid that no longer exists
    victim.communicate()
    stdout, stderr = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, stderr
    assert _box_files(out) == kcf_reference  # the survivor took over the dead run's claim
    again = nlbench(args, cwd=work["base"], env=work["env"])
    assert _runs(again.stdout) == 0
