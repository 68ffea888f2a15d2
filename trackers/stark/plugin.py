"""``stark-st101`` and ``stark-st50`` plugins (entry points in pyproject.toml), one per row of ``VARIANTS``,
with their batched forms (``nlbench run --batch-size``: B slots through the per-sequence tracker's network)."""

from __future__ import annotations

from typing import Any

import torch

from nlbench_trackers.common.plugin import Family, Variant, family_plugins
from nlbench_trackers.stark.model import StarkST
from nlbench_trackers.stark.tracker import StarkTracker, update_interval_for
from nlbench_trackers.stark.variants import VARIANTS


def make_tracker(network: StarkST, device: torch.device, variant: Variant, options: dict[str, Any]) -> StarkTracker:
    """Options: ``dataset`` (sets the template update interval, baselines-spec §3.1), ``update_interval`` (overrides it)."""
    intervals = variant.settings["update_intervals"]
    interval = int(options.get("update_interval") or update_interval_for(options.get("dataset"), intervals))
    return StarkTracker(network, device, interval)


FAMILY = Family("stark", StarkST, make_tracker, modes=("bb",), batched="nlbench_trackers.stark.batched:BatchedStark")
#: ``STARK_ST101``, ``STARK_ST50``: one record per row of ``VARIANTS``
__getattr__ = family_plugins(__name__, FAMILY, VARIANTS)
