"""Per-frame latency of JointNLT on the current device: grounding and tracking separately.

Random weights (speed does not depend on their values); batch 1; eval mode; ``torch.inference_mode``.
Unlike the paper's script (spec §5: no warm-up, no synchronisation, train mode) this warms up, synchronises
CUDA and reports the median, so the numbers are per-frame latencies.

Phases:
  grounding       full first-frame pass: BERT + text_proj, grounding-image backbone, joint part (paper's "grounding")
  tracking        cached text and template; search backbone + joint part, no SGTM (the paper's "tracking")
  tracking+sgtm   as tracking with the 72-token temporal clue of NL mode (every frame after the first)
  track()         the whole tracker step on a 640x360 frame: crop, normalise, tracking+sgtm, map back, clip

On a shared or small CPU pass ``--threads 1``: with other processes competing for the cores, OpenMP's
spinning threads made every op ~20x slower here (2 cores, 2 threads: 8.4 s per tracking frame; 1 thread: 0.93 s).

Usage:
  python benchmarks/jointnlt_step.py [--config jointnlt|jointnlt-tiny] [--device cpu|cuda] [--iters 5]
         [--warmup 1] [--dtype fp32|fp16|bf16] [--compile] [--threads N] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from typing import Callable

import numpy as np
import torch

from nlbench.core.io import atomic_write_json
from nlbench_trackers.jointnlt.config import CONFIGS
from nlbench_trackers.jointnlt.model import JointNLT
from nlbench_trackers.jointnlt.tracker import DTYPES, JointNLTTracker


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _timed(fn: Callable[[], object], device: torch.device, iters: int, warmup: int) -> list[float]:
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return times


def run(config: str, device: str, iters: int, warmup: int, dtype: str, compile_steps: bool) -> dict:
    cfg = CONFIGS[config]
    dev = torch.device(device)
    torch.manual_seed(0)
    build_start = time.perf_counter()
    model = JointNLT(cfg)
    build_seconds = time.perf_counter() - build_start
    tracker = JointNLTTracker(model, device=dev, dtype=DTYPES[dtype], compile=compile_steps)
    model = tracker.model
    g = torch.Generator().manual_seed(0)
    s, t = cfg.search_size, cfg.template_size
    ids = torch.randint(1000, 5000, (1, cfg.max_query_len), generator=g).to(dev)
    ids_mask = torch.zeros(1, cfg.max_query_len, dtype=torch.int64, device=dev)
    ids_mask[:, :12] = 1
    search = torch.randn(1, 3, s, s, generator=g).to(dev, tracker.dtype)
    search_mask = torch.zeros(1, s, s, dtype=torch.bool, device=dev)
    template = torch.randn(1, 3, t, t, generator=g).to(dev, tracker.dtype)
    template_mask = torch.zeros(1, t, t, dtype=torch.bool, device=dev)

    with torch.inference_mode():
        text = model.encode_text(ids, ids_mask)
        template_feats = model.encode_visual(template, template_mask)
        ground = model.forward_grounding(*text, search, search_mask)
        clue = torch.cat([ground["roi_feature"].flatten(2)] * 2, dim=-1)

        def grounding() -> object:
            return tracker._grounding_step(*model.encode_text(ids, ids_mask), search, search_mask)

        def tracking() -> object:
            return tracker._tracking_step(*text, *template_feats, search, search_mask, None)

        def tracking_sgtm() -> object:
            return tracker._tracking_step(*text, *template_feats, search, search_mask, clue)

        results = {
            "grounding": _timed(grounding, dev, iters, warmup),
            "tracking": _timed(tracking, dev, iters, warmup),
            "tracking+sgtm": _timed(tracking_sgtm, dev, iters, warmup),
        }
    frame = np.random.default_rng(0).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    tracker.initialize(frame, "the person in a red shirt", None)
    tracker.track(frame)  # fills the temporal queue: later frames use the 72-token clue
    results["track()"] = _timed(lambda: tracker.track(frame), dev, iters, warmup)
    return {
        "config": config,
        "device": str(dev),
        "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else _cpu_name(),
        "threads": torch.get_num_threads(),
        "dtype": dtype,
        "compile": compile_steps,
        "iters": iters,
        "warmup": warmup,
        "torch": torch.__version__,
        "build_seconds": round(build_seconds, 3),
        "median_ms": {k: round(1000 * statistics.median(v), 2) for k, v in results.items()},
        "min_ms": {k: round(1000 * min(v), 2) for k, v in results.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="jointnlt", choices=sorted(CONFIGS))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--dtype", default="fp32", choices=["fp32", "fp16", "bf16"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", default=None, help="also write the result to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    result = run(args.config, args.device, args.iters, args.warmup, args.dtype, args.compile)
    print(f"JointNLT {result['config']} on {result['device']} ({result['device_name']}, {result['threads']} threads, "
          f"{result['dtype']}{', compiled' if result['compile'] else ''}), median of {result['iters']}:")
    for phase, ms in result["median_ms"].items():
        print(f"  {phase:<14} {ms:9.1f} ms   (min {result['min_ms'][phase]:.1f} ms)")
    if args.json:
        atomic_write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
