"""Ray: sequences spread over actors on a local or remote cluster.

Per-sequence trackers: one actor per worker builds its tracker once and runs the sequences it is handed.
Batched trackers: one actor per worker (per GPU with ``--device cuda``) holds a batched tracker and runs an
interleaved share of the sequences. Actors write result files themselves, so ``out_dir`` must be on a
filesystem every node sees (as on a SLURM cluster); the driver keeps ``run.json``. A worker that dies ends the
run with one error; running the same command again resumes it (finished sequences are kept).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

from nlbench.core.errors import NlbenchError
from nlbench.run.executors.job import Job, SequenceOutcome
from nlbench.core.types import Sequence


def _import_ray():
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise NlbenchError("--executor ray needs Ray: pip install 'nlbench[ray]'") from None
    return ray, ActorPool


class SequenceActor:
    """Builds its tracker once, then runs the sequences it is handed."""

    def __init__(self, job: Job) -> None:
        from nlbench.run.executors.sequence import build_worker_tracker

        self.job = job
        build_worker_tracker(job)

    def run(self, seq: Sequence) -> SequenceOutcome:
        from nlbench.run.executors.sequence import run_one

        return run_one(self.job, seq)


class BatchedActor:
    """Holds one batched tracker (one per GPU) and runs whole shares of sequences through it."""

    def __init__(self, job: Job, batch_size: int) -> None:
        from nlbench.run.executors.batched import build_batched_tracker

        self.job = job
        self.tracker = build_batched_tracker(job, batch_size)

    def run(self, share: list[Sequence]) -> list[SequenceOutcome]:
        from nlbench.run.executors.batched import run_batched

        return list(run_batched(self.job, share, self.tracker.capacity, tracker=self.tracker))


def run_on_ray(job: Job, pending: list[Sequence], workers: int, address: str | None = None,
               batch_size: int = 1) -> Iterator[SequenceOutcome]:
    ray, ActorPool = _import_ray()
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    job = replace(job, out_dir=Path(job.out_dir).resolve(), progress=False)
    # a CUDA run takes one GPU per actor; on CPU-only clusters (and tests) actors ask for none
    gpus = 1 if str(job.device).startswith("cuda") else 0
    try:
        if batch_size > 1:
            from nlbench.run.executors.local import split_round_robin

            actor = ray.remote(num_gpus=gpus)(BatchedActor)
            shares = split_round_robin(pending, workers)
            pool = ActorPool([actor.remote(job, batch_size) for _ in shares])
            for outcomes in pool.map_unordered(lambda a, share: a.run.remote(share), shares):
                yield from outcomes
        else:
            actor = ray.remote(num_gpus=gpus)(SequenceActor)
            pool = ActorPool([actor.remote(job) for _ in range(workers)])
            yield from pool.map_unordered(lambda a, seq: a.run.remote(seq), pending)
    except ray.exceptions.RayActorError as exc:
        raise NlbenchError(
            f"a Ray worker died mid-run ({type(exc).__name__}); run the same command again to resume "
            "(finished sequences are kept)"
        ) from None
