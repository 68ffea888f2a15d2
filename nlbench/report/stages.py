"""The reporting stages: ``report``, ``leaderboard`` and ``visualize`` as requests.

As in :mod:`nlbench.eval.stages`: a frozen request per verb (its options and their CLI defaults;
``to_argv()`` is its command line), one function ``<verb>_stage(request) -> <Verb>Summary`` that writes
what the options ask for and never prints, and the summary's text in :mod:`nlbench.report.text`.
Raw result folders given with ``--results NAME[@INIT]=DIR`` are scored on ``--root``/``--split``/
``--sequences`` exactly as ``nlbench eval`` scores them (``--skip-missing`` alike).

    >>> LeaderboardRequest(dataset="synth", sequences=("s1",), results=("A@bb=runs/a",)).to_argv()
    ['leaderboard', '--dataset', 'synth', '--sequences', 's1', '--results', 'A@bb=runs/a']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlbench.core.errors import ReportInputError
from nlbench.core.request import Request, comma_option, option
from nlbench.eval.sources import parse_results_option
from nlbench.report.inputs import evaluate_result_dirs
from nlbench.report.leaderboard import Leaderboard, build_leaderboard
from nlbench.report.viz.render import Rendered, visualize
from nlbench.report.writer import ReportPaths, write_report
from nlbench.store.evaluated import DEFAULT_STORE

__all__ = [
    "LeaderboardRequest", "LeaderboardSummary", "ReportRequest", "ReportSummary", "VisualizeRequest",
    "VisualizeSummary", "leaderboard_stage", "report_stage", "visualize_stage",
]


# -------------------------------------------------------------------------------------------------- report


@dataclass(frozen=True, kw_only=True)
class ReportRequest(Request):
    """``nlbench report``: the HTML page, LaTeX tables and plots of measured and published numbers."""

    verb = ("report",)
    datasets: tuple[str, ...] = option("--dataset", default=())
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    skip_missing: bool = option("--skip-missing", default=False)
    results: tuple[str, ...] = option("--results", default=())
    eval_json: tuple[Path, ...] = option("--eval-json", default=())
    protocol: str | None = option("--protocol", default=None)
    grounding: tuple[Path, ...] = option("--grounding", default=())
    profiles: tuple[Path, ...] = option("--profile", default=())
    sensitivity: tuple[Path, ...] = option("--sensitivity", default=())
    qualitative: int = option("--qualitative", default=0)
    qualitative_pick: str = option("--qualitative-pick", default="worst")
    reported: bool = option("--reported", default=False)
    evaluated: bool = option("--evaluated", default=False)
    store: Path = option("--store", default=DEFAULT_STORE)
    allow_non_finite: bool = option("--allow-non-finite", default=False)
    # always spelled out, as experiment plans print them
    title: str = option("--title", default="nlbench report", always=True)
    scale: str = option("--scale", default="fraction", always=True)
    out: Path = option("--out")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("eval_json", "grounding", "profiles", "sensitivity"):
            object.__setattr__(self, name, tuple(Path(p) for p in getattr(self, name)))


@dataclass(frozen=True)
class ReportSummary:
    request: ReportRequest
    paths: ReportPaths


def report_stage(request: ReportRequest) -> ReportSummary:
    """Write ``out/index.html``, ``out/tables.tex`` (+ preview) and ``out/plots/`` (see :func:`write_report`).

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> folder = Path(tempfile.mkdtemp())
    >>> root, a, b = write_example(folder)
    >>> paths = report_stage(ReportRequest(datasets=("synth",), root=root, results=(f"A@bb={a}",),
    ...                                    out=folder / "report")).paths
    >>> paths.index_html.name, "0.952" in paths.tables_tex.read_text()  # AUC 80/84 on the paper's scale
    ('index.html', True)
    """
    paths = write_report(
        request.out,
        request.datasets,
        eval_json=request.eval_json,
        results=request.results,
        root=request.root,
        profiles=request.profiles,
        grounding=request.grounding,
        include_reported=request.reported,
        protocol=request.protocol,
        store=request.store if request.evaluated else None,
        title=request.title,
        scale=request.scale,
        allow_non_finite=request.allow_non_finite,
        sensitivity=request.sensitivity,
        qualitative=request.qualitative,
        qualitative_pick=request.qualitative_pick,
        split=request.split,
        sequences=request.sequences,
        skip_missing=request.skip_missing,
    )
    return ReportSummary(request, paths)


# --------------------------------------------------------------------------------------------- leaderboard


@dataclass(frozen=True, kw_only=True)
class LeaderboardRequest(Request):
    """``nlbench leaderboard``: published and measured scores of one dataset, ranked per protocol family."""

    verb = ("leaderboard",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    skip_missing: bool = option("--skip-missing", default=False)
    results: tuple[str, ...] = option("--results", default=())  # NAME[@INIT]=DIR, scored here
    allow_non_finite: bool = option("--allow-non-finite", default=False)
    source: str = option("--source", default="all")
    classes: str = option("--sources", default="primary")
    protocol: str | None = option("--protocol", default=None)
    store: Path | None = option("--store", default=None)
    json_out: Path | None = option("--json", default=None)
    csv_out: Path | None = option("--csv", default=None)
    html_out: Path | None = option("--html", default=None)


@dataclass(frozen=True)
class LeaderboardSummary:
    request: LeaderboardRequest
    board: Leaderboard
    written: tuple[Path, ...]  # --json, --csv, --html in that order, those given


def leaderboard_stage(request: LeaderboardRequest) -> LeaderboardSummary:
    """Rank the dataset's published rows, its stored evaluations and the ``results`` folders scored here.

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> folder = Path(tempfile.mkdtemp())
    >>> root, a, b = write_example(folder)
    >>> board = leaderboard_stage(LeaderboardRequest(dataset="synth", root=root, results=(f"A@bb={a}", f"B@bb={b}"),
    ...                                              store=folder / "store")).board
    >>> [(e.rank, e.tracker, e.init, round(e.auc, 1)) for e in board.entries]
    [(1, 'A', 'BB', 95.2), (2, 'B', 'BB', 73.8)]
    """
    if request.results and request.source == "reported":
        raise ReportInputError("--results adds measured rows; --source reported shows published numbers only")
    measured = evaluate_result_dirs(
        request.dataset, list(request.results), root=request.root, protocol=request.protocol,
        allow_non_finite=request.allow_non_finite, split=request.split, sequences=request.sequences,
        skip_missing=request.skip_missing,
    )
    board = build_leaderboard(request.dataset, source=request.source, protocol=request.protocol, store=request.store,
                              measured=measured, classes=request.classes)
    written: list[Path] = []
    if request.json_out:
        board.write_json(request.json_out)
        written.append(request.json_out)
    if request.csv_out:
        board.write_csv(request.csv_out)
        written.append(request.csv_out)
    if request.html_out:
        from nlbench.report.leaderboard_html import write_leaderboard_html

        write_leaderboard_html(board, request.html_out)
        written.append(request.html_out)
    return LeaderboardSummary(request, board, tuple(written))


# ----------------------------------------------------------------------------------------------- visualize


@dataclass(frozen=True, kw_only=True)
class VisualizeRequest(Request):
    """``nlbench visualize``: every tracker's boxes on a sequence's frames (MP4, GIF, PNG strip)."""

    verb = ("visualize",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")  # what --pick ranks
    skip_missing: bool = option("--skip-missing", default=False)
    results: tuple[str, ...] = option("--results")
    sequence: str | None = option("--sequence", default=None)
    pick_rule: str | None = option("--pick", default=None)
    count: int = option("--count", default=1)
    context: int = option("--context", default=25)
    frames: str | None = option("--frames", default=None)
    out: Path = option("--out")
    width: int | None = option("--width", default=None)
    keyframes: int = option("--keyframes", default=5)
    fps: float = option("--fps", default=25.0)
    quiet: bool = option("--quiet", default=False)


@dataclass(frozen=True)
class VisualizeSummary:
    request: VisualizeRequest
    written: tuple[Rendered, ...]


def visualize_stage(request: VisualizeRequest) -> VisualizeSummary:
    """Draw the boxes of ``--sequence``, or of the sequences ``--pick`` chooses, into ``--out``.

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> folder = Path(tempfile.mkdtemp())
    >>> root, a, b = write_example(folder, frames=True)
    >>> summary = visualize_stage(VisualizeRequest(dataset="synth", root=root, results=(f"A={a}", f"B={b}"),
    ...                                            pick_rule="disagree", out=folder / "strip.png", quiet=True))
    >>> [(item.path.name, item.sequence, item.frames) for item in summary.written]  # a tie: the first one
    [('strip.png', 'synth_test_0001', range(0, 4))]
    """
    written = visualize(
        request.dataset,
        parse_results_option(request.results),
        request.out,
        sequence=request.sequence,
        pick_rule=request.pick_rule,
        count=request.count,
        frames=request.frames,
        root=request.root,
        split=request.split,
        width=request.width,
        keyframes=request.keyframes,
        fps=request.fps,
        context=request.context,
        progress=not request.quiet,
        sequences=request.sequences,
        skip_missing=request.skip_missing,
    )
    return VisualizeSummary(request, tuple(written))
