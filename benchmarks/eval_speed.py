"""How long does ``nlbench eval`` take on a LaSOT-sized set, beside the original JointNLT analysis?

Builds, in a temporary folder, a LaSOT-shaped tree with the 280 Protocol-II test
names (eval-spec §3.1) and 685,360 GT rows in all (lengths 1,000-9,999, as the
real split), plus the results of 3 trackers in three real formats: JointNLT's
tab-separated integers, nlbench's tab-separated ``%.4f`` and got10k's
comma-separated ``%.3f``.  Then times, each as the best of ``--repeat`` runs:

* as a user runs it: ``nlbench eval ...`` in a fresh process, cold (parse cache deleted) and warm;
* with ``--jointnlt CHECKOUT``: the original JointNLT analysis (``tracking/analysis_results.py`` with
  ``print_results``, its ``eval_data.pkl`` cache deleted, run by ``jointnlt_analysis.py``) on the same
  files, as whole processes at its fastest setting: one torch thread (``OMP_NUM_THREADS=1``,
  ``torch.set_num_threads(1)``), best of ``--reference-repeat`` (2), alternating with the cold
  ``nlbench eval`` runs; prints the ratio of the best times and checks that every printed number
  (AUC, OP50, OP75, Precision, Norm Precision) is identical;
* where nlbench's time goes: the interpreter alone, the interpreter with ``nlbench eval``'s imports
  (fresh processes), then in this process dataset loading, cold and warm parsing, the scorer alone,
  ``evaluate()`` on parsed files (scoring, attributes, bootstrap interval), JSON and the table.

Usage::

    python benchmarks/eval_speed.py [--repeat 3] [--keep DIR] [--frames 685360] [--jointnlt CHECKOUT]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# eval-spec §3.1: the LaSOT Protocol II test list by class.
_TEST_SPLIT = """
airplane 1,9,13,15; basketball 1,6,7,11; bear 2,4,6,17; bicycle 2,7,9,18; bird 2,3,15,17; boat 3,4,12,17;
book 3,10,11,19; bottle 1,12,14,18; bus 2,5,17,19; car 2,6,9,17; cat 1,3,18,20; cattle 2,7,12,13;
chameleon 3,6,11,20; coin 3,6,7,18; crab 3,6,12,18; crocodile 3,4,10,14; cup 1,4,7,17; deer 4,8,10,14;
dog 1,7,15,19; drone 2,7,13,15; electricfan 1,10,18,20; elephant 1,12,16,18; flag 2,3,5,9; fox 2,3,5,20;
frog 3,4,9,20; gametarget 1,2,7,13; gecko 1,5,16,19; giraffe 2,10,13,15; goldfish 3,7,8,10; gorilla 4,6,9,13;
guitar 3,8,10,16; hand 2,3,9,16; hat 1,2,5,18; helmet 5,11,13,19; hippo 1,7,9,20; horse 1,4,12,15;
kangaroo 2,5,11,14; kite 4,6,10,15; leopard 1,7,16,20; licenseplate 6,12,13,15; lion 1,5,12,20;
lizard 1,3,6,13; microphone 2,6,14,16; monkey 3,4,9,17; motorcycle 1,3,9,18; mouse 1,8,9,17; person 1,5,10,12;
pig 2,10,13,18; pool 3,7,12,15; rabbit 10,13,17,19; racing 10,15,16,20; robot 1,5,8,19; rubicCube 1,6,14,19;
sepia 6,8,13,16; shark 2,3,5,6; sheep 3,5,7,9; skateboard 3,8,16,19; spider 14,16,18,20; squirrel 8,11,13,19;
surfboard 4,5,8,12; swing 10,14,17,20; tank 6,9,14,16; tiger 4,6,12,18; train 1,7,11,20; truck 3,6,7,16;
turtle 5,8,9,16; umbrella 2,9,17,19; volleyball 1,13,18,19; yoyo 7,15,17,19; zebra 10,14,16,17
"""
_SPLIT_SHA256 = "bd1b390c17fcc19bd6d0b7e738b56a3854e1f38489008f8ee361339646c1da2c"
LASOT_TEST_FRAMES = 685_360


def lasot_test_names() -> list[str]:
    names = []
    for entry in _TEST_SPLIT.replace("\n", " ").split(";"):
        cls, ids = entry.split()
        names += [f"{cls}-{k}" for k in ids.split(",")]
    digest = hashlib.sha256(("\n".join(sorted(names)) + "\n").encode()).hexdigest()
    assert digest == _SPLIT_SHA256, "the LaSOT test list does not match eval-spec §3.1"
    return names


def sequence_lengths(n_sequences: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """Lengths in [1000, 9999] (LaSOT's range) with a long tail, summing exactly to ``total``."""
    if not 1000 * n_sequences <= total <= 9999 * n_sequences:
        raise ValueError(f"{total} frames cannot be split into {n_sequences} sequences of 1000-9999 frames")
    lengths = np.clip(1000 + rng.exponential(total / n_sequences - 1000, n_sequences), 1000, 9999).astype(np.int64)
    while (diff := total - int(lengths.sum())) != 0:
        room = (9999 - lengths) if diff > 0 else (lengths - 1000)
        movable = np.flatnonzero(room > 0)
        step = np.minimum(room[movable], max(1, abs(diff) // movable.size))
        step = np.minimum(np.cumsum(step), abs(diff)) - np.concatenate(([0], np.minimum(np.cumsum(step), abs(diff))[:-1]))
        lengths[movable] += np.sign(diff) * step
    return lengths


def _write_rows(path: Path, rows: np.ndarray, fmt: str, sep: str) -> None:
    with path.open("w") as fh:
        np.savetxt(fh, rows, fmt=fmt, delimiter=sep)


def build(root: Path, total_frames: int, seed: int = 0) -> tuple[Path, dict[str, Path], int]:
    """LaSOT-shaped dataset tree + 3 trackers' results under ``root``; returns (dataset root, results, frames)."""
    rng = np.random.default_rng(seed)
    names = lasot_test_names()
    lengths = sequence_lengths(len(names), total_frames, rng)
    data = root / "LaSOT"
    formats = {"jointnlt_int_tab": ("%d", "\t"), "nlbench_4f_tab": ("%.4f", "\t"), "got10k_3f_comma": ("%.3f", ",")}
    results = {label: root / "results" / label for label in formats}
    for d in results.values():
        d.mkdir(parents=True)
    for name, n in zip(names, lengths):
        folder = data / name.split("-")[0] / name
        (folder / "img").mkdir(parents=True)
        xy = rng.integers(0, 600, (n, 2))
        wh = rng.integers(10, 200, (n, 2))
        gt = np.concatenate([xy, wh], axis=1)
        absent = rng.random(n) < 0.03
        absent[0] = False
        gt[absent & (rng.random(n) < 0.5)] = 0
        _write_rows(folder / "groundtruth.txt", gt, "%d", ",")
        flags = ",".join("1" if a else "0" for a in absent)
        (folder / "full_occlusion.txt").write_text(flags)
        (folder / "out_of_view.txt").write_text(",".join("0" * n))
        (folder / "nlp.txt").write_text(f"the {name.split('-')[0]} in the middle")
        for k, (label, (fmt, sep)) in enumerate(formats.items()):
            pred = gt + rng.normal(0, 3 + 5 * k, (n, 4))
            pred[:, 2:] = np.maximum(pred[:, 2:], 10)
            if fmt == "%d":
                pred = np.trunc(pred)  # JointNLT writes int(), i.e. truncation
            _write_rows(results[label] / f"{name}.txt", pred, fmt, sep)
            (results[label] / f"{name}_time.txt").write_text("0.02\n" * n)
    return data, results, int(lengths.sum())


def _timed(fn):
    """(wall seconds, CPU seconds of this process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def _timed_subprocess(command: list[str], env: dict[str, str]):
    """(wall seconds, CPU seconds of the child, completed process)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


_REFERENCE = "JointNLT analysis, 1 thread"
_OURS = "nlbench eval, cold parse"
#: The reference's fastest setting: torch (and the BLAS under it) on one thread.  With its default
#: threads it contends with itself on a small machine (10-70 s on 2 cores), which flatters the ratio.
_ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions of nlbench (best reported)")
    parser.add_argument("--reference-repeat", type=int, default=2, help="timed runs of the reference (best reported)")
    parser.add_argument("--frames", type=int, default=LASOT_TEST_FRAMES, help="total GT rows")
    parser.add_argument("--keep", type=Path, default=None, help="build the set here and keep it (reused if present)")
    parser.add_argument("--jointnlt", type=Path, default=None, help="a JointNLT checkout: time its analysis side by side")
    parser.add_argument("--skip-parts", action="store_true", help="only the end-to-end timings")
    args = parser.parse_args(argv)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nlbench-eval-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # Parsed-file bundles go to a private cache folder, so cold means cold.
    os.environ["NLBENCH_CACHE"] = str(workdir / "cache")

    try:
        if (workdir / "LaSOT").is_dir():
            data, results = workdir / "LaSOT", {d.name: d for d in sorted((workdir / "results").iterdir())}
            frames = sum(1 for p in data.glob("*/*/groundtruth.txt") for _ in p.open())
            print(f"reusing {workdir}: {frames:,} frames")
        else:
            build_s, _, (data, results, frames) = _timed(lambda: build(workdir, args.frames))
            print(f"built 280 sequences, {frames:,} frames, 3 trackers in {build_s:.1f} s")
        size_mb = sum(p.stat().st_size for d in results.values() for p in d.glob("*.txt") if not p.name.endswith("_time.txt")) / 1e6
        print(f"results: {size_mb:.1f} MB of text; formats: {', '.join(results)}")
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"cores available: {cores}; load average: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")

        rows: dict[str, list[tuple[float, float]]] = {}

        def record(label, wall, cpu):
            rows.setdefault(label, []).append((wall, cpu))

        command = [*_nlbench_command(), "eval", "--dataset", "lasot", "--root", str(data), "--no-store"]
        for label, d in results.items():
            command += ["--results", f"{label}={d}"]
        status, proc = _end_to_end(args, workdir, data, results, command, record)
        if status:
            return status
        if not args.skip_parts:
            _parts(args.repeat, data, results, record)

        print(f"\nbest of {args.repeat} (the reference: best of {args.reference_repeat}), seconds:   wall      CPU")
        for label, values in rows.items():
            wall, cpu = min(v[0] for v in values), min(v[1] for v in values)
            print(f"  {label:44s} {wall:7.3f}  {cpu:7.3f}")
        if args.jointnlt is not None:
            ref, ours = rows[_REFERENCE], rows[_OURS]
            wall_ratio = min(v[0] for v in ref) / min(v[0] for v in ours)
            cpu_ratio = min(v[1] for v in ref) / min(v[1] for v in ours)
            print(f"\nnlbench eval (cold) is {wall_ratio:.1f}x faster than the JointNLT analysis on one thread "
                  f"(wall, best of each; {cpu_ratio:.1f}x in CPU time)")
        if proc is not None:
            print("\n" + proc.stdout.strip())
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _end_to_end(args, workdir: Path, data: Path, results: dict[str, Path], command: list[str], record):
    """Whole processes: the reference (with ``--jointnlt``) alternating with a cold ``nlbench eval``; a warm one;
    the interpreter alone, and the interpreter with ``nlbench eval``'s imports.  Returns (status, last eval)."""
    from nlbench.store import importer

    env = dict(os.environ)
    reference = None
    if args.jointnlt is not None:
        reference = [sys.executable, str(Path(__file__).with_name("jointnlt_analysis.py")), "--checkout", str(args.jointnlt),
                     "--lasot", str(data), "--work", str(workdir / "jointnlt"), "--torch-threads", "1"]  # fmt: skip
        for label, d in results.items():
            reference += ["--results", f"{label}={d}"]
    ref_proc = our_proc = None
    for k in range(max(args.repeat, args.reference_repeat if reference else 0)):
        if reference is not None and k < args.reference_repeat:
            wall, cpu, ref_proc = _timed_subprocess(reference, {**env, **_ONE_THREAD})
            if ref_proc.returncode != 0:
                print(ref_proc.stdout[-3000:], ref_proc.stderr[-3000:])
                return 1, None
            record(_REFERENCE, wall, cpu)
        if k < args.repeat:
            importer.clear_cache(disk=True)
            wall, cpu, our_proc = _timed_subprocess(command, env)
            if our_proc.returncode != 0:
                print(our_proc.stdout, our_proc.stderr)
                return 1, None
            record(_OURS, wall, cpu)
            wall, cpu, _ = _timed_subprocess(command, env)
            record("nlbench eval, warm parse (disk cache)", wall, cpu)
    for _ in range(args.repeat):
        wall, cpu, _ = _timed_subprocess([sys.executable, "-c", "pass"], env)
        record("  python -c pass (interpreter start)", wall, cpu)
        wall, cpu, _ = _timed_subprocess([sys.executable, "-c", _EVAL_IMPORTS], env)
        record("  interpreter + nlbench eval's imports", wall, cpu)
    if ref_proc is not None:
        print("\nJointNLT analysis output:\n" + "\n".join(line for line in ref_proc.stdout.splitlines() if "|" in line))
        status = _compare_numbers(ref_proc.stdout, our_proc.stdout, results)
        if status:
            return status, None
    return 0, our_proc


#: What the ``nlbench`` console script and its eval verb import before any work.
_EVAL_IMPORTS = "import nlbench.cli, nlbench.eval.stages, nlbench.eval.text"


def _parts(repeat: int, data: Path, results: dict[str, Path], record) -> None:
    """Where a cold evaluation's time goes, phase by phase, in this process (as ``eval`` tunes glibc)."""
    import json

    from nlbench.eval import evaluate, get_protocol, score
    from nlbench.datasets import load_sequences
    from nlbench.eval.stages import keep_freed_memory
    from nlbench.eval.text import format_table
    from nlbench.store import importer

    keep_freed_memory()
    rules = get_protocol("jointnlt")
    for _ in range(repeat):
        importer.clear_cache(disk=True)
        wall, cpu, sequences = _timed(lambda: load_sequences("lasot", data, with_frames=False))
        record("  load dataset (GT, flags, sentences)", wall, cpu)
        names = [s.name for s in sequences]
        paths = [d / f"{n}.txt" for d in results.values() for n in names]
        wall, cpu, arrays = _timed(lambda: importer.read_result_files(paths))
        record("  parse results cold (+ writing the disk cache)", wall, cpu)
        importer.clear_cache()
        wall, cpu, _ = _timed(lambda: importer.read_result_files(paths))
        record("  parse results warm, disk cache", wall, cpu)
        owners = [i for _ in results for i in range(len(names))]
        labels = [f"tracker {t}, sequence {n}" for t in results for n in names]
        wall, cpu, _ = _timed(lambda: score(arrays, owners, sequences, rules, True, labels))
        record("  score: the one scorer, 840 results", wall, cpu)
        wall, cpu, result = _timed(lambda: evaluate(sequences, results, "lasot"))
        record("  evaluate(), parsed in memory (score + summary)", wall, cpu)
        wall, cpu, _ = _timed(lambda: (json.dumps(result.to_json()), format_table(result)))
        record("  JSON + table", wall, cpu)


def _compare_numbers(reference_stdout: str, our_stdout: str, results: dict[str, Path]) -> int:
    """Every number the reference prints (AUC, OP50, OP75, Precision, Norm Precision) equals nlbench's."""
    printed = _reference_table(reference_stdout)
    scores = _nlbench_table(our_stdout)
    keys = {"AUC": "AUC", "OP50": "OP50", "OP75": "OP75", "Precision": "Prec", "Norm Precision": "NormPrec"}
    mismatches = [
        f"{name} {column}: reference {printed[name][column]}, nlbench {scores[name][key]}"
        for name in results
        for column, key in keys.items()
        if printed[name][column] != scores[name][key]
    ]
    if mismatches:
        print("numbers differ:\n  " + "\n  ".join(mismatches))
        return 1
    print(f"identical numbers: {len(results)} trackers x {len(keys)} scores, as printed by the reference (2 decimals)")
    return 0


def _reference_table(stdout: str) -> dict[str, dict[str, str]]:
    """The rows of the reference's ``generate_formatted_report`` table: {tracker: {column: '12.34'}}."""
    rows = [[cell.strip() for cell in line.split("|")[:-1]] for line in stdout.splitlines() if line.count("|") > 2]
    header, body = rows[0], rows[1:]
    return {row[0]: dict(zip(header[1:], row[1:])) for row in body}


def _nlbench_table(stdout: str) -> dict[str, dict[str, str]]:
    """The rows of ``nlbench eval``'s table: {tracker: {column: '12.34'}} (the AUC without its interval)."""
    lines = [line.split() for line in stdout.splitlines() if line.strip()]
    header = next(i for i, cells in enumerate(lines) if cells[:2] == ["tracker", "AUC"])
    columns = lines[header]
    table = {}
    for cells in lines[header + 2 :]:
        if len(cells) < len(columns):
            break
        auc_interval = cells[2:4] if cells[2].startswith("[") else []  # "80.08 [80.03, 80.13]"
        values = [cells[1], *[c for c in cells[2 + len(auc_interval) :]]]
        table[cells[0]] = dict(zip(columns[1:], values))
    return table


def _nlbench_command() -> list[str]:
    """The console script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("nlbench")
    return [str(beside)] if beside.exists() else [shutil.which("nlbench") or "nlbench"]


if __name__ == "__main__":
    raise SystemExit(main())
