"""What every batched tracker shares (``nlbench.core.types.BatchedTracker``): slots, the crop map and host -> device.

Crops are made per slot on the host (frames of different sizes), stacked, and sent to the device in one copy:
pinned memory and a non-blocking copy on CUDA. The normalisation is the per-sequence tracker's arithmetic
applied to the stacked batch, so every element is the number its batch-1 pass sees.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import numpy as np
import torch

from nlbench.core.errors import NlbenchError, PluginError
from nlbench_trackers.common.crop import clip_box, map_box_back, sample_target, scale_box_to_image


class SlotBatch:
    """Slot bookkeeping; subclasses keep one state object per active slot in ``self.slots``."""

    name = "tracker"

    def __init__(self, capacity: int, device: torch.device | str, normalizer: Any) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise PluginError(f"{self.name}: batch size must be a positive integer, not {capacity!r}")
        self.capacity = capacity
        self.device = torch.device(device)
        self.normalizer = normalizer
        self.slots: dict[int, Any] = {}
        self.crop_map: Callable[[Callable, Iterable], Iterable] = map  # the runner may pass a thread pool's map

    def check_free(self, slots: Iterable[int]) -> list[int]:
        order = sorted(slots)
        if any(s in self.slots or not 0 <= s < self.capacity for s in order):
            raise PluginError(f"{self.name}: slots {order} are busy or outside 0..{self.capacity - 1}")
        return order

    def check_active(self, slots: Iterable[int]) -> list[int]:
        order = sorted(slots)
        missing = [s for s in order if s not in self.slots]
        if missing:
            raise PluginError(f"{self.name}: step for slots {missing} that were never started")
        return order

    def release(self, slot: int) -> None:
        self.slots.pop(slot, None)

    def upload(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(array))
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor

    def images(self, patches: list[np.ndarray]) -> torch.Tensor:
        """uint8 (H, W, 3) crops -> normalised (B, 3, H, W), the batch-1 normaliser's arithmetic per element."""
        norm = self.normalizer
        tensor = self.upload(np.stack(patches)).float().permute(0, 3, 1, 2)
        # contiguous NCHW: a batch left in the permuted (channels-last) layout takes other conv kernels than the
        # batch-1 tensors, which round differently (2.5e-6 on Swin's patch embedding)
        return (((tensor / 255.0) - norm.mean) / norm.std).to(norm.dtype).contiguous()

    def masks(self, masks: list[np.ndarray]) -> torch.Tensor:
        return self.upload(np.stack(masks)).to(torch.bool)


class BoxSlotBatch(SlotBatch):
    """A pytracking-style box tracker (STARK-ST, OSTrack) over B slots: each slot's state is its previous box,
    and every step crops each slot's search region around it and maps the predicted box back into its frame."""

    def __init__(self, single: Any, capacity: int) -> None:
        super().__init__(capacity, single.device, single.normalizer)
        self.single = single
        self.network = single.network
        self.config = single.config

    def box_order(self, starts: Mapping[int, Any], display: str, family: str) -> list[int]:
        """The free slots in ``starts``, sorted; these trackers start from a box only."""
        order = self.check_free(starts)
        if any(starts[s].box is None for s in order):
            raise NlbenchError(f"{display} is initialised by a box (mode bb); use GROUNDER+{family}-* for sentences")
        return order

    def template_crops(self, frames: list[np.ndarray], boxes: list) -> list[tuple]:
        cfg = self.config
        return list(self.crop_map(lambda fb: sample_target(fb[0], fb[1], cfg.template_factor, cfg.template_size),
                                  list(zip(frames, boxes))))

    def search_crops(self, frames: Mapping[int, np.ndarray], order: list[int]) -> list[tuple]:
        cfg = self.config
        return list(self.crop_map(lambda s: sample_target(frames[s], self.slots[s].state, cfg.search_factor,
                                                          cfg.search_size), order))

    def map_back(self, slot: Any, box: torch.Tensor, frame: np.ndarray, resize_factor: float) -> np.ndarray:
        """The search-crop box (1, 4) in [0, 1] -> the slot's new state in frame pixels, clipped as the original."""
        size = self.config.search_size
        pred_box = scale_box_to_image(box.view(-1, 4).mean(dim=0), size, resize_factor)
        height, width = frame.shape[:2]
        slot.state = clip_box(map_box_back(pred_box, slot.state, resize_factor, size), height, width, margin=10)
        return np.asarray(slot.state, dtype=np.float64)


def batched_from(build: Callable[..., Any], wrapper: str) -> Callable[..., Any]:
    """``TrackerPlugin.build_batched`` from a plugin's ``build`` and ``"module:Class"`` taking (tracker, capacity)."""

    def build_batched(batch_size: int, checkpoint: Any = None, device: str = "cpu", **options: Any) -> Any:
        import importlib

        module, _, name = wrapper.partition(":")
        cls = getattr(importlib.import_module(module), name)
        return cls(build(checkpoint=checkpoint, device=device, **options), batch_size)

    build_batched.__doc__ = f"``batch_size`` sequences at once through {wrapper}; boxes equal ``build``'s."
    return build_batched
