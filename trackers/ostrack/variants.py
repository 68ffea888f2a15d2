"""OSTrack's variants, one row each: config, checkpoint help, profile key and Table 2 row."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table
from nlbench_trackers.ostrack.model import OSTRACK_256_CONFIG, OSTRACK_384_CONFIG


def _description(size: str) -> str:
    return f"OSTrack-{size} (ECCV 2022) one-stream ViT-B tracker with candidate elimination, box-initialised"


def _help(config_name: str) -> str:
    return (
        f"Download OSTrack_ep0300.pth.tar of ostrack/{config_name} from the Google Drive link in botaoye/OSTrack's "
        "README (the weights are fine-tuned from MAE, CC BY-NC 4.0) and pass it with --checkpoint PATH "
        "(the 'net' entry is loaded strictly)."
    )


#: The first row is Table 2's tracker (JointNLT CVPR 2023, the VLTVG+OSTrack row).
VARIANTS = variant_table(
    Variant("ostrack-384", "384", OSTRACK_384_CONFIG, _description("384"), _help("vitb_384_mae_ce_32x4_ep300"),
            paper_row="VLTVG+OSTrack"),
    Variant("ostrack-256", "256", OSTRACK_256_CONFIG, _description("256"), _help("vitb_256_mae_ce_32x4_ep300")),
)
