"""The ``build`` plumbing shared by the baseline plugins: checkpoint or random weights, device, eval mode."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from nlbench.errors import CheckpointError
from nlbench_trackers.common.checkpoint import load_strict, read_state_dict


def prepare_model(
    factory: Callable[[], nn.Module],
    checkpoint: str | Path | None,
    options: dict[str, Any],
    name: str,
    checkpoint_help: str,
) -> nn.Module:
    """Build ``factory()`` and load ``checkpoint`` strictly; random weights only when ``options['random_weights']``.

    The checkpoint requirement, and that the file is a checkpoint, are checked before the (large) model is built.
    """
    if checkpoint is None and not options.get("random_weights"):
        raise CheckpointError(f"{name} needs its official weights. {checkpoint_help}")
    state = None if checkpoint is None else read_state_dict(checkpoint)
    model = factory()
    if state is not None:
        load_strict(model, state, str(checkpoint))
    return model.eval()


def torch_device(device: str | torch.device) -> torch.device:
    return device if isinstance(device, torch.device) else torch.device(device)


def lazy_profile(package: str, function: str = "profile_spec") -> Callable[..., Any]:
    """``TrackerPlugin.profile``: imports ``nlbench_trackers.<package>.profiling`` only when profiling runs
    and forwards the options to its ``function`` (one per variant, e.g. ``profile_spec_st50``)."""

    def profile(**options: Any) -> Any:
        module = importlib.import_module(f"nlbench_trackers.{package}.profiling")
        return getattr(module, function)(**options)

    profile.__doc__ = f"Profiling description from nlbench_trackers.{package}.profiling.{function}."
    return profile
