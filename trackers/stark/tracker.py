"""STARK-ST test-time tracker (baselines-spec §3.4): box-initialised, with the dynamic template update."""

from __future__ import annotations

import numpy as np
import torch

from nlbench.core.errors import NlbenchError
from nlbench_trackers.common.crop import clip_box, map_box_back, sample_target, scale_box_to_image
from nlbench_trackers.common.normalize import Normalizer
from nlbench_trackers.stark.model import StarkST

#: ``TEST.UPDATE_INTERVALS`` per dataset name (§3.1); every other dataset falls back to 200.
UPDATE_INTERVALS_ST101 = {"lasot": 200, "got10k_test": 200, "trackingnet": 25, "vot20": 10, "vot20lt": 100}
UPDATE_INTERVALS_ST50 = {**UPDATE_INTERVALS_ST101, "vot20lt": 200}
DEFAULT_UPDATE_INTERVAL = 200
SCORE_THRESHOLD = 0.5


def update_interval_for(dataset: str | None, table: dict[str, int] = UPDATE_INTERVALS_ST101) -> int:
    return table.get((dataset or "").lower(), DEFAULT_UPDATE_INTERVAL)


def should_update_template(frame_id: int, score: float, interval: int, threshold: float = SCORE_THRESHOLD) -> bool:
    """The dynamic template is refreshed on every ``interval``-th frame whose score is strictly above the threshold."""
    return frame_id % interval == 0 and score > threshold


class StarkTracker:
    """``initialize(frame, text, box)`` / ``track(frame)``; ``text`` is ignored (box-initialised tracker)."""

    def __init__(self, network: StarkST, device: torch.device, update_interval: int = DEFAULT_UPDATE_INTERVAL) -> None:
        self.network = network
        self.device = device
        self.normalizer = Normalizer(device=device)
        self.config = network.config
        self.update_interval = update_interval
        self.templates: list[dict[str, torch.Tensor]] = []
        self.state: list[float] | None = None
        self.frame_id = 0
        self.last_score: float | None = None

    def _template(self, frame: np.ndarray, box) -> dict[str, torch.Tensor]:
        patch, _, mask = sample_target(frame, box, self.config.template_factor, self.config.template_size)
        image, image_mask = self.normalizer.image(patch), self.normalizer.mask(mask)
        with torch.no_grad():
            return self.network.forward_backbone(image, image_mask)

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        if box is None:
            raise NlbenchError("STARK-ST is initialised by a box (mode bb); use GROUNDER+stark-* for sentences")
        template = self._template(frame, box)
        # static template + one dynamic slot, both the first template to begin with (§3.4)
        self.templates = [template, {k: v.clone() for k, v in template.items()}]
        self.state = [float(v) for v in box]
        self.frame_id = 0
        return np.asarray(self.state, dtype=np.float64)

    def track(self, frame: np.ndarray) -> np.ndarray:
        if self.state is None:
            raise NlbenchError("STARK-ST: track() called before initialize()")
        height, width = frame.shape[:2]
        self.frame_id += 1
        cfg = self.config
        patch, resize_factor, mask = sample_target(frame, self.state, cfg.search_factor, cfg.search_size)
        image, image_mask = self.normalizer.image(patch), self.normalizer.mask(mask)
        with torch.no_grad():
            search = self.network.forward_backbone(image, image_mask)
            boxes, logits = self.network.forward_transformer([*self.templates, search])
        pred_box = scale_box_to_image(boxes.view(-1, 4).mean(dim=0), cfg.search_size, resize_factor)
        self.state = clip_box(map_box_back(pred_box, self.state, resize_factor, cfg.search_size), height, width, margin=10)
        self.last_score = float(logits.view(-1).sigmoid().item())
        if should_update_template(self.frame_id, self.last_score, self.update_interval):
            self.templates[1] = self._template(frame, self.state)
        return np.asarray(self.state, dtype=np.float64)
