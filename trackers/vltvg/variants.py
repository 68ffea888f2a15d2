"""VLTVG's variants, listed once: config, checkpoint help, profile key and Table 2 row."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table
from nlbench_trackers.vltvg.model import VLTVG_R50_CONFIG, VLTVG_R101_CONFIG


def _help(backbone: str) -> str:
    return (
        f"Download a VLTVG_{backbone}_<dataset>.pth model (e.g. VLTVG_{backbone}_gref.pth for RefCOCOg-google; "
        "which one JointNLT used is not stated) from the Google Drive 'Model Zoo' folder linked in "
        "yangli18/VLTVG's README and pass it with --checkpoint PATH (the 'model' entry is loaded strictly)."
    )


VARIANTS = variant_table(
    Variant(
        name="vltvg",
        key="r50",
        config=VLTVG_R50_CONFIG,
        description="VLTVG-R50 (CVPR 2022) visual grounder, 640 input, BERT; grounds only (compose as vltvg+TRACKER)",
        checkpoint_help=_help("R50"),
        paper_row="VLTVG+STARK",  # Table 2 gives VLTVG's grounding figures in both separated rows
    ),
    Variant(
        name="vltvg-r101",
        key="r101",
        config=VLTVG_R101_CONFIG,
        description=(
            "VLTVG-R101 (CVPR 2022) visual grounder, 640 input, BERT; grounds only (compose as vltvg-r101+TRACKER)"
        ),
        checkpoint_help=_help("R101"),
    ),
)
