"""STARK-ST's variants, one row each: config, checkpoint help, profile key, Table 2 row, update intervals."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table
from nlbench_trackers.stark.model import ST50, ST101
from nlbench_trackers.stark.tracker import UPDATE_INTERVALS_ST50, UPDATE_INTERVALS_ST101


def _description(depth: str) -> str:
    return f"STARK-{depth} (ICCV 2021) spatio-temporal transformer tracker, box-initialised"


def _help(config_name: str) -> str:
    return (
        f"Download STARKST_ep0050.pth.tar of stark_st2/{config_name} from the Google Drive / Baidu links in "
        "researchmm/Stark's MODEL_ZOO.md and pass it with --checkpoint PATH (the 'net' entry is loaded strictly)."
    )


#: The first row is Table 2's tracker (JointNLT CVPR 2023, the VLTVG+STARK row).
VARIANTS = variant_table(
    Variant("stark-st101", "st101", ST101, _description("ST101"), _help("baseline_R101"), paper_row="VLTVG+STARK",
            settings={"update_intervals": UPDATE_INTERVALS_ST101}),
    Variant("stark-st50", "st50", ST50, _description("ST50"), _help("baseline"),
            settings={"update_intervals": UPDATE_INTERVALS_ST50}),
)
