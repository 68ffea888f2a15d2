"""``nlbench train`` as a stage: train a tracker whose plugin can train (``TrackerPlugin.train``).

The harness knows no trainable tracker by name: a plugin offers a ``train`` hook and the datasets it learns
from (``train_datasets``); without ``--tracker`` the one registered trainable tracker is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlbench.core.errors import NlbenchError, PluginError
from nlbench.core.request import Request, option
from nlbench.core.types import TrackerPlugin

__all__ = ["TrainRequest", "TrainSummary", "train_tracker", "trainable_trackers"]


@dataclass(frozen=True)
class TrainRequest(Request):
    """``nlbench train``: train a tracker and write its weights, config and loss log.

    ``tracker`` None: the registered trainable tracker (there is one, or the choice is an error);
    ``dataset`` None: the first dataset its plugin learns from; ``steps``, ``batch_size``, ``threads`` None:
    the plugin's recipe; ``out`` None: ``runs/train/<tracker>-seed<S>/``.

        >>> TrainRequest("jointnlt-tiny", steps=3, threads=1, quiet=True).to_argv()
        ['train', '--tracker', 'jointnlt-tiny', '--steps', '3', '--threads', '1', '--quiet']
    """

    verb = ("train",)
    tracker: str | None = option("--tracker", default=None)
    dataset: str | None = option("--dataset", default=None)
    steps: int | None = option("--steps", default=None)
    batch_size: int | None = option("--batch-size", default=None)
    seed: int = option("--seed", default=0)
    device: str = option("--device", default="cpu")
    threads: int | None = option("--threads", default=None)
    out: Path | None = option("--out", default=None)
    quiet: bool = option("--quiet", default=False)


@dataclass(frozen=True)
class TrainSummary:
    """The trained weights and the plugin's description of the run (config, log, steps, seconds, metrics)."""

    tracker: str
    dataset: str
    weights: Path
    details: dict[str, Any] = field(default_factory=dict)


def trainable_trackers() -> list[TrackerPlugin]:
    """Every registered tracker whose plugin can train, in name order (unloadable plugins are skipped)."""
    from nlbench.core.registry import TRACKER_GROUP, get_tracker, names

    found = []
    for name in names(TRACKER_GROUP):
        try:
            plugin = get_tracker(name)
        except PluginError:
            continue
        if plugin.train is not None and plugin.train_datasets:
            found.append(plugin)
    return found


def _available(plugins: list[TrackerPlugin]) -> str:
    pairs = sorted((p.name, d) for p in plugins for d in p.train_datasets)
    return ", ".join(f"--tracker {t} --dataset {d}" for t, d in pairs) or "no registered tracker"


def _resolve(request: TrainRequest) -> tuple[TrackerPlugin, str]:
    from nlbench.core.registry import get_tracker

    if request.tracker is None:
        plugins = trainable_trackers()
        if len(plugins) != 1:
            raise NlbenchError(f"give --tracker: training is available for: {_available(plugins)}")
        plugin = plugins[0]
    else:
        plugin = get_tracker(request.tracker)
    dataset = request.dataset or (plugin.train_datasets[0] if plugin.train_datasets else "")
    if plugin.train is None or dataset not in plugin.train_datasets:
        raise NlbenchError(f"training is available for: {_available(trainable_trackers())} "
                           f"(got --tracker {plugin.name} --dataset {dataset or '?'})")
    return plugin, dataset


def train_tracker(request: TrainRequest) -> TrainSummary:
    """Train the requested tracker with its plugin's recipe (overrides from the request) and say where it went.

        >>> train_tracker(TrainRequest("static"))
        Traceback (most recent call last):
        ...
        nlbench.core.errors.NlbenchError: training is available for: --tracker jointnlt-tiny --dataset synth (got \
--tracker static --dataset ?)
    """
    plugin, dataset = _resolve(request)
    if request.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise NlbenchError(f"--device {request.device}: CUDA is not available on this machine; use --device cpu")
    out_dir = request.out or Path("runs") / "train" / f"{plugin.name}-seed{request.seed}"
    details = plugin.train(out_dir, dataset, steps=request.steps, batch_size=request.batch_size, seed=request.seed,
                           device=request.device, num_threads=request.threads, progress=not request.quiet)
    return TrainSummary(plugin.name, dataset, Path(details["weights"]), dict(details))
