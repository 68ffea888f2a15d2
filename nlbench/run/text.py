"""Terminal text of the run layer's summaries (what ``nlbench run/ground/sentences/train`` print).

    >>> from nlbench.run.stages import SentencesRequest, SentencesSummary
    >>> request = SentencesRequest(dataset="synth", variant="minimal", out=Path("m.csv"))
    >>> sentences_text(SentencesSummary(request, Path("m.csv"), 40))
    '40 sentence(s) (synth, minimal) -> m.csv'
"""

from __future__ import annotations

import json
from pathlib import Path

from nlbench.core.textable import text_table
from nlbench.run.stages import GroundSummary, RunSummary, SentencesSummary, TrackersSummary, TrainSummary

__all__ = ["ground_text", "run_failures_text", "run_text", "sentences_text", "trackers_text", "train_text"]


def trackers_text(summary: TrackersSummary) -> str:
    """One line per registered tracker: its name and description."""
    return text_table(list(summary.rows), indent="  ") if summary.rows else ""


def run_text(summary: RunSummary) -> str:
    """How many sequences ran, were done before, failed (and were claimed by another run), and where."""
    elsewhere = f", {len(summary.elsewhere)} claimed by another run" if summary.elsewhere else ""
    return (f"{len(summary.done)} sequence(s) run, {len(summary.skipped)} already done, "
            f"{len(summary.failed)} failed{elsewhere} -> {summary.out_dir}")


def run_failures_text(summary: RunSummary) -> str:
    """Each failed sequence with the first line of its error, and where the whole record is (stderr)."""
    lines = [f"  failed: {name}: {error}" for name, error in summary.failed.items()]
    return "\n".join([*lines, f"  details in {summary.out_dir / 'run.json'}"])


def ground_text(summary: GroundSummary) -> str:
    """Where the predictions went (not for a rescore), then the accuracy with everything that traces it."""
    where = "" if summary.rescored else f"predictions: {summary.predictions}\n"
    return where + summary.result.summary()


def sentences_text(summary: SentencesSummary) -> str:
    return f"{summary.count} sentence(s) ({summary.request.dataset}, {summary.request.variant}) -> {summary.path}"


def train_text(summary: TrainSummary) -> str:
    """The plugin's description of the run as JSON, then the weights file."""
    return json.dumps(summary.details, indent=2) + f"\nweights: {summary.weights}"
