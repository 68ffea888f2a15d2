"""The test-time UVLTrack tracker and grounder (uvltrack-spec §4), implementing ``nlbench.core.types.Tracker`` and
``Grounder``.

Modes, from what ``initialize`` is given (spec §4.2):
- NL (sentence, no box): ground the first frame (the training path, flag 1, no window), then track from the
  unclipped grounded box with flag 2, as NL+BBOX;
- NL+BB (sentence and box): flag 2;
- BB (box only): zero text ids and mask, flag 0.

Every mode builds the prompt once from the first frame's context crop and reruns the prompter every
``update_interval`` frames on the best-scoring frame's stored features when that score passed the threshold.
The template pixels and mask never change. The per-frame arithmetic after the network is in :class:`SequenceState`,
which the batched tracker shares row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from nlbench.core.errors import PluginError

from nlbench_trackers.common.crop import clip_box, map_box_back, numpy_hann2d, sample_target
from nlbench_trackers.common.normalize import Normalizer
from nlbench_trackers.jointnlt.tokenizer import tokenize  # the one bert-base-uncased WordPiece of nlbench

from .config import UVLTrackConfig
from .model import FLAG_BBOX, FLAG_NL, FLAG_NLBBOX, Features, HeadOutput, UVLTrack
from .preprocess import (
    anno2mask,
    cxcywh_to_xywh,
    grounded_box,
    grounding_letterbox,
    query_as_original_reads_it,
    sample_target_with_box,
)


def mode_flag(text: str | None, box: np.ndarray | None) -> int:
    """The reference modality of a start: NL (no box) grounds first and then tracks with flag 2 like NL+BB."""
    if box is None:
        if text is None:
            raise PluginError("uvltrack needs a sentence (mode nl), a box (mode bb) or both (mode nl+bb)")
        return FLAG_NL
    return FLAG_BBOX if text is None else FLAG_NLBBOX


@dataclass
class SequenceState:
    """One sequence: the fixed inputs of every frame, the previous box and the prompt-update memory."""

    text: tuple[torch.Tensor, torch.Tensor]  # ids (1, L) int64, mask (1, L)
    flag: torch.Tensor  # (1, 1) int64: 2 (NL, NL+BB) or 0 (BB) while tracking
    template: torch.Tensor  # (1, 3, Sz, Sz) normalised
    template_mask: torch.Tensor  # (1, Nz) bool
    prompt: torch.Tensor  # (1, 3, D)
    box: list[float]  # the previous clipped box as Python floats
    frame_id: int = 0
    max_score: float = 0.0  # set to 0 only in the original's __init__ and after an update
    best_box: torch.Tensor | None = None  # (4,) float32 cxcywh in the crop (pred_box_net)
    best_feats: Features | None = field(default=None, repr=False)

    def step(self, cfg: UVLTrackConfig, window: np.ndarray, cls: torch.Tensor, cont: torch.Tensor,
             boxes: torch.Tensor, resize_factor: float, feats: Features, height: int, width: int) -> np.ndarray:
        """The CPU part of ``track`` (tracker:118-133) for this sequence's row.

        ``cls`` (N,) float32, ``cont`` (N,) float32 (the 3-column softmax's first column), ``boxes`` (N, 4).
        """
        self.frame_id += 1
        # float32 tensor x float64 ndarray is float64 in torch; numpy float64 does the same two roundings
        merged = cls.numpy().astype(np.float64) * window * cont.numpy().astype(np.float64)
        index = int(np.argmax(merged))  # the first maximum; zero-window borders never win
        score = float((cls * cont)[index])  # un-windowed, float32
        pred_box = (boxes[index] * cfg.search_size / resize_factor).tolist()
        self.box = clip_box(map_box_back(pred_box, self.box, resize_factor, cfg.search_size), height, width,
                            margin=cfg.clip_margin)
        if score > self.max_score:
            self.best_box = boxes[index].clone()
            self.best_feats = feats
            self.max_score = score
        return np.asarray(self.box, dtype=np.float64)

    def update_due(self, cfg: UVLTrackConfig) -> bool:
        return self.frame_id % cfg.update_interval == 0 and self.max_score > cfg.update_threshold

    def update_prompt(self, model: UVLTrack, cfg: UVLTrackConfig) -> None:
        """Rerun the prompter on the stored frame's features, the stored box as its context mask (tracker:134-138)."""
        feats = self.best_feats
        context_mask = anno2mask(cxcywh_to_xywh(self.best_box.reshape(1, 4)), cfg.feat_size)
        self.prompt = model.forward_prompt(feats, self.template_mask, context_mask.to(feats.search.device))
        self.max_score = 0.0


class UVLTrackTracker:
    """Stateful single-sequence tracker and grounder around a :class:`UVLTrack` network."""

    def __init__(self, model: UVLTrack, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.cfg = model.cfg
        self.normalizer = Normalizer(self.cfg.mean, self.cfg.std, self.device)
        self.window = numpy_hann2d(self.cfg.feat_size)
        self._seq: SequenceState | None = None

    # Text -----------------------------------------------------------------------------------------
    def encode_text(self, texts: list[str | None]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and mask (B, L); a None sentence (BB mode) is zero ids with a zero float mask (tracker:91-92)."""
        if all(t is None for t in texts):
            zeros = torch.zeros((len(texts), self.cfg.max_query_len))
            return zeros.long().to(self.device), zeros.to(self.device)
        if any(t is None for t in texts):
            raise PluginError("uvltrack: one batch mixes box-only starts with sentences; use one mode per run")
        ids, mask = tokenize([query_as_original_reads_it(t) for t in texts], self.cfg.max_query_len)
        return ids.to(self.device), mask.to(self.device)

    # Grounding ----------------------------------------------------------------------------------
    def grounding_pass(self, frames: list[np.ndarray], text: tuple[torch.Tensor, torch.Tensor]) -> list[list[float]]:
        """NL grounding (tracker:45-62) of each frame: the training path with flag 1, zero template, all-False
        masks, the two-column contrastive score, no window; boxes mapped back unclipped."""
        cfg, b = self.cfg, len(frames)
        images = self.normalizer.image(np.stack([grounding_letterbox(f, cfg.search_size) for f in frames]))
        template = torch.zeros((b, 3, cfg.template_size, cfg.template_size), device=self.device)
        template_mask = torch.zeros((b, cfg.num_template_tokens), dtype=torch.bool, device=self.device)
        context_mask = torch.zeros((b, cfg.num_search_tokens), dtype=torch.bool, device=self.device)
        flag = torch.full((b, 1), FLAG_NL, dtype=torch.long, device=self.device)
        out = self.model(template, images, *text, template_mask, context_mask, flag)
        pred = out.pred_boxes.float().cpu()
        return [grounded_box(pred[i], *frame.shape[:2]) for i, frame in enumerate(frames)]

    @torch.inference_mode()
    def ground(self, frame: np.ndarray, text: str) -> np.ndarray:
        """The box the sentence refers to, xywh in image pixels, as NL-mode initialisation maps it (unclipped)."""
        return np.asarray(self.grounding_pass([frame], self.encode_text([text]))[0], dtype=np.float64)

    @torch.inference_mode()
    def ground_many(self, frames: list[np.ndarray], texts: list[str]) -> list[np.ndarray]:
        """``ground`` of several images, one sample at a time: the head's convolutions take other kernels for a
        batch than for one image, and the boxes must be the one-image boxes."""
        return [self.ground(f, t) for f, t in zip(frames, texts)]

    # Tracking -----------------------------------------------------------------------------------
    def start_state(self, frame: np.ndarray, text: tuple[torch.Tensor, torch.Tensor], box: list[float],
                    flag: int) -> tuple[SequenceState, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """The state of a new sequence and its prompt inputs (context image, template mask, context mask)."""
        cfg = self.cfg
        z_patch, _, z_box = sample_target_with_box(frame, box, cfg.template_factor, cfg.template_size)
        x_patch, _, x_box = sample_target_with_box(frame, box, cfg.search_factor, cfg.search_size)
        template_mask = anno2mask(z_box, cfg.template_feat_size).to(self.device)
        context_mask = anno2mask(x_box, cfg.feat_size).to(self.device)
        flag_t = torch.tensor([[flag]], dtype=torch.long, device=self.device)
        state = SequenceState(text, flag_t, self.normalizer.image(z_patch), template_mask, prompt=None, box=box)
        return state, (self.normalizer.image(x_patch), template_mask, context_mask)

    @torch.inference_mode()
    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        """Start a sequence. NL mode (box None) returns the grounded box; the other modes return ``box``."""
        flag = mode_flag(text, box)
        tokens = self.encode_text([text])
        if flag == FLAG_NL:
            start = self.grounding_pass([frame], tokens)[0]
            flag = FLAG_NLBBOX
        else:
            start = [float(v) for v in np.asarray(box, dtype=np.float64)]
        state, (context, template_mask, context_mask) = self.start_state(frame, tokens, start, flag)
        state.prompt = self.model.forward_prompt_init(state.template, context, *tokens, template_mask, context_mask,
                                                      state.flag)
        self._seq = state
        return np.asarray(start, dtype=np.float64)

    @torch.inference_mode()
    def track(self, frame: np.ndarray) -> np.ndarray:
        seq = self._seq
        if seq is None:
            raise PluginError("uvltrack: track() called before initialize()")
        cfg = self.cfg
        patch, resize_factor, _ = sample_target(frame, seq.box, cfg.search_factor, cfg.search_size)
        out, feats = self.model.forward_test(seq.template, self.normalizer.image(patch), *seq.text, seq.prompt,
                                             seq.flag)
        cls, cont, boxes = host_scores(out)
        box = seq.step(cfg, self.window, cls[0], cont[0], boxes[0], resize_factor, feats, *frame.shape[:2])
        if seq.update_due(cfg):
            seq.update_prompt(self.model, cfg)
        return box

    @property
    def state(self) -> SequenceState | None:
        return self._seq


def host_scores(out: HeadOutput) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(cls (B, N), softmax(cont)[…, 0] (B, N), bbox_map (B, N, 4)) on the CPU, float32 (tracker:115-117)."""
    b = out.cls_map.shape[0]
    return (out.cls_map.reshape(b, -1).float().cpu(), out.cont_score.softmax(-1)[:, :, 0].float().cpu(),
            out.bbox_map.float().cpu())
