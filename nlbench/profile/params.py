"""Parameter counts: every parameter, split by top-level module."""

from __future__ import annotations

from torch import nn


def count_parameters(model: nn.Module) -> int:
    """Every parameter of ``model`` (shared tensors once), trainable or not."""
    return sum(p.numel() for p in model.parameters())


def parameter_components(model: nn.Module) -> dict[str, int]:
    """Parameters per top-level child module, plus each parameter held directly by ``model``.

    The values add up to :func:`count_parameters` (a tensor shared between two children is given to the
    first one that holds it).
    """
    seen: set[int] = set()
    components: dict[str, int] = {}
    for name, param in model.named_parameters(recurse=False):
        seen.add(id(param))
        components[name] = param.numel()
    for name, child in model.named_children():
        total = 0
        for param in child.parameters():
            if id(param) not in seen:
                seen.add(id(param))
                total += param.numel()
        components[name] = total
    return components
