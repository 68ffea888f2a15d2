"""The datasets layer's stage: ``nlbench datasets verify`` as a request (the checks: :mod:`nlbench.datasets.verify`).

    >>> DatasetsVerifyRequest(dataset="otb99", root=Path("/data/OTB"), sequences=("Biker", "Bird1")).to_argv()
    ['datasets', 'verify', '--dataset', 'otb99', '--root', '/data/OTB', '--sequences', 'Biker,Bird1']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlbench.core.request import Request, comma_option, option
from nlbench.datasets.base import VerifyReport
from nlbench.datasets.verify import verify_dataset

__all__ = ["DatasetsVerifyRequest", "DatasetsVerifySummary", "datasets_verify_stage", "datasets_verify_text"]


@dataclass(frozen=True, kw_only=True)
class DatasetsVerifyRequest(Request):
    """``nlbench datasets verify``: check a dataset root (``examples``: examples shown per problem kind)."""

    verb = ("datasets", "verify")
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    examples: int = option("--examples", default=3)
    json_out: Path | None = option("--json", default=None)


@dataclass(frozen=True)
class DatasetsVerifySummary:
    request: DatasetsVerifyRequest
    report: VerifyReport
    json_path: Path | None = None


def datasets_verify_stage(request: DatasetsVerifyRequest) -> DatasetsVerifySummary:
    """Verify a dataset root (resolved like every command: --root, env var, config); write ``--json``.

        >>> summary = datasets_verify_stage(DatasetsVerifyRequest(dataset="synth", sequences=("synth_test_0001",)))
        >>> summary.report.ok, summary.report.checked
        (True, 1)
    """
    from nlbench.core.io import atomic_write_json

    report = verify_dataset(request.dataset, request.root, request.sequences)
    if request.json_out is not None:
        atomic_write_json(request.json_out, report.to_dict())
    return DatasetsVerifySummary(request, report, request.json_out)


def datasets_verify_text(summary: DatasetsVerifySummary) -> str:
    """One line per problem kind with its count, then up to ``examples`` examples of each."""
    return summary.report.summary(examples=summary.request.examples)
