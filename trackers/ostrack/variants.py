"""OSTrack's variants, listed once: config, checkpoint help, profile key and Table 2 row."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table
from nlbench_trackers.ostrack.model import OSTRACK_256_CONFIG, OSTRACK_384_CONFIG


def _help(config_name: str) -> str:
    return (
        f"Download OSTrack_ep0300.pth.tar of ostrack/{config_name} from the Google Drive link in botaoye/OSTrack's "
        "README (the weights are fine-tuned from MAE, CC BY-NC 4.0) and pass it with --checkpoint PATH "
        "(the 'net' entry is loaded strictly)."
    )


VARIANTS = variant_table(
    Variant(
        name="ostrack-384",
        key="384",
        config=OSTRACK_384_CONFIG,
        description="OSTrack-384 (ECCV 2022) one-stream ViT-B tracker with candidate elimination, box-initialised",
        checkpoint_help=_help("vitb_384_mae_ce_32x4_ep300"),
        paper_row="VLTVG+OSTrack",
    ),
    Variant(
        name="ostrack-256",
        key="256",
        config=OSTRACK_256_CONFIG,
        description="OSTrack-256 (ECCV 2022) one-stream ViT-B tracker with candidate elimination, box-initialised",
        checkpoint_help=_help("vitb_256_mae_ce_32x4_ep300"),
    ),
)
