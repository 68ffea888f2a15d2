"""Every size of the JointNLT model and of its test-time tracker, in one frozen record.

``JOINTNLT_SWIN_B`` is the official ``experiments/jointnlt/swin_b_ep300.yaml`` configuration (spec §1);
``JOINTNLT_TINY`` is the small configuration that the embedded default checkpoint is trained with.
Both build the same model class (``nlbench_trackers.jointnlt.model.JointNLT``).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Mapping

_TUPLE_FIELDS = ("swin_depths", "swin_heads", "mean", "std")


@dataclass(frozen=True)
class JointNLTConfig:
    """Model and tracker sizes. The defaults are the official Swin-B configuration (spec §1)."""

    name: str = "jointnlt-swin-b"

    # Visual backbone: mmdet-style Swin, only the stages listed in depths are built (spec §2.2).
    swin_embed_dim: int = 128
    swin_depths: tuple[int, ...] = (2, 2, 18)
    swin_heads: tuple[int, ...] = (4, 8, 16)
    swin_window: int = 7
    swin_patch: int = 4
    swin_mlp_ratio: float = 4.0
    swin_drop_path: float = 0.2  # linearly spaced over all blocks; training only

    # Multi-source relation encoder, temporal module (SGTM) and target decoder (spec §2.4).
    hidden_dim: int = 256
    num_heads: int = 8
    ffn_dim: int = 1024
    dropout: float = 0.1
    vl_layers: int = 6
    temporal_enc_layers: int = 6
    temporal_dec_layers: int = 6
    target_dec_layers: int = 6

    # Language model: BERT without pooler (spec §2.3).
    bert_layers: int = 12
    bert_hidden: int = 768
    bert_heads: int = 12
    bert_intermediate: int = 3072
    bert_vocab: int = 30522
    bert_max_positions: int = 512
    bert_type_vocab: int = 2
    bert_dropout: float = 0.1

    # Inputs (spec §1). The grounding image must have the search size: the head and vl_pos_embed are fixed to it.
    max_query_len: int = 40
    search_size: int = 320
    template_size: int = 128
    grounding_size: int = 320
    stride: int = 16

    # RoI feature and the in-place x1.5 quirk (spec §3.8, §3.9, §8.1).
    roi_output_size: int = 6
    roi_sampling_ratio: int = 2
    roi_scale: float = 1.5
    #: True reproduces the original: the x1.5 RoI enlargement also scales the returned box.
    #: The official weights were trained with it; set False only for new training.
    roi_scale_in_place: bool = True

    # Corner head (spec §2.5): conv tower channels head_channel, /2, /4, /8.
    head_channel: int = 256

    # Test-time tracker (spec §1, §4).
    template_factor: float = 2.0
    search_factor: float = 5.0
    max_history: int = 2  # MAX_HIS_FRAME: template RoI + previous-frame RoI
    clip_margin: int = 10
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)

    def __post_init__(self) -> None:
        if len(self.swin_depths) != len(self.swin_heads):
            raise ValueError("swin_depths and swin_heads must have the same length")
        if self.swin_patch * 2 ** (len(self.swin_depths) - 1) != self.stride:
            raise ValueError(
                f"stride {self.stride} must equal swin_patch * 2**(stages-1) = "
                f"{self.swin_patch * 2 ** (len(self.swin_depths) - 1)}"
            )
        for size_name in ("search_size", "template_size", "grounding_size"):
            if getattr(self, size_name) % self.stride:
                raise ValueError(f"{size_name} must be a multiple of the stride {self.stride}")
        if self.grounding_size != self.search_size:
            raise ValueError("grounding_size must equal search_size (the head and vl_pos_embed are fixed to it)")
        if self.hidden_dim % self.num_heads or self.bert_hidden % self.bert_heads:
            raise ValueError("hidden sizes must be divisible by the number of heads")
        if self.head_channel % 8:
            raise ValueError("head_channel must be divisible by 8")
        if self.max_query_len > self.bert_max_positions:
            raise ValueError("max_query_len exceeds bert_max_positions")

    # Derived sizes -------------------------------------------------------------------------
    @property
    def swin_dims(self) -> tuple[int, ...]:
        return tuple(self.swin_embed_dim * 2**i for i in range(len(self.swin_depths)))

    @property
    def search_feat_size(self) -> int:
        return self.search_size // self.stride

    @property
    def template_feat_size(self) -> int:
        return self.template_size // self.stride

    @property
    def num_search_tokens(self) -> int:
        return self.search_feat_size**2

    @property
    def num_template_tokens(self) -> int:
        return self.template_feat_size**2

    @property
    def num_roi_tokens(self) -> int:
        return self.roi_output_size**2

    @property
    def num_vl_tokens(self) -> int:
        """Text + template + separator + search tokens: 505 for the official model (spec §3.3)."""
        return self.max_query_len + self.num_template_tokens + 1 + self.num_search_tokens

    # JSON round trip ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "JointNLTConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown JointNLT config keys: {', '.join(unknown)}")
        values = {k: (tuple(v) if k in _TUPLE_FIELDS else v) for k, v in data.items()}
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "JointNLTConfig":
        return cls.from_dict(json.loads(text))

    def replace(self, **changes: Any) -> "JointNLTConfig":
        return dataclasses.replace(self, **changes)


#: The official configuration: experiments/jointnlt/swin_b_ep300.yaml (spec §1).
JOINTNLT_SWIN_B = JointNLTConfig()

#: A small configuration from the same code, for the embedded default checkpoint and fast tests.
JOINTNLT_TINY = JointNLTConfig(
    name="jointnlt-tiny",
    swin_embed_dim=32,
    swin_depths=(2, 2, 2),
    swin_heads=(1, 2, 4),
    swin_drop_path=0.1,
    hidden_dim=128,
    num_heads=4,
    ffn_dim=256,
    vl_layers=2,
    temporal_enc_layers=1,
    temporal_dec_layers=1,
    target_dec_layers=2,
    bert_layers=2,
    bert_hidden=128,
    bert_heads=2,
    bert_intermediate=256,
    bert_max_positions=64,
    search_size=160,
    template_size=64,
    grounding_size=160,
    head_channel=64,
)

CONFIGS: dict[str, JointNLTConfig] = {"jointnlt": JOINTNLT_SWIN_B, "jointnlt-tiny": JOINTNLT_TINY}

__all__ = ["JointNLTConfig", "JOINTNLT_SWIN_B", "JOINTNLT_TINY", "CONFIGS"]
