"""The leaderboard: published and measured scores of one dataset, one row per (tracker, init, source), by AUC.

Every row says how its number was produced: ``init``, ``protocol`` (and the toolkit ``family`` it belongs
to), and for published numbers the source class (P authors, S third-party table, T aggregator or AI note)
and the source itself.  Ranks (``rank``) count within one protocol family only, so a py-analysis number is
never ranked against a MATLAB one.  Two sources that print different values for the same tracker, dataset
and metric (with compatible init and protocol) are both kept and point at each other (``conflicts``);
measured rows carry their difference to every matching published number (``deltas``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from nlbench.core.errors import NlbenchError
from nlbench.eval.protocols import DEFAULT_PROTOCOL, PROTOCOLS
from nlbench.core.io import atomic_write_json, atomic_write_text
from nlbench.core.registry import dataset_names, is_grounding, reported_key
from nlbench.report.inputs import MeasuredTracker, load_evaluated_store
from nlbench.store.reported import (
    INITS,
    UNKNOWN,
    ReportedValue,
    load_all_reported,
    load_reported,
)

SOURCES: tuple[str, ...] = ("reported", "measured", "all")
#: Which published numbers: ``papers`` = the paper files only (what ``nlbench report`` compares),
#: ``primary`` = papers + the literature's [P] numbers, ``all`` = + [S] and [T] (and every measured protocol).
SOURCE_CLASS_CHOICES: tuple[str, ...] = ("papers", "primary", "all")
SCORES: tuple[str, ...] = ("auc", "precision", "norm_precision", "accuracy")
_LEGACY_KEYS = ("tracker", "init", "auc", "precision", "norm_precision", "source")
# Table 3 is JointNLT's main comparison; Tables 2 and 1 repeat some of its numbers (reported.py README).
_TABLE_PRIORITY = {"Table 3": 0, "Table 2": 1, "Table 1": 2}


@dataclass(frozen=True)
class Conflict:
    """Another source's different value for the same tracker, dataset and metric."""

    metric: str
    value: float
    source: str
    init: str | None


@dataclass(frozen=True)
class Delta:
    """A measured score minus a published one (percentage points)."""

    metric: str
    reported: float
    delta: float
    source: str
    init: str | None
    protocol: str


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
    kind: str = "reported"  # or "measured"
    protocol: str = UNKNOWN  # reported: py-analysis / matlab / pysot / unknown; measured: nlbench's protocol
    family: str = UNKNOWN  # the ranking group: py-analysis, matlab, got10k, pysot or unknown
    source_class: str | None = None  # P, S, T; None for measured rows
    paper: str = ""
    venue: str = ""
    reference: str = ""  # repository@commit file, page, or result folder
    url: str | None = None
    note: str = ""
    check: str = ""
    rank: int | None = None
    conflicts: tuple[Conflict, ...] = ()
    deltas: tuple[Delta, ...] = field(default=())

    def sort_key(self, by: str) -> tuple:
        score = getattr(self, by)
        # Missing scores go last; ties are broken by name, init and source so the order never depends on input order.
        return (
            score is None,
            -(score or 0.0),
            self.tracker.lower(),
            INITS.index(self.init) if self.init in INITS else 9,
            self.kind,
            self.source,
        )


@dataclass(frozen=True)
class Leaderboard:
    dataset: str
    entries: tuple[LeaderboardEntry, ...]

    def to_json(self) -> dict:
        """``{"dataset", "entries": [{"tracker", "init", "auc", "precision", "norm_precision", "source", ...}]}``.

        The first six keys are those of the first leaderboard; entries of a grounding dataset carry ``accuracy``
        next (grounding has no AUC).
        Then: ``kind``, ``protocol``, ``family``, ``rank`` (within ``family``), ``source_class``, ``paper``,
        ``venue``, ``reference``, ``url``, ``note``, ``check``, ``conflicts`` and ``deltas``.
        """
        entries = []
        for entry in self.entries:
            row = {key: getattr(entry, key) for key in _LEGACY_KEYS}
            if self.grounding:
                row["accuracy"] = entry.accuracy
            for key in ("kind", "protocol", "family", "rank", "source_class", "paper", "venue", "reference", "url"):
                row[key] = getattr(entry, key)
            row["note"], row["check"] = entry.note, entry.check
            row["conflicts"] = [vars(c) for c in entry.conflicts]
            row["deltas"] = [vars(d) for d in entry.deltas]
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
        columns += ["kind", "protocol", "family", "rank", "source_class", "reference"]
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


def merge_sources(sources: Iterable[str]) -> str:
    """``"P, Table 3"`` and ``"P, Table 1"`` → ``"P, Table 1; Table 3"`` (one paper named once)."""
    by_paper: dict[str, list[str]] = {}
    for source in sources:
        paper, _, table = source.rpartition(", ")
        tables = by_paper.setdefault(paper, [])
        if table not in tables:
            tables.append(table)
    return "; ".join(f"{paper}, " + "; ".join(sorted(tables)) for paper, tables in by_paper.items())


def _source_label(value: ReportedValue, literature: bool) -> str:
    """Paper files keep ``reported: <paper>, <table>``; literature rows name their source and its class."""
    if not literature:
        return value.source
    return f"[{value.source_class}] {value.reference} ({value.table})"


def reported_entries(
    dataset: str, reported_dir: Path | None = None, classes: str = "papers"
) -> list[LeaderboardEntry]:
    """One entry per (source, table, tracker, init); the tables of one paper merge (Table 3 first)."""
    papers = load_reported(reported_dir)
    values = load_all_reported(reported_dir) if classes != "papers" else papers
    paper_ids = {id(v) for v in papers}
    key_of_dataset = reported_key(dataset)
    groups: dict[tuple, dict[str, tuple[int, ReportedValue]]] = {}
    for value in values:
        if value.dataset != key_of_dataset or value.metric not in SCORES:
            continue
        if classes == "primary" and value.source_class != "P":
            continue
        literature = id(value) not in paper_ids
        table_group = value.table if literature or value.table not in _TABLE_PRIORITY else ""
        key = (literature, value.reference, value.paper, table_group, value.tracker, value.init)
        rank = _TABLE_PRIORITY.get(value.table, 9)
        slot = groups.setdefault(key, {})
        if value.metric not in slot or rank < slot[value.metric][0]:
            slot[value.metric] = (rank, value)
    entries = []
    for (literature, _, _, _, tracker, init), metrics in groups.items():
        chosen = [v for _, v in metrics.values()]
        first = chosen[0]
        label = merge_sources(_source_label(v, literature) for v in chosen) if not literature else _source_label(
            first, literature
        )
        scores = {m: v.percent for m, (_, v) in metrics.items()}
        entries.append(
            LeaderboardEntry(
                tracker=tracker,
                init=init,
                auc=scores.get("auc"),
                precision=scores.get("precision"),
                norm_precision=scores.get("norm_precision"),
                accuracy=scores.get("accuracy"),
                source="reported: " + label,
                protocol=first.protocol,
                family=first.protocol,
                source_class=first.source_class,
                paper=first.paper,
                venue=first.venue,
                reference=first.reference,
                url=first.url,
                note="; ".join(dict.fromkeys(v.note for v in chosen if v.note)),
                check="; ".join(dict.fromkeys(v.check for v in chosen if v.check)),
            )
        )
    return entries


def _family(protocol: str | None) -> str:
    if not protocol:
        return UNKNOWN
    return PROTOCOLS[protocol].family if protocol in PROTOCOLS else protocol


def measured_entries(trackers: Iterable[MeasuredTracker], every_protocol: bool = False) -> list[LeaderboardEntry]:
    """One entry per (canonical tracker, init), the preferred protocol winning; per protocol with ``every_protocol``."""
    chosen: dict[tuple, MeasuredTracker] = {}
    for tracker in trackers:
        key = (tracker.canonical, tracker.init, tracker.protocol if every_protocol else None)
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
            kind="measured",
            protocol=t.protocol or UNKNOWN,
            family=_family(t.protocol),
            reference=t.origin,
        )
        for t in chosen.values()
    ]


def _protocol_rank(tracker: MeasuredTracker) -> tuple[int, str]:
    # the paper's mode (eval-spec §0) first
    return (0 if tracker.protocol == DEFAULT_PROTOCOL else 1, tracker.protocol or "")


def _compatible(a: str | None, b: str | None) -> bool:
    """Same setting, or one side does not say (``unknown`` / not recorded)."""
    return a == b or a in (None, UNKNOWN) or b in (None, UNKNOWN)


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def _known(init: str | None) -> bool:
    return init not in (None, UNKNOWN)


def with_conflicts(entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
    """Each published row lists the other sources that print a different value for the same setting.

    Rows of the same tracker, metric and compatible protocol family conflict when their inits are equal, or
    when one init is unknown and its value matches no row whose init is known (a compilation that drops the
    init column usually copies one of the settings: that is no conflict).
    """
    reported = [e for e in entries if e.kind == "reported"]

    def explained(entry: LeaderboardEntry, metric: str) -> bool:
        mine = getattr(entry, metric)
        return not _known(entry.init) and any(
            _known(o.init) and getattr(o, metric) is not None and _same(getattr(o, metric), mine)
            for o in reported
            if o.tracker == entry.tracker and _compatible(entry.family, o.family)
        )

    out = []
    for entry in entries:
        found: list[Conflict] = []
        if entry.kind == "reported":
            for other in reported:
                if other is entry or other.tracker != entry.tracker or not _compatible(entry.family, other.family):
                    continue
                if _known(entry.init) and _known(other.init) and entry.init != other.init:
                    continue
                for metric in SCORES:
                    mine, theirs = getattr(entry, metric), getattr(other, metric)
                    if mine is None or theirs is None or _same(mine, theirs):
                        continue
                    if explained(entry, metric) or explained(other, metric):
                        continue
                    found.append(Conflict(metric, theirs, other.source, other.init))
        out.append(replace(entry, conflicts=tuple(found)) if found else entry)
    return out


def with_deltas(entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
    """Each measured row carries measured − published for every published row of the same tracker and init."""
    reported = [e for e in entries if e.kind == "reported"]
    out = []
    for entry in entries:
        deltas: list[Delta] = []
        if entry.kind == "measured":
            for other in reported:
                if other.tracker != entry.tracker or not _compatible(entry.init, other.init):
                    continue
                for metric in SCORES:
                    mine, theirs = getattr(entry, metric), getattr(other, metric)
                    if mine is not None and theirs is not None:
                        deltas.append(Delta(metric, theirs, mine - theirs, other.source, other.init, other.protocol))
        out.append(replace(entry, deltas=tuple(deltas)) if deltas else entry)
    return out


def with_ranks(entries: list[LeaderboardEntry], by: str) -> list[LeaderboardEntry]:
    """``rank`` = position among the rows of the same protocol family that have a score (sorted input)."""
    counters: dict[str, int] = {}
    out = []
    for entry in entries:
        if getattr(entry, by) is None:
            out.append(entry)
            continue
        counters[entry.family] = counters.get(entry.family, 0) + 1
        out.append(replace(entry, rank=counters[entry.family]))
    return out


def build_leaderboard(
    dataset: str,
    source: str = "all",
    protocol: str | None = None,
    store: Path | None = None,
    reported_dir: Path | None = None,
    measured: Iterable[MeasuredTracker] = (),
    classes: str = "papers",
) -> Leaderboard:
    """Rows of ``dataset`` (any registered one) sorted by AUC (accuracy for a grounding dataset), missing last.

    ``source`` picks published and/or measured rows; ``classes`` which published ones (``papers``,
    ``primary``, ``all``; see :data:`SOURCE_CLASS_CHOICES`).  With ``classes="all"`` measured rows appear once
    per protocol.  ``measured`` adds trackers evaluated in this process to those found in ``store``.
    """
    known = dataset_names()
    if dataset not in known:
        raise NlbenchError(f"unknown dataset {dataset!r} for the leaderboard; choose one of {', '.join(known)}")
    if source not in SOURCES:
        raise NlbenchError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if classes not in SOURCE_CLASS_CHOICES:
        raise NlbenchError(f"unknown source classes {classes!r}; choose one of {', '.join(SOURCE_CLASS_CHOICES)}")
    entries: list[LeaderboardEntry] = []
    if source in ("reported", "all"):
        entries += reported_entries(dataset, reported_dir, classes)
    if source in ("measured", "all"):
        found = load_evaluated_store(store or default_store(), dataset, protocol)
        entries += measured_entries([*found, *measured], every_protocol=classes == "all")
    by = "accuracy" if is_grounding(dataset) else "auc"
    entries = with_deltas(with_conflicts(entries))
    ordered = with_ranks(sorted(entries, key=lambda e: e.sort_key(by)), by)
    return Leaderboard(dataset=dataset, entries=tuple(ordered))
