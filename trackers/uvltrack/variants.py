"""UVLTrack's variants, one row each: config, checkpoint help, profile key (no paper cost figures exist, spec §7)."""

from __future__ import annotations

from nlbench_trackers.common.plugin import Variant, variant_table

from .config import UVLTRACK_B, UVLTRACK_L


def _description(size: str, backbone: str) -> str:
    return (f"UVLTrack-{size} (AAAI 2024): one-stream {backbone} + BERT with a modality-adaptive box head; "
            "tracks from a sentence (NL, grounding first), a box (BB) or both (NL+BB) with one set of weights")


def _help(config_name: str) -> str:
    return (
        f"UVLTrack needs the official weights UVLTrack_ep0300.pth.tar of uvltrack/{config_name}: download them from "
        "the Google Drive or Baidu links in the 'Checkpoints' section of OpenSpaceAI/UVLTrack's README (nlbench never "
        f"downloads anything) and pass them with --checkpoint PATH (e.g. nlbench run --tracker uvltrack-"
        f"{'b' if 'base' in config_name else 'l'} --checkpoint UVLTrack_ep0300.pth.tar ...). The 'net' entry is "
        "loaded strictly; the prompter may be named box_head.prompter or box_head.image_tokenlize."
    )


#: The first row is the family's default (UVLTrack-B, the one the joint-vs-separated comparison runs).
VARIANTS = variant_table(
    Variant("uvltrack-b", "b", UVLTRACK_B, _description("B", "MAE ViT-B/16"), _help("baseline_base"),
            settings={"default_mode": "nl+bb"}),
    Variant("uvltrack-l", "l", UVLTRACK_L, _description("L", "MAE ViT-L/16"), _help("baseline_large"),
            settings={"default_mode": "bb"}),
)
