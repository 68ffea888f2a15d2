"""The image normaliser of every tracker: uint8 RGB -> ImageNet-normalised float tensors (jointnlt-spec §1)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Normalizer:
    """uint8 RGB (H, W, 3) or (B, H, W, 3) -> normalised float (1 or B, 3, H, W) on the device.

    Mean and std are allocated once; the arithmetic is float32 ``(x / 255 - mean) / std`` as the originals,
    then cast to ``dtype``.
    """

    def __init__(self, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD,
                 device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> None:
        self.device = torch.device(device)
        self.dtype = dtype
        self.mean = torch.tensor(mean, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=self.device).view(1, 3, 1, 1)

    def image(self, patch: np.ndarray) -> torch.Tensor:
        """(H, W, 3) -> (1, 3, H, W), or (B, H, W, 3) -> (B, 3, H, W)."""
        tensor = torch.from_numpy(np.ascontiguousarray(patch)).to(self.device).float()
        if tensor.ndim == 3:
            return (((tensor.permute(2, 0, 1).unsqueeze(0) / 255.0) - self.mean) / self.std).to(self.dtype)
        # a batch is made contiguous NCHW: left in the permuted layout its convolutions take other kernels than
        # one image does (1e-5 px apart on JointNLT's grounding); contiguous, each element is the one-image number
        return (((tensor.permute(0, 3, 1, 2) / 255.0) - self.mean) / self.std).to(self.dtype).contiguous()

    def mask(self, mask: np.ndarray) -> torch.Tensor:
        """(H, W) bool padding mask -> (1, H, W) bool on the device."""
        return torch.from_numpy(mask).to(torch.bool).to(self.device).unsqueeze(0)

