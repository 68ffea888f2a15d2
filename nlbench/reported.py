"""Published numbers: the tables of the papers, read from ``results/reported/*.csv``.

Every CSV in the reported folder (except ``aliases.csv``) has the columns
``tracker,init,dataset,metric,value,unit,paper,table,mark,note`` (see
``results/reported/README.md``).  Values are kept as printed in the paper
(scores as fractions, 0.569); :func:`reported_scores` converts scores to percent
(56.9), the unit ``nlbench eval`` reports in.

Tracker names are canonical (``OSTrack-384``); :func:`canonical_name` maps
aliases (``OTrack-384``, registry names such as ``ostrack-384``) onto them.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from nlbench.errors import ReportedDataError

#: Initialisation types of Table 3, in the paper's group order.
INITS: tuple[str, ...] = ("BB", "NL", "NL+BB")
#: Score metrics stored as fractions in the CSV and reported in percent.
SCORE_METRICS: tuple[str, ...] = ("auc", "precision", "norm_precision", "accuracy")
#: Cost metrics of Table 2 (unit in the CSV's ``unit`` column).
COST_METRICS: tuple[str, ...] = (
    "flops_grounding",
    "flops_tracking",
    "time_grounding",
    "time_tracking",
    "params_total",
    "params_grounding",
    "params_tracking",
)
COLUMNS: tuple[str, ...] = ("tracker", "init", "dataset", "metric", "value", "unit", "paper", "table", "mark", "note")
ENV_VAR = "NLBENCH_REPORTED_DIR"


@dataclass(frozen=True)
class ReportedValue:
    """One published number, as printed (``value``) with its provenance."""

    tracker: str
    init: str
    dataset: str | None
    metric: str
    value: Decimal
    unit: str
    paper: str
    table: str
    mark: str
    note: str

    @property
    def source(self) -> str:
        return f"{self.paper}, {self.table}"

    @property
    def percent(self) -> float:
        """Scores in percent (0–100); costs unchanged."""
        if self.unit == "fraction":
            return float(self.value * 100)
        return float(self.value)


def default_dir() -> Path:
    """``$NLBENCH_REPORTED_DIR``, else ``results/reported`` of this checkout, else the copy a wheel installs."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[1] / "results" / "reported"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_reported"  # setup.py installs results/reported here


def normalize_key(name: str) -> str:
    """Case- and punctuation-blind key: ``OSTrack-384``, ``ostrack_384`` and ``OSTrack 384`` agree."""
    return re.sub(r"[^0-9a-z+]", "", name.lower())


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except OSError as exc:
        raise ReportedDataError(f"{path}: cannot read ({exc.strerror}); check the reported-numbers folder") from exc


@lru_cache(maxsize=8)
def _aliases(folder: str) -> dict[str, str]:
    path = Path(folder) / "aliases.csv"
    if not path.exists():
        return {}
    table: dict[str, str] = {}
    for line_no, row in enumerate(_read_csv(path), start=2):
        alias, tracker = (row.get("alias") or "").strip(), (row.get("tracker") or "").strip()
        if not alias or not tracker:
            raise ReportedDataError(f"{path}:{line_no}: an alias row needs both 'alias' and 'tracker'")
        table[normalize_key(alias)] = tracker
    return table


def canonical_name(name: str, folder: Path | None = None) -> str:
    """The canonical tracker name for ``name`` (an alias, a registry name or the name itself).

    Unknown names are returned unchanged, so measured trackers without published numbers keep their label.
    """
    folder = folder or default_dir()
    key = normalize_key(name)
    aliases = _aliases(str(folder))
    if key in aliases:
        return aliases[key]
    for value in load_reported(folder):
        if normalize_key(value.tracker) == key:
            return value.tracker
    return name


def _parse_row(path: Path, line_no: int, row: dict[str, str]) -> ReportedValue:
    def field(name: str) -> str:
        return (row.get(name) or "").strip()

    where = f"{path}:{line_no}"
    missing = [c for c in ("tracker", "init", "metric", "value", "unit", "paper", "table") if not field(c)]
    if missing:
        raise ReportedDataError(f"{where}: empty column(s) {', '.join(missing)}; every number needs its source")
    init = field("init")
    if init not in INITS:
        raise ReportedDataError(f"{where}: init {init!r} is not one of {', '.join(INITS)}")
    mark = field("mark")
    if mark not in ("", "b", "u"):
        raise ReportedDataError(f"{where}: mark {mark!r} must be empty, 'b' (bold) or 'u' (underline)")
    try:
        value = Decimal(field("value"))
    except InvalidOperation as exc:
        raise ReportedDataError(f"{where}: value {field('value')!r} is not a number (leave missing cells out)") from exc
    if not value.is_finite():
        raise ReportedDataError(f"{where}: value {field('value')!r} is not finite (leave missing cells out)")
    return ReportedValue(
        tracker=field("tracker"),
        init=init,
        dataset=field("dataset") or None,
        metric=field("metric"),
        value=value,
        unit=field("unit"),
        paper=field("paper"),
        table=field("table"),
        mark=mark,
        note=field("note"),
    )


@lru_cache(maxsize=8)
def _load(folder: str) -> tuple[ReportedValue, ...]:
    root = Path(folder)
    if not root.is_dir():
        raise ReportedDataError(
            f"{root}: reported-numbers folder not found; set {ENV_VAR} or restore results/reported/"
        )
    values: list[ReportedValue] = []
    seen: dict[tuple, str] = {}
    for path in sorted(root.glob("*.csv")):
        if path.name == "aliases.csv":
            continue
        for line_no, row in enumerate(_read_csv(path), start=2):
            value = _parse_row(path, line_no, row)
            key = (value.paper, value.table, value.tracker, value.init, value.dataset, value.metric)
            if key in seen:
                raise ReportedDataError(
                    f"{path}:{line_no}: duplicate of {seen[key]} (each number appears once per table)"
                )
            seen[key] = f"{path.name}:{line_no}"
            values.append(value)
    return tuple(values)


def load_reported(folder: Path | None = None) -> tuple[ReportedValue, ...]:
    """Every published number in ``folder`` (default :func:`default_dir`), in file order."""
    return _load(str(folder or default_dir()))


def clear_cache() -> None:
    """Forget parsed files (tests that edit a reported folder in place)."""
    _load.cache_clear()
    _aliases.cache_clear()


# Table 3 is the main comparison; Tables 2 and 1 repeat some of its numbers.  When a (tracker, init,
# dataset, metric) appears in several tables, the lowest rank wins (and the values agree in the paper).
_TABLE_PRIORITY = {"Table 3": 0, "Table 2": 1, "Table 1": 2}


def reported_scores(
    dataset: str, folder: Path | None = None, tables: tuple[str, ...] | None = None
) -> dict[tuple[str, str], dict[str, tuple[float, str]]]:
    """Scores on ``dataset`` in percent: ``{(tracker, init): {metric: (percent, source)}}``.

    ``tables`` restricts to these table labels (e.g. ``("Table 3",)``); by default all tables merge.
    """
    merged: dict[tuple[str, str], dict[str, tuple[float, str, int]]] = {}
    for value in load_reported(folder):
        if value.dataset != dataset or value.metric not in SCORE_METRICS:
            continue
        if tables is not None and value.table not in tables:
            continue
        rank = _TABLE_PRIORITY.get(value.table, 9)
        slot = merged.setdefault((value.tracker, value.init), {})
        if value.metric not in slot or rank < slot[value.metric][2]:
            slot[value.metric] = (value.percent, value.source, rank)
    return {key: {m: (p, s) for m, (p, s, _) in metrics.items()} for key, metrics in merged.items()}


def reported_costs(folder: Path | None = None) -> dict[str, dict[str, tuple[float, str]]]:
    """Table-2 costs: ``{tracker: {metric: (value, unit)}}`` (GMAC, ms, M) plus ``auc_<dataset>`` in percent."""
    costs: dict[str, dict[str, tuple[float, str]]] = {}
    for value in load_reported(folder):
        if value.table != "Table 2":
            continue
        slot = costs.setdefault(value.tracker, {})
        if value.metric in COST_METRICS:
            slot[value.metric] = (float(value.value), value.unit)
        elif value.dataset:
            slot[f"{value.metric}_{value.dataset}"] = (value.percent, "%")
    return costs


def reported_datasets(folder: Path | None = None) -> list[str]:
    """Datasets with at least one published score, sorted."""
    return sorted({v.dataset for v in load_reported(folder) if v.dataset and v.metric in SCORE_METRICS})


def reported_value(
    tracker: str, metric: str, table: str, dataset: str | None = None, folder: Path | None = None
) -> ReportedValue | None:
    """The one published number of ``tracker`` (canonical or alias) for ``metric`` in ``table``; None if absent."""
    name = canonical_name(tracker, folder)
    for value in load_reported(folder):
        if (value.tracker, value.metric, value.table, value.dataset) == (name, metric, table, dataset):
            return value
    return None
