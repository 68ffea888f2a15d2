"""Published numbers: the tables of the papers (``results/reported/*.csv``) and the field's numbers since
JointNLT, one file per source (``results/reported/literature/*.csv``).

Every CSV has the columns ``tracker,init,dataset,metric,value,unit,paper,table,mark,note``; schema 2 adds
``venue,protocol,source_class,source,check`` (required in ``literature/``, see ``results/reported/README.md``).
Values are kept as printed (scores as fractions, 0.569, or in percent, 56.9); :func:`reported_scores` and
:attr:`ReportedValue.percent` convert scores to percent, the unit ``nlbench eval`` reports in.

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

from nlbench.core.errors import ReportedDataError

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
#: Schema 2: provenance of every number (optional in paper files, required in ``literature/``).
PROVENANCE_COLUMNS: tuple[str, ...] = ("venue", "protocol", "source_class", "source", "check")
#: A source that does not say how the tracker was initialised.
UNKNOWN = "unknown"
#: How a number was scored: pytracking-style ``analysis_results.py``, the official MATLAB toolkits,
#: the pysot toolkit (SOTS ``eval_sot.py``), or not stated.
REPORTED_PROTOCOLS: tuple[str, ...] = ("py-analysis", "matlab", "pysot", UNKNOWN)
#: P = the authors (their paper or repository), S = a third-party table, T = an aggregator or AI-written note.
SOURCE_CLASSES: tuple[str, ...] = ("P", "S", "T")
UNITS: tuple[str, ...] = ("fraction", "percent", "GMAC", "ms", "M")
LITERATURE = "literature"
ENV_VAR = "NLBENCH_REPORTED_DIR"
_GITHUB_REF = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{7,40}) (?P<path>[\w./-]+)$")


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
    venue: str = ""
    protocol: str = UNKNOWN
    source_class: str = "P"
    reference: str = ""  # the CSV's ``source``: ``owner/repo@commit path``, a page, or the paper itself
    check: str = ""  # a comparison with another source recorded by whoever copied the number
    origin: str = ""  # ``file.csv:line``

    @property
    def source(self) -> str:
        return f"{self.paper}, {self.table}"

    @property
    def percent(self) -> float:
        """Scores in percent (0–100); costs unchanged."""
        if self.unit == "fraction":
            return float(self.value * 100)
        return float(self.value)

    @property
    def percent_decimal(self) -> Decimal:
        """The score in percent without binary rounding (``0.739`` → ``73.9``), for exact comparisons."""
        return self.value.scaleb(2) if self.unit == "fraction" else self.value

    @property
    def url(self) -> str | None:
        """A link to the source when it is a GitHub file at a commit (``owner/repo@commit path``)."""
        match = _GITHUB_REF.match(self.reference)
        if not match:
            return None
        return f"https://github.com/{match['repo']}/blob/{match['commit']}/{match['path']}"


def default_dir() -> Path:
    """``$NLBENCH_REPORTED_DIR``, else ``results/reported`` of this checkout, else the copy a wheel installs."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]  # nlbench/
    checkout = package.parent / "results" / "reported"
    if checkout.is_dir():
        return checkout
    return package / "_reported"  # setup.py installs results/reported here


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
    return _names(str(folder)).get(key, name)


@lru_cache(maxsize=8)
def _names(folder: str) -> dict[str, str]:
    """Normalised key → tracker name as stored (the first spelling wins)."""
    names: dict[str, str] = {}
    for value in load_all_reported(Path(folder)):
        names.setdefault(normalize_key(value.tracker), value.tracker)
    return names


def _parse_row(path: Path, line_no: int, row: dict[str, str], provenance: bool = False) -> ReportedValue:
    """One CSV row; ``provenance`` makes the schema-2 columns mandatory (files in ``literature/``)."""

    def field(name: str) -> str:
        return (row.get(name) or "").strip()

    where = f"{path}:{line_no}"
    required = ("tracker", "init", "metric", "value", "unit", "paper", "table")
    if provenance:
        required += ("dataset", "venue", "protocol", "source_class", "source")
    missing = [c for c in required if not field(c)]
    if missing:
        raise ReportedDataError(f"{where}: empty column(s) {', '.join(missing)}; every number needs its source")
    init = field("init")
    inits = (*INITS, UNKNOWN) if provenance else INITS
    if init not in inits:
        raise ReportedDataError(f"{where}: init {init!r} is not one of {', '.join(inits)}")
    protocol = field("protocol") or UNKNOWN
    if protocol not in REPORTED_PROTOCOLS:
        raise ReportedDataError(f"{where}: protocol {protocol!r} is not one of {', '.join(REPORTED_PROTOCOLS)}")
    source_class = field("source_class") or "P"
    if source_class not in SOURCE_CLASSES:
        raise ReportedDataError(
            f"{where}: source_class {source_class!r} is not one of {', '.join(SOURCE_CLASSES)} "
            "(P authors, S third-party table, T aggregator or AI-written note)"
        )
    unit = field("unit")
    if unit not in UNITS:
        raise ReportedDataError(f"{where}: unit {unit!r} is not one of {', '.join(UNITS)}")
    if provenance and field("metric") not in SCORE_METRICS:
        raise ReportedDataError(f"{where}: metric {field('metric')!r} is not one of {', '.join(SCORE_METRICS)}")
    mark = field("mark")
    if mark not in ("", "b", "u"):
        raise ReportedDataError(f"{where}: mark {mark!r} must be empty, 'b' (bold) or 'u' (underline)")
    try:
        value = Decimal(field("value"))
    except InvalidOperation as exc:
        raise ReportedDataError(f"{where}: value {field('value')!r} is not a number (leave missing cells out)") from exc
    if not value.is_finite():
        raise ReportedDataError(f"{where}: value {field('value')!r} is not finite (leave missing cells out)")
    if field("metric") in SCORE_METRICS and not Decimal(0) <= value <= (1 if unit == "fraction" else 100):
        raise ReportedDataError(f"{where}: score {value} is out of range for unit {unit!r}")
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
        venue=field("venue"),
        protocol=protocol,
        source_class=source_class,
        reference=field("source") or field("paper"),
        check=field("check"),
        origin=f"{path.name}:{line_no}",
    )


def _load_files(paths: list[Path], provenance: bool) -> tuple[ReportedValue, ...]:
    values: list[ReportedValue] = []
    seen: dict[tuple, str] = {}
    for path in paths:
        for line_no, row in enumerate(_read_csv(path), start=2):
            value = _parse_row(path, line_no, row, provenance)
            # One source prints a number once per table; two sources may print the same number.
            key = (value.reference, value.paper, value.table, value.tracker, value.init, value.dataset, value.metric)
            if key in seen:
                raise ReportedDataError(
                    f"{path}:{line_no}: duplicate of {seen[key]} (each number appears once per table)"
                )
            seen[key] = f"{path.name}:{line_no}"
            values.append(value)
    return tuple(values)


def _folder(folder: str) -> Path:
    root = Path(folder)
    if not root.is_dir():
        raise ReportedDataError(
            f"{root}: reported-numbers folder not found; set {ENV_VAR} or restore results/reported/"
        )
    return root


@lru_cache(maxsize=8)
def _load(folder: str) -> tuple[ReportedValue, ...]:
    root = _folder(folder)
    return _load_files([p for p in sorted(root.glob("*.csv")) if p.name != "aliases.csv"], provenance=False)


@lru_cache(maxsize=8)
def _load_literature(folder: str) -> tuple[ReportedValue, ...]:
    return _load_files(sorted((_folder(folder) / LITERATURE).glob("*.csv")), provenance=True)


def load_reported(folder: Path | None = None) -> tuple[ReportedValue, ...]:
    """Every number of the paper files in ``folder`` (default :func:`default_dir`), in file order.

    These are the tables ``nlbench report --reported`` reproduces; :func:`load_literature` holds the rest.
    """
    return _load(str(folder or default_dir()))


def load_literature(folder: Path | None = None) -> tuple[ReportedValue, ...]:
    """The field's numbers since JointNLT, one file per source in ``<folder>/literature/`` (may be empty)."""
    return _load_literature(str(folder or default_dir()))


def load_all_reported(folder: Path | None = None) -> tuple[ReportedValue, ...]:
    """Paper files and literature together: what ``nlbench leaderboard --sources`` shows."""
    return load_reported(folder) + load_literature(folder)


def clear_cache() -> None:
    """Forget parsed files (tests that edit a reported folder in place)."""
    _load.cache_clear()
    _load_literature.cache_clear()
    _names.cache_clear()
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
