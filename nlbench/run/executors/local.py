"""The local executors: this process, one sequence after another; or a pool of processes, one tracker each."""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import queue
import sys
import time
from multiprocessing.context import BaseContext
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from nlbench.run.executors.job import Job, SequenceOutcome, Throughput
from nlbench.datasets.frames import read_frame
from nlbench.run.executors.sequence import build_worker_tracker, release_worker_tracker, run_one
from nlbench.core.types import Sequence


def run_sequential(job: Job, pending: list[Sequence], throughput: Throughput | None = None) -> Iterator[SequenceOutcome]:
    """One tracker in this process (built already by the runner's check, else here); frames read in line."""
    from nlbench.run.executors.sequence import _WORKER

    throughput = throughput if throughput is not None else Throughput()

    def timed_read(path: Path) -> np.ndarray:
        start = time.perf_counter()
        try:
            return read_frame(path)
        finally:
            throughput.frame_wait_seconds += time.perf_counter() - start

    if "tracker" not in _WORKER:
        build_worker_tracker(job)
    begin = time.perf_counter()
    try:
        for seq in pending:
            outcome = run_one(job, seq, frame_bar=job.progress, read=timed_read)
            throughput.frames += 0 if outcome.error else outcome.frames
            yield outcome
    finally:
        throughput.seconds += time.perf_counter() - begin
        release_worker_tracker()


#: Libraries a fresh worker spends seconds importing; the fork server imports the ones this process uses once.
_PRELOAD = ("numpy", "cv2", "torch", "torchvision", "transformers")


def worker_context() -> BaseContext:
    """Workers forked from a server that has the heavy libraries imported already, where the platform has one:
    the second run of an experiment (or of a sweep in one process) starts its workers in a fraction of a second
    instead of importing torch again in every worker. Elsewhere (Windows) fresh spawned interpreters."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([name for name in _PRELOAD if name in sys.modules])  # ignored once running
    return context


def parent_state() -> tuple[list[str], dict[str, str]]:
    return list(sys.path), dict(os.environ)


def adopt_parent_state(state: tuple[list[str], dict[str, str]]) -> None:
    """The fork server was started by an earlier run: take this run's import path and environment, so plugins
    found through a later PYTHONPATH or settings exported since resolve as they do in the parent."""
    from nlbench.core.registry import _entry_points

    path, environ = state
    sys.path[:] = path
    os.environ.clear()
    os.environ.update(environ)
    importlib.invalidate_caches()
    _entry_points.cache_clear()


def _pool_init(job: Job, threads: int, state: tuple[list[str], dict[str, str]]) -> None:
    adopt_parent_state(state)
    build_worker_tracker(job, threads)


def _pool_run(job: Job, seq: Sequence) -> SequenceOutcome:
    return run_one(job, seq)


def run_process_pool(job: Job, pending: list[Sequence], workers: int) -> Iterator[SequenceOutcome]:
    """``workers`` spawned processes share the CPU threads; outcomes come back as sequences finish."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    initargs = (job, threads, parent_state())
    with ProcessPoolExecutor(workers, mp_context=worker_context(), initializer=_pool_init, initargs=initargs) as pool:
        futures = {pool.submit(_pool_run, job, seq): seq for seq in pending}
        for future in as_completed(futures):
            seq = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # the worker itself died (e.g. the tracker failed to build)
                yield SequenceOutcome(seq.name, f"{type(exc).__name__}: {exc}", 0.0, len(seq))


def split_round_robin(pending: list[Sequence], parts: int) -> list[list[Sequence]]:
    """``parts`` interleaved shares of the sequences (balanced for datasets sorted by class or length)."""
    return [chunk for chunk in (pending[i::parts] for i in range(parts)) if chunk]


#: In a batched pool worker: the queue each finished sequence's outcome is sent on (so run.json and the progress
#: bar follow sequence by sequence, not share by share).
_STREAM: dict[str, Any] = {}


def _batched_pool_init(outcomes: Any, state: tuple[list[str], dict[str, str]]) -> None:
    adopt_parent_state(state)
    _STREAM["queue"] = outcomes


def run_batched_share(job: Job, share: list[Sequence], batch_size: int, threads: int | None = None) -> tuple[int, float, float]:
    """A pool worker's share (see :func:`run_batched_pool`) through its own batched tracker: each outcome is sent
    on the pool's queue as its sequence finishes; returns (count sent, seconds waiting for frames, loop seconds)."""
    from nlbench.run.executors.batched import build_batched_tracker, run_batched

    tracker = build_batched_tracker(job, batch_size)
    # after the build: a fresh worker imports torch only there, and an unset share oversubscribes the cores
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    throughput = Throughput(batch_size=batch_size)
    outcomes = run_batched(job, share, batch_size, throughput, tracker=tracker)
    stream = _STREAM["queue"]
    sent = 0
    for outcome in outcomes:
        stream.put(outcome)
        sent += 1
    return sent, throughput.frame_wait_seconds or 0.0, throughput.seconds


def run_batched_pool(job: Job, pending: list[Sequence], batch_size: int, workers: int,
                     throughput: Throughput | None = None) -> Iterator[SequenceOutcome]:
    """``workers`` processes, each a batched tracker over an interleaved share; outcomes arrive as sequences
    finish. A worker that dies fails the sequences of its share that had not finished (their files are absent,
    so running again resumes them). ``throughput`` gets the frames and the workers' summed wait and loop seconds."""
    throughput = throughput if throughput is not None else Throughput()
    threads = max(1, (os.cpu_count() or 1) // workers)
    shares = split_round_robin(pending, workers)
    owner = {seq.name: k for k, share in enumerate(shares) for seq in share}
    context = worker_context()
    stream = context.Queue()
    sent: dict[int, int] = {}  # share -> outcomes it sent, once it ended
    failed: dict[int, str] = {}  # share -> why its worker died
    received = [0] * len(shares)
    seen: set[str] = set()

    def take(outcome: SequenceOutcome) -> SequenceOutcome:
        received[owner[outcome.name]] += 1
        seen.add(outcome.name)
        throughput.frames += 0 if outcome.error else outcome.frames
        return outcome

    with ProcessPoolExecutor(len(shares), mp_context=context, initializer=_batched_pool_init,
                             initargs=(stream, parent_state())) as pool:
        futures = {pool.submit(run_batched_share, job, share, batch_size, threads): k for k, share in enumerate(shares)}
        while len(sent) + len(failed) < len(shares) or any(received[k] < n for k, n in sent.items()):
            try:
                yield take(stream.get(timeout=0.1))
            except queue.Empty:
                for future, k in futures.items():
                    if future.done() and k not in sent and k not in failed:
                        try:
                            sent[k], waited, busy = future.result()
                            throughput.frame_wait_seconds = (throughput.frame_wait_seconds or 0.0) + waited
                            throughput.worker_seconds += busy
                        except Exception as exc:  # the worker itself died
                            failed[k] = f"{type(exc).__name__}: {exc}"
        if failed:  # drained before the pool shuts down: what a failed share sent before it died
            with contextlib.suppress(queue.Empty):
                while True:
                    yield take(stream.get(timeout=0.5))
    for k, error in failed.items():
        for seq in shares[k]:
            if seq.name not in seen:
                yield SequenceOutcome(seq.name, error, 0.0, len(seq))
