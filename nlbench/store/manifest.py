"""``run.json``: what produced a run directory, so every number can be traced.

Records the tracker, mode, dataset, checkpoint SHA-256, the sentence file (path, SHA-256)
and the sentence every sequence was given, package versions, device and, per sequence, its status (``done`` / ``failed`` with the error) and time.
Several processes (``--workers``, shards) may finish sequences concurrently, so
updates go through a lock file and an atomic rewrite.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import platform
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from nlbench.core.io import atomic_write_json

MANIFEST_NAME = "run.json"
_PACKAGES = ("nlbench", "torch", "torchvision", "transformers", "numpy", "opencv-contrib-python-headless")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


@dataclass
class RunManifest:
    tracker: str
    dataset: str
    mode: str
    split: str | None = None
    checkpoint: dict[str, str] = field(default_factory=dict)  # role -> path
    checkpoint_sha256: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    #: ``--sentences FILE``: its path and SHA-256 (None: the dataset's sentences)
    sentence_file: str | None = None
    sentence_file_sha256: str | None = None
    #: the sentence each sequence of the run was given (the file's, or the dataset's)
    sentences: dict[str, str] = field(default_factory=dict)
    device: str = "cpu"
    versions: dict[str, str] = field(default_factory=package_versions)
    command: str = field(default_factory=lambda: " ".join(sys.argv))
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    sequences: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def recorded_sentences(run_dir: str | Path) -> dict[str, str]:
    """The sentence each sequence of a run was given (``run.json``); empty for folders without a record."""
    path = Path(run_dir)
    if not path.is_dir():
        return {}
    try:
        sentences = (read_manifest(path) or {}).get("sentences") or {}
    except (OSError, ValueError):  # a foreign or damaged run.json: evaluation does not depend on it
        return {}
    return {str(k): v for k, v in sentences.items() if isinstance(v, str)} if isinstance(sentences, dict) else {}


def find_manifest(results_dir: str | Path) -> dict[str, Any] | None:
    """The first readable ``run.json`` in ``results_dir`` or up to two levels below it (nested layouts)."""
    directory = Path(results_dir)
    candidates = [directory / MANIFEST_NAME, *sorted(directory.glob(f"*/{MANIFEST_NAME}")),
                  *sorted(directory.glob(f"*/*/{MANIFEST_NAME}"))]  # fmt: skip
    for path in candidates:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return data
    return None


@contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ".run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def start_manifest(run_dir: Path, manifest: RunManifest) -> None:
    """Create ``run.json`` or refresh its run-level fields, keeping earlier sequences' records."""
    with _locked(run_dir):
        # every writer of run.json holds the lock: a temporary file seen now was left by a killed run
        for stale in run_dir.glob(f".{MANIFEST_NAME}.*.tmp"):
            stale.unlink(missing_ok=True)
        existing = read_manifest(run_dir) or {}
        data = manifest.to_json()
        data["sequences"] = {**existing.get("sequences", {}), **data["sequences"]}
        # shards and resumed runs each know their own sequences' sentences
        data["sentences"] = dict(sorted({**existing.get("sentences", {}), **data["sentences"]}.items()))
        if existing.get("created"):
            data["created"] = existing["created"]
        atomic_write_json(run_dir / MANIFEST_NAME, data)


def record_throughput(run_dir: Path, throughput: dict[str, Any]) -> None:
    """The last run's frames/s and the model's wait-for-frames share (``nlbench run`` writes it when done)."""
    with _locked(run_dir):
        data = read_manifest(run_dir) or {}
        data["throughput"] = throughput
        atomic_write_json(run_dir / MANIFEST_NAME, data)


def record_sequence(run_dir: Path, name: str, record: dict[str, Any]) -> None:
    with _locked(run_dir):
        data = read_manifest(run_dir) or {}
        data.setdefault("sequences", {})[name] = record
        # keep the order stable so resumed and uninterrupted runs give the same manifest layout
        data["sequences"] = dict(sorted(data["sequences"].items()))
        atomic_write_json(run_dir / MANIFEST_NAME, data)
