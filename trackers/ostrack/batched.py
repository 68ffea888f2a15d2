"""OSTrack over B sequences at once; each slot keeps its fixed template and previous box."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from nlbench.errors import NlbenchError
from nlbench.types import SlotStart
from nlbench_trackers.common.batched import SlotBatch
from nlbench_trackers.common.crop import clip_box, map_box_back, sample_target, scale_box_to_image
from nlbench_trackers.ostrack.model import center_template_mask
from nlbench_trackers.ostrack.tracker import OSTrackTracker


@dataclass
class _Slot:
    template: torch.Tensor  # (1, 3, Hz, Wz)
    state: list[float]


class BatchedOSTrack(SlotBatch):
    name = "ostrack"

    def __init__(self, single: OSTrackTracker, capacity: int) -> None:
        super().__init__(capacity, single.device, single.normalizer)
        self.single = single
        self.network = single.network
        self.config = single.config
        self.window = single.window
        self._stacked: tuple[tuple[int, ...], torch.Tensor, torch.Tensor] | None = None

    @torch.inference_mode()
    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        order = self.check_free(starts)
        if any(starts[s].box is None for s in order):
            raise NlbenchError("OSTrack is initialised by a box (mode bb); use GROUNDER+ostrack-* for sentences")
        cfg = self.config
        crops = list(self.crop_map(lambda s: sample_target(starts[s].frame, starts[s].box, cfg.template_factor,
                                                           cfg.template_size), order))
        templates = self.images([c[0] for c in crops])  # the crop's padding mask is never used (§4.4)
        results = {}
        for i, s in enumerate(order):
            state = [float(v) for v in starts[s].box]
            self.slots[s] = _Slot(templates[i:i + 1], state)
            results[s] = np.asarray(state, dtype=np.float64)
        self._stacked = None
        return results

    def release(self, slot: int) -> None:
        super().release(slot)
        self._stacked = None

    @torch.inference_mode()
    def step(self, frames: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        if not frames:
            return {}
        order = tuple(self.check_active(frames))
        cfg = self.config
        if self._stacked is None or self._stacked[0] != order:
            templates = torch.cat([self.slots[s].template for s in order])
            mask = center_template_mask(cfg.template_feat_size, len(order), self.device)
            self._stacked = (order, templates, mask)
        _, templates, template_mask = self._stacked
        crops = list(self.crop_map(lambda s: sample_target(frames[s], self.slots[s].state, cfg.search_factor,
                                                           cfg.search_size), order))
        score_map, size_map, offset_map = self.network(templates, self.images([c[0] for c in crops]), template_mask)
        boxes = self.network.box_head.decode(self.window * score_map, size_map, offset_map).float().cpu()
        results = {}
        for i, s in enumerate(order):
            slot = self.slots[s]
            height, width = frames[s].shape[:2]
            resize_factor = crops[i][1]
            pred_box = scale_box_to_image(boxes[i:i + 1].view(-1, 4).mean(dim=0), cfg.search_size, resize_factor)
            slot.state = clip_box(map_box_back(pred_box, slot.state, resize_factor, cfg.search_size), height, width,
                                  margin=10)
            results[s] = np.asarray(slot.state, dtype=np.float64)
        return results
