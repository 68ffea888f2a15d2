"""OSTrack test-time tracker (baselines-spec §4.4): fixed template, Hann-windowed centre decoding."""

from __future__ import annotations

import numpy as np
import torch

from nlbench.core.errors import NlbenchError
from nlbench_trackers.common.crop import clip_box, hann2d, map_box_back, sample_target, scale_box_to_image
from nlbench_trackers.common.normalize import Normalizer
from nlbench_trackers.ostrack.model import OSTrack, center_template_mask


class OSTrackTracker:
    """``initialize(frame, text, box)`` / ``track(frame)``; ``text`` is ignored (box-initialised tracker)."""

    def __init__(self, network: OSTrack, device: torch.device) -> None:
        self.network = network
        self.device = device
        self.normalizer = Normalizer(device=device)
        self.config = network.config
        self.window = hann2d(self.config.search_feat_size).to(device)
        self.template_mask = center_template_mask(self.config.template_feat_size, 1, device)
        self.template: torch.Tensor | None = None
        self.state: list[float] | None = None
        self.frame_id = 0

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        if box is None:
            raise NlbenchError("OSTrack is initialised by a box (mode bb); use GROUNDER+ostrack-* for sentences")
        cfg = self.config
        patch, _, _ = sample_target(frame, box, cfg.template_factor, cfg.template_size)
        # the crop's padding mask is computed by the original but never used (§4.4)
        self.template = self.normalizer.image(patch)
        self.state = [float(v) for v in box]
        self.frame_id = 0
        return np.asarray(self.state, dtype=np.float64)

    def track(self, frame: np.ndarray) -> np.ndarray:
        if self.state is None or self.template is None:
            raise NlbenchError("OSTrack: track() called before initialize()")
        height, width = frame.shape[:2]
        self.frame_id += 1
        cfg = self.config
        patch, resize_factor, _ = sample_target(frame, self.state, cfg.search_factor, cfg.search_size)
        search = self.normalizer.image(patch)
        with torch.no_grad():
            score_map, size_map, offset_map = self.network(self.template, search, self.template_mask)
            boxes = self.network.box_head.decode(self.window * score_map, size_map, offset_map)
        pred_box = scale_box_to_image(boxes.view(-1, 4).mean(dim=0), cfg.search_size, resize_factor)
        self.state = clip_box(map_box_back(pred_box, self.state, resize_factor, cfg.search_size), height, width, margin=10)
        return np.asarray(self.state, dtype=np.float64)
