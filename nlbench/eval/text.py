"""Terminal text of the evaluation stages' summaries (what ``nlbench eval/compare/explain/sensitivity`` print).

    >>> _fmt(56.789), _fmt(float("nan")), _delta(3.0, 1.25)
    ('56.79', '—', '+1.75')
"""

from __future__ import annotations

import math
from collections.abc import Sequence as SequenceOf

from nlbench.core.textable import text_table
from nlbench.eval.evaluate import EvaluationResult
from nlbench.eval.explain import SCORES, Walk
from nlbench.eval.matrix import ProtocolMatrix, Refusal
from nlbench.eval.sensitivity import format_sensitivity
from nlbench.eval.stages import CompareSummary, EvalSummary, ExplainSummary, SensitivitySummary

__all__ = ["compare_text", "eval_text", "explain_text", "format_matrix", "format_table", "format_walk",
           "sensitivity_text"]


def _fmt(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f}"


def _delta(after: float | None, before: float | None) -> str:
    if after is None or before is None:
        return ""
    return f"{after - before:+.2f}"


def format_table(result: EvaluationResult) -> str:
    """The terminal table: one row per tracker."""
    header = ("tracker", "AUC", "OP50", "OP75", "Prec", "NormPrec", "#seq")
    rows = []
    for name, t in result.trackers.items():
        auc = _fmt(t.auc)
        if t.auc_ci95 is not None:
            auc += f" [{_fmt(t.auc_ci95[0])}, {_fmt(t.auc_ci95[1])}]"
        rows.append((name, auc, _fmt(t.op50), _fmt(t.op75), _fmt(t.precision), _fmt(t.norm_precision),
                     str(len(t.sequence_names))))
    return text_table(rows, header, right=range(1, len(header)), rule=True)


def format_matrix(matrix: ProtocolMatrix) -> str:
    """Trackers x protocols: AUC, P@20 and NP@0.20 under each protocol; refusals as numbered notes."""
    protocols = [p.name for p in matrix.protocols]
    sub = ("AUC", "P@20", "NP@0.20")
    notes: list[str] = []
    rows = []
    for tracker in matrix.trackers:
        cells: list[str] = []
        for protocol in protocols:
            cell = matrix.cells[protocol][tracker]
            if isinstance(cell, Refusal):
                notes.append(f"[{len(notes) + 1}] {tracker} under {protocol}: {cell.reason}")
                cells += [f"refused [{len(notes)}]", "", ""]
            else:
                cells += [_fmt(cell.auc), _fmt(cell.precision), _fmt(cell.norm_precision)]
        rows.append((tracker, *cells))
    header = ("tracker", *(s for _ in protocols for s in sub))
    # each protocol's name spans its three columns
    groups = [("", 1), *((p, len(sub)) for p in protocols)]
    table = text_table(rows, header, right=range(1, len(header)), rule=True, groups=groups)
    return "\n".join([table, *notes])


def _skipped_line(result: EvaluationResult) -> list[str]:
    return [_skipped_names(result.skipped, result.n_requested)] if result.skipped else []


def eval_text(summary: EvalSummary) -> str:
    """The scores (a table, or the protocol matrix), what was skipped, and what was written."""
    dataset = summary.request.dataset
    if summary.matrix is not None:
        lines = [f"{dataset} — {len(summary.matrix.protocols)} protocols", format_matrix(summary.matrix)]
        first = next(iter(summary.matrix.evaluations.values()), None)
        lines += _skipped_line(first) if first is not None else []
    else:
        assert summary.evaluation is not None
        lines = [f"{dataset} — protocol {summary.evaluation.protocol.name}", format_table(summary.evaluation)]
        lines += _skipped_line(summary.evaluation)
    if summary.json_path is not None:
        lines.append(f"wrote {summary.json_path}")
    if summary.stored:
        # <store>/<dataset>/<protocol>/<name>.json
        kept = summary.stored[0].parent
        lines.append(f"kept for the leaderboard: {kept.parent}/<protocol>" if summary.matrix is not None
                     else f"kept for the leaderboard: {kept}")
    return "\n".join(lines)


def compare_text(summary: CompareSummary) -> str:
    """The two trackers' scores and the verdict of the paired tests."""
    result = summary.evaluation
    lines = [f"{summary.request.dataset} — protocol {result.protocol.name}", format_table(result)]
    if result.skipped:
        lines.append(f"evaluated over {len(result.sequence_names)} / {result.n_requested} sequences")
    lines.append(summary.comparison.summary())
    return "\n".join(lines)


def format_walk(walk: Walk, top: int = 3) -> str:
    """Per tracker: start, each rule step with its change and the sequences it moves most, end, total change."""
    lines = [f"{walk.dataset}: {walk.start.name} -> {walk.end.name}, {len(walk.steps)} rule(s) differ"]
    for step in walk.steps:
        if step.rule.together:
            lines.append(f"  note: '{step.rule.label}' is one step for {', '.join(step.rule.fields)}: {step.rule.together}")
    header = ("step", "AUC", "P@20", "NP@0.20", "dAUC", "dP@20", "dNP@0.20", "moved most (dAUC)")
    for name, tracker in walk.trackers.items():
        data = tracker.to_json(walk.steps)
        rows: list[tuple[str, ...]] = []
        notes: list[str] = []
        seen: dict[str, int] = {}

        def row(label: str, scores: dict, before: dict | None, moved: str = "", protocol: str | None = None) -> None:
            if "error" in scores:
                # the same refusal under the next step's rules is noted once
                key = scores["error"].replace(protocol, "<protocol>") if protocol else scores["error"]
                if key not in seen:
                    notes.append(f"    [{len(notes) + 1}] {scores['error']}")
                    seen[key] = len(notes)
                rows.append((label, f"refused [{seen[key]}]", "", "", "", "", "", moved))
                return
            values = [_fmt(scores[k]) for k in SCORES]
            deltas = [_delta(scores[k], before.get(k)) if before else "" for k in SCORES]
            rows.append((label, *values, *deltas, moved))

        row(f"start: {walk.start.name}", data["start"], None, protocol=walk.start.name)
        previous = data["start"]
        for i, (step, scores) in enumerate(zip(walk.steps, data["steps"])):
            moved = ", ".join(f"{seq} {d:+.1f}" for seq, d in tracker.moved(i, top))
            row(f"{i + 1}. {step.text}", scores, previous, moved, step.protocol.name)
            previous = scores
        row(f"end: {walk.end.name} (total change)", data["end"], data["start"], protocol=walk.end.name)
        lines.append(f"\n{name}")
        lines.append(text_table(rows, header, right=range(1, 7), rule=True, indent="  "))
        lines += notes
    return "\n".join(lines)


def explain_text(summary: ExplainSummary) -> str:
    """The walk, ``--top`` sequences per step, and the JSON written."""
    lines = [format_walk(summary.walk, summary.request.top)]
    if summary.json_path is not None:
        lines.append(f"wrote {summary.json_path}")
    return "\n".join(lines)


def sensitivity_text(summary: SensitivitySummary) -> str:
    """One row per run, the flipped sequences, what was skipped, and the JSON written."""
    result = summary.result
    lines = [f"{summary.request.dataset} — protocol {result.protocol}, {len(result.sequence_names)} sequences",
             format_sensitivity(result)]
    if result.skipped:
        lines.append(_skipped_names(result.skipped, len(result.sequence_names) + len(result.skipped)))
    if summary.json_path is not None:
        lines.append(f"wrote {summary.json_path}")
    return "\n".join(lines)


def _skipped_names(skipped: dict[str, SequenceOf[str]], requested: int) -> str:
    shown = ", ".join(list(skipped)[:10]) + (" ..." if len(skipped) > 10 else "")
    return f"evaluated over {requested - len(skipped)} / {requested} sequences (skipped for missing results: {shown})"
