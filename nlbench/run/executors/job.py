"""What every executor is given (a :class:`Job`) and what it yields per sequence (an :class:`SequenceOutcome`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Job:
    """A planned run, reduced to what an executor needs; picklable so that workers and actors can receive it."""

    tracker: str
    mode: str
    out_dir: Path
    checkpoint: Any = None  # a path, {role: path}, or None for the plugin's shipped weights
    device: str = "cpu"
    options: dict[str, Any] = field(default_factory=dict)
    progress: bool = False  # per-frame bars (sequential executor only)


class SequenceOutcome(NamedTuple):
    """One finished sequence: its error (None when its result files were written), seconds and frame count."""

    name: str
    error: str | None
    seconds: float
    frames: int
    elsewhere: bool = False  # claimed by another process on the same --out folder: not run here


def claimed_elsewhere(seq: Any) -> "SequenceOutcome":
    return SequenceOutcome(seq.name, None, 0.0, 0, elsewhere=True)


#: a run's throughput, filled in by executors that measure it (recorded in run.json)
@dataclass
class Throughput:
    frames: int = 0
    seconds: float = 0.0
    frame_wait_seconds: float | None = 0.0  # wall time the model stood waiting for frames (None: not measured)
    batch_size: int = 1
    worker_seconds: float = 0.0  # several workers: their loops' seconds summed, the wait share's denominator

    def to_json(self) -> dict[str, Any]:
        fps = self.frames / self.seconds if self.seconds > 0 else 0.0
        share = None
        if self.frame_wait_seconds is not None:
            base = self.worker_seconds or self.seconds
            share = round(self.frame_wait_seconds / base, 4) if base > 0 else 0.0
        return {"batch_size": self.batch_size, "frames": self.frames, "seconds": round(self.seconds, 3),
                "frames_per_second": round(fps, 2), "frame_wait_share": share}
