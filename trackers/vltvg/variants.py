"""VLTVG's variants, one row each: config, checkpoint help, profile key and Table 2 row."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table
from nlbench_trackers.vltvg.model import VLTVG_R50_CONFIG, VLTVG_R101_CONFIG


def _description(name: str, backbone: str) -> str:
    return f"VLTVG-{backbone} (CVPR 2022) visual grounder, 640 input, BERT; grounds only (compose as {name}+TRACKER)"


def _help(backbone: str) -> str:
    return (
        f"Download a VLTVG_{backbone}_<dataset>.pth model (e.g. VLTVG_{backbone}_gref.pth for RefCOCOg-google; "
        "which one JointNLT used is not stated) from the Google Drive 'Model Zoo' folder linked in "
        "yangli18/VLTVG's README and pass it with --checkpoint PATH (the 'model' entry is loaded strictly)."
    )


#: The first row is Table 2's grounder; Table 2 gives VLTVG's grounding figures in both separated rows.
VARIANTS = variant_table(
    Variant("vltvg", "r50", VLTVG_R50_CONFIG, _description("vltvg", "R50"), _help("R50"), paper_row="VLTVG+STARK"),
    Variant("vltvg-r101", "r101", VLTVG_R101_CONFIG, _description("vltvg-r101", "R101"), _help("R101")),
)
