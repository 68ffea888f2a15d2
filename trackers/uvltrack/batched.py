"""UVLTrack over B sequences at once (``nlbench.core.types.BatchedTracker``), boxes equal to the per-sequence
tracker's.

Each slot keeps what :class:`UVLTrackTracker` keeps for its sequence (a :class:`SequenceState`: text tokens, flag,
template image and mask, prompt, previous box, the prompt-update memory). One ``step`` crops every slot's search
region from its own frame (frames may differ in size), runs the feature extractor once on the stacked crops and
hands each slot its row for the batch-1 tracker's arithmetic. With ``batch_invariant`` (the default) the box head
runs once per slot, because its convolutions take other kernels for a batch than for one image and a 1e-6
difference can move an argmax or a crop's integer rounding frames later; the ViT and BERT, nearly all of the
work, stay batched. Prompt updates (every 20 frames, per slot) rerun the prompter for that slot alone.
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Mapping

import numpy as np
import torch

from nlbench.core.types import SlotStart
from nlbench_trackers.common.batched import SlotBatch
from nlbench_trackers.common.crop import sample_target

from .model import FLAG_NL, FLAG_NLBBOX, Features, HeadOutput
from .preprocess import grounded_box, grounding_letterbox
from .tracker import SequenceState, UVLTrackTracker, host_scores, mode_flag


class BatchedUVLTrack(SlotBatch):
    """Up to ``capacity`` sequences tracked in lock-step by one UVLTrack network."""

    name = "uvltrack"

    def __init__(self, single: UVLTrackTracker, capacity: int, batch_invariant: bool = True) -> None:
        super().__init__(capacity, single.device, single.normalizer)
        self.single = single
        self.model = single.model
        self.cfg = single.cfg
        self.batch_invariant = batch_invariant
        self._stacked: tuple[tuple[int, ...], tuple[torch.Tensor, ...]] | None = None

    def release(self, slot: int) -> None:
        super().release(slot)
        self._stacked = None

    def _head(self, feats: Features, prompt: torch.Tensor | None, template_mask: torch.Tensor | None = None,
              context_mask: torch.Tensor | None = None) -> HeadOutput:
        head = self.model.box_head
        b = feats.search.shape[0]
        if not self.batch_invariant or b == 1:
            return head(feats, prompt, template_mask, context_mask)
        rows = [head(feats.rows(slice(i, i + 1)), None if prompt is None else prompt[i:i + 1],
                     None if template_mask is None else template_mask[i:i + 1],
                     None if context_mask is None else context_mask[i:i + 1]) for i in range(b)]
        return HeadOutput(*(torch.cat(parts) for parts in zip(*(astuple(r) for r in rows))))

    def _ground(self, frames: list[np.ndarray], text: tuple[torch.Tensor, torch.Tensor]) -> list[list[float]]:
        """The NL grounding of several new slots: one backbone pass, the head per slot (see ``_head``)."""
        cfg, b = self.cfg, len(frames)
        images = self.images([grounding_letterbox(f, cfg.search_size) for f in frames])
        template = torch.zeros((b, 3, cfg.template_size, cfg.template_size), device=self.device)
        flag = torch.full((b, 1), FLAG_NL, dtype=torch.long, device=self.device)
        feats = self.model.backbone(template, images, *text, flag)
        template_mask = torch.zeros((b, cfg.num_template_tokens), dtype=torch.bool, device=self.device)
        context_mask = torch.zeros((b, cfg.num_search_tokens), dtype=torch.bool, device=self.device)
        pred = self._head(feats, None, template_mask, context_mask).pred_boxes.float().cpu()
        return [grounded_box(pred[i], *frame.shape[:2]) for i, frame in enumerate(frames)]

    @torch.inference_mode()
    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        order = self.check_free(starts)
        flags = {s: mode_flag(starts[s].text, starts[s].box) for s in order}
        tokens = {s: self.single.encode_text([starts[s].text]) for s in order}
        boxes: dict[int, list[float]] = {}
        grounded = [s for s in order if flags[s] == FLAG_NL]
        if grounded:
            text = (torch.cat([tokens[s][0] for s in grounded]), torch.cat([tokens[s][1] for s in grounded]))
            for s, box in zip(grounded, self._ground([starts[s].frame for s in grounded], text)):
                boxes[s], flags[s] = box, FLAG_NLBBOX
        for s in order:
            if s not in boxes:
                boxes[s] = [float(v) for v in np.asarray(starts[s].box, dtype=np.float64)]
        built = list(self.crop_map(lambda s: self.single.start_state(starts[s].frame, tokens[s], boxes[s], flags[s]),
                                   order))
        states = [b[0] for b in built]
        context = torch.cat([b[1][0] for b in built])
        template_mask = torch.cat([b[1][1] for b in built])
        context_mask = torch.cat([b[1][2] for b in built])
        text = (torch.cat([st.text[0] for st in states]), torch.cat([st.text[1] for st in states]))
        feats = self.model.backbone(torch.cat([st.template for st in states]), context, *text,
                                    torch.cat([st.flag for st in states]))
        for i, (s, state) in enumerate(zip(order, states)):
            state.prompt = self.model.forward_prompt(feats.rows(slice(i, i + 1)), template_mask[i:i + 1],
                                                     context_mask[i:i + 1])
            self.slots[s] = state
        self._stacked = None
        return {s: np.asarray(boxes[s], dtype=np.float64) for s in order}

    def _constants(self, order: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        """Template, text and flag tensors of the active slots, concatenated once per change of the slot set."""
        if self._stacked is None or self._stacked[0] != order:
            parts: list[SequenceState] = [self.slots[s] for s in order]
            self._stacked = (order, (torch.cat([p.template for p in parts]), torch.cat([p.text[0] for p in parts]),
                                     torch.cat([p.text[1] for p in parts]), torch.cat([p.flag for p in parts])))
        return self._stacked[1]

    @torch.inference_mode()
    def step(self, frames: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        if not frames:
            return {}
        order = tuple(self.check_active(frames))
        cfg = self.cfg
        states: list[SequenceState] = [self.slots[s] for s in order]
        crops = list(self.crop_map(lambda s: sample_target(frames[s], self.slots[s].box, cfg.search_factor,
                                                           cfg.search_size), order))
        template, ids, mask, flag = self._constants(order)
        feats = self.model.backbone(template, self.images([c[0] for c in crops]), ids, mask, flag)
        out = self._head(feats, torch.cat([st.prompt for st in states]))
        cls, cont, boxes = host_scores(out)  # the one synchronisation per step
        results = {}
        for i, (s, state) in enumerate(zip(order, states)):
            results[s] = state.step(cfg, self.single.window, cls[i], cont[i], boxes[i], crops[i][1],
                                    feats.rows(slice(i, i + 1)), *frames[s].shape[:2])
            if state.update_due(cfg):
                state.update_prompt(self.model, cfg)
        return results
