"""``stark-st101`` and ``stark-st50`` plugins (entry points in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlbench.types import TrackerPlugin
from nlbench_trackers.common.plugin import lazy_profile, prepare_model, torch_device
from nlbench_trackers.stark.model import ST50, ST101, StarkConfig, StarkST
from nlbench_trackers.stark.tracker import (
    UPDATE_INTERVALS_ST50,
    UPDATE_INTERVALS_ST101,
    StarkTracker,
    update_interval_for,
)


def _help(config_name: str) -> str:
    return (
        f"Download STARKST_ep0050.pth.tar of stark_st2/{config_name} from the Google Drive / Baidu links in "
        "researchmm/Stark's MODEL_ZOO.md and pass it with --checkpoint PATH (the 'net' entry is loaded strictly)."
    )


def _builder(config: StarkConfig, name: str, intervals: dict[str, int], checkpoint_help: str):
    def build(checkpoint: str | Path | None = None, device: str = "cpu", **options: Any) -> StarkTracker:
        """Options: ``dataset`` (sets the template update interval, §3.1), ``update_interval`` (overrides it)."""
        dev = torch_device(device)
        network = prepare_model(lambda: StarkST(config), checkpoint, options, name, checkpoint_help).to(dev)
        interval = int(options.get("update_interval") or update_interval_for(options.get("dataset"), intervals))
        return StarkTracker(network, dev, interval)

    return build


_HELP_101 = _help("baseline_R101")
_HELP_50 = _help("baseline")

STARK_ST101 = TrackerPlugin(
    name="stark-st101",
    description="STARK-ST101 (ICCV 2021) spatio-temporal transformer tracker, box-initialised",
    build=_builder(ST101, "stark-st101", UPDATE_INTERVALS_ST101, _HELP_101),
    modes=("bb",),
    needs_checkpoint=True,
    checkpoint_help=_HELP_101,
    profile=lazy_profile("stark"),
)

STARK_ST50 = TrackerPlugin(
    name="stark-st50",
    description="STARK-ST50 (ICCV 2021) spatio-temporal transformer tracker, box-initialised",
    build=_builder(ST50, "stark-st50", UPDATE_INTERVALS_ST50, _HELP_50),
    modes=("bb",),
    needs_checkpoint=True,
    checkpoint_help=_HELP_50,
    profile=lazy_profile("stark", "profile_spec_st50"),
)
