"""The test-time JointNLT tracker and grounder (spec §4), implementing ``nlbench.core.types.Tracker``/``Grounder``.

NL mode (``initialize(frame, text, None)``): ground the first frame from the sentence, crop the template from
the grounded box (never updated), and feed SGTM the template RoI plus the previous frame's RoI.
NL+BB mode (``initialize(frame, text, box)``): template from the given box, no temporal clue.

Text features and template features are computed once per sequence; every frame runs the search backbone,
the relation encoder, SGTM (NL mode), the target decoder, the head and RoIAlign, batch-shaped with B = 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from nlbench.core.errors import PluginError

from nlbench_trackers.common.crop import clip_box, map_box_back
from nlbench_trackers.common.normalize import Normalizer

from .model import JointNLT
from .preprocess import (
    grounding_resize,
    map_grounding_box_back,
    query_as_original_reads_it,
    sample_target,
    unclipped_grounding_box,
)
from .tokenizer import tokenize

DTYPES = {"fp32": torch.float32, "float32": torch.float32, "fp16": torch.float16, "float16": torch.float16,
          "bf16": torch.bfloat16, "bfloat16": torch.bfloat16}


@dataclass
class _SequenceState:
    text: tuple[torch.Tensor, torch.Tensor]
    template: tuple[torch.Tensor, torch.Tensor]
    box: list[float]  # the previous clipped box, Python floats as the original keeps it
    template_roi: torch.Tensor | None = None  # (1, C, 36) in NL mode
    roi_queue: list[torch.Tensor] = field(default_factory=list)


@dataclass(frozen=True)
class Grounding:
    """A grounding pass: the network's box in the padded square and the frame geometry to map it back."""

    pred_boxes: torch.Tensor  # (B, 4) cxcywh normalised to the padded square (x1.5 applied by default)
    roi_feature: torch.Tensor  # (B, C, 6, 6)
    new_w: int
    new_h: int
    box: np.ndarray  # (4,) float64 xywh image pixels, mapped as the NL-mode initialisation does (§4.1.3)
    unclipped_box: np.ndarray  # (4,) float64 xywh image pixels, unrounded and unclipped (the §6 protocol)


class JointNLTTracker:
    """Stateful single-sequence tracker around a :class:`JointNLT` network."""

    def __init__(self, model: JointNLT, device: str | torch.device = "cpu", dtype: str | torch.dtype | None = None,
                 compile: bool = False, verbatim_text: bool = False, ground_box: str = "protocol") -> None:
        self.device = torch.device(device)
        self.dtype = _resolve_dtype(dtype)  # fp16/bf16 are meant for GPUs; on CPUs they run, slowly
        self.model = model.to(self.device, self.dtype).eval()
        self.cfg = model.cfg
        self.verbatim_text = verbatim_text
        if ground_box not in ("protocol", "nl_init"):
            raise PluginError(f"jointnlt: ground_box must be 'protocol' or 'nl_init', not '{ground_box}'")
        self.ground_box = ground_box
        self.normalizer = Normalizer(self.cfg.mean, self.cfg.std, self.device, self.dtype)
        self._tracking_step: Callable[..., dict[str, torch.Tensor]] = self.model.forward_tracking
        self._grounding_step: Callable[..., dict[str, torch.Tensor]] = self.model.forward_grounding
        if compile:
            self._tracking_step = torch.compile(self.model.forward_tracking, dynamic=False)
            self._grounding_step = torch.compile(self.model.forward_grounding, dynamic=False)
        self._seq: _SequenceState | None = None

    # Text ---------------------------------------------------------------------------------------
    def query_text(self, text: str) -> str:
        """The sentence as the original tokenizes it: numpy.loadtxt's comma/'#' mangling unless verbatim."""
        return text if self.verbatim_text else query_as_original_reads_it(text)

    def encode_text(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        ids, mask = tokenize([self.query_text(text)], self.cfg.max_query_len)
        return self.model.encode_text(ids.to(self.device), mask.to(self.device))

    # Grounding ----------------------------------------------------------------------------------
    def _ground(self, frame: np.ndarray, text_feats: tuple[torch.Tensor, torch.Tensor]) -> Grounding:
        size = self.cfg.grounding_size
        patch, mask, new_w, new_h = grounding_resize(frame, size)
        out = self._grounding_step(*text_feats, self.normalizer.image(patch), self.normalizer.mask(mask))
        pred = out["pred_boxes"].float()
        box = map_grounding_box_back(pred, new_w, new_h, frame.shape[1], size)[0]
        raw = unclipped_grounding_box(pred, new_w, new_h, frame.shape[1], frame.shape[0], size)[0]
        return Grounding(pred, out["roi_feature"], new_w, new_h, box.cpu().numpy().astype(np.float64), raw)

    @torch.inference_mode()
    def ground_detailed(self, frame: np.ndarray, text: str) -> Grounding:
        """Grounding mode on one image (spec §3.10, §6), with the raw normalised box."""
        return self._ground(frame, self.encode_text(text))

    def ground(self, frame: np.ndarray, text: str) -> np.ndarray:
        """The box the sentence refers to, xywh in image pixels.

        By default as test_grounding.py scores it (§6: no rounding, no clipping to the image);
        with ``ground_box="nl_init"`` as the NL-mode initialisation maps it (§4.1.3).
        """
        grounding = self.ground_detailed(frame, text)
        return grounding.box if self.ground_box == "nl_init" else grounding.unclipped_box

    @torch.inference_mode()
    def ground_many(self, frames: list[np.ndarray], texts: list[str]) -> list[np.ndarray]:
        """``ground`` of several images in one batched pass (a batched separated pipeline's new slots)."""
        if not frames:
            return []
        ids, mask = tokenize([self.query_text(t) for t in texts], self.cfg.max_query_len)
        text_src, text_mask = self.model.encode_text(ids.to(self.device), mask.to(self.device))
        size = self.cfg.grounding_size
        resized = [grounding_resize(frame, size) for frame in frames]
        masks = torch.from_numpy(np.stack([r[1] for r in resized])).to(self.device)
        out = self._grounding_step(text_src, text_mask, self.normalizer.image(np.stack([r[0] for r in resized])), masks)
        pred = out["pred_boxes"].float()
        boxes = []
        for i, (frame, (_, _, new_w, new_h)) in enumerate(zip(frames, resized)):
            if self.ground_box == "nl_init":
                box = map_grounding_box_back(pred[i:i + 1], new_w, new_h, frame.shape[1], size)[0]
                boxes.append(box.cpu().numpy().astype(np.float64))
            else:
                boxes.append(unclipped_grounding_box(pred[i:i + 1], new_w, new_h, frame.shape[1], frame.shape[0], size)[0])
        return boxes

    # Tracking -----------------------------------------------------------------------------------
    def _template(self, frame: np.ndarray, box: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
        patch, _, mask = sample_target(frame, box, self.cfg.template_factor, self.cfg.template_size)
        return self.model.encode_visual(self.normalizer.image(patch), self.normalizer.mask(mask))

    @torch.inference_mode()
    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        """Start a sequence. NL mode (box None) returns the grounded box; NL+BB mode returns ``box``."""
        if text is None:
            raise PluginError("jointnlt needs the sentence: it supports the modes nl and nl+bb, not bb")
        text_feats = self.encode_text(text)
        if box is None:
            grounding = self._ground(frame, text_feats)
            # state = the float32 grounded box, as Python floats (the original's scale_box.tolist()).
            state = [float(v) for v in grounding.box.astype(np.float32)]
            template_roi = grounding.roi_feature.flatten(2)
            result = grounding.box
        else:
            state = [float(v) for v in np.asarray(box, dtype=np.float64)]
            template_roi = None
            result = np.asarray(box, dtype=np.float64).copy()
        self._seq = _SequenceState(text_feats, self._template(frame, state), state, template_roi)
        return result

    def _temporal_clue(self, seq: _SequenceState) -> torch.Tensor | None:
        """[template RoI, previous RoI]: 36 tokens on frame 1, 72 afterwards (MAX_HIS_FRAME = 2, spec §4.2.2)."""
        if seq.template_roi is None:
            return None
        if len(seq.roi_queue) >= self.cfg.max_history:
            seq.roi_queue = seq.roi_queue[-self.cfg.max_history + 1:]
        return torch.cat([seq.template_roi, *seq.roi_queue], dim=-1)

    @torch.inference_mode()
    def track(self, frame: np.ndarray) -> np.ndarray:
        seq = self._seq
        if seq is None:
            raise RuntimeError("JointNLTTracker.track called before initialize")
        height, width = frame.shape[:2]
        patch, resize_factor, mask = sample_target(frame, seq.box, self.cfg.search_factor, self.cfg.search_size)
        temporal = self._temporal_clue(seq)
        out = self._tracking_step(*seq.text, *seq.template, self.normalizer.image(patch),
                                  self.normalizer.mask(mask), temporal)
        if seq.template_roi is not None:
            seq.roi_queue.append(out["roi_feature"].flatten(2))
        # float32 tensor arithmetic, then Python floats: the original's (pred.mean(0) * 320 / rf).tolist()
        pred = (out["pred_boxes"].float().view(-1, 4).mean(dim=0) * self.cfg.search_size / resize_factor).tolist()
        box = map_box_back(pred, seq.box, resize_factor, self.cfg.search_size)
        seq.box = clip_box(box, height, width, margin=self.cfg.clip_margin)
        return np.asarray(seq.box, dtype=np.float64)

    @property
    def temporal_tokens(self) -> int:
        """Tokens of the temporal clue the next ``track`` will use (0 without SGTM)."""
        seq = self._seq
        if seq is None or seq.template_roi is None:
            return 0
        kept = min(len(seq.roi_queue), self.cfg.max_history - 1)
        return (1 + kept) * self.cfg.num_roi_tokens


def _resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    try:
        return DTYPES[dtype.lower()]
    except KeyError:
        raise PluginError(f"jointnlt: unknown dtype '{dtype}'; use one of fp32, fp16, bf16") from None
