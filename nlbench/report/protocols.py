"""The report's "Protocols" section: each measured tracker under every protocol, and the rule walk.

The walk goes from ``jointnlt`` (the paper's numbers) to the protocol of the dataset's official
toolkit (``DatasetPlugin.official_protocol``).  Both come from :mod:`nlbench.eval.matrix` and
:mod:`nlbench.eval.explain` on the tracker's raw result folder; a tracker known only from a
several-protocol evaluation JSON shows its matrix row without a walk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nlbench.core.errors import NlbenchError
from nlbench.eval.protocols import DEFAULT_PROTOCOL
from nlbench.report.inputs import MeasuredTracker

__all__ = ["official_protocol", "protocol_section"]

WALK_FROM = DEFAULT_PROTOCOL
_SCORES = ("auc", "precision", "norm_precision")


def official_protocol(dataset: str) -> str | None:
    """The protocol the dataset plugin names as its official toolkit's, else None."""
    from nlbench.core.registry import get_dataset

    try:
        return get_dataset(dataset).official_protocol
    except (NlbenchError, AttributeError):
        return None


def _cell(scores: Mapping[str, Any]) -> dict[str, Any]:
    if "error" in scores:
        return {"error": str(scores["error"])}
    return {k: scores.get(k) for k in _SCORES}


def _walk_rows(walk: Any, name: str, top: int = 3) -> list[dict[str, Any]]:
    data = walk.trackers[name].to_json(walk.steps)
    labels = [f"start: {walk.start.name}"] + [f"{i + 1}. {s.text}" for i, s in enumerate(walk.steps)]
    rows, previous = [], None
    for i, (label, scores) in enumerate(zip(labels, [data["start"], *data["steps"]])):
        moved = walk.trackers[name].moved(i - 1, top) if i > 0 else []
        delta = {
            f"d_{k}": scores[k] - previous[k] if previous and "error" not in previous and "error" not in scores else None
            for k in _SCORES
        }
        rows.append({"label": label, **_cell(scores), **delta, "moved": [(seq, d) for seq, d in moved]})
        previous = scores
    end = data["end"]
    total = {
        f"d_{k}": end[k] - data["start"][k] if "error" not in end and "error" not in data["start"] else None
        for k in _SCORES
    }
    rows.append({"label": f"end: {walk.end.name} (total change)", **_cell(end), **total, "moved": []})
    return rows


def protocol_section(
    dataset: str, trackers: Sequence[MeasuredTracker], root: str | Path | None = None, split: str | None = None
) -> dict[str, Any] | None:
    """Matrix rows, rule walks and notes for the trackers of one dataset; None when no tracker can be shown."""
    from nlbench.eval.explain import explain
    from nlbench.eval.matrix import Refusal, evaluate_protocols
    from nlbench.eval.protocols import PROTOCOLS

    protocols = list(PROTOCOLS)
    official = official_protocol(dataset)
    rows: list[dict[str, Any]] = []
    walks: list[dict[str, Any]] = []
    notes: list[str] = []
    groups: dict[tuple[str, ...], list[MeasuredTracker]] = {}
    for t in trackers:
        if t.results_dir and Path(t.results_dir).is_dir():
            groups.setdefault(tuple(t.sequences), []).append(t)
        elif t.protocol_scores:
            rows.append({"tracker": t.display, "cells": [_cell(t.protocol_scores.get(p, {"error": "not evaluated"})) for p in protocols]})
        else:
            notes.append(
                f"{t.display}: only its {t.protocol or 'single-protocol'} scores are known here (no result folder); "
                "give its folder with --results, or evaluate it with `nlbench eval --protocol all --json F`"
            )
    loaded: dict[tuple[str, ...], Any] = {}
    for names, members in groups.items():
        sources = {t.display: t.results_dir for t in members}
        try:
            from nlbench.datasets import load_sequences

            # exactly the sequences the evaluation covered (the whole split when it did not list them)
            sequences = load_sequences(dataset, root, split, list(names) or None, with_frames=False)
            matrix = evaluate_protocols(sequences, sources, dataset, protocols, bootstrap=False)
            walk = explain(sequences, sources, dataset, WALK_FROM, official) if official and official != WALK_FROM else None
        except NlbenchError as exc:
            notes.append(f"{', '.join(sources)}: not re-evaluated under every protocol ({exc})")
            continue
        loaded[names] = walk
        for t in members:
            cells = []
            for p in protocols:
                cell = matrix.cells[p][t.display]
                cells.append({"error": cell.reason} if isinstance(cell, Refusal) else {k: getattr(cell, k) for k in _SCORES})
            rows.append({"tracker": t.display, "cells": cells})
            if walk is not None:
                walks.append({"tracker": t.display, "rows": _walk_rows(walk, t.display)})
    if not rows:
        return None
    grouped = []
    for walk in loaded.values():
        if walk is not None:
            grouped = [f"'{s.rule.label}' is one step for {', '.join(s.rule.fields)}: {s.rule.together}" for s in walk.steps if s.rule.together]
            break
    return {
        "protocols": protocols,
        "rows": rows,
        "official": official,
        "walk_from": WALK_FROM,
        "walks": walks,
        "grouped": grouped,
        "notes": notes,
    }
