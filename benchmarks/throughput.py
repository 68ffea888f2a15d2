"""Frames/s of whole runs (decode + crop + model + writing) for several batch sizes, one process per run.

    python benchmarks/throughput.py                         # jointnlt-tiny on synth, B in 1,4,16,64
    python benchmarks/throughput.py --model official --frames 8 --sequences 8 --device cuda
    python benchmarks/throughput.py --batch-sizes 1,16 --keep /tmp/tp   # keep the result folders

Each batch size runs in a fresh subprocess (so peak memory is that run's). ``tiny`` runs `nlbench run` on the
synth test split (``--sequences N`` takes the first N); ``official`` runs the official-size JointNLT with random
weights on short generated sequences through the same executors (no checkpoint needed). B = 1 is the
per-sequence path every run used before batching. Prints frames/s, the model's wait-for-frames share, peak
memory and the device name; ``--json`` writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    import platform

    return f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()})"


def _generated_sequences(root: Path, count: int, frames: int):
    """Short moving-block sequences of three frame sizes, written as JPEG like most benchmarks ship."""
    import cv2
    import numpy as np

    from nlbench.core.types import Sequence

    rng = np.random.default_rng(0)
    sizes = [(360, 640), (480, 640), (720, 1280)]
    sequences = []
    for k in range(count):
        h, w = sizes[k % 3]
        folder = root / f"gen_{k:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        paths, gt = [], []
        for i in range(frames):
            image = rng.integers(0, 80, (h, w, 3), dtype=np.uint8)
            x, y = w // 3 + 4 * i, h // 3 + 2 * i
            image[y:y + h // 5, x:x + w // 6] = (40, 40, 230)
            path = folder / f"{i:05d}.jpg"
            cv2.imwrite(str(path), image)
            paths.append(path)
            gt.append((x, y, w // 6, h // 5))
        sequences.append(Sequence(f"gen_{k:03d}", "generated", tuple(paths), np.asarray(gt, dtype=np.float64),
                                  "the red block moving down and to the right"))
    return sequences


def _official_tracker(device: str, batch_size: int):
    import torch

    from nlbench_trackers.jointnlt.batched import BatchedJointNLT
    from nlbench_trackers.jointnlt.config import JOINTNLT_SWIN_B
    from nlbench_trackers.jointnlt.model import JointNLT
    from nlbench_trackers.jointnlt.tracker import JointNLTTracker

    torch.manual_seed(0)
    single = JointNLTTracker(JointNLT(JOINTNLT_SWIN_B), device=device)
    return single if batch_size == 1 else BatchedJointNLT(single, batch_size)


def one_run(args: argparse.Namespace) -> dict:
    """The child: one whole run at one batch size; returns its figures."""
    import torch

    from nlbench.run.executors import sequence as seq_exec
    from nlbench.run.executors.batched import run_batched
    from nlbench.run.executors.job import Job, Throughput
    from nlbench.run.executors.local import run_sequential
    from nlbench.run.stages import RunRequest, run_stage

    out = Path(args.out)
    b = args.one
    if args.model == "tiny":
        from nlbench.datasets import load_sequences

        names = [s.name for s in load_sequences("synth", None, "test", None)][: args.sequences or None]
        run_stage(RunRequest(tracker="jointnlt-tiny", dataset="synth", sequences=names, mode=args.mode, out=out, device=args.device,
                             quiet=True, batch_size=b))
        stats = json.loads((out / "run.json").read_text())["throughput"]
    else:
        sequences = _generated_sequences(Path(args.frames_dir), args.sequences or 8, args.frames)
        job = Job("jointnlt", args.mode, out, device=args.device)
        tracker = _official_tracker(args.device, b)
        throughput = Throughput(batch_size=b)
        if b == 1:
            seq_exec._WORKER["tracker"] = tracker
            outcomes = list(run_sequential(job, sequences, throughput))
        else:
            outcomes = list(run_batched(job, sequences, b, throughput, tracker=tracker))
        failed = [o.name for o in outcomes if o.error]
        if failed:
            raise SystemExit(f"failed sequences: {failed}: {outcomes[0].error}")
        stats = throughput.to_json()
    if args.device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated() / 2**20
        stats["peak_gpu_mib"] = round(peak, 1)
    stats["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    stats["device"] = _device_name(args.device)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["tiny", "official"], default="tiny")
    parser.add_argument("--batch-sizes", default="1,4,16,64")
    parser.add_argument("--mode", default="nl", choices=["nl", "nl+bb"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sequences", type=int, default=0, help="first N synth test sequences (0 = all); official: N generated")
    parser.add_argument("--frames", type=int, default=8, help="official: frames per generated sequence")
    parser.add_argument("--keep", help="keep each run's result folder under this directory")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--frames-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print("RESULT " + json.dumps(one_run(args)))
        return

    rows = []
    with tempfile.TemporaryDirectory(prefix="nlbench-throughput-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        for b in (int(v) for v in args.batch_sizes.split(",")):
            out = base / f"{args.model}-{args.mode}-b{b}"
            cmd = [sys.executable, __file__, "--one", str(b), "--out", str(out), "--frames-dir", str(Path(tmp) / "frames"),
                   "--model", args.model, "--mode", args.mode, "--device", args.device,
                   "--sequences", str(args.sequences), "--frames", str(args.frames)]
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            if proc.returncode != 0:
                print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
                raise SystemExit(f"batch size {b} failed")
            stats = json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))[7:])
            stats["process_seconds"] = round(time.perf_counter() - start, 1)
            rows.append(stats)
            print(f"B={b:>3}  {stats['frames_per_second']:8.2f} frames/s  wait {stats['frame_wait_share']:.3f}  "
                  f"{stats['frames']} frames in {stats['seconds']} s  peak RSS {stats['peak_rss_mib']} MiB"
                  + (f"  peak GPU {stats['peak_gpu_mib']} MiB" if "peak_gpu_mib" in stats else "")
                  + f"  [{stats['device']}]", flush=True)
    base_fps = rows[0]["frames_per_second"]
    for r in rows[1:]:
        print(f"B={r['batch_size']}: {r['frames_per_second'] / base_fps:.2f}x the frames/s of B={rows[0]['batch_size']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"model": args.model, "mode": args.mode, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
