"""Frames decoded ahead of the model by a small thread pool (OpenCV releases the GIL while it decodes).

The batched executor asks for the next frame of every slot right after handing the current ones to the model,
so decoding overlaps the network. ``wait_seconds`` counts the time the caller stood blocked on a frame: the
model's wait-for-frames share of a run is ``wait_seconds / wall time``. Decoding is ``nlbench.datasets.frames.read_frame``
(OpenCV, BGR -> RGB, as the original trackers read frames), so prefetched frames are the same bytes.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")


def default_threads() -> int:
    """Enough decoders to keep up on a small machine without crowding out the model's own threads."""
    return max(2, min(8, os.cpu_count() or 2))


class FramePrefetcher:
    """``submit(path)`` starts decoding; ``get(future)`` returns the frame, timing how long the caller waited."""

    def __init__(self, decode: Callable[[Path], np.ndarray], threads: int | None = None) -> None:
        self.decode = decode
        self.pool = ThreadPoolExecutor(threads or default_threads(), thread_name_prefix="nlbench-frames")
        self.wait_seconds = 0.0

    def submit(self, path: Path) -> Future:
        return self.pool.submit(self.decode, path)

    def get(self, future: Future) -> np.ndarray:
        """The decoded frame; a decoding error is raised here, for the sequence that owns the frame."""
        start = time.perf_counter()
        try:
            return future.result()
        finally:
            self.wait_seconds += time.perf_counter() - start

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Run ``fn`` over ``items`` on the same threads (per-slot crops), results in order."""
        return self.pool.map(fn, items)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "FramePrefetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
