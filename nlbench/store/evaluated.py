"""Evaluations kept for the leaderboard: ``<store>/<dataset>/<protocol>/<NAME>.json``.

Each file is the tracker's object of ``nlbench eval --json`` plus where it came
from (dataset, protocol, name, init mode from the run's ``run.json``, results dir).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlbench.core.errors import EvaluationError
from nlbench.core.io import atomic_write_json
from nlbench.store.manifest import find_manifest

if TYPE_CHECKING:  # the store writes what eval computed; it never calls eval
    from nlbench.eval.evaluate import EvaluationResult

DEFAULT_STORE = Path("results") / "evaluated"

#: run.json "mode" -> the initialisation label of papers' tables.
_INIT_LABELS = {"bb": "BB", "nl": "NL", "nl+bb": "NL+BB"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._+=-]+")


def init_label(results_dir: str | os.PathLike | None) -> str | None:
    """``BB`` / ``NL`` / ``NL+BB`` from the run manifest in (or just below) ``results_dir``, else None."""
    if results_dir is None:
        return None
    manifest = find_manifest(results_dir)
    mode = manifest.get("mode") if manifest is not None else None
    return _INIT_LABELS.get(str(mode).lower()) if mode is not None else None


def file_name(tracker: str) -> str:
    """A tracker name as a file name (path separators and odd characters replaced)."""
    return _SAFE_NAME.sub("_", tracker).strip("._") or "tracker"


def store_evaluation(
    result: EvaluationResult,
    results_dirs: dict[str, str | os.PathLike | None],
    store: str | os.PathLike = DEFAULT_STORE,
) -> list[Path]:
    """Write one JSON entry per tracker; returns the paths written."""
    written = []
    directory = Path(store) / result.dataset / result.protocol.name
    for name, evaluation in result.trackers.items():
        source = results_dirs.get(name)
        entry: dict[str, Any] = {
            "dataset": result.dataset,
            "protocol": result.protocol.name,
            "name": name,
            "init": init_label(source),
            "results_dir": str(Path(source).resolve()) if source is not None else None,
            **evaluation.to_json(),
        }
        if result.skipped:
            entry["coverage"] = result.coverage
        entry["provenance"] = result.provenance(name)
        written.append(atomic_write_json(directory / f"{file_name(name)}.json", entry))
    return written


def load_evaluated(
    dataset: str,
    protocol: str,
    store: str | os.PathLike = DEFAULT_STORE,
) -> list[dict[str, Any]]:
    """Every stored evaluation of ``dataset`` under ``protocol``, sorted by name ([] if none)."""
    directory = Path(store) / dataset / protocol
    if not directory.is_dir():
        return []
    entries = []
    for path in sorted(directory.glob("*.json")):
        try:
            entries.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise EvaluationError(f"{path}: not a valid stored evaluation ({exc}); delete it and rerun nlbench eval") from None
    return sorted(entries, key=lambda e: str(e.get("name", "")))
