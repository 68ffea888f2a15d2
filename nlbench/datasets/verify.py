"""``nlbench datasets verify``: is a dataset root complete and readable, and is it the official set?

Checks, per dataset (each plugin's ``verify`` function): the sequences found against the official
list (SHA-256 of the sorted names, eval-spec §3), annotation files present and parseable, GT rows
against frames, flag files against GT rows (LaSOT), sentences present and non-empty.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable

import click

from nlbench.datasets.base import VerifyReport
from nlbench.core.errors import NlbenchError
from nlbench.core.types import DatasetPlugin


def verify_dataset(
    dataset: str | DatasetPlugin, root: str | os.PathLike | None = None, names: Iterable[str] | None = None
) -> VerifyReport:
    """Verify a dataset root (resolved like every command: --root, env var, config) and return the report."""
    from nlbench.core.config import resolve_root
    from nlbench.core.registry import get_dataset

    plugin = get_dataset(dataset) if isinstance(dataset, str) else dataset
    path = resolve_root(plugin, root)
    if plugin.verify is not None:
        return plugin.verify(path, names=list(names) if names is not None else None)
    return _verify_by_loading(plugin, path, names)


def _verify_by_loading(plugin: DatasetPlugin, root: Path, names: Iterable[str] | None) -> VerifyReport:
    """Fallback for plugins without a ``verify``: the dataset is fine if it loads."""
    report = VerifyReport(plugin.name, root)
    try:
        selected = list(names) if names else None
        loaded = plugin.load(root, plugin.default_split, names=selected, with_frames=False)
        report.expected = report.checked = len(loaded)
    except NlbenchError as exc:
        report.add("unreadable", "", str(exc))
    return report


@click.command("verify")
@click.option("--dataset", "-d", required=True, help="Dataset name (see `nlbench datasets`).")
@click.option("--root", type=click.Path(path_type=Path), help="Dataset root (else NLBENCH_<NAME>_ROOT or the config file).")
@click.option("--sequences", metavar="A,B,...", help="Check only these sequences (default: the official list).")
@click.option("--examples", default=3, show_default=True, help="Examples shown per problem kind.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON.")
def verify_cmd(dataset: str, root: Path | None, sequences: str | None, examples: int, json_out: Path | None) -> None:
    """Check a dataset root: official sequence list, annotation files, GT rows vs frames, sentences.

    Prints one line per problem kind with its count, then examples; exits with status 1 when
    anything is wrong.

    \b
    Examples:
      nlbench datasets verify --dataset lasot --root /data/LaSOT
      nlbench datasets verify --dataset tnl2k --root /data/TNL2K_test --json tnl2k-check.json
      nlbench datasets verify --dataset otb99 --root /data/OTB_sentences --sequences Biker,Skating2-1
    """
    names = [s.strip() for s in sequences.split(",") if s.strip()] if sequences else None
    report = verify_dataset(dataset, root, names)
    click.echo(report.summary(examples=examples), nl=False)
    if json_out is not None:
        from nlbench.core.io import atomic_write_json

        atomic_write_json(json_out, report.to_dict())
    if not report.ok:
        sys.exit(1)
