"""Profiling: paper-compatible MACs (thop 0.0.31 rules), true FLOPs, parameters and latency per phase.

Plugins describe their phases with :class:`~nlbench.profile.spec.ProfileSpec` (``TrackerPlugin.profile``);
:func:`~nlbench.profile.profiler.profile` measures them; :func:`~nlbench.profile.table.format_table` renders
the Table-2-like text and ``ProfileResult.as_json()`` the JSON that ``nlbench profile --json`` writes.
"""

from importlib import import_module
from typing import Any

# Imported on first use: the package's request (nlbench/profile/stages.py) is read by experiment plans and
# dry runs, which must not pay for torch.
_HOMES = {"THOP_0_0_31_RULES": "macs", "MacRule": "macs", "MacsCount": "macs", "count_macs": "macs",
          "CountPass": "spec", "PaperFigures": "spec", "PhaseSpec": "spec", "ProfileSpec": "spec", "compose": "spec"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"nlbench.profile.{_HOMES[name]}"), name)


__all__ = [
    "THOP_0_0_31_RULES",
    "MacRule",
    "MacsCount",
    "count_macs",
    "CountPass",
    "PaperFigures",
    "PhaseSpec",
    "ProfileSpec",
    "compose",
]
