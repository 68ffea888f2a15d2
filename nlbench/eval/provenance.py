"""What produced a number: nlbench's version, the protocol's every rule, the sequence list's digest, the run.

Every evaluation JSON (``eval --json``, ``--protocol all``), stored evaluation and grounding JSON
carries a ``provenance`` object built here, so a printed score can be traced to its inputs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from nlbench.eval.protocols import Protocol

__all__ = ["protocol_rules", "run_provenance", "sequence_digest", "tool_version"]

#: the run.json fields that identify how a result folder was produced
RUN_FIELDS = ("tracker", "mode", "checkpoint_sha256", "command")


def tool_version() -> str:
    from nlbench import __version__

    return __version__


def protocol_rules(protocol: Protocol) -> dict[str, Any]:
    """Every field of the rules object (threshold tuples as lists), so the protocol can be rebuilt."""
    return {f.name: list(v) if isinstance(v := getattr(protocol, f.name), tuple) else v for f in fields(protocol)}


def sequence_digest(names: Iterable[str]) -> dict[str, Any]:
    """``{"n", "sha256"}`` of the evaluated sequence list, in the official lists' digest form (sorted, one per line)."""
    from nlbench.datasets.base import names_sha256

    names = list(names)
    return {"n": len(names), "sha256": names_sha256(names)}


def run_provenance(source: str | os.PathLike | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Tracker, mode, checkpoint SHA-256 and command from the result folder's ``run.json``; None without one."""
    if source is None or isinstance(source, Mapping):
        return None
    from nlbench.store.manifest import find_manifest

    manifest = find_manifest(Path(source))
    if manifest is None:
        return None
    return {key: manifest.get(key) for key in RUN_FIELDS}


def command_line() -> str:
    return " ".join(sys.argv)


def grounding_provenance(
    records: Iterable[Any], rule: str, grounder: str | None = None, checkpoint: Any = None, command: str | None = None
) -> dict[str, Any]:
    """Provenance of a grounding score: version, the rule's values, the samples' digest, grounder and weights.

    ``command``: the command line that grounded them (the request's; default this process's).
    """
    from nlbench.eval.grounding import rule_values
    from nlbench.store.manifest import sha256_file

    keys = [f"{r.split}/{r.ref_id}/{r.ann_id}/{Path(r.image).name}/{r.index}" for r in records]
    run: dict[str, Any] | None = None
    if grounder is not None:
        paths = checkpoint if isinstance(checkpoint, Mapping) else {"grounder": checkpoint} if checkpoint else {}
        run = {
            "tracker": grounder,
            "mode": "grounding",
            "checkpoint_sha256": {role: sha256_file(p) for role, p in paths.items() if p and Path(p).is_file()},
            "command": command if command is not None else command_line(),
        }
    return {"nlbench": tool_version(), "rule": rule_values(rule), "samples": sequence_digest(keys), "run": run}
