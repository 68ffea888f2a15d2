"""Terminal text of the profile stage's summary (what ``nlbench profile`` prints)."""

from __future__ import annotations

from nlbench.profile.stages import ProfileSummary
from nlbench.profile.table import format_table

__all__ = ["profile_text"]


def profile_text(summary: ProfileSummary) -> str:
    """The Table-2-like table, then where the JSON went (if it was asked for)."""
    wrote = f"\nwrote {summary.json_path}" if summary.json_path is not None else ""
    return format_table(summary.result) + wrote
