"""True floating-point operations, counted by PyTorch's own ``FlopCounterMode``.

Unlike the paper-compatible MACs (:mod:`nlbench.profile.macs`), this counts every matmul, convolution and
attention product that the forward dispatches, whatever module or functional call issues it, at 2 FLOPs
per multiply-add. Element-wise ops (norms, activations, softmax) are not counted by PyTorch's table.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch.utils.flop_counter import FlopCounterMode


def count_flops(run: Callable[[], Any]) -> int:
    """FLOPs of one call of ``run()``, executed under ``torch.no_grad()``."""
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        run()
    return int(counter.get_total_flops())
