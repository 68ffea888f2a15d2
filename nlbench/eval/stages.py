"""The evaluation stages: ``eval``, ``compare``, ``explain`` and ``sensitivity`` as requests.

Each verb is a frozen request (its options, with the CLI's defaults; ``to_argv()`` gives its command
line) and one function ``<verb>_stage(request) -> <Verb>Summary`` that computes, writes what the options
ask for (``--json``, the leaderboard store) and returns a frozen summary; it never prints.  The terminal
text of a summary is :mod:`nlbench.eval.text`'s.

    >>> EvalRequest(dataset="synth", results=("A=runs/a",), sequences=("s1", "s2"), protocol="all").to_argv()
    ['eval', '--dataset', 'synth', '--sequences', 's1,s2', '--results', 'A=runs/a', '--protocol', 'all']
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass
from pathlib import Path

from nlbench.core.errors import EvaluationError
from nlbench.core.io import atomic_write_json
from nlbench.core.request import Request, comma_option, option
from nlbench.core.types import Sequence
from nlbench.datasets import load_sequences
from nlbench.eval.evaluate import EvaluationResult, evaluate
from nlbench.eval.explain import Walk, explain
from nlbench.eval.matrix import ProtocolMatrix, evaluate_protocols, parse_protocols
from nlbench.eval.protocols import DEFAULT_PROTOCOL
from nlbench.eval.sensitivity import SensitivityResult, sensitivity
from nlbench.eval.sources import parse_results_option
from nlbench.eval.statistics import PairedComparison, paired_comparison
from nlbench.store.evaluated import DEFAULT_STORE, store_evaluation

__all__ = [
    "CompareRequest", "CompareSummary", "EvalRequest", "EvalSummary", "ExplainRequest", "ExplainSummary",
    "SensitivityRequest", "SensitivitySummary", "compare_stage", "eval_stage", "explain_stage", "sensitivity_stage",
]

def keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse instead of returning it to the kernel.

    Evaluation allocates and frees arrays of megabytes (parsed files, per-frame errors); by default
    glibc unmaps them and every reuse page-faults again, which cost a third of a cold ``eval`` of a
    LaSOT-sized set in kernel time.  A no-op where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 256 << 20)  # blocks below 256 MB come from the reusable heap
    mallopt(m_trim_threshold, 1 << 30)  # and up to 1 GB of freed heap is kept


def _inputs(request: EvalRequest | CompareRequest | ExplainRequest) -> tuple[list[Sequence], dict[str, str]]:
    """The named result folders and the sequences to score them on, read once per stage."""
    sources = parse_results_option(request.results)
    sequences = load_sequences(request.dataset, request.root, request.split,
                               list(request.sequences) if request.sequences is not None else None, with_frames=False)
    return sequences, sources


# ---------------------------------------------------------------------------------------------------- eval


@dataclass(frozen=True, kw_only=True)
class EvalRequest(Request):
    """``nlbench eval``: score result folders under one protocol, or several (``all``, a comma list)."""

    verb = ("eval",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    results: tuple[str, ...] = option("--results")
    protocol: str = option("--protocol", default=DEFAULT_PROTOCOL)
    skip_missing: bool = option("--skip-missing", default=False)
    no_cache: bool = option("--no-cache", default=False)
    strict_reference: bool = option("--strict-reference", default=False)
    allow_non_finite: bool = option("--allow-non-finite", default=False)
    json_out: Path | None = option("--json", default=None)
    bootstrap: bool = option("--bootstrap/--no-bootstrap", default=True)
    store: Path = option("--store", default=DEFAULT_STORE)
    no_store: bool = option("--no-store", default=False)


@dataclass(frozen=True)
class EvalSummary:
    """What ``eval`` computed and wrote: one evaluation, or the trackers x protocols ``matrix``."""

    request: EvalRequest
    evaluation: EvaluationResult | None
    matrix: ProtocolMatrix | None
    json_path: Path | None
    stored: tuple[Path, ...]  # the leaderboard entries written (none with --no-store)

    @property
    def evaluations(self) -> list[EvaluationResult]:
        """Every joint evaluation: the one, or one per protocol of the matrix that scored all trackers."""
        if self.matrix is not None:
            return list(self.matrix.evaluations.values())
        return [self.evaluation] if self.evaluation is not None else []


def eval_stage(request: EvalRequest) -> EvalSummary:
    """Score ``request.results`` on the dataset's sequences; write ``--json`` and the leaderboard entries.

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> root, a, b = write_example(tempfile.mkdtemp())
    >>> summary = eval_stage(EvalRequest(dataset="synth", root=root, results=(f"A={a}", f"B={b}"), no_store=True))
    >>> {name: round(t.auc, 2) for name, t in summary.evaluation.trackers.items()}  # 80/84 and 62/84 (21 thresholds)
    {'A': 95.24, 'B': 73.81}
    """
    keep_freed_memory()
    protocols = parse_protocols(request.protocol)
    sequences, sources = _inputs(request)
    options = dict(skip_missing=request.skip_missing, strict=request.strict_reference, bootstrap=request.bootstrap,
                   cache=not request.no_cache, allow_non_finite=request.allow_non_finite)
    evaluation, matrix = None, None
    if len(protocols) > 1:
        matrix = evaluate_protocols(sequences, sources, request.dataset, protocols, **options)
        data = matrix.to_json()
        evaluations = list(matrix.evaluations.values())
    else:
        evaluation = evaluate(sequences, sources, dataset=request.dataset, protocol=protocols[0].name, **options)
        data = evaluation.to_json()
        evaluations = [evaluation]
    if request.json_out is not None:
        atomic_write_json(request.json_out, data)
    stored: list[Path] = []
    if not request.no_store:
        for joint in evaluations:
            stored += store_evaluation(joint, dict(sources), request.store)
    return EvalSummary(request, evaluation, matrix, request.json_out, tuple(stored))


# ------------------------------------------------------------------------------------------------- compare


@dataclass(frozen=True, kw_only=True)
class CompareRequest(Request):
    """``nlbench compare``: is one tracker's AUC really different from the other's (paired tests)?"""

    verb = ("compare",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    results: tuple[str, ...] = option("--results")
    protocol: str = option("--protocol", default=DEFAULT_PROTOCOL)
    skip_missing: bool = option("--skip-missing", default=False)
    no_cache: bool = option("--no-cache", default=False)
    strict_reference: bool = option("--strict-reference", default=False)
    allow_non_finite: bool = option("--allow-non-finite", default=False)
    alpha: float = option("--alpha", default=0.05)
    json_out: Path | None = option("--json", default=None)


@dataclass(frozen=True)
class CompareSummary:
    request: CompareRequest
    evaluation: EvaluationResult
    comparison: PairedComparison
    json_path: Path | None


def compare_stage(request: CompareRequest) -> CompareSummary:
    """Score the two result folders together, then test their per-sequence AUCs; write ``--json``.

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> root, a, b = write_example(tempfile.mkdtemp())
    >>> summary = compare_stage(CompareRequest(dataset="synth", root=root, results=(f"A={a}", f"B={b}")))
    >>> round(summary.comparison.mean_difference, 2)  # AUC points of A over B, on both sequences alike
    21.43
    """
    if len(request.results) != 2:
        raise EvaluationError("compare needs exactly two --results NAME=DIR")
    keep_freed_memory()
    sequences, sources = _inputs(request)
    evaluation = evaluate(sequences, sources, dataset=request.dataset, protocol=request.protocol,
                          skip_missing=request.skip_missing, strict=request.strict_reference, bootstrap=False,
                          cache=not request.no_cache, allow_non_finite=request.allow_non_finite)
    (a_name, a), (b_name, b) = evaluation.trackers.items()
    comparison = paired_comparison(a_name, a.sequence_auc, b_name, b.sequence_auc, alpha=request.alpha)
    if request.json_out is not None:
        atomic_write_json(request.json_out, {"dataset": request.dataset, "protocol": evaluation.protocol.name,
                                             **comparison.to_json()})
    return CompareSummary(request, evaluation, comparison, request.json_out)


# ------------------------------------------------------------------------------------------------- explain


@dataclass(frozen=True, kw_only=True)
class ExplainRequest(Request):
    """``nlbench explain``: walk from protocol ``start`` to ``end`` one rule at a time."""

    verb = ("explain",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    results: tuple[str, ...] = option("--results")
    start: str = option("--from")
    end: str = option("--to")
    top: int = option("--top", default=3)  # sequences listed per step in the text
    skip_missing: bool = option("--skip-missing", default=False)
    allow_non_finite: bool = option("--allow-non-finite", default=False)
    json_out: Path | None = option("--json", default=None)


@dataclass(frozen=True)
class ExplainSummary:
    request: ExplainRequest
    walk: Walk
    json_path: Path | None


def explain_stage(request: ExplainRequest) -> ExplainSummary:
    """Score every tracker under ``--from``, after each rule step and under ``--to``; write ``--json``.

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> root, a, b = write_example(tempfile.mkdtemp())
    >>> walk = explain_stage(ExplainRequest(dataset="synth", root=root, results=(f"B={b}",),
    ...                                     start="jointnlt", end="pytracking")).walk
    >>> [step.rule.label for step in walk.steps]  # two rules; the start frame moves only OTB's Tiger1
    ['start frame', 'validity rule']
    >>> round(walk.trackers["B"].to_json(walk.steps)["end"]["auc"], 2)  # which no box of B meets
    73.81
    """
    sequences, sources = _inputs(request)
    walk = explain(sequences, sources, request.dataset, request.start, request.end,
                   skip_missing=request.skip_missing, allow_non_finite=request.allow_non_finite)
    if request.json_out is not None:
        atomic_write_json(request.json_out, walk.to_json())
    return ExplainSummary(request, walk, request.json_out)


# --------------------------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True, kw_only=True)
class SensitivityRequest(Request):
    """``nlbench sensitivity``: runs of one tracker that differ only in their sentences, against a base run."""

    verb = ("sensitivity",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    base: str = option("--base")  # NAME=DIR
    variants: tuple[str, ...] = option("--variant")  # LABEL=DIR each
    skip_missing: bool = option("--skip-missing", default=False)
    protocol: str = option("--protocol", default=DEFAULT_PROTOCOL)
    alpha: float = option("--alpha", default=0.05)
    json_out: Path | None = option("--json", default=None)


@dataclass(frozen=True)
class SensitivitySummary:
    request: SensitivityRequest
    result: SensitivityResult
    json_path: Path | None


def sensitivity_stage(request: SensitivityRequest) -> SensitivitySummary:
    """Score the base and each variant run, compare each with the base; write ``--json``.

    >>> import tempfile
    >>> from nlbench.eval.example import write_example
    >>> root, a, b = write_example(tempfile.mkdtemp())
    >>> result = sensitivity_stage(SensitivityRequest(dataset="synth", root=root, base=f"original={a}",
    ...                                               variants=(f"other={b}",))).result
    >>> round(result.base.auc, 2), round(result.variants[0].auc, 2)
    (95.24, 73.81)
    """
    (base_name, base_dir), = parse_results_option([request.base]).items()
    variant_dirs = list(parse_results_option(request.variants).items())
    sequences = load_sequences(request.dataset, request.root, request.split,
                               list(request.sequences) if request.sequences is not None else None, with_frames=False)
    result = sensitivity(sequences, (base_name, base_dir), variant_dirs, dataset=request.dataset,
                         protocol=request.protocol, alpha=request.alpha, skip_missing=request.skip_missing)
    if request.json_out is not None:
        atomic_write_json(request.json_out, result.to_json())
    return SensitivitySummary(request, result, request.json_out)
