"""STARK-ST's variants, listed once: config, checkpoint help, profile key, Table 2 row, update intervals."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table
from nlbench_trackers.stark.model import ST50, ST101
from nlbench_trackers.stark.tracker import UPDATE_INTERVALS_ST50, UPDATE_INTERVALS_ST101


def _help(config_name: str) -> str:
    return (
        f"Download STARKST_ep0050.pth.tar of stark_st2/{config_name} from the Google Drive / Baidu links in "
        "researchmm/Stark's MODEL_ZOO.md and pass it with --checkpoint PATH (the 'net' entry is loaded strictly)."
    )


VARIANTS = variant_table(
    Variant(
        name="stark-st101",
        key="st101",
        config=ST101,
        description="STARK-ST101 (ICCV 2021) spatio-temporal transformer tracker, box-initialised",
        checkpoint_help=_help("baseline_R101"),
        paper_row="VLTVG+STARK",
        settings={"update_intervals": UPDATE_INTERVALS_ST101},
    ),
    Variant(
        name="stark-st50",
        key="st50",
        config=ST50,
        description="STARK-ST50 (ICCV 2021) spatio-temporal transformer tracker, box-initialised",
        checkpoint_help=_help("baseline"),
        settings={"update_intervals": UPDATE_INTERVALS_ST50},
    ),
)
