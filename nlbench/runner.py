"""Run a tracker over a dataset: resumable, shardable, one process or a pool.

A sequence's box file is written atomically and last, so its presence means the
sequence is finished: a re-run skips it, and a run killed at any moment loses at
most the sequences in flight.  A failing sequence is recorded in ``run.json``
with its error and the run goes on.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm.auto import tqdm

from nlbench.errors import DatasetError, NlbenchError
from nlbench.datasets import load_sequences
from nlbench.datasets.base import require_frames
from nlbench.registry import get_dataset, get_tracker
from nlbench.sentences import SentenceFile, apply_sentences, check_names, read_sentence_file
from nlbench.store.manifest import RunManifest, read_manifest, record_sequence, sha256_file, start_manifest
from nlbench.store.writer import result_paths, write_sequence_result
from nlbench.types import MODES, Sequence, TrackerPlugin


@dataclass
class RunSummary:
    out_dir: Path
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # finished by an earlier run
    failed: dict[str, str] = field(default_factory=dict)

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


def read_frame(path: Path) -> np.ndarray:
    """Decode a frame as the originals do: OpenCV, then BGR -> RGB."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise NlbenchError(f"cannot read frame {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def track_sequence(tracker: Any, seq: Sequence, mode: str, frame_bar: bool = False) -> tuple[np.ndarray, list[float], np.ndarray | None]:
    """Boxes (row 0 = the GT init box, as the original writes it), per-frame seconds, the NL grounded box."""
    text = seq.language if "nl" in mode else None
    init_box = seq.gt[0] if "bb" in mode else None
    boxes = np.zeros((len(seq.frames), 4), dtype=np.float64)
    times: list[float] = []
    frame = read_frame(seq.frames[0])
    start = time.perf_counter()
    first = tracker.initialize(frame, text, init_box)
    times.append(time.perf_counter() - start)
    boxes[0] = seq.gt[0]
    grounded = np.asarray(first, dtype=np.float64) if mode == "nl" else None
    frames = seq.frames[1:]
    for i, path in enumerate(tqdm(frames, desc=seq.name, leave=False, disable=not frame_bar), start=1):
        frame = read_frame(path)
        start = time.perf_counter()
        boxes[i] = tracker.track(frame)
        times.append(time.perf_counter() - start)
    return boxes, times, grounded


# --- worker-side state: each process builds its tracker once and reuses it for its sequences ---
_WORKER: dict[str, Any] = {}


def _worker_init(tracker_name: str, checkpoint: Any, device: str, options: dict[str, Any], threads: int | None) -> None:
    _WORKER["tracker"] = get_tracker(tracker_name).build(checkpoint=checkpoint, device=device, **options)
    if threads and "torch" in sys.modules:  # only torch trackers care; the others never import it
        sys.modules["torch"].set_num_threads(threads)


def _run_one(seq: Sequence, mode: str, out_dir: Path, frame_bar: bool = False) -> tuple[str, str | None, float]:
    start = time.perf_counter()
    try:
        boxes, times, grounded = track_sequence(_WORKER["tracker"], seq, mode, frame_bar)
        write_sequence_result(out_dir, seq.name, boxes, times, grounded)
        error = None
    except Exception as exc:  # one broken sequence must not end the run
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, NlbenchError):
            error += "\n" + traceback.format_exc(limit=5)
    return seq.name, error, time.perf_counter() - start


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


def run(
    tracker: str,
    dataset: str,
    root: str | os.PathLike | None = None,
    split: str | None = None,
    sequences: list[str] | None = None,
    mode: str | None = None,
    checkpoint: str | dict[str, str] | None = None,
    device: str = "cpu",
    out: str | os.PathLike | None = None,
    workers: int = 1,
    shard: str | None = None,
    options: dict[str, Any] | None = None,
    progress: bool = True,
    executor: str = "local",
    ray_address: str | None = None,
    sentences: str | os.PathLike | None = None,
) -> RunSummary:
    """Run ``tracker`` on ``dataset`` and write results; see ``nlbench run --help``.

    ``sentences``: a sentence file (:mod:`nlbench.sentences`) whose sentences replace the dataset's.
    """
    plugin = get_tracker(tracker)
    mode = resolve_mode(plugin, mode)
    split = split or get_dataset(dataset).default_split
    sentence_file = read_sentence_file(sentences) if sentences is not None else None
    selected = load_sequences(dataset, root, split, sequences)
    if sentence_file:
        check_sentence_names(sentence_file, dataset, root, split, selected)
        selected = apply_sentences(selected, sentence_file.sentences)
    todo = select_shard(selected, parse_shard(shard))
    out_dir = Path(out) if out else default_out_dir(dataset, plugin.name, mode)
    options = dict(options or {})

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
    )
    check_resumable(out_dir, manifest)
    summary = RunSummary(out_dir=out_dir)
    pending = []
    recorded = (read_manifest(out_dir) or {}).get("sequences", {})
    for seq in todo:
        if result_paths(out_dir, seq.name)["boxes"].is_file():
            summary.skipped.append(seq.name)
            if seq.name not in recorded:  # killed between its box file and its run.json record
                record_sequence(out_dir, seq.name, {"status": "done", "frames": len(seq), "seconds": None})
        else:
            pending.append(seq)
    if not pending:
        return summary
    require_frames(dataset, pending)  # one clear error before building, not one failure per sequence
    if executor not in ("local", "ray"):
        raise NlbenchError(f"unknown executor '{executor}'; choose local or ray")
    workers = max(1, min(workers, len(pending)))
    # Build before touching the output: a missing or bad checkpoint is one clear error and leaves nothing behind.
    # With several workers each builds its own copy; this one only checks that building works.
    _worker_init(plugin.name, checkpoint, device, options, None)
    if workers > 1 or executor != "local":
        _WORKER.clear()
    start_manifest(out_dir, manifest)

    def finish(name: str, error: str | None, seconds: float, frames: int) -> None:
        record = {"status": "failed" if error else "done", "frames": frames, "seconds": round(seconds, 3)}
        if error:
            record["error"] = error
            summary.failed[name] = error.splitlines()[0]
        else:
            summary.done.append(name)
        record_sequence(out_dir, name, record)

    bar = tqdm(total=len(pending), desc=f"{plugin.name} on {dataset} ({mode})", unit="seq", disable=not progress)
    if executor == "ray":
        for name, error, seconds, frames in _run_on_ray(plugin.name, checkpoint, device, options, pending, mode, out_dir, workers, ray_address):
            finish(name, error, seconds, frames)
            bar.update()
    elif workers == 1:
        try:
            for seq in pending:
                name, error, seconds = _run_one(seq, mode, out_dir, frame_bar=progress)
                finish(name, error, seconds, len(seq))
                bar.update()
        finally:
            _WORKER.clear()
    else:
        import multiprocessing

        threads = max(1, (os.cpu_count() or 1) // workers)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_worker_init, initargs=(plugin.name, checkpoint, device, options, threads)
        ) as pool:
            futures = {pool.submit(_run_one, seq, mode, out_dir): seq for seq in pending}
            for future in as_completed(futures):
                seq = futures[future]
                try:
                    name, error, seconds = future.result()
                except Exception as exc:  # the worker itself died (e.g. the tracker failed to build)
                    name, error, seconds = seq.name, f"{type(exc).__name__}: {exc}", 0.0
                finish(name, error, seconds, len(seq))
                bar.update()
    bar.close()
    return summary



def _run_on_ray(tracker_name, checkpoint, device, options, pending, mode, out_dir, workers, address):
    """Distribute sequences over a Ray cluster: one actor per worker builds its tracker once.

    Actors write result files themselves, so ``out_dir`` must be on a filesystem every node
    sees (as on a SLURM cluster); the driver keeps ``run.json``.
    """
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise NlbenchError("--executor ray needs Ray: pip install 'nlbench[ray]'") from None
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)

    @ray.remote(num_gpus=1 if str(device).startswith("cuda") else 0)
    class _Worker:
        def __init__(self) -> None:
            _worker_init(tracker_name, checkpoint, device, options, None)

        def run(self, seq: Sequence) -> tuple[str, str | None, float, int]:
            name, error, seconds = _run_one(seq, mode, Path(out_dir).resolve())
            return name, error, seconds, len(seq)

    pool = ActorPool([_Worker.remote() for _ in range(workers)])
    yield from pool.map_unordered(lambda actor, seq: actor.run.remote(seq), pending)
