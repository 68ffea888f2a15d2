"""``ostrack-384`` and ``ostrack-256`` plugins (entry points in pyproject.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlbench.types import TrackerPlugin
from nlbench_trackers.common.plugin import lazy_profile, prepare_model, torch_device
from nlbench_trackers.ostrack.model import OSTRACK_256_CONFIG, OSTRACK_384_CONFIG, OSTrack, OSTrackConfig
from nlbench_trackers.ostrack.tracker import OSTrackTracker


def _help(config_name: str) -> str:
    return (
        f"Download OSTrack_ep0300.pth.tar of ostrack/{config_name} from the Google Drive link in botaoye/OSTrack's "
        "README (the weights are fine-tuned from MAE, CC BY-NC 4.0) and pass it with --checkpoint PATH "
        "(the 'net' entry is loaded strictly)."
    )


def _builder(config: OSTrackConfig, name: str, checkpoint_help: str):
    def build(checkpoint: str | Path | None = None, device: str = "cpu", **options: Any) -> OSTrackTracker:
        dev = torch_device(device)
        network = prepare_model(lambda: OSTrack(config), checkpoint, options, name, checkpoint_help).to(dev)
        return OSTrackTracker(network, dev)

    return build


_HELP_384 = _help("vitb_384_mae_ce_32x4_ep300")
_HELP_256 = _help("vitb_256_mae_ce_32x4_ep300")

OSTRACK_384 = TrackerPlugin(
    name="ostrack-384",
    description="OSTrack-384 (ECCV 2022) one-stream ViT-B tracker with candidate elimination, box-initialised",
    build=_builder(OSTRACK_384_CONFIG, "ostrack-384", _HELP_384),
    modes=("bb",),
    needs_checkpoint=True,
    checkpoint_help=_HELP_384,
    profile=lazy_profile("ostrack"),
)

OSTRACK_256 = TrackerPlugin(
    name="ostrack-256",
    description="OSTrack-256 (ECCV 2022) one-stream ViT-B tracker with candidate elimination, box-initialised",
    build=_builder(OSTRACK_256_CONFIG, "ostrack-256", _HELP_256),
    modes=("bb",),
    needs_checkpoint=True,
    checkpoint_help=_HELP_256,
    profile=lazy_profile("ostrack", "profile_spec_256"),
)
