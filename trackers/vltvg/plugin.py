"""``vltvg`` (R50, the Table 2 configuration) and ``vltvg-r101`` grounder plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlbench.types import TrackerPlugin
from nlbench_trackers.common.plugin import lazy_profile, prepare_model, torch_device
from nlbench_trackers.vltvg.grounder import VLTVGGrounder
from nlbench_trackers.vltvg.model import VLTVG, VLTVG_R50_CONFIG, VLTVG_R101_CONFIG, VLTVGConfig


def _help(backbone: str) -> str:
    return (
        f"Download a VLTVG_{backbone}_<dataset>.pth model (e.g. VLTVG_{backbone}_gref.pth for RefCOCOg-google; "
        "which one JointNLT used is not stated) from the Google Drive 'Model Zoo' folder linked in "
        "yangli18/VLTVG's README and pass it with --checkpoint PATH (the 'model' entry is loaded strictly)."
    )


def _builder(config: VLTVGConfig, name: str, checkpoint_help: str):
    def build(checkpoint: str | Path | None = None, device: str = "cpu", **options: Any) -> VLTVGGrounder:
        dev = torch_device(device)
        network = prepare_model(lambda: VLTVG(config), checkpoint, options, name, checkpoint_help).to(dev)
        return VLTVGGrounder(network, dev)

    return build


_HELP_R50 = _help("R50")
_HELP_R101 = _help("R101")

VLTVG_R50 = TrackerPlugin(
    name="vltvg",
    description="VLTVG-R50 (CVPR 2022) visual grounder, 640 input, BERT; grounds only (compose as vltvg+TRACKER)",
    build=_builder(VLTVG_R50_CONFIG, "vltvg", _HELP_R50),
    modes=(),
    grounder=True,
    needs_checkpoint=True,
    checkpoint_help=_HELP_R50,
    profile=lazy_profile("vltvg"),
)

VLTVG_R101 = TrackerPlugin(
    name="vltvg-r101",
    description="VLTVG-R101 (CVPR 2022) visual grounder, 640 input, BERT; grounds only (compose as vltvg-r101+TRACKER)",
    build=_builder(VLTVG_R101_CONFIG, "vltvg-r101", _HELP_R101),
    modes=(),
    grounder=True,
    needs_checkpoint=True,
    checkpoint_help=_HELP_R101,
    profile=lazy_profile("vltvg", "profile_spec_r101"),
)
