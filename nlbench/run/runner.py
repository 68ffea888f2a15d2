"""Run a tracker over a dataset: resumable, shardable, one process, a pool, batched, or Ray.

``plan_run`` decides what runs (tracker, mode, sequences, manifest, what an earlier run finished); ``run``
picks an executor from ``nlbench.run.executors`` and records what each sequence's outcome was.

A sequence's box file is written atomically and last, so its presence means the
sequence is finished: a re-run skips it, and a run killed at any moment loses at
most the sequences in flight.  A failing sequence is recorded in ``run.json``
with its error and the run goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from tqdm.auto import tqdm

from nlbench.datasets import load_sequences
from nlbench.datasets.base import require_frames
from nlbench.core.errors import DatasetError, NlbenchError, StorageError
from nlbench.core.oserrors import with_estimate
from nlbench.run.claims import claim_path, is_stale
from nlbench.run.executors.batched import build_batched_tracker, run_batched
from nlbench.run.executors.job import Job, SequenceOutcome, Throughput
from nlbench.run.executors.local import run_batched_pool, run_process_pool, run_sequential
from nlbench.run.executors.ray import run_on_ray
from nlbench.run.executors.sequence import build_worker_tracker, release_worker_tracker, track_sequence
from nlbench.core.registry import get_dataset, get_tracker
from nlbench.run.sentences import SentenceFile, apply_sentences, check_names, read_sentence_file
from nlbench.store.manifest import (
    RunManifest,
    read_manifest,
    record_sequence,
    record_throughput,
    sha256_file,
    start_manifest,
)
from nlbench.store.writer import result_paths
from nlbench.core.types import MODES, Sequence, TrackerPlugin


EXECUTORS = ("local", "ray")

if TYPE_CHECKING:  # the request is the verb's, in nlbench/run/stages.py (which imports this module)
    from nlbench.run.stages import RunRequest

__all__ = ["RunPlan", "RunSummary", "plan_run", "run_stage", "track_sequence", "parse_shard", "select_shard"]

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did: sequences run now, finished by an earlier run, failed (name -> first line of the error)."""

    out_dir: Path
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # finished by an earlier run
    elsewhere: list[str] = field(default_factory=list)  # claimed by another run on the same folder
    failed: dict[str, str] = field(default_factory=dict)
    request: RunRequest | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"k/n"`` (1 <= k <= n) -> (k, n)."""
    if not text:
        return None
    try:
        k, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise NlbenchError(f"--shard must look like k/n (e.g. 2/8), got '{text}'") from None
    if not 1 <= k <= n:
        raise NlbenchError(f"--shard {text}: k must be between 1 and n (shards are numbered from 1)")
    return k, n


def select_shard(sequences: list[Sequence], shard: tuple[int, int] | None) -> list[Sequence]:
    if shard:
        k, n = shard
        # round-robin over the official order keeps shards balanced for datasets sorted by class
        sequences = [s for i, s in enumerate(sequences) if i % n == k - 1]
    return sequences


def resolve_mode(plugin: TrackerPlugin, mode: str | None) -> str:
    mode = (mode or plugin.default_mode or plugin.modes[0]).lower()
    if mode not in MODES:
        raise NlbenchError(f"unknown mode '{mode}'; choose one of {', '.join(MODES)}")
    if mode not in plugin.modes:
        raise NlbenchError(f"tracker '{plugin.name}' supports modes {', '.join(plugin.modes)}, not '{mode}'")
    return mode


#: what must match for finished sequences of an earlier run to count as this run's results
_RUN_IDENTITY = ("tracker", "dataset", "mode", "split", "checkpoint_sha256", "options", "sentence_file_sha256")


def check_resumable(out_dir: Path, manifest: RunManifest) -> None:
    """Refuse to resume into a folder that holds another run's results (other tracker, weights, mode...)."""
    earlier = read_manifest(out_dir)
    if not earlier:
        return
    current = manifest.to_json()
    differs = [k for k in _RUN_IDENTITY if k in earlier and earlier[k] != current[k]]
    if differs:
        what = ", ".join(
            f"sentence file {earlier.get('sentence_file') or 'none'} -> {current['sentence_file'] or 'none'}"
            if k == "sentence_file_sha256" and earlier.get("sentence_file") != current["sentence_file"]
            else f"{k} {earlier[k]!r} -> {current[k]!r}"
            for k in differs
        )
        raise NlbenchError(
            f"{out_dir} holds results of a different run ({what}); resuming would mix them. "
            "Use another --out, or delete the folder to start again."
        )


def check_sentence_names(sentence_file: SentenceFile, dataset: str, root: str | os.PathLike | None,
                         split: str, selected: list[Sequence]) -> None:
    """Every name of the sentence file must be a sequence of the dataset, not only of those selected."""
    known = {s.name for s in selected}
    outside = [n for n in sentence_file.sentences if n not in known]
    if not outside:
        return
    try:
        load_sequences(dataset, root, split, outside, with_frames=False)
        return
    except DatasetError as exc:
        failure = exc
    try:  # find the culprit among the whole split's names, so the error can suggest close ones
        names = [s.name for s in load_sequences(dataset, root, split, with_frames=False)]
    except DatasetError:  # an incomplete root (a subset on disk): what is there
        names = sorted(known | {n for n in outside if _loads(dataset, root, split, n)})
    check_names(sentence_file, names, dataset)
    raise failure  # every name is known: the listed sequences themselves are broken


def _loads(dataset: str, root: str | os.PathLike | None, split: str, name: str) -> bool:
    try:
        load_sequences(dataset, root, split, [name], with_frames=False)
    except DatasetError:
        return False
    return True


def default_out_dir(dataset: str, tracker: str, mode: str) -> Path:
    return Path("results") / "raw" / dataset / f"{tracker}-{mode}"


def _checkpoint_roles(checkpoint: str | dict[str, str] | None) -> dict[str, str]:
    if checkpoint is None:
        return {}
    if isinstance(checkpoint, dict):
        return {k: str(v) for k, v in checkpoint.items()}
    return {"model": str(checkpoint)}


@dataclass
class RunPlan:
    """Everything decided before any tracker is built: the hook for options that change what runs."""

    plugin: TrackerPlugin
    dataset: str
    mode: str
    split: str
    out_dir: Path
    checkpoint: str | dict[str, str] | None
    device: str
    options: dict[str, Any]
    manifest: RunManifest
    pending: list[Sequence]  # not finished by an earlier run, in the official order
    finished: list[Sequence]  # finished by an earlier run (their box files exist)

    @property
    def skipped(self) -> list[str]:
        return [seq.name for seq in self.finished]

    def job(self, progress: bool = False) -> Job:
        return Job(tracker=self.plugin.name, mode=self.mode, out_dir=self.out_dir, checkpoint=self.checkpoint,
                   device=self.device, options=self.options, progress=progress)


def plan_run(request: RunRequest) -> RunPlan:
    """Resolve the tracker, mode and sequences, build the manifest, and find what an earlier run finished."""
    dataset, root, checkpoint, device = request.dataset, request.root, request.checkpoint, request.device
    plugin = get_tracker(request.tracker)
    mode = resolve_mode(plugin, request.mode)
    split = request.split or get_dataset(dataset).default_split
    sentence_file = read_sentence_file(request.sentences) if request.sentences is not None else None
    names = list(request.sequences) if request.sequences else None
    selected = load_sequences(dataset, root, split, names)
    if sentence_file:
        check_sentence_names(sentence_file, dataset, root, split, selected)
        selected = apply_sentences(selected, sentence_file.sentences)
    todo = select_shard(selected, parse_shard(request.shard))
    out_dir = Path(request.out) if request.out else default_out_dir(dataset, plugin.name, mode)
    options = dict(request.options)

    roles = _checkpoint_roles(checkpoint)
    for role, path in roles.items():
        if not Path(path).is_file():
            raise NlbenchError(f"checkpoint {path} ({role}) does not exist")
    if checkpoint is None:  # record the shipped weights too, so a resume after they change is caught
        roles = {r: p for r, p in _checkpoint_roles(plugin.default_checkpoint).items() if Path(p).is_file()}
    manifest = RunManifest(
        tracker=plugin.name,
        dataset=dataset,
        mode=mode,
        split=split,
        checkpoint=roles,
        checkpoint_sha256={role: sha256_file(p) for role, p in roles.items()},
        options={k: v for k, v in options.items()},
        sentence_file=str(sentence_file.path) if sentence_file else None,
        sentence_file_sha256=sentence_file.sha256 if sentence_file else None,
        sentences={seq.name: seq.language for seq in todo},
        device=device,
        command=request.shell_line(),
    )
    check_resumable(out_dir, manifest)
    done_before = [seq for seq in todo if result_paths(out_dir, seq.name)["boxes"].is_file()]
    skipped = {seq.name for seq in done_before}
    return RunPlan(plugin, dataset, mode, split, out_dir, checkpoint, device, options, manifest,
                   pending=[seq for seq in todo if seq.name not in skipped], finished=done_before)


def record_unrecorded(plan: RunPlan) -> None:
    """A run killed between writing a sequence's box file and recording it in run.json: record it now."""
    recorded = (read_manifest(plan.out_dir) or {}).get("sequences", {})
    for seq in plan.finished:
        if seq.name not in recorded:
            record_sequence(plan.out_dir, seq.name, {"status": "done", "frames": len(seq), "seconds": None})


def run_stage(request: RunRequest) -> RunSummary:
    """Run a tracker over a dataset and write its raw results; what ran, what was done before, what failed.

    The result folder is resumable: a second call with the same request runs nothing.

        >>> import tempfile
        >>> from nlbench.run.stages import RunRequest
        >>> out = Path(tempfile.mkdtemp()) / "static-bb"
        >>> request = RunRequest(tracker="static", dataset="synth", mode="bb", sequences=("synth_test_0001",), out=out,
        ...                      quiet=True)
        >>> run_stage(request).done, run_stage(request).skipped
        (['synth_test_0001'], ['synth_test_0001'])
    """
    batch_size = resolve_batch_size(request.batch_size, request.device)
    executor, workers, progress = request.executor, request.workers, not request.quiet
    if executor not in EXECUTORS:
        raise NlbenchError(f"unknown executor '{executor}'; choose {' or '.join(EXECUTORS)}")
    plan = plan_run(request)
    summary = RunSummary(out_dir=plan.out_dir, skipped=list(plan.skipped), request=request)
    record_unrecorded(plan)
    if not plan.pending:
        return summary
    require_frames(plan.dataset, plan.pending)  # one clear error before building, not one failure per sequence
    if batch_size > 1 and plan.plugin.build_batched is None:
        log.warning("%s cannot batch sequences; running them one at a time (--batch-size ignored)", plan.plugin.name)
        batch_size = 1
    workers = max(1, min(workers, len(plan.pending)))
    job = plan.job(progress=progress)
    # Build before touching the output: a missing or bad checkpoint is one clear error and leaves nothing behind.
    # The in-process executors keep this tracker; the others build their own copies.
    local_batched = batch_size > 1 and workers == 1 and executor == "local"
    batched_tracker = build_batched_tracker(job, batch_size, plan.plugin) if local_batched else None
    if batched_tracker is None:
        build_worker_tracker(job, plugin=plan.plugin)
        if workers > 1 or executor != "local":
            release_worker_tracker()
    start_manifest(plan.out_dir, plan.manifest)

    throughput = Throughput(batch_size=batch_size, frame_wait_seconds=None)
    begin = time.perf_counter()

    def dispatch(pending: list[Sequence]) -> Iterator[SequenceOutcome]:
        if executor == "ray":
            return run_on_ray(job, pending, workers, request.ray_address, batch_size)
        if batched_tracker is not None:
            throughput.frame_wait_seconds = throughput.frame_wait_seconds or 0.0
            return run_batched(job, pending, batch_size, throughput, tracker=batched_tracker)
        if workers == 1:
            throughput.frame_wait_seconds = throughput.frame_wait_seconds or 0.0
            return run_sequential(job, pending, throughput)
        if batch_size > 1:
            throughput.frame_wait_seconds = throughput.frame_wait_seconds or 0.0  # the workers measure it
            return run_batched_pool(job, pending, batch_size, workers, throughput)
        return run_process_pool(job, pending, workers)

    pending = plan.pending
    for _ in range(_MAX_TAKEOVER_PASSES):
        if not pending:
            break
        try:
            _record_outcomes(plan, summary, dispatch(pending), progress, throughput, len(pending))
        except StorageError as exc:  # say how much room the rest of the run needs
            left = [seq for seq in pending if seq.name not in summary.done]
            raise with_estimate(exc, sum(len(seq) for seq in left) * RESULT_BYTES_PER_FRAME) from exc
        # Sequences another run claimed and then died on (its pid is gone, or its claim went quiet): finish
        # them now instead of leaving them to a re-run.  Live claims are left to their holders.
        pending = [seq for seq in pending if seq.name in summary.elsewhere and _abandoned(plan.out_dir, seq.name)]
        retried = {seq.name for seq in pending}
        summary.elsewhere = [name for name in summary.elsewhere if name not in retried]
    if throughput.seconds == 0.0:  # executors in other processes: the whole wall time, frames of finished ones
        throughput.seconds = time.perf_counter() - begin
    record_throughput(plan.out_dir, throughput.to_json())
    return summary


#: ``--batch-size`` when none is given: batching only pays where a GPU waits for work
DEFAULT_BATCH_SIZE_CPU = 1
DEFAULT_BATCH_SIZE_CUDA = 32


def parse_batch_size(batch_size: Any) -> int | None:
    """``--batch-size`` as typed (None: not given); anything but a positive integer is one clear error."""
    if batch_size is None:
        return None
    if isinstance(batch_size, str):
        try:
            batch_size = int(batch_size.strip())
        except ValueError:
            raise NlbenchError(f"--batch-size must be a positive integer, not '{batch_size}'") from None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise NlbenchError(f"--batch-size must be a positive integer, not {batch_size!r}")
    return batch_size


def resolve_batch_size(batch_size: Any, device: str) -> int:
    """``None`` -> the device's default; anything but a positive integer is one clear error."""
    checked = parse_batch_size(batch_size)
    if checked is None:
        return DEFAULT_BATCH_SIZE_CUDA if str(device).startswith("cuda") else DEFAULT_BATCH_SIZE_CPU
    return checked


#: What a frame costs on disk: a box row (``%.4f`` x 4, tabs) and a time row, rounded up.
RESULT_BYTES_PER_FRAME = 64

#: Passes over sequences whose claim holder died meanwhile (each pass normally leaves none behind).
_MAX_TAKEOVER_PASSES = 8


def _abandoned(out_dir: Path, name: str) -> bool:
    """Not finished, and its claim is stale (or was released without a result: the holder failed or quit)."""
    if result_paths(out_dir, name)["boxes"].is_file():
        return False
    path = claim_path(out_dir, name)
    return not path.exists() or is_stale(path)


def _record_outcomes(plan: RunPlan, summary: RunSummary, outcomes: Iterator[SequenceOutcome], progress: bool,
                     throughput: Throughput, total: int) -> None:
    """Record each finished sequence in run.json and the summary as it arrives."""
    desc = f"{plan.plugin.name} on {plan.dataset} ({plan.mode})"
    with tqdm(total=total, desc=desc, unit="seq", disable=not progress) as bar:
        for name, error, seconds, frames, elsewhere in outcomes:
            if elsewhere:
                summary.elsewhere.append(name)
                bar.update()
                continue
            record = {"status": "failed" if error else "done", "frames": frames, "seconds": round(seconds, 3)}
            if error:
                record["error"] = error
                summary.failed[name] = error.splitlines()[0]
            else:
                summary.done.append(name)
                if throughput.frame_wait_seconds is None:  # counted here for executors in other processes
                    throughput.frames += frames
            record_sequence(plan.out_dir, name, record)
            bar.update()
