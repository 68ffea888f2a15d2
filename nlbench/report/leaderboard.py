"""The leaderboard: published and measured scores of one dataset, one row per (tracker, init), by AUC."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from nlbench.errors import NlbenchError
from nlbench.io import atomic_write_json, atomic_write_text
from nlbench.registry import dataset_names, is_grounding, reported_key
from nlbench.report.inputs import MeasuredTracker, load_evaluated_store
from nlbench.reported import INITS, reported_scores

SOURCES: tuple[str, ...] = ("reported", "measured", "all")
#: Preferred protocol when the store holds several and none was asked for (the paper's mode, eval-spec §0).
PREFERRED_PROTOCOL = "jointnlt"


@dataclass(frozen=True)
class LeaderboardEntry:
    """One row; scores in percent (0–100), ``None`` where not known."""

    tracker: str
    init: str | None
    auc: float | None
    precision: float | None
    norm_precision: float | None
    source: str
    accuracy: float | None = None

    def sort_key(self, by: str) -> tuple:
        score = getattr(self, by)
        # Missing scores go last; ties are broken by name and init so the order never depends on input order.
        return (
            score is None,
            -(score or 0.0),
            self.tracker.lower(),
            INITS.index(self.init) if self.init in INITS else 9,
        )


@dataclass(frozen=True)
class Leaderboard:
    dataset: str
    entries: tuple[LeaderboardEntry, ...]

    def to_json(self) -> dict:
        """``{"dataset", "entries": [{"tracker", "init", "auc", "precision", "norm_precision", "source"}]}``.

        Entries of a grounding dataset carry ``accuracy`` as well (grounding has no AUC).
        """
        entries = []
        for entry in self.entries:
            row = asdict(entry)
            if not self.grounding:
                row.pop("accuracy")
            entries.append(row)
        return {"dataset": self.dataset, "entries": entries}

    @property
    def grounding(self) -> bool:
        """Whether the dataset is a grounding one: ranked by accuracy, no tracking curves."""
        return is_grounding(self.dataset)

    def to_csv(self) -> str:
        columns = ["tracker", "init", "auc", "precision", "norm_precision", "source"]
        if self.grounding:
            columns.insert(2, "accuracy")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in self.to_json()["entries"]:
            writer.writerow(
                ["" if row[c] is None else (f"{row[c]:.4f}" if isinstance(row[c], float) else row[c]) for c in columns]
            )
        return buffer.getvalue()

    def write_json(self, path: str | Path) -> Path:
        return atomic_write_json(path, self.to_json())

    def write_csv(self, path: str | Path) -> Path:
        return atomic_write_text(path, self.to_csv())


def default_store() -> Path:
    """``results/evaluated`` under the working directory, where ``nlbench eval`` files evaluated runs."""
    return Path("results") / "evaluated"


def reported_entries(dataset: str, reported_dir: Path | None = None) -> list[LeaderboardEntry]:
    entries = []
    for (tracker, init), metrics in reported_scores(reported_key(dataset), reported_dir).items():
        sources = merge_sources(source for _, source in metrics.values())
        entries.append(
            LeaderboardEntry(
                tracker=tracker,
                init=init,
                auc=_pick(metrics, "auc"),
                precision=_pick(metrics, "precision"),
                norm_precision=_pick(metrics, "norm_precision"),
                accuracy=_pick(metrics, "accuracy"),
                source="reported: " + sources,
            )
        )
    return entries


def merge_sources(sources: Iterable[str]) -> str:
    """``"P, Table 3"`` and ``"P, Table 1"`` → ``"P, Table 1; Table 3"`` (one paper named once)."""
    by_paper: dict[str, list[str]] = {}
    for source in sources:
        paper, _, table = source.rpartition(", ")
        tables = by_paper.setdefault(paper, [])
        if table not in tables:
            tables.append(table)
    return "; ".join(f"{paper}, " + "; ".join(sorted(tables)) for paper, tables in by_paper.items())


def _pick(metrics: dict[str, tuple[float, str]], metric: str) -> float | None:
    return metrics[metric][0] if metric in metrics else None


def measured_entries(trackers: Iterable[MeasuredTracker]) -> list[LeaderboardEntry]:
    """One entry per (canonical tracker, init); with several protocols the preferred one wins."""
    chosen: dict[tuple[str, str | None], MeasuredTracker] = {}
    for tracker in trackers:
        key = (tracker.canonical, tracker.init)
        if key not in chosen or _protocol_rank(tracker) < _protocol_rank(chosen[key]):
            chosen[key] = tracker
    return [
        LeaderboardEntry(
            tracker=t.canonical,
            init=t.init,
            auc=t.auc,
            precision=t.precision,
            norm_precision=t.norm_precision,
            accuracy=t.accuracy,
            source=f"measured ({t.protocol})" if t.protocol else "measured",
        )
        for t in chosen.values()
    ]


def _protocol_rank(tracker: MeasuredTracker) -> tuple[int, str]:
    return (0 if tracker.protocol == PREFERRED_PROTOCOL else 1, tracker.protocol or "")


def build_leaderboard(
    dataset: str,
    source: str = "all",
    protocol: str | None = None,
    store: Path | None = None,
    reported_dir: Path | None = None,
    measured: Iterable[MeasuredTracker] = (),
) -> Leaderboard:
    """Rows of ``dataset`` (any registered one) sorted by AUC (accuracy for a grounding dataset), missing scores last.

    ``measured`` adds trackers evaluated in this process to those found in ``store``.
    """
    known = dataset_names()
    if dataset not in known:
        raise NlbenchError(f"unknown dataset {dataset!r} for the leaderboard; choose one of {', '.join(known)}")
    if source not in SOURCES:
        raise NlbenchError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    entries: list[LeaderboardEntry] = []
    if source in ("reported", "all"):
        entries += reported_entries(dataset, reported_dir)
    if source in ("measured", "all"):
        found = load_evaluated_store(store or default_store(), dataset, protocol)
        entries += measured_entries([*found, *measured])
    by = "accuracy" if is_grounding(dataset) else "auc"
    return Leaderboard(dataset=dataset, entries=tuple(sorted(entries, key=lambda e: e.sort_key(by))))
