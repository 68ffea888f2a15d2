"""``nlbench datasets verify``: is a dataset root complete and readable, and is it the official set?

Checks, per dataset (each plugin's ``verify`` function): the sequences found against the official
list (SHA-256 of the sorted names, eval-spec §3), annotation files present and parseable, GT rows
against frames, flag files against GT rows (LaSOT), sentences present and non-empty.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from nlbench.datasets.base import VerifyReport
from nlbench.core.errors import NlbenchError
from nlbench.core.types import DatasetPlugin


def verify_dataset(
    dataset: str | DatasetPlugin, root: str | os.PathLike | None = None, names: Iterable[str] | None = None
) -> VerifyReport:
    """Verify a dataset root (resolved like every command: --root, env var, config) and return the report.

    ``names``: only these sequences (default: the official list).  The verb is
    :func:`nlbench.datasets.stages.datasets_verify_stage`.
    """
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
