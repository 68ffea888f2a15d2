"""The Ray executor on a local 2-CPU Ray: same files as a local run, a killed worker then a resume, batched actors."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nlbench.core.errors import NlbenchError
from nlbench.run.stages import RunRequest, RunSummary, run_stage
from tests.fixtures_frames import make_moving_square_sequence

ray = pytest.importorskip("ray", reason="Ray is in the dev extra (pip install -e '.[dev]')")

NAMES = [f"seq_{i:02d}" for i in range(4)]


def run_tnl2k(tracker: str, **fields) -> RunSummary:
    """``nlbench run --tracker TRACKER --dataset tnl2k --quiet`` with these fields."""
    return run_stage(RunRequest(tracker=tracker, dataset="tnl2k", quiet=True, **fields))


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray") / "TNL2K_test"
    for i, name in enumerate(NAMES):
        make_moving_square_sequence(root, name, n_frames=6 + 3 * i, seed=i, step=2)
    return root


def _descendants_named(word: str) -> list[int]:
    """Processes below this one (Ray's raylet starts the actors) whose command line names ``word``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != os.getpid():
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid():
            try:
                if word in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                    found.append(pid)
            except OSError:
                pass
    return found


def test_two_ray_workers_give_the_local_files(root, tmp_path):
    local, distributed = tmp_path / "local", tmp_path / "ray"
    run_tnl2k("csrt", root=root, sequences=NAMES, mode="bb", out=local)
    summary = run_tnl2k("csrt", root=root, sequences=NAMES, mode="bb", out=distributed, workers=2, executor="ray")
    assert summary.ok and sorted(summary.done) == NAMES
    for name in NAMES:
        assert (local / f"{name}.txt").read_bytes() == (distributed / f"{name}.txt").read_bytes()


def test_a_killed_worker_then_a_resubmitted_run_gives_identical_files(root, tmp_path):
    many = [f"long_{i:02d}" for i in range(4)]
    for i, name in enumerate(many):
        make_moving_square_sequence(root, name, n_frames=60, seed=20 + i, step=1)
    local, distributed = tmp_path / "local", tmp_path / "ray"
    run_tnl2k("csrt", root=root, sequences=many, mode="bb", out=local)
    killed: list[int] = []

    def kill_a_worker_once_one_sequence_is_done() -> None:
        deadline = time.time() + 240
        while time.time() < deadline and not list(distributed.glob("long_*[0-9].txt")):
            time.sleep(0.02)
        for pid in _descendants_named("SequenceActor")[:1]:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    killer = threading.Thread(target=kill_a_worker_once_one_sequence_is_done)
    killer.start()
    try:
        first = run_tnl2k("csrt", root=root, sequences=many, mode="bb", out=distributed, workers=2, executor="ray")
        died = False
    except NlbenchError as exc:
        assert "run the same command again" in str(exc)
        died, first = True, None
    killer.join()
    assert killed, "no Ray worker was found to kill"
    if not died:  # the killed worker's sequence may have been its last one: then the run could finish anyway
        assert first is not None
    again = run_tnl2k("csrt", root=root, sequences=many, mode="bb", out=distributed, workers=2, executor="ray")
    assert again.ok
    for name in many:
        assert (local / f"{name}.txt").read_bytes() == (distributed / f"{name}.txt").read_bytes(), name


def test_batched_ray_actor_matches_a_local_run(root, tmp_path):
    # one actor holding a batched jointnlt-tiny (num_gpus=0 on CPU: the per-GPU actor's CPU fallback)
    local, distributed = tmp_path / "local", tmp_path / "ray"
    run_tnl2k("jointnlt-tiny", root=root, sequences=NAMES[:3], mode="nl+bb", out=local)
    summary = run_tnl2k("jointnlt-tiny", root=root, sequences=NAMES[:3], mode="nl+bb", out=distributed, executor="ray",
                        batch_size=2)
    assert summary.ok and sorted(summary.done) == NAMES[:3]
    for name in NAMES[:3]:
        a = np.loadtxt(local / f"{name}.txt", delimiter="\t")
        b = np.loadtxt(distributed / f"{name}.txt", delimiter="\t")
        np.testing.assert_allclose(b, a, rtol=0, atol=0.01)
