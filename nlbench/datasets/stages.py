"""The datasets layer's stages: ``nlbench datasets`` (the listing) and ``nlbench datasets verify`` as requests.

The checks are :mod:`nlbench.datasets.verify`'s.

    >>> DatasetsVerifyRequest(dataset="otb99", root=Path("/data/OTB"), sequences=("Biker", "Bird1")).to_argv()
    ['datasets', 'verify', '--dataset', 'otb99', '--root', '/data/OTB', '--sequences', 'Biker,Bird1']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlbench.core.request import Request, comma_option, option
from nlbench.datasets.base import VerifyReport
from nlbench.datasets.verify import verify_dataset

__all__ = ["DatasetsRequest", "DatasetsSummary", "DatasetsVerifyRequest", "DatasetsVerifySummary", "datasets_stage",
           "datasets_text", "datasets_verify_stage", "datasets_verify_text"]


@dataclass(frozen=True, kw_only=True)
class DatasetsRequest(Request):
    """``nlbench datasets``: every registered dataset, its description and the variable naming its root."""

    verb = ("datasets",)


@dataclass(frozen=True)
class DatasetsSummary:
    request: DatasetsRequest
    rows: tuple[tuple[str, str, str], ...]  # (name, description, environment variable or "")
    config: Path  # the user config file, where [roots] may name the folders


def datasets_stage(request: DatasetsRequest) -> DatasetsSummary:
    """The registered datasets (a broken third-party plugin is listed with why, not hidden).

        >>> rows = datasets_stage(DatasetsRequest()).rows
        >>> next(row for row in rows if row[0] == "tnl2k")[2]
        'NLBENCH_TNL2K_ROOT'
    """
    from nlbench.core.config import config_path
    from nlbench.core.errors import PluginError
    from nlbench.core.registry import DATASET_GROUP, describe, get_dataset

    rows = []
    for name, text in describe(DATASET_GROUP):
        env = ""
        if not text.startswith("(unavailable"):
            try:
                env = get_dataset(name).env_var or ""
            except PluginError:
                pass
        rows.append((name, text, env))
    return DatasetsSummary(request, tuple(rows), config_path())


def datasets_text(summary: DatasetsSummary) -> str:
    """One line per dataset, its root variable in brackets, then where the user config is."""
    from nlbench.core.textable import text_table

    rows = [(name, f"{text}  [{env}]" if env else text) for name, text, env in summary.rows]
    table = text_table(rows, indent="  ") + "\n" if rows else ""
    return f"{table}\nuser config: {summary.config}"


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
