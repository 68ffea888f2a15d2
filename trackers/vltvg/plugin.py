"""``vltvg`` (R50, the Table 2 configuration) and ``vltvg-r101`` grounder plugins, one per row of ``VARIANTS``."""

from __future__ import annotations

from typing import Any

import torch

from nlbench_trackers.common.plugin import Variant, baseline_plugin
from nlbench_trackers.vltvg.grounder import VLTVGGrounder
from nlbench_trackers.vltvg.model import VLTVG
from nlbench_trackers.vltvg.variants import VARIANTS


def make_grounder(network: VLTVG, device: torch.device, variant: Variant, options: dict[str, Any]) -> VLTVGGrounder:
    return VLTVGGrounder(network, device)


VLTVG_R50 = baseline_plugin("vltvg", VARIANTS["r50"], VLTVG, make_grounder, modes=(), grounder=True)
VLTVG_R101 = baseline_plugin("vltvg", VARIANTS["r101"], VLTVG, make_grounder, modes=(), grounder=True)
