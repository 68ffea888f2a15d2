"""``ostrack-384`` and ``ostrack-256`` plugins (entry points in pyproject.toml), one per row of ``VARIANTS``."""

from __future__ import annotations

from typing import Any

import torch

from nlbench_trackers.common.plugin import Variant, baseline_plugin
from nlbench_trackers.ostrack.model import OSTrack
from nlbench_trackers.ostrack.tracker import OSTrackTracker
from nlbench_trackers.ostrack.variants import VARIANTS


def make_tracker(network: OSTrack, device: torch.device, variant: Variant, options: dict[str, Any]) -> OSTrackTracker:
    return OSTrackTracker(network, device)


OSTRACK_384 = baseline_plugin("ostrack", VARIANTS["384"], OSTrack, make_tracker, modes=("bb",))
OSTRACK_256 = baseline_plugin("ostrack", VARIANTS["256"], OSTrack, make_tracker, modes=("bb",))

# Batched forms (``nlbench run --batch-size``): B slots through the per-sequence tracker's network.
from dataclasses import replace as _replace  # noqa: E402

from nlbench_trackers.common.batched import batched_from  # noqa: E402

OSTRACK_384 = _replace(OSTRACK_384, build_batched=batched_from(OSTRACK_384.build, "nlbench_trackers.ostrack.batched:BatchedOSTrack"))
OSTRACK_256 = _replace(OSTRACK_256, build_batched=batched_from(OSTRACK_256.build, "nlbench_trackers.ostrack.batched:BatchedOSTrack"))
