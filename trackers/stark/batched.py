"""STARK-ST over B sequences at once; each slot keeps its own static and dynamic template and update clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from nlbench.core.types import SlotStart
from nlbench_trackers.common.batched import BoxSlotBatch
from nlbench_trackers.stark.tracker import StarkTracker, should_update_template


@dataclass
class _Slot:
    static: dict[str, torch.Tensor]  # feat (N, 1, C), mask (1, N), pos (N, 1, C)
    dynamic: dict[str, torch.Tensor]
    state: list[float]
    frame_id: int = 0


def _stack(parts: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Sequence-first features of several slots -> one batch (feat/pos along dim 1, mask along dim 0)."""
    return {"feat": torch.cat([p["feat"] for p in parts], dim=1), "mask": torch.cat([p["mask"] for p in parts]),
            "pos": torch.cat([p["pos"] for p in parts], dim=1)}


def _row(part: dict[str, torch.Tensor], i: int) -> dict[str, torch.Tensor]:
    return {"feat": part["feat"][:, i:i + 1], "mask": part["mask"][i:i + 1], "pos": part["pos"][:, i:i + 1]}


class BatchedStark(BoxSlotBatch):
    name = "stark-st"

    def __init__(self, single: StarkTracker, capacity: int) -> None:
        super().__init__(single, capacity)
        self.update_interval = single.update_interval

    def _templates(self, frames: list[np.ndarray], boxes: list) -> list[dict[str, torch.Tensor]]:
        crops = self.template_crops(frames, boxes)
        batch = self.network.forward_backbone(self.images([c[0] for c in crops]), self.masks([c[2] for c in crops]))
        return [_row(batch, i) for i in range(len(crops))]

    @torch.inference_mode()
    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        order = self.box_order(starts, "STARK-ST", "stark")
        templates = self._templates([starts[s].frame for s in order], [starts[s].box for s in order])
        results = {}
        for s, template in zip(order, templates):
            state = [float(v) for v in starts[s].box]
            self.slots[s] = _Slot(template, {k: v.clone() for k, v in template.items()}, state)
            results[s] = np.asarray(state, dtype=np.float64)
        return results

    @torch.inference_mode()
    def step(self, frames: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        if not frames:
            return {}
        order = self.check_active(frames)
        slots = [self.slots[s] for s in order]
        crops = self.search_crops(frames, order)
        search = self.network.forward_backbone(self.images([c[0] for c in crops]), self.masks([c[2] for c in crops]))
        boxes, logits = self.network.forward_transformer([_stack([p.static for p in slots]),
                                                          _stack([p.dynamic for p in slots]), search])
        boxes, scores = boxes.float().cpu(), logits.view(len(order), -1).float().sigmoid().cpu()  # one read-back
        results, refresh = {}, []
        for i, (s, slot) in enumerate(zip(order, slots)):
            slot.frame_id += 1
            results[s] = self.map_back(slot, boxes[i:i + 1], frames[s], crops[i][1])
            if should_update_template(slot.frame_id, float(scores[i, 0]), self.update_interval):
                refresh.append(s)
        if refresh:  # the slots due for a new dynamic template share one backbone pass
            for s, template in zip(refresh, self._templates([frames[s] for s in refresh],
                                                            [self.slots[s].state for s in refresh])):
                self.slots[s].dynamic = template
        return results
