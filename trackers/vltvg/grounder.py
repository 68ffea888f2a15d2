"""VLTVG test-time grounder: one frame and one sentence -> one box (baselines-spec §2.5)."""

from __future__ import annotations

import numpy as np
import torch

from nlbench.core.errors import NlbenchError
from nlbench_trackers.vltvg.model import VLTVG
from nlbench_trackers.vltvg.preprocess import canvas_box_to_image, encode_phrase, image_to_canvas


class VLTVGGrounder:
    """``ground(frame, text) -> xywh``. VLTVG does not track: compose it, e.g. ``vltvg+stark-st101``."""

    def __init__(self, network: VLTVG, device: torch.device) -> None:
        self.network = network
        self.device = device

    def ground(self, frame: np.ndarray, text: str) -> np.ndarray:
        if not text or not text.strip():
            raise NlbenchError("VLTVG needs a non-empty sentence to ground")
        image, mask, geometry = image_to_canvas(frame, self.network.config.image_size)
        ids, word_mask = encode_phrase(text, self.network.config.query_len)
        with torch.no_grad():
            box = self.network(image.to(self.device), mask.to(self.device), ids.to(self.device), word_mask.to(self.device))
        return canvas_box_to_image(box[0], geometry, self.network.config.image_size)

    def ground_many(self, frames: list[np.ndarray], texts: list[str]) -> list[np.ndarray]:
        """``ground`` of several images in one batched pass (a batched separated pipeline's new slots)."""
        if not frames:
            return []
        if any(not t or not t.strip() for t in texts):
            raise NlbenchError("VLTVG needs a non-empty sentence to ground")
        size = self.network.config.image_size
        canvases = [image_to_canvas(frame, size) for frame in frames]
        phrases = [encode_phrase(text, self.network.config.query_len) for text in texts]
        with torch.no_grad():
            boxes = self.network(torch.cat([c[0] for c in canvases]).to(self.device),
                                 torch.cat([c[1] for c in canvases]).to(self.device),
                                 torch.cat([p[0] for p in phrases]).to(self.device),
                                 torch.cat([p[1] for p in phrases]).to(self.device))
        return [canvas_box_to_image(boxes[i], c[2], size) for i, c in enumerate(canvases)]

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        raise NlbenchError(
            "vltvg is a grounder only and cannot track; run it as GROUNDER+TRACKER (e.g. vltvg+stark-st101) "
            "or use it with `nlbench ground`"
        )

    def track(self, frame: np.ndarray) -> np.ndarray:
        raise NlbenchError("vltvg is a grounder only and cannot track; use e.g. vltvg+ostrack-384")
