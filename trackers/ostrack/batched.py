"""OSTrack over B sequences at once; each slot keeps its fixed template and previous box."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from nlbench.core.types import SlotStart
from nlbench_trackers.common.batched import BoxSlotBatch
from nlbench_trackers.ostrack.model import center_template_mask
from nlbench_trackers.ostrack.tracker import OSTrackTracker


@dataclass
class _Slot:
    template: torch.Tensor  # (1, 3, Hz, Wz)
    state: list[float]


class BatchedOSTrack(BoxSlotBatch):
    name = "ostrack"

    def __init__(self, single: OSTrackTracker, capacity: int) -> None:
        super().__init__(single, capacity)
        self.window = single.window
        self._stacked: tuple[tuple[int, ...], torch.Tensor, torch.Tensor] | None = None

    @torch.inference_mode()
    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        order = self.box_order(starts, "OSTrack", "ostrack")
        crops = self.template_crops([starts[s].frame for s in order], [starts[s].box for s in order])
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
        crops = self.search_crops(frames, list(order))
        score_map, size_map, offset_map = self.network(templates, self.images([c[0] for c in crops]), template_mask)
        boxes = self.network.box_head.decode(self.window * score_map, size_map, offset_map).float().cpu()
        return {s: self.map_back(self.slots[s], boxes[i:i + 1], frames[s], crops[i][1]) for i, s in enumerate(order)}
