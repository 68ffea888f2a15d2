"""``ostrack-384`` and ``ostrack-256`` plugins (entry points in pyproject.toml), one per row of ``VARIANTS``,
with their batched forms (``nlbench run --batch-size``)."""

from __future__ import annotations

from typing import Any

import torch

from nlbench_trackers.common.plugin import Family, Variant, family_plugins
from nlbench_trackers.ostrack.model import OSTrack
from nlbench_trackers.ostrack.tracker import OSTrackTracker
from nlbench_trackers.ostrack.variants import VARIANTS


def make_tracker(network: OSTrack, device: torch.device, variant: Variant, options: dict[str, Any]) -> OSTrackTracker:
    return OSTrackTracker(network, device)


FAMILY = Family("ostrack", OSTrack, make_tracker, modes=("bb",), batched="nlbench_trackers.ostrack.batched:BatchedOSTrack")
#: ``OSTRACK_384``, ``OSTRACK_256``: one record per row of ``VARIANTS``
__getattr__ = family_plugins(__name__, FAMILY, VARIANTS)
