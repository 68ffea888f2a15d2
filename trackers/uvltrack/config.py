"""Every size of the UVLTrack model and of its test-time tracker, in one frozen record (uvltrack-spec §1).

``UVLTRACK_B`` is ``experiments/uvltrack/baseline_base.yaml``, ``UVLTRACK_L`` is ``baseline_large.yaml``; both
build the same model class. ``UVLTRACK_TEST`` is a small configuration of the same code for fast tests: its
golden boxes come from the original code built with the same sizes (tests/test_uvltrack_golden.py).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Mapping

_TUPLE_FIELDS = ("fusion_layers", "mean", "std")


@dataclass(frozen=True)
class UVLTrackConfig:
    """Model and tracker sizes. The defaults are UVLTrack-B (spec §1)."""

    name: str = "uvltrack-b"

    # MAE ViT (spec §2.1): the blocks in fusion_layers run jointly on image and text tokens.
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.0
    patch_size: int = 16
    fusion_layers: tuple[int, ...] = (6, 7, 8, 9, 10, 11)

    # BERT, truncated to its first min(fusion_layers) layers; hidden size = embed_dim (spec §1, §3).
    bert_heads: int = 12
    bert_intermediate: int = 3072
    bert_vocab: int = 30522
    bert_max_positions: int = 512
    bert_type_vocab: int = 2

    # Modality-adaptive box head (spec §2.2): tower widths head_dim, /2, /4, /8.
    head_dim: int = 256
    #: divide_background: the low-similarity cells holding this much of the background mass are background
    background_mass: float = 0.25

    # Inputs. DATA.TEMPLATE.SIZE / DATA.SEARCH.SIZE fix the pos-embed tables and the head's feature size.
    max_query_len: int = 40
    template_size: int = 128
    search_size: int = 256  # also the NL-grounding image size (parameter/uvltrack.py:39)

    # Test-time tracker (spec §1, §4).
    template_factor: float = 2.0
    search_factor: float = 4.0
    update_interval: int = 20
    update_threshold: float = 0.5
    clip_margin: int = 10
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)

    def __post_init__(self) -> None:
        if not self.fusion_layers or list(self.fusion_layers) != list(range(self.fusion_layers[0], self.depth)):
            raise ValueError(f"fusion_layers must be the last ViT blocks, {self.fusion_layers[0] if self.fusion_layers else '?'}"
                             f"..{self.depth - 1}; got {self.fusion_layers}")
        for size_name in ("search_size", "template_size"):
            if getattr(self, size_name) % self.patch_size:
                raise ValueError(f"{size_name} must be a multiple of the patch size {self.patch_size}")
        if self.embed_dim % self.num_heads or self.embed_dim % self.bert_heads:
            raise ValueError("embed_dim must be divisible by num_heads and bert_heads")
        if self.head_dim % 8:
            raise ValueError("head_dim must be divisible by 8")
        if self.max_query_len > self.bert_max_positions:
            raise ValueError("max_query_len exceeds bert_max_positions")

    # Derived sizes -------------------------------------------------------------------------
    @property
    def bert_layers(self) -> int:
        """``bert.encoder.layer[:min(FUSION_LAYER)]``: 6 for B, 12 for L."""
        return self.fusion_layers[0]

    @property
    def feat_size(self) -> int:
        return self.search_size // self.patch_size

    @property
    def template_feat_size(self) -> int:
        return self.template_size // self.patch_size

    @property
    def num_search_tokens(self) -> int:
        return self.feat_size**2

    @property
    def num_template_tokens(self) -> int:
        return self.template_feat_size**2

    # JSON round trip ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "UVLTrackConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown UVLTrack config keys: {', '.join(unknown)}")
        return cls(**{k: (tuple(v) if k in _TUPLE_FIELDS else v) for k, v in data.items()})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def replace(self, **changes: Any) -> "UVLTrackConfig":
        return dataclasses.replace(self, **changes)


#: experiments/uvltrack/baseline_base.yaml (spec §1).
UVLTRACK_B = UVLTrackConfig()

#: experiments/uvltrack/baseline_large.yaml: ViT-L/16, BERT-large's first 12 layers, search factor 5.
UVLTRACK_L = UVLTrackConfig(
    name="uvltrack-l",
    embed_dim=1024,
    depth=24,
    num_heads=16,
    fusion_layers=tuple(range(12, 24)),
    bert_heads=16,
    bert_intermediate=4096,
    search_factor=5.0,
)

#: A small configuration of the same code for fast tests (random weights only; nothing is trained with it).
UVLTRACK_TEST = UVLTrackConfig(
    name="uvltrack-test",
    embed_dim=64,
    depth=4,
    num_heads=2,
    fusion_layers=(2, 3),
    bert_heads=2,
    bert_intermediate=128,
    bert_max_positions=64,
    head_dim=32,
    template_size=64,
    search_size=128,
)

CONFIGS: dict[str, UVLTrackConfig] = {"uvltrack-b": UVLTRACK_B, "uvltrack-l": UVLTRACK_L,
                                      "uvltrack-test": UVLTRACK_TEST}

__all__ = ["UVLTrackConfig", "UVLTRACK_B", "UVLTRACK_L", "UVLTRACK_TEST", "CONFIGS"]
