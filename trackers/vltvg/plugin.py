"""``vltvg`` (R50, the Table 2 configuration) and ``vltvg-r101`` grounder plugins, one per row of ``VARIANTS``."""

from __future__ import annotations

from typing import Any

import torch

from nlbench_trackers.common.plugin import Family, Variant, family_plugins
from nlbench_trackers.vltvg.grounder import VLTVGGrounder
from nlbench_trackers.vltvg.model import VLTVG
from nlbench_trackers.vltvg.variants import VARIANTS


def make_grounder(network: VLTVG, device: torch.device, variant: Variant, options: dict[str, Any]) -> VLTVGGrounder:
    return VLTVGGrounder(network, device)


FAMILY = Family("vltvg", VLTVG, make_grounder, modes=(), grounder=True)
#: ``VLTVG_R50``, ``VLTVG_R101``: one record per row of ``VARIANTS``
__getattr__ = family_plugins(__name__, FAMILY, VARIANTS)
