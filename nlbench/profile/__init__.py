"""Profiling: paper-compatible MACs (thop 0.0.31 rules), true FLOPs, parameters and latency per phase.

Plugins describe their phases with :class:`~nlbench.profile.spec.ProfileSpec` (``TrackerPlugin.profile``);
:func:`~nlbench.profile.profiler.profile` measures them; :func:`~nlbench.profile.table.format_table` renders
the Table-2-like text and ``ProfileResult.as_json()`` the JSON that ``nlbench profile --json`` writes.
"""

from nlbench.profile.macs import THOP_0_0_31_RULES, MacRule, MacsCount, count_macs
from nlbench.profile.spec import CountPass, PaperFigures, PhaseSpec, ProfileSpec, compose

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
