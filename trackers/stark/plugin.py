"""``stark-st101`` and ``stark-st50`` plugins (entry points in pyproject.toml), one per row of ``VARIANTS``."""

from __future__ import annotations

from typing import Any

import torch

from nlbench_trackers.common.plugin import Variant, baseline_plugin
from nlbench_trackers.stark.model import StarkST
from nlbench_trackers.stark.tracker import StarkTracker, update_interval_for
from nlbench_trackers.stark.variants import VARIANTS


def make_tracker(network: StarkST, device: torch.device, variant: Variant, options: dict[str, Any]) -> StarkTracker:
    """Options: ``dataset`` (sets the template update interval, baselines-spec §3.1), ``update_interval`` (overrides it)."""
    intervals = variant.settings["update_intervals"]
    interval = int(options.get("update_interval") or update_interval_for(options.get("dataset"), intervals))
    return StarkTracker(network, device, interval)


STARK_ST101 = baseline_plugin("stark", VARIANTS["st101"], StarkST, make_tracker, modes=("bb",))
STARK_ST50 = baseline_plugin("stark", VARIANTS["st50"], StarkST, make_tracker, modes=("bb",))

# Batched forms (``nlbench run --batch-size``): B slots through the per-sequence tracker's network.
from dataclasses import replace as _replace  # noqa: E402

from nlbench_trackers.common.batched import batched_from  # noqa: E402

STARK_ST101 = _replace(STARK_ST101, build_batched=batched_from(STARK_ST101.build, "nlbench_trackers.stark.batched:BatchedStark"))
STARK_ST50 = _replace(STARK_ST50, build_batched=batched_from(STARK_ST50.build, "nlbench_trackers.stark.batched:BatchedStark"))
