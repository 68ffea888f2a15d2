"""Reports and leaderboards: paper-style HTML and LaTeX tables, success/precision plots, published numbers.

Public API::

    from nlbench.core.registry import dataset_names
    from nlbench.report import write_report, build_leaderboard
    tracking = dataset_names(kind="tracking")           # any registered datasets
    paths = write_report("reports/paper", tracking, include_reported=True)
    board = build_leaderboard(tracking[0], source="all")
"""

from __future__ import annotations

from nlbench.report.inputs import MeasuredTracker, ReportInputError, load_eval_json, load_evaluated_store
from nlbench.report.latex import latex_escape
from nlbench.report.leaderboard import Leaderboard, LeaderboardEntry, build_leaderboard
from nlbench.report.writer import ReportPaths, write_report

__all__ = [
    "Leaderboard",
    "LeaderboardEntry",
    "MeasuredTracker",
    "ReportInputError",
    "ReportPaths",
    "build_leaderboard",
    "latex_escape",
    "load_eval_json",
    "load_evaluated_store",
    "write_report",
]
