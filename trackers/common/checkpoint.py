"""Strict loading of the official baseline checkpoints, on top of JointNLT's safe loader.

The official files are not plain state_dicts (baselines-spec §2.5, §3.1, §4.1, §9):
VLTVG saves ``{"model", "epoch", "args": argparse.Namespace, ...}`` and STARK/OSTrack save
pytracking trainer dicts ``{"net", "settings", "stats", ...}`` pickling the training code's
``lib.*`` classes. ``nlbench_trackers.jointnlt.checkpoint`` reads all of these with
``torch.load(weights_only=True)`` and inert placeholders (never ``weights_only=False``),
as well as bare state_dicts and safetensors, and strips ``module.``.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from nlbench_trackers.jointnlt.checkpoint import load_into, read_state_dict

__all__ = ["load_strict", "read_state_dict"]


def load_strict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Strict load; key or shape mismatches raise a CheckpointError naming them.

    ``num_batches_tracked`` entries for frozen BNs (which have none) are dropped first, as the
    original ``FrozenBatchNorm2d`` does on load.
    """
    expected = model.state_dict()
    kept = {k: v for k, v in state.items() if not (k.endswith("num_batches_tracked") and k not in expected)}
    load_into(model, kept, source)
