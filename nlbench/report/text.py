"""Terminal text of the reporting stages' summaries (what ``nlbench report/leaderboard/visualize`` print).

    >>> _cell(None), _cell(56.94)
    ('–', '56.9')
"""

from __future__ import annotations

from nlbench.core.textable import text_table
from nlbench.report.stages import LeaderboardSummary, ReportSummary, VisualizeSummary

__all__ = ["leaderboard_text", "report_text", "visualize_text"]

_HEADS = {"accuracy": "acc", "auc": "AUC", "precision": "P", "norm_precision": "NP"}


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def report_text(summary: ReportSummary) -> str:
    """Where the page, the LaTeX tables and the plots are."""
    paths = summary.paths
    lines = [f"report: {paths.index_html}",
             f"LaTeX:  {paths.tables_tex} (preview: pdflatex {paths.tables_preview_tex.name})"]
    if paths.plots:
        lines.append(f"plots:  {paths.out / 'plots'} ({len(paths.plots)} files)")
    return "\n".join(lines)


def leaderboard_text(summary: LeaderboardSummary) -> str:
    """One row per entry (rank, tracker, init, scores, protocol, source), its ≠ and Δ lines under it."""
    board, request = summary.board, summary.request
    scores = ("accuracy",) if board.grounding else ("auc", "precision", "norm_precision")
    header = ("#", "tracker", "init", *(_HEADS[s] for s in scores), "protocol", "source")
    rows, extra = [], []
    for e in board.entries:
        rank = "–" if e.rank is None else str(e.rank)
        rows.append((rank, e.tracker, e.init or "–", *(_cell(getattr(e, s)) for s in scores), e.protocol, e.source))
        lines = [f"≠ {_HEADS[c.metric]} {c.value:.1f} ({c.init or '–'}) {c.source}" for c in e.conflicts]
        lines += [
            f"Δ {_HEADS[d.metric]} {d.delta:+.1f} vs {d.reported:.1f} ({d.init or '–'}, {d.protocol}) {d.source}"
            for d in e.deltas
        ]
        extra.append(lines)
    if not rows:
        return f"no {request.source} entries for {request.dataset}"
    table = text_table(rows, header, right={0} | set(range(3, 3 + len(scores)))).split("\n")
    indent = " " * (max(len(r[0]) for r in (header, *rows)) + 2)
    out = [table[0]]
    for text, lines in zip(table[1:], extra):
        out.append(text)
        out += [indent + line for line in lines]
    out.append("# = rank within the protocol family; [P] authors, [S] third-party table, [T] aggregator or AI note")
    out += [f"wrote {path}" for path in summary.written]
    return "\n".join(out)


def visualize_text(summary: VisualizeSummary) -> str:
    """One line per file written (sequence, frames, why it was picked), or why nothing was."""
    rule = summary.request.pick_rule
    if rule and not summary.written:
        return f"--pick {rule}: no sequence qualifies (no tracker lost the target), nothing written"
    lines = []
    for item in summary.written:
        why = f"  [{item.pick.reason}]" if item.pick else ""
        lines.append(f"{item.path}: {item.sequence} frames {item.frames.start}:{item.frames.stop}{why}")
    return "\n".join(lines)
