"""One sequence through a per-sequence tracker, and the per-process tracker that the local executors reuse."""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm.auto import tqdm

from nlbench.core.errors import NlbenchError, StorageError
from nlbench.run.claims import claim, release
from nlbench.run.executors.job import Job, SequenceOutcome, claimed_elsewhere
from nlbench.core.registry import get_tracker
from nlbench.datasets.frames import read_frame
from nlbench.store.writer import result_paths, write_sequence_result
from nlbench.core.types import Sequence, TrackerPlugin


def initial_inputs(seq: Sequence, mode: str) -> tuple[str | None, np.ndarray | None]:
    """(sentence, box) a tracker is initialised with in ``mode``."""
    return (seq.language if "nl" in mode else None), (seq.gt[0] if "bb" in mode else None)


def track_sequence(tracker: Any, seq: Sequence, mode: str, frame_bar: bool = False,
                   read: Callable[[Path], np.ndarray] = read_frame) -> tuple[np.ndarray, list[float], np.ndarray | None]:
    """Boxes (row 0 = the GT init box, as the original writes it), per-frame seconds, the NL grounded box."""
    text, init_box = initial_inputs(seq, mode)
    boxes = np.zeros((len(seq.frames), 4), dtype=np.float64)
    times: list[float] = []
    frame = read(seq.frames[0])
    start = time.perf_counter()
    first = tracker.initialize(frame, text, init_box)
    times.append(time.perf_counter() - start)
    boxes[0] = seq.gt[0]
    grounded = np.asarray(first, dtype=np.float64) if mode == "nl" else None
    frames = seq.frames[1:]
    for i, path in enumerate(tqdm(frames, desc=seq.name, leave=False, disable=not frame_bar), start=1):
        frame = read(path)
        start = time.perf_counter()
        boxes[i] = tracker.track(frame)
        times.append(time.perf_counter() - start)
    return boxes, times, grounded


def describe_error(exc: BaseException) -> str:
    """One line for our own errors; a short traceback for anything unexpected."""
    error = f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, NlbenchError):
        error += "\n" + traceback.format_exc(limit=5)
    return error


# --- process-side state: each process builds its tracker once and reuses it for its sequences ---
_WORKER: dict[str, Any] = {}


def build_worker_tracker(job: Job, threads: int | None = None, plugin: TrackerPlugin | None = None) -> Any:
    """This process's tracker; ``plugin`` when the caller resolved it already (else looked up by name)."""
    plugin = plugin or get_tracker(job.tracker)
    _WORKER["tracker"] = plugin.build(checkpoint=job.checkpoint, device=job.device, **job.options)
    if threads and "torch" in sys.modules:  # only torch trackers care; the others never import it
        sys.modules["torch"].set_num_threads(threads)
    return _WORKER["tracker"]


def release_worker_tracker() -> None:
    _WORKER.clear()


def run_one(job: Job, seq: Sequence, frame_bar: bool = False,
            read: Callable[[Path], np.ndarray] = read_frame) -> SequenceOutcome:
    """Track ``seq`` with this process's tracker and write its files; an error is returned, not raised.

    The sequence is claimed first (:mod:`nlbench.run.claims`): one held by another run on the same folder is
    skipped.  A storage fault (a full disk) ends the run: every later sequence would fail the same way.
    """
    start = time.perf_counter()
    out_dir = Path(job.out_dir)
    if not claim(out_dir, seq.name, done=result_paths(out_dir, seq.name)["boxes"]):
        return claimed_elsewhere(seq)
    try:
        boxes, times, grounded = track_sequence(_WORKER["tracker"], seq, job.mode, frame_bar, read)
        write_sequence_result(out_dir, seq.name, boxes, times, grounded)
        error = None
    except StorageError:
        raise
    except Exception as exc:  # one broken sequence must not end the run
        error = describe_error(exc)
    finally:
        release(out_dir, seq.name)
    return SequenceOutcome(seq.name, error, time.perf_counter() - start, len(seq))
