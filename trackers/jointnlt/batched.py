"""JointNLT over B sequences at once (``nlbench.core.types.BatchedTracker``), boxes equal to the per-sequence tracker's.

Each slot keeps what :class:`JointNLTTracker` keeps for its one sequence (text features, template tokens, the
template RoI and RoI queue of SGTM, the previous box). One ``step`` crops every slot's search region from its own
frame (frames may differ in size), runs the network once on the stacked crops and maps each box back with that
slot's crop geometry. The per-slot arithmetic after the network is the batch-1 tracker's, row by row; SGTM runs
once per clue length (36 tokens on a slot's first tracked frame, 72 afterwards) instead of padding. With
``batch_invariant`` (the default) the single-query stages (SGTM, target decoder) and the corner head run once per
slot, because their batch-1 kernels (matrix-vector products, other conv algorithms) round differently from the
batched ones and a 1e-6 difference can flip a crop's integer rounding frames later; the backbones, BERT and the
relation encoder, where nearly all the work is, stay batched and are bit-identical to batch 1 on CPU.

On CUDA, crops are stacked in pinned host memory and copied without blocking; the only synchronisation per
step is reading the boxes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np
import torch

from nlbench.core.errors import PluginError
from nlbench.core.types import SlotStart

from nlbench_trackers.common.crop import clip_box, map_box_back

from .preprocess import grounding_resize, map_grounding_box_back, sample_target
from .tokenizer import tokenize
from .tracker import JointNLTTracker


@dataclass
class _Slot:
    text: tuple[torch.Tensor, torch.Tensor]  # (1, L, C), (1, L)
    template: tuple[torch.Tensor, torch.Tensor]  # (1, N, C), (1, N)
    box: list[float]
    template_roi: torch.Tensor | None = None  # (1, C, 36) in NL mode
    roi_queue: list[torch.Tensor] = field(default_factory=list)


class BatchedJointNLT:
    """Up to ``capacity`` sequences tracked in lock-step by one :class:`JointNLT` network."""

    def __init__(self, single: JointNLTTracker, capacity: int,
                 crop_map: Callable[[Callable, Iterable], Iterable] = map, batch_invariant: bool = True) -> None:
        if capacity < 1:
            raise PluginError(f"jointnlt: batch size must be at least 1, not {capacity}")
        self.single = single  # owns the model, the dtype, the compiled steps and the text rules
        # SGTM, the target decoder and the head once per slot: their batch-1 kernels differ from batched ones
        single.model.batch_invariant = batch_invariant
        self.capacity = capacity
        self.cfg = single.cfg
        self.device = single.device
        self.crop_map = crop_map  # the runner may pass a thread pool's map: OpenCV crops release the GIL
        self.slots: dict[int, _Slot] = {}
        self._stacked: tuple[tuple[int, ...], tuple[torch.Tensor, ...]] | None = None

    # Host -> device ------------------------------------------------------------------------------
    def _upload(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(array))
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor

    def _images(self, patches: list[np.ndarray]) -> torch.Tensor:
        """uint8 (H, W, 3) crops -> normalised (B, 3, H, W), the batch-1 normaliser's arithmetic per element."""
        norm = self.single.normalizer
        tensor = self._upload(np.stack(patches)).float().permute(0, 3, 1, 2)
        # contiguous NCHW: a batch left in the permuted (channels-last) layout takes other conv kernels than the
        # batch-1 tensors, which round differently (2.5e-6 on Swin's patch embedding)
        return (((tensor / 255.0) - norm.mean) / norm.std).to(norm.dtype).contiguous()

    def _masks(self, masks: list[np.ndarray]) -> torch.Tensor:
        return self._upload(np.stack(masks))

    # Starting slots --------------------------------------------------------------------------------
    @torch.inference_mode()
    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        busy = sorted(set(starts) & set(self.slots))
        if busy or any(not 0 <= s < self.capacity for s in starts):
            raise PluginError(f"jointnlt: slots {sorted(starts)} are busy or outside 0..{self.capacity - 1}")
        order = sorted(starts)
        if any(starts[s].text is None for s in order):
            raise PluginError("jointnlt needs the sentence: it supports the modes nl and nl+bb, not bb")
        ids, mask = tokenize([self.single.query_text(starts[s].text) for s in order], self.cfg.max_query_len)
        text_src, text_mask = self.single.model.encode_text(ids.to(self.device), mask.to(self.device))
        text = {s: (text_src[i:i + 1], text_mask[i:i + 1]) for i, s in enumerate(order)}

        states: dict[int, list[float]] = {}
        results: dict[int, np.ndarray] = {}
        template_rois: dict[int, torch.Tensor] = {}
        grounded = [s for s in order if starts[s].box is None]
        if grounded:  # NL mode: one batched grounding pass over the new slots' whole frames
            size = self.cfg.grounding_size
            resized = [grounding_resize(starts[s].frame, size) for s in grounded]
            rows = [order.index(s) for s in grounded]
            out = self.single._grounding_step(text_src[rows], text_mask[rows], self._images([r[0] for r in resized]),
                                              self._masks([r[1] for r in resized]))
            pred = out["pred_boxes"].float()
            for i, s in enumerate(grounded):
                _, _, new_w, new_h = resized[i]
                box = map_grounding_box_back(pred[i:i + 1], new_w, new_h, starts[s].frame.shape[1], size)[0]
                box = box.cpu().numpy().astype(np.float64)
                states[s] = [float(v) for v in box.astype(np.float32)]
                template_rois[s] = out["roi_feature"][i:i + 1].flatten(2)
                results[s] = box
        for s in order:
            if starts[s].box is not None:
                box = np.asarray(starts[s].box, dtype=np.float64)
                states[s] = [float(v) for v in box]
                results[s] = box.copy()

        crops = list(self.crop_map(lambda s: sample_target(starts[s].frame, states[s], self.cfg.template_factor,
                                                           self.cfg.template_size), order))
        tokens, token_mask = self.single.model.encode_visual(self._images([c[0] for c in crops]),
                                                             self._masks([c[2] for c in crops]))
        for i, s in enumerate(order):
            self.slots[s] = _Slot(text[s], (tokens[i:i + 1], token_mask[i:i + 1]), states[s], template_rois.get(s))
        self._stacked = None
        return results

    def release(self, slot: int) -> None:
        if self.slots.pop(slot, None) is not None:
            self._stacked = None

    # Tracking --------------------------------------------------------------------------------------
    def _stacked_constants(self, order: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        """Text and template tensors of the active slots, concatenated once per change of the slot set."""
        if self._stacked is None or self._stacked[0] != order:
            parts = [self.slots[s] for s in order]
            self._stacked = (order, (torch.cat([p.text[0] for p in parts]), torch.cat([p.text[1] for p in parts]),
                                     torch.cat([p.template[0] for p in parts]),
                                     torch.cat([p.template[1] for p in parts])))
        return self._stacked[1]

    def _temporal_clues(self, parts: list[_Slot]) -> torch.Tensor | list[torch.Tensor] | None:
        clues = []
        for slot in parts:
            if slot.template_roi is None:
                return None  # NL+BB mode: no temporal clue (one mode per run, so for every slot)
            if len(slot.roi_queue) >= self.cfg.max_history:
                slot.roi_queue = slot.roi_queue[-self.cfg.max_history + 1:]
            clues.append(torch.cat([slot.template_roi, *slot.roi_queue], dim=-1))
        if len({c.shape[-1] for c in clues}) == 1:
            return torch.cat(clues)
        return clues

    @torch.inference_mode()
    def step(self, frames: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        if not frames:
            return {}
        order = tuple(sorted(frames))
        missing = [s for s in order if s not in self.slots]
        if missing:
            raise PluginError(f"jointnlt: step for slots {missing} that were never started")
        parts = [self.slots[s] for s in order]
        cfg = self.cfg
        crops = list(self.crop_map(lambda s: sample_target(frames[s], self.slots[s].box, cfg.search_factor,
                                                           cfg.search_size), order))
        text_src, text_mask, template, template_mask = self._stacked_constants(order)
        temporal = self._temporal_clues(parts)
        out = self.single._tracking_step(text_src, text_mask, template, template_mask,
                                         self._images([c[0] for c in crops]), self._masks([c[2] for c in crops]),
                                         temporal)
        if temporal is not None:
            roi = out["roi_feature"].flatten(2)
            for i, slot in enumerate(parts):
                slot.roi_queue.append(roi[i:i + 1])
        pred = out["pred_boxes"].float().cpu()  # the one synchronisation per step: reading the boxes back
        boxes = {}
        for i, (s, slot) in enumerate(zip(order, parts)):
            resize_factor = crops[i][1]
            # the batch-1 tracker's float32 arithmetic, on this slot's row
            row = (pred[i:i + 1].view(-1, 4).mean(dim=0) * cfg.search_size / resize_factor).tolist()
            box = map_box_back(row, slot.box, resize_factor, cfg.search_size)
            height, width = frames[s].shape[:2]
            slot.box = clip_box(box, height, width, margin=cfg.clip_margin)
            boxes[s] = np.asarray(slot.box, dtype=np.float64)
        return boxes
