"""Format-neutral report tables: the Table-3-like comparison, Table-2-like costs, best/second-best marks.

The HTML and LaTeX writers render these objects; all ranking happens here so both formats mark the same cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlbench.core.registry import dataset_for_reported, dataset_label, find_dataset, is_grounding, reported_key
from nlbench.report.inputs import MeasuredTracker
from nlbench.store.reported import INITS, SCORE_METRICS, load_reported, reported_costs

METRIC_LABELS: dict[str, str] = {
    "auc": "AUC",
    "precision": "PRE",
    "norm_precision": "N-PRE",
    "accuracy": "Acc",
}
UNKNOWN_INIT = "?"
#: Datasets without a ``table_position`` come after the positioned ones, in the order given.
_UNPOSITIONED = 99


def rank_marks(values: Sequence[float | None], decimals: int) -> list[str]:
    """``"b"`` for the best, ``"u"`` for the second best, ``""`` otherwise (higher is better).

    Values are compared as displayed (rounded to ``decimals``) so a reader never sees two equal numbers marked
    differently; every cell equal to the best is bold and every cell equal to the next distinct value is
    underlined, which is deterministic whatever the row order.
    """
    shown = [None if v is None else round(v, decimals) for v in values]
    distinct = sorted({v for v in shown if v is not None}, reverse=True)
    best = distinct[0] if distinct else None
    second = distinct[1] if len(distinct) > 1 else None
    return ["" if v is None else "b" if v == best else "u" if v == second else "" for v in shown]


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    init: str  # one of INITS, or UNKNOWN_INIT
    measured: bool
    values: Mapping[tuple[str, str], float | None]  # (dataset, metric) -> percent
    marks: Mapping[tuple[str, str], str] = field(default_factory=dict)
    origin: str = ""


@dataclass(frozen=True)
class ComparisonTable:
    """Table 3 of the JointNLT paper, extended with measured rows: groups by initialisation, marks per group."""

    datasets: tuple[str, ...]
    metrics: tuple[str, ...]
    groups: tuple[tuple[str, tuple[ComparisonRow, ...]], ...]
    scale: str  # "fraction" (paper style, 0.569) or "percent" (56.9)

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(d, m) for d in self.datasets for m in self.metrics]

    @property
    def decimals(self) -> int:
        return 3 if self.scale == "fraction" else 1

    def format(self, value: float | None) -> str | None:
        if value is None:
            return None
        return f"{value / 100:.3f}" if self.scale == "fraction" else f"{value:.1f}"

    @property
    def has_measured(self) -> bool:
        return any(r.measured for _, rows in self.groups for r in rows)

    @property
    def has_reported(self) -> bool:
        return any(not r.measured for _, rows in self.groups for r in rows)


def _table_position(dataset: str) -> int:
    plugin = find_dataset(dataset)
    position = plugin.table_position if plugin is not None else None
    return _UNPOSITIONED if position is None else position


def order_datasets(datasets: Iterable[str]) -> tuple[str, ...]:
    """Unique datasets in the plugins' ``table_position`` order (the paper's Table 3), others as given."""
    unique = list(dict.fromkeys(datasets))
    return tuple(sorted(unique, key=_table_position))


def build_comparison(
    datasets: Sequence[str],
    measured: Sequence[MeasuredTracker] = (),
    include_reported: bool = True,
    metrics: tuple[str, ...] = ("auc", "precision"),
    scale: str = "fraction",
) -> ComparisonTable:
    """Rows of the paper's Table 3 (reported) for ``datasets`` plus measured trackers, grouped by init."""
    datasets = order_datasets(d for d in datasets if not is_grounding(d))
    by_key = {reported_key(d): d for d in datasets}
    rows: dict[tuple[str, str, bool], dict[tuple[str, str], float | None]] = {}
    origins: dict[tuple[str, str, bool], str] = {}
    if include_reported:
        # File order is the paper's row order.
        for value in load_reported():
            if value.table != "Table 3" or value.dataset not in by_key or value.metric not in metrics:
                continue
            column = (by_key[value.dataset], value.metric)
            rows.setdefault((value.tracker, value.init, False), {})[column] = value.percent
            origins[(value.tracker, value.init, False)] = value.source
    for tracker in measured:
        if tracker.dataset not in datasets:
            continue
        key = (tracker.name, tracker.init or UNKNOWN_INIT, True)
        slot = rows.setdefault(key, {})
        for metric in metrics:
            slot[(tracker.dataset, metric)] = getattr(tracker, metric)
        origins[key] = f"measured ({tracker.protocol})" if tracker.protocol else "measured"
    decimals = 3 if scale == "fraction" else 1
    columns = [(d, m) for d in datasets for m in metrics]
    groups = []
    for init in (*INITS, UNKNOWN_INIT):
        keys = [k for k in rows if k[1] == init]
        if not keys:
            continue
        marks_by_key: dict[tuple, dict[tuple[str, str], str]] = {k: {} for k in keys}
        for column in columns:
            # percent → displayed unit before rounding, so marks follow what is printed
            shown = [
                None if rows[k].get(column) is None else rows[k][column] / (100 if scale == "fraction" else 1)
                for k in keys
            ]
            for k, mark in zip(keys, rank_marks(shown, decimals)):
                marks_by_key[k][column] = mark
        group_rows = tuple(
            ComparisonRow(
                label=k[0], init=init, measured=k[2], values=rows[k], marks=marks_by_key[k], origin=origins[k]
            )
            for k in keys
        )
        groups.append((init, group_rows))
    return ComparisonTable(datasets=datasets, metrics=metrics, groups=tuple(groups), scale=scale)


# ----------------------------------------------------------------------------------------------- costs


JOINT, SEPARATED = "joint", "separated"


def design_of(name: str) -> str:
    """``separated`` for a ``GROUNDER+TRACKER`` pipeline (the registry's composition), else ``joint``."""
    return SEPARATED if "+" in name else JOINT


@dataclass(frozen=True)
class CostColumn:
    name: str
    measured: bool
    cells: Mapping[str, float | None]  # row key -> value
    note: str = ""

    @property
    def design(self) -> str:
        return design_of(self.name)


#: The paper's Table 2 costs; one ``auc_<dataset>`` row per dataset whose AUC Table 2 reports follows (cost_rows()).
COST_ROWS: tuple[tuple[str, str], ...] = (
    ("flops_grounding", "FLOPs, grounding (G)"),
    ("flops_tracking", "FLOPs, tracking (G)"),
    ("time_grounding", "Time, grounding (ms)"),
    ("time_tracking", "Time, tracking (ms)"),
    ("params_total", "Params, total (M)"),
)


def cost_datasets() -> tuple[str, ...]:
    """Datasets whose AUC the published cost table (Table 2) reports, in file order."""
    keys = (v.dataset for v in load_reported() if v.table == "Table 2" and v.dataset and v.metric == "auc")
    return tuple(dataset_for_reported(k) for k in dict.fromkeys(keys))


def cost_rows() -> tuple[tuple[str, str], ...]:
    """COST_ROWS, then ``("auc_<reported key>", "AUC, <label>")`` for each of :func:`cost_datasets`."""
    return COST_ROWS + tuple((f"auc_{reported_key(d)}", f"AUC, {dataset_label(d)}") for d in cost_datasets())


#: Extra rows only nlbench measures (the paper gives neither); shown when a profile is in the table.
PROFILE_ROWS: tuple[tuple[str, str], ...] = (
    ("true_flops_grounding", "True FLOPs, grounding (G)"),
    ("true_flops_tracking", "True FLOPs, tracking (G)"),
    ("params_grounding", "Params, grounding (M)"),
    ("params_tracking", "Params, tracking (M)"),
)
#: Rows of a joint design that refreshes its state with a phase of its own (UVLTrack's prompt update, every 20
#: frames); shown when a profile has that phase.
PROMPT_UPDATE_ROWS: tuple[tuple[str, str], ...] = (
    ("flops_prompt_update", "FLOPs, prompt update (G)"),
    ("time_prompt_update", "Time, prompt update (ms)"),
)


@dataclass(frozen=True)
class CostTable:
    columns: tuple[CostColumn, ...]
    rows: tuple[tuple[str, str], ...] = field(default_factory=cost_rows)

    @staticmethod
    def format(key: str, value: float | None) -> str | None:
        if value is None:
            return None
        if key.startswith("auc_"):
            return f"{value / 100:.3f}"
        return f"{value:.1f}"


def _phase(profile: Mapping[str, Any], phase: str) -> Mapping[str, Any]:
    phases = profile.get("phases") or {}
    value = phases.get(phase)
    return value if isinstance(value, Mapping) else {}


def profile_column(profile: Mapping[str, Any], measured: Sequence[MeasuredTracker] = ()) -> CostColumn:
    """A Table-2 column from ``nlbench profile --json``: thop-rule MACs (as the paper's "FLOPs"), median latency."""
    from nlbench.store.reported import canonical_name

    def number(value: Any, scale: float = 1.0) -> float | None:
        return float(value) / scale if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    cells: dict[str, float | None] = {}
    for phase in ("grounding", "tracking", "prompt_update"):
        data = _phase(profile, phase)
        cells[f"flops_{phase}"] = number(data.get("macs_paper"), 1e9)  # the paper's "FLOPs" are thop MACs
        cells[f"true_flops_{phase}"] = number(data.get("flops"), 1e9)
        cells[f"params_{phase}"] = number(data.get("params_paper"), 1e6)
        latency = data.get("latency_ms")
        cells[f"time_{phase}"] = number(latency.get("median")) if isinstance(latency, Mapping) else None
    params = profile.get("params") or {}
    count = params.get("paper", params.get("total")) if isinstance(params, Mapping) else None
    cells["params_total"] = float(count) / 1e6 if isinstance(count, (int, float)) else None
    name = str(profile.get("tracker", "?"))
    canonical = canonical_name(name)
    for dataset in cost_datasets():
        matches = [t for t in measured if t.dataset == dataset and t.canonical == canonical and t.auc is not None]
        cells[f"auc_{reported_key(dataset)}"] = matches[0].auc if matches else None
    meta = profile.get("meta") if isinstance(profile.get("meta"), Mapping) else {}
    note = ", ".join(str(v) for v in (meta.get("device_name") or profile.get("device"), profile.get("dtype")) if v)
    return CostColumn(name=canonical, measured=True, cells=cells, note=note)


def published_joint_column(name: str) -> CostColumn | None:
    """A published column for a joint design outside Table 2 (e.g. UVLTrack-B): its authors' NL AUC on the cost
    datasets from ``results/reported/literature`` (the first table of their file, e.g. the paper's), costs empty
    because they published none. None when the authors (source class P) give no such number."""
    from nlbench.store.reported import load_literature

    cells: dict[str, float | None] = {key: None for key, _ in cost_rows()}
    tables: list[str] = []
    for dataset in cost_datasets():
        rows = [v for v in load_literature() if v.tracker == name and v.init == "NL" and v.metric == "auc"
                and v.dataset == reported_key(dataset) and v.source_class == "P"]
        if rows:
            cells[f"auc_{reported_key(dataset)}"] = rows[0].percent
            tables.append(rows[0].table)
    if not tables:
        return None
    note = f"{name}: {'; '.join(dict.fromkeys(tables))}; costs not reported"
    return CostColumn(name=name, measured=False, cells=cells, note=note)


def build_cost_table(
    profiles: Sequence[Mapping[str, Any]], measured: Sequence[MeasuredTracker] = (), include_reported: bool = True
) -> CostTable:
    """The paper's Table 2 columns (when ``include_reported``), then the published columns of profiled joint
    designs Table 2 does not have, then one column per profile. Columns carry their design (joint/separated)."""
    columns: list[CostColumn] = []
    profiled = [profile_column(p, measured) for p in profiles]
    if include_reported:
        reported = reported_costs()
        for tracker, metrics in reported.items():
            cells = {key: metrics[key][0] if key in metrics else None for key, _ in cost_rows()}
            columns.append(CostColumn(name=tracker, measured=False, cells=cells, note="RTX 3090 (paper)"))
        for column in profiled:
            if column.design == JOINT and column.name not in reported:
                extra = published_joint_column(column.name)
                if extra is not None and all(c.name != extra.name or c.measured for c in columns):
                    columns.append(extra)
    columns += profiled
    rows = cost_rows() + (PROFILE_ROWS if profiles else ())
    if any(c.cells.get("flops_prompt_update") is not None for c in profiled):
        rows += PROMPT_UPDATE_ROWS
    return CostTable(columns=tuple(columns), rows=rows)


# ----------------------------------------------------------------------------------------------- deltas


@dataclass(frozen=True)
class DeltaRow:
    dataset: str
    tracker: str
    init: str
    measured: Mapping[str, float | None]
    reported: Mapping[str, float | None]
    source: str

    def delta(self, metric: str) -> float | None:
        m, r = self.measured.get(metric), self.reported.get(metric)
        return None if m is None or r is None else m - r


def build_deltas(measured: Sequence[MeasuredTracker]) -> list[DeltaRow]:
    """Measured vs published for trackers matched by canonical name and init.

    A measured tracker without a known init is matched only when the paper reports a single init for it.
    """
    from nlbench.report.leaderboard import merge_sources
    from nlbench.store.reported import reported_scores

    rows = []
    for tracker in measured:
        published = reported_scores(reported_key(tracker.dataset))
        candidates = [
            k for k in published if k[0] == tracker.canonical and (tracker.init is None or k[1] == tracker.init)
        ]
        if len(candidates) != 1:
            continue
        key = candidates[0]
        scores = published[key]
        metrics = [m for m in SCORE_METRICS if m != "accuracy"]
        rows.append(
            DeltaRow(
                dataset=tracker.dataset,
                tracker=tracker.name,
                init=key[1],
                measured={m: getattr(tracker, m) for m in metrics},
                reported={m: scores[m][0] if m in scores else None for m in metrics},
                source=merge_sources(s for _, s in scores.values()),
            )
        )
    return rows
