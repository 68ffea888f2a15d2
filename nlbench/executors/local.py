"""The local executors: this process, one sequence after another; or a pool of processes, one tracker each."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Iterator

import numpy as np

from nlbench.executors.job import Job, Outcome, Throughput
from nlbench.executors.sequence import build_worker_tracker, read_frame, release_worker_tracker, run_one
from nlbench.types import Sequence


def run_sequential(job: Job, pending: list[Sequence], throughput: Throughput | None = None) -> Iterator[Outcome]:
    """One tracker in this process (built already by the runner's check, else here); frames read in line."""
    from nlbench.executors.sequence import _WORKER

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


def _pool_init(job: Job, threads: int) -> None:
    build_worker_tracker(job, threads)


def _pool_run(job: Job, seq: Sequence) -> Outcome:
    return run_one(job, seq)


def run_process_pool(job: Job, pending: list[Sequence], workers: int) -> Iterator[Outcome]:
    """``workers`` spawned processes share the CPU threads; outcomes come back as sequences finish."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_pool_init, initargs=(job, threads)) as pool:
        futures = {pool.submit(_pool_run, job, seq): seq for seq in pending}
        for future in as_completed(futures):
            seq = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # the worker itself died (e.g. the tracker failed to build)
                yield Outcome(seq.name, f"{type(exc).__name__}: {exc}", 0.0, len(seq))


def split_round_robin(pending: list[Sequence], parts: int) -> list[list[Sequence]]:
    """``parts`` interleaved shares of the sequences (balanced for datasets sorted by class or length)."""
    return [chunk for chunk in (pending[i::parts] for i in range(parts)) if chunk]


def run_batched_share(job: Job, share: list[Sequence], batch_size: int, threads: int | None = None) -> list[Outcome]:
    """A worker's share through its own batched tracker (process pool and Ray workers)."""
    from nlbench.executors.batched import run_batched

    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return list(run_batched(job, share, batch_size))


def run_batched_pool(job: Job, pending: list[Sequence], batch_size: int, workers: int) -> Iterator[Outcome]:
    """``workers`` processes, each a batched tracker over an interleaved share; a share's outcomes are reported
    when it ends, while its result files are written as each sequence finishes (resume reads the files)."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = multiprocessing.get_context("spawn")
    shares = split_round_robin(pending, workers)
    with ProcessPoolExecutor(len(shares), mp_context=ctx) as pool:
        futures = {pool.submit(run_batched_share, job, share, batch_size, threads): share for share in shares}
        for future in as_completed(futures):
            try:
                yield from future.result()
            except Exception as exc:  # the worker itself died
                for seq in futures[future]:
                    yield Outcome(seq.name, f"{type(exc).__name__}: {exc}", 0.0, len(seq))
