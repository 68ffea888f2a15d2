"""``uvltrack-b`` and ``uvltrack-l`` plugins (entry points in pyproject.toml), one per row of ``VARIANTS``.

Each builds the network of its row, loads the official checkpoint strictly (either prompter prefix) and wraps
it in the test-time tracker, which is also the grounder (``nlbench ground``, ``uvltrack-b+TRACKER``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlbench.core.errors import CheckpointError, PluginError
from nlbench.core.types import TrackerPlugin
from nlbench_trackers.common.plugin import LazyProfile, Variant, option_bool, torch_device

from .variants import VARIANTS

#: Options of ``build`` beyond checkpoint/device (``nlbench run -o KEY=VALUE``).
OPTIONS = {
    "random_weights": "true: seeded random weights instead of a checkpoint (tests, profiling)",
    "batch_invariant": "batched runs: true (default) runs the box head once per sequence, so boxes are the "
                       "batch-1 numbers; false batches it too",
}


def _as_bool(name: str, value: Any) -> bool:
    return option_bool("uvltrack", name, value)


@dataclass(frozen=True)
class UVLTrackBuild:
    """``TrackerPlugin.build`` of one variant: checkpoint check, network, strict load, device, tracker."""

    variant: Variant

    def __call__(self, checkpoint: str | Path | None = None, device: str = "cpu", **options: Any):
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            accepted = "; ".join(f"{k}: {v}" for k, v in OPTIONS.items())
            raise PluginError(f"{self.variant.name}: unknown option(s) {', '.join(unknown)}. Accepted: {accepted}")
        dev = torch_device(device)
        if dev.type == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise PluginError(f"{self.variant.name}: --device cuda was asked for but no CUDA device is available")
        random_weights = _as_bool("random_weights", options.get("random_weights", False))
        if checkpoint is None and not random_weights:
            raise CheckpointError(f"{self.variant.name} needs its official weights. {self.variant.checkpoint_help}")
        from nlbench_trackers.common.checkpoint import read_state_dict

        from .checkpoint import load_weights
        from .model import UVLTrack
        from .tracker import UVLTrackTracker

        state = None
        if checkpoint is not None:
            path = Path(checkpoint)
            if not path.is_file():
                raise CheckpointError(f"{path}: checkpoint file not found. {self.variant.checkpoint_help}")
            state = read_state_dict(path)  # a file that is no checkpoint fails before the model is built
        model = UVLTrack(self.variant.config)
        if state is not None:
            load_weights(model, state, checkpoint)
        return UVLTrackTracker(model.eval(), dev)


@dataclass(frozen=True)
class UVLTrackBatchedBuild:
    build: UVLTrackBuild

    def __call__(self, batch_size: int, checkpoint: str | Path | None = None, device: str = "cpu", **options: Any):
        from .batched import BatchedUVLTrack

        invariant = _as_bool("batch_invariant", options.get("batch_invariant", True))
        return BatchedUVLTrack(self.build(checkpoint, device, **options), batch_size, batch_invariant=invariant)


def uvltrack_plugin(variant: Variant) -> TrackerPlugin:
    build = UVLTrackBuild(variant)
    return TrackerPlugin(
        name=variant.name,
        description=variant.description,
        build=build,
        modes=("nl", "bb", "nl+bb"),
        grounder=True,
        needs_checkpoint=True,
        checkpoint_help=variant.checkpoint_help,
        default_mode=variant.settings["default_mode"],
        profile=LazyProfile("uvltrack", variant.key),
        build_batched=UVLTrackBatchedBuild(build),
    )


UVLTRACK_B = uvltrack_plugin(VARIANTS["b"])
UVLTRACK_L = uvltrack_plugin(VARIANTS["l"])
