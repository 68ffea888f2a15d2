"""The batched executor: one :class:`~nlbench.core.types.BatchedTracker` advances B sequences per step.

Slots are refilled from the waiting sequences as soon as one finishes, so the batch stays full until the work
runs out. Frames are decoded ahead by :class:`~nlbench.run.prefetch.FramePrefetcher` while the model works. Each
sequence's files are written atomically the moment it finishes, in the same format as the per-sequence path,
so a killed run loses at most the sequences in flight. A frame that cannot be read fails only its sequence; an
error raised by a batched call fails the sequences in that call and the run goes on with the next ones.
``<seq>_time.txt`` holds each step's seconds divided by the number of slots it advanced.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from nlbench.core.errors import StorageError
from nlbench.run.claims import claim, release
from nlbench.run.executors.job import Job, SequenceOutcome, Throughput, claimed_elsewhere
from nlbench.datasets.frames import read_frame
from nlbench.run.executors.sequence import describe_error, initial_inputs
from nlbench.run.prefetch import FramePrefetcher
from nlbench.core.registry import get_tracker
from nlbench.store.writer import result_paths, write_sequence_result
from nlbench.core.types import Sequence, SlotStart, TrackerPlugin


def build_batched_tracker(job: Job, batch_size: int, plugin: TrackerPlugin | None = None) -> Any:
    plugin = plugin or get_tracker(job.tracker)
    return plugin.build_batched(batch_size=batch_size, checkpoint=job.checkpoint, device=job.device, **job.options)


@dataclass
class _Running:
    seq: Sequence
    started: float
    boxes: np.ndarray
    times: list[float] = field(default_factory=list)
    grounded: np.ndarray | None = None
    next_index: int = 1  # the frame the next step tracks
    next_frame: Future | None = None


def _inference_mode() -> contextlib.AbstractContextManager:
    torch = sys.modules.get("torch")  # only torch trackers batch; never import torch for the others
    return torch.inference_mode() if torch is not None else contextlib.nullcontext()


def run_batched(job: Job, pending: list[Sequence], batch_size: int, throughput: Throughput | None = None,
                tracker: Any = None, threads: int | None = None) -> Iterator[SequenceOutcome]:
    """Yield one outcome per sequence as it finishes; ``tracker`` may be a batched tracker built already."""
    tracker = tracker if tracker is not None else build_batched_tracker(job, batch_size)
    throughput = throughput if throughput is not None else Throughput()
    throughput.batch_size = tracker.capacity
    out_dir = Path(job.out_dir)
    begin = time.perf_counter()
    with FramePrefetcher(read_frame, threads) as prefetch, _inference_mode():
        if hasattr(tracker, "crop_map"):
            tracker.crop_map = prefetch.map
        # first frames of the next sequences are decoded ahead too
        waiting = deque((seq, prefetch.submit(seq.frames[0])) for seq in pending)
        active: dict[int, _Running] = {}

        def fail(slot: int, error: str) -> SequenceOutcome:
            run = active.pop(slot)
            tracker.release(slot)
            release(out_dir, run.seq.name)
            return SequenceOutcome(run.seq.name, error, time.perf_counter() - run.started, len(run.seq))

        def fail_all(slots: Iterable[int], exc: Exception) -> Iterator[SequenceOutcome]:
            """A batched call raised: every sequence in it fails with that error; the run goes on."""
            error = describe_error(exc)
            for slot in list(slots):
                yield fail(slot, error)

        def finish(slot: int) -> SequenceOutcome:
            run = active.pop(slot)
            tracker.release(slot)
            try:
                write_sequence_result(out_dir, run.seq.name, run.boxes, run.times, run.grounded)
                error = None
            except StorageError:
                raise  # a full disk: every later sequence would fail the same way
            except Exception as exc:
                error = describe_error(exc)
            finally:
                release(out_dir, run.seq.name)
            return SequenceOutcome(run.seq.name, error, time.perf_counter() - run.started, len(run.seq))

        def advance_or_finish(slot: int) -> SequenceOutcome | None:
            run = active[slot]
            if run.next_index >= len(run.seq):
                return finish(slot)
            run.next_frame = prefetch.submit(run.seq.frames[run.next_index])
            return None

        while waiting or active:
            # 1. refill free slots; their grounding / template pass is one batched call
            starts: dict[int, SlotStart] = {}
            free = [s for s in range(tracker.capacity) if s not in active]
            while free and waiting:
                seq, first = waiting.popleft()
                if not claim(out_dir, seq.name, done=result_paths(out_dir, seq.name)["boxes"]):
                    yield claimed_elsewhere(seq)  # another run on this folder has it
                    continue
                slot = free[0]
                active[slot] = _Running(seq, time.perf_counter(), np.zeros((len(seq), 4), dtype=np.float64))
                try:
                    frame = prefetch.get(first)
                except Exception as exc:
                    yield fail(slot, describe_error(exc))
                    continue
                text, box = initial_inputs(seq, job.mode)
                starts[slot] = SlotStart(frame, text, box)
                free.pop(0)
            if starts:
                clock = time.perf_counter()
                try:
                    firsts = tracker.start(starts)
                except Exception as exc:
                    yield from fail_all(starts, exc)
                    firsts = {}
                share = (time.perf_counter() - clock) / max(1, len(starts))
                for slot, first_box in firsts.items():
                    run = active[slot]
                    run.boxes[0] = run.seq.gt[0]
                    run.times.append(share)
                    if job.mode == "nl":
                        run.grounded = np.asarray(first_box, dtype=np.float64)
                    throughput.frames += 1
                    if (outcome := advance_or_finish(slot)) is not None:
                        yield outcome
            if not active:
                continue
            # 2. one step of every active slot; the next frames decode while the model runs
            frames: dict[int, np.ndarray] = {}
            for slot in sorted(active):
                try:
                    frames[slot] = prefetch.get(active[slot].next_frame)
                except Exception as exc:
                    yield fail(slot, describe_error(exc))
            for slot in frames:
                run = active[slot]
                if run.next_index + 1 < len(run.seq):
                    run.next_frame = prefetch.submit(run.seq.frames[run.next_index + 1])
            if not frames:
                continue
            clock = time.perf_counter()
            try:
                boxes = tracker.step(frames)
            except Exception as exc:
                yield from fail_all(frames, exc)
                continue
            share = (time.perf_counter() - clock) / len(frames)
            for slot, box in boxes.items():
                run = active[slot]
                run.boxes[run.next_index] = box
                run.times.append(share)
                run.next_index += 1
                throughput.frames += 1
                if run.next_index >= len(run.seq):
                    yield finish(slot)
    throughput.seconds += time.perf_counter() - begin
    throughput.frame_wait_seconds += prefetch.wait_seconds
