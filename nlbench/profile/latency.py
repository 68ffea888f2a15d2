"""Latency of one forward: warm-up, then per-iteration timing, median and 90th percentile.

On CUDA every iteration is bracketed by CUDA events and the device is synchronised before reading them, so
the figure is the GPU time of the work (the original scripts used ``time.time()`` with no synchronisation,
jointnlt-spec §5, which under-reports asynchronous kernels). On CPU ``time.perf_counter`` brackets the call.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Callable, ContextManager

import numpy as np
import torch


@dataclass(frozen=True)
class LatencyStats:
    median_ms: float
    p90_ms: float
    n: int
    samples_ms: tuple[float, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"median": self.median_ms, "p90": self.p90_ms, "n": self.n}


def summarize(samples_ms: list[float] | tuple[float, ...]) -> LatencyStats:
    """Median and 90th percentile (linear interpolation, numpy's default) of per-iteration times."""
    if not samples_ms:
        raise ValueError("no latency samples: iterations must be >= 1")
    values = np.asarray(samples_ms, dtype=np.float64)
    return LatencyStats(
        median_ms=float(np.median(values)),
        p90_ms=float(np.percentile(values, 90)),
        n=len(values),
        samples_ms=tuple(float(v) for v in values),
    )


def measure_latency(
    step: Callable[[], Any],
    device: torch.device | str,
    iterations: int,
    warmup: int,
    context: Callable[[], ContextManager] | None = None,
) -> LatencyStats:
    """Call ``step()`` ``warmup`` times untimed, then ``iterations`` times timed, under ``torch.no_grad()``.

    ``context`` (e.g. an autocast factory) is entered around every call, inside the timed span.
    """
    if iterations < 1 or warmup < 0:
        raise ValueError(f"iterations must be >= 1 and warmup >= 0 (got {iterations}, {warmup})")
    device = torch.device(device)
    context = context or nullcontext
    samples: list[float] = []
    with torch.no_grad():
        for _ in range(warmup):
            with context():
                step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
            for _ in range(iterations):
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                with context():
                    step()
                end.record()
                torch.cuda.synchronize(device)
                samples.append(start.elapsed_time(end))
        else:
            for _ in range(iterations):
                start_s = time.perf_counter()
                with context():
                    step()
                samples.append((time.perf_counter() - start_s) * 1000.0)
    return summarize(samples)
