"""True floating-point operations, counted by PyTorch's own ``FlopCounterMode``.

Unlike the paper-compatible MACs (:mod:`nlbench.profile.macs`), this counts every matmul, convolution and
attention product that the forward dispatches, whatever module or functional call issues it, at 2 FLOPs
per multiply-add. Element-wise ops (norms, activations, softmax) are not counted by PyTorch's table.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count


def _cpu_flash_attention_flops(query, key, value, *args, out_shape=None, **kwargs) -> int:
    """Same formula as the CUDA flash kernel: 2·(Q·Kᵀ) + 2·(P·V) multiply-adds."""
    return sdpa_flop_count(query, key, value)


#: Kernels missing from torch's flop table. Without this, attention that ``scaled_dot_product_attention``
#: (and ``nn.MultiheadAttention(need_weights=False)``) runs on CPU would count zero FLOPs.
EXTRA_FLOP_FORMULAS = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_flash_attention_flops}


def count_flops(run: Callable[[], Any], models: Iterable[nn.Module] = ()) -> int:
    """FLOPs of one call of ``run()``, executed under ``torch.no_grad()``.

    The parameters of ``models`` are frozen during the count: under ``no_grad`` a view of a parameter still
    requires grad but has no grad_fn, which FlopCounterMode's module tracker cannot hook (torch 2.x).
    """
    params = [p for model in models for p in model.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        counter = FlopCounterMode(display=False, custom_mapping=EXTRA_FLOP_FORMULAS)
        with torch.no_grad(), counter:
            run()
    finally:
        for p in params:
            p.requires_grad_(True)
    return int(counter.get_total_flops())
