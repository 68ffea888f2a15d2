"""Worker processes: forked from a server started by an earlier run, yet they see this run's path and environment;
a batched worker sets its thread share only once its tracker (and so torch) is imported."""

from __future__ import annotations

import os
import sys
import types
from concurrent.futures import ProcessPoolExecutor

from nlbench.run.executors import local
from nlbench.run.executors.local import adopt_parent_state, parent_state, worker_context


def _environment_and_marker(variable: str) -> tuple[str | None, int]:
    import nlbench_worker_marker  # only on the path the parent had when this pool started

    return os.environ.get(variable), nlbench_worker_marker.VALUE


def _pid() -> int:
    return os.getpid()


def test_workers_take_the_path_and_environment_of_the_run_that_starts_them(tmp_path, monkeypatch):
    with ProcessPoolExecutor(1, mp_context=worker_context(), initializer=adopt_parent_state,
                             initargs=(parent_state(),)) as pool:
        first = pool.submit(_pid).result()  # the fork server (where the platform has one) runs from here on
    (tmp_path / "nlbench_worker_marker.py").write_text("VALUE = 41 + 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("NLBENCH_WORKER_MARK", "set after the first pool")
    with ProcessPoolExecutor(1, mp_context=worker_context(), initializer=adopt_parent_state,
                             initargs=(parent_state(),)) as pool:
        seen = pool.submit(_environment_and_marker, "NLBENCH_WORKER_MARK").result()
        second = pool.submit(_pid).result()
    assert seen == ("set after the first pool", 42)
    assert first != second != os.getpid()


def test_forkserver_preloads_only_libraries_this_process_has_imported(monkeypatch):
    calls: list[list[str]] = []
    if "forkserver" not in local.multiprocessing.get_all_start_methods():
        assert worker_context().get_start_method() == "spawn"
        return
    context = local.multiprocessing.get_context("forkserver")
    monkeypatch.setattr(type(context), "set_forkserver_preload", lambda self, names: calls.append(names))
    monkeypatch.delitem(sys.modules, "transformers", raising=False)
    monkeypatch.setitem(sys.modules, "cv2", sys.modules.get("cv2") or types.ModuleType("cv2"))
    assert worker_context().get_start_method() == "forkserver"
    assert "cv2" in calls[-1] and "transformers" not in calls[-1]
    assert set(calls[-1]) <= set(local._PRELOAD)


def test_batched_worker_sets_its_thread_share_after_building(monkeypatch):
    """A fresh worker has no torch before the build: setting threads first would be skipped, and two workers
    would then run two threads each on a 2-core machine (3x slower, measured)."""
    import nlbench.run.executors.batched as batched

    events: list[str] = []
    fake_torch = types.SimpleNamespace(set_num_threads=lambda n: events.append(f"threads={n}"))
    monkeypatch.delitem(sys.modules, "torch", raising=False)

    def build(job, batch_size):
        events.append("build")
        sys.modules["torch"] = fake_torch  # the tracker's import of torch
        return types.SimpleNamespace(capacity=batch_size)

    monkeypatch.setattr(batched, "build_batched_tracker", build)
    monkeypatch.setattr(batched, "run_batched", lambda job, share, batch_size, throughput, tracker: iter(()))
    monkeypatch.setitem(local._STREAM, "queue", [])
    try:
        assert local.run_batched_share(None, [], 4, threads=1) == (0, 0.0, 0.0)
    finally:
        sys.modules.pop("torch", None)
    assert events == ["build", "threads=1"]
