"""Loading UVLTrack weights: the trainer dict's ``net`` (or a bare state_dict / safetensors), strictly.

The original loads with ``strict=False`` (tracker:24), so a renamed or missing key silently leaves a randomly
initialised module. Before the "fix head" commit (eece56a, 2024-03-24) the prompter was ``box_head.image_tokenlize``;
both prefixes are accepted here, and anything else that does not match is an error naming the keys
(uvltrack-spec §3, §9 risk 1). Pickles are read by the shared safe loader: the ``lib.*`` classes of the trainer
dict become inert placeholders and are never executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch

from nlbench.core.errors import CheckpointError
from nlbench_trackers.common.checkpoint import load_into, read_state_dict

from .model import UVLTrack

PROMPTER = "box_head.prompter."
OLD_PROMPTER = "box_head.image_tokenlize."


def rename_prompter(state: Mapping[str, torch.Tensor], source: str | Path = "checkpoint") -> dict[str, torch.Tensor]:
    """Map the pre-2024-03-24 prompter prefix ``box_head.image_tokenlize.`` to ``box_head.prompter.``."""
    old = [k for k in state if k.startswith(OLD_PROMPTER)]
    if not old:
        return dict(state)
    new = [k for k in state if k.startswith(PROMPTER)]
    if new:
        raise CheckpointError(
            f"{source}: holds the prompter twice, as {PROMPTER}* ({len(new)} keys) and as {OLD_PROMPTER}* "
            f"({len(old)} keys); keep one of them"
        )
    return {(PROMPTER + k[len(OLD_PROMPTER):] if k.startswith(OLD_PROMPTER) else k): v for k, v in state.items()}


def load_weights(model: UVLTrack, state: Mapping[str, torch.Tensor], source: str | Path = "checkpoint") -> UVLTrack:
    """Strict load of ``state`` (either prompter prefix); a missing prompter key gets its own message."""
    state = rename_prompter(state, source)
    missing_prompter = sorted(k for k in model.state_dict() if k.startswith(PROMPTER) and k not in state)
    if missing_prompter:
        raise CheckpointError(
            f"{source}: the prompter is incomplete: missing {', '.join(missing_prompter)} (looked for {PROMPTER}* "
            f"and {OLD_PROMPTER}*). The original code would run with a randomly initialised prompter here; "
            "nlbench refuses. Check that the file is a UVLTrack checkpoint of this size."
        )
    load_into(model, state, source)
    return model


def load_checkpoint(model: UVLTrack, path: str | Path) -> UVLTrack:
    """Read ``path`` safely (trainer dict ``net``, bare state_dict or safetensors) and load it strictly."""
    return load_weights(model, read_state_dict(path), path)
