"""The run layer's stages: ``run``, ``ground``, ``sentences`` and ``train`` as requests.

Each verb is a frozen request (its options with the CLI's defaults; ``to_argv()`` gives its command line)
and one function ``<verb>_stage(request) -> <Verb>Summary`` that does the work, writes what the options ask
for and returns its summary; it never prints.  The terminal text of a summary is :mod:`nlbench.run.text`'s.
``run_stage`` is the runner's own function (:mod:`nlbench.run.runner`: planning, executors, run.json),
named here with its request.

    >>> GroundRequest(grounder="jointnlt-tiny", dataset="synth", split="test", batch_size=16, quiet=True).to_argv()
    ['ground', '--grounder', 'jointnlt-tiny', '--dataset', 'synth', '--split', 'test', '--batch-size', '16', '--quiet']
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlbench.core.errors import DatasetError, NlbenchError, PluginError
from nlbench.core.request import Request, comma_option, option
from nlbench.core.types import GroundingRecord, TrackerPlugin
from nlbench.eval.grounding import DEFAULT_RULE, GroundingResult, check_rule, score_records
from nlbench.run.grounding import default_predictions_path, ground_samples, load_grounding_samples
from nlbench.run.runner import RunSummary, resolve_batch_size, run_stage
from nlbench.run.sentences import dataset_sentences, write_sentence_file
from nlbench.store.grounding import load_predictions, save_predictions

__all__ = [
    "GroundRequest", "GroundSummary", "RunRequest", "RunSummary", "SentencesRequest", "SentencesSummary",
    "TrackersRequest", "TrackersSummary", "TrainRequest", "TrainSummary", "ground_stage", "run_stage",
    "sentences_stage", "trackers_stage", "train_stage", "trainable_trackers",
]

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------------- run


@dataclass(frozen=True, kw_only=True)
class RunRequest(Request):
    """``nlbench run``: run ``tracker`` over ``dataset`` and write raw results (see ``nlbench run --help``).

    ``checkpoint`` is a path or, for a composed ``GROUNDER+TRACKER``, ``{"grounder": path, "tracker": path}``;
    ``sentences`` a sentence file (:mod:`nlbench.run.sentences`) whose sentences replace the dataset's;
    ``batch_size`` None is the device's default (1 on CPU, 32 on CUDA).

        >>> request = RunRequest(tracker="static", dataset="synth", mode="bb", sequences=("a", "b"), options={"k": True})
        >>> request.to_argv()
        ['run', '--tracker', 'static', '--dataset', 'synth', '--sequences', 'a,b', '--mode', 'bb', '--workers', '1', \
'--option', 'k=true']
    """

    verb = ("run",)
    tracker: str = option("--tracker")
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    sequences: tuple[str, ...] | None = comma_option("--sequences")
    mode: str | None = option("--mode", default=None)
    checkpoint: str | Mapping[str, str] | None = option("--checkpoint", default=None)
    device: str = option("--device", default="cpu")
    out: Path | None = option("--out", default=None)
    workers: int = option("--workers", default=1, always=True)
    batch_size: int | None = option("--batch-size", default=None)
    sentences: Path | None = option("--sentences", default=None)
    options: Mapping[str, Any] = option("--option", default_factory=dict)
    shard: str | None = option("--shard", default=None)
    executor: str = option("--executor", default="local")
    ray_address: str | None = option("--ray-address", default=None)
    quiet: bool = option("--quiet", default=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "options", dict(self.options))
        object.__setattr__(self, "checkpoint", _checkpoint_value(self.checkpoint))  # paths as the CLI gives them


def _checkpoint_value(checkpoint: str | Path | Mapping[str, str] | None) -> str | dict[str, str] | None:
    """A request's checkpoint as the trackers take it: a path string, or {role: path string}."""
    if checkpoint is None:
        return None
    if isinstance(checkpoint, Mapping):
        return {role: str(path) for role, path in checkpoint.items()}
    return str(checkpoint)


# -------------------------------------------------------------------------------------------------- ground


@dataclass(frozen=True, kw_only=True)
class GroundRequest(Request):
    """``nlbench ground``: ground every sample of a split once, save the predictions, score them.

    ``dataset`` None: the dataset whose plugin is the grounding default (``DatasetPlugin.grounding_default``);
    ``split_by`` and ``unit`` None: the loader's own default (passed only to loaders that take them);
    ``batch_size`` None: the device's default; ``rescore``: score a saved predictions file instead (no model).
    """

    verb = ("ground",)
    grounder: str | None = option("--grounder", default=None)
    dataset: str | None = option("--dataset", default=None)  # None: the plugin marked grounding_default
    root: Path | None = option("--root", default=None)
    split_by: str | None = option("--split-by", default=None)
    split: str | None = option("--split", default=None)
    unit: str | None = option("--unit", default=None)
    rule: str = option("--rule", default=DEFAULT_RULE)
    checkpoint: Path | None = option("--checkpoint", default=None)
    device: str = option("--device", default="cpu")
    limit: int | None = option("--limit", default=None)
    batch_size: int | None = option("--batch-size", default=None)
    predictions: Path | None = option("--predictions", default=None)
    json_out: Path | None = option("--json", default=None)
    rescore: Path | None = option("--rescore", default=None)
    quiet: bool = option("--quiet", default=False)


@dataclass(frozen=True)
class GroundSummary:
    """What ``nlbench ground`` measured, and where the predictions (and the JSON, if asked) are."""

    request: GroundRequest
    result: GroundingResult
    predictions: Path
    json_path: Path | None = None
    rescored: bool = False  # the predictions were read back, not made by a model


def ground_stage(request: GroundRequest) -> GroundSummary:
    """Ground a split with a registered grounder (or rescore saved predictions), save and score them.

    The predictions go to ``request.predictions`` or ``results/grounding/<dataset>/<grounder>-<split>-<unit>.csv``;
    with ``json_out`` the result is also written as JSON, with its grounder, dataset and provenance.

        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> summary = ground_stage(GroundRequest(grounder="jointnlt-tiny", dataset="synth", split="test", limit=4,
        ...                                      predictions=folder / "p.csv", quiet=True))
        >>> summary.result.denominator, summary.predictions == folder / "p.csv"
        (4, True)
        >>> again = ground_stage(GroundRequest(rescore=folder / "p.csv"))
        >>> again.result.numerator == summary.result.numerator, again.rescored
        (True, True)
    """
    check_rule(request.rule)
    if request.rescore is None and request.dataset is None:
        from nlbench.core.registry import default_grounding_dataset

        request = replace(request, dataset=default_grounding_dataset())
    if request.rescore is not None:
        records = load_predictions(request.rescore)
        summary = GroundSummary(request, score_records(records, request.rule), request.rescore, request.json_out,
                                rescored=True)
    else:
        if not request.grounder:
            raise NlbenchError("give --grounder NAME (or --rescore PRED.csv to score saved predictions)")
        records, path = _ground_split(request)
        summary = GroundSummary(request, score_records(records, request.rule), path, request.json_out)
    if request.json_out is not None:
        _write_grounding_json(request, summary)
    return summary


def _ground_split(request: GroundRequest) -> tuple[list[GroundingRecord], Path]:
    from nlbench.core.registry import get_tracker

    grounder, dataset = request.grounder, request.dataset
    batch_size = resolve_batch_size(request.batch_size, request.device)
    plugin = get_tracker(grounder)
    if not plugin.grounder:
        raise PluginError(f"tracker '{grounder}' is not a grounder (it cannot ground a sentence in an image)")
    samples, unit_used = load_grounding_samples(dataset, request.root, request.split, request.split_by, request.unit)
    if request.limit is not None:
        samples = samples[: max(0, int(request.limit))]
    if not samples:
        raise DatasetError(f"dataset '{dataset}': the split has no grounding samples")
    checkpoint = str(request.checkpoint) if request.checkpoint is not None else None
    model = plugin.build(checkpoint=checkpoint, device=request.device)
    if batch_size > 1 and not hasattr(model, "ground_many"):
        log.warning("%s cannot ground samples in batches; grounding them one at a time (--batch-size ignored)", grounder)
    records = ground_samples(model, samples, progress=not request.quiet, unit=unit_used, batch_size=batch_size)
    path = request.predictions or default_predictions_path(dataset, grounder, samples, unit_used)
    save_predictions(path, records)
    return records, path


def _write_grounding_json(request: GroundRequest, summary: GroundSummary) -> None:
    from nlbench.core.io import atomic_write_json
    from nlbench.core.registry import get_tracker
    from nlbench.eval.provenance import grounding_provenance

    grounder, checkpoint = request.grounder, request.checkpoint
    weights = checkpoint if checkpoint or grounder is None else get_tracker(grounder).default_checkpoint
    provenance = grounding_provenance(load_predictions(summary.predictions), request.rule, grounder, weights,
                                      command=request.shell_line())
    # grounder and dataset are recorded so reports can label the numbers (a rescore knows neither)
    labels = {} if summary.rescored else {"grounder": grounder, "dataset": request.dataset}
    atomic_write_json(request.json_out, {**labels, **summary.result.to_dict(), "predictions": str(summary.predictions),
                                         "provenance": provenance})


# ----------------------------------------------------------------------------------------------- sentences


@dataclass(frozen=True, kw_only=True)
class SentencesRequest(Request):
    """``nlbench sentences``: write a dataset split's sentences (or a generated variant) as a sentence file.

        >>> SentencesRequest(dataset="synth", variant="distractor", out=Path("d.csv")).to_argv()
        ['sentences', '--dataset', 'synth', '--variant', 'distractor', '--out', 'd.csv']
    """

    verb = ("sentences",)
    dataset: str = option("--dataset")
    root: Path | None = option("--root", default=None)
    split: str | None = option("--split", default=None)
    variant: str = option("--variant", default="original", always=True)
    out: Path = option("--out")


@dataclass(frozen=True)
class SentencesSummary:
    """The sentence file written and how many sentences it holds."""

    request: SentencesRequest
    path: Path
    count: int


def sentences_stage(request: SentencesRequest) -> SentencesSummary:
    """Write the sentence file ``request.out`` for ``nlbench run --sentences``.

        >>> import tempfile
        >>> from nlbench.run.sentences import read_sentence_file
        >>> out = Path(tempfile.mkdtemp()) / "minimal.csv"
        >>> summary = sentences_stage(SentencesRequest(dataset="synth", variant="minimal", out=out))
        >>> summary.count, read_sentence_file(out).sentences == dataset_sentences("synth", variant="minimal")
        (40, True)
    """
    sentences = dataset_sentences(request.dataset, request.root, request.split, request.variant)
    path = write_sentence_file(request.out, sentences)
    return SentencesSummary(request, path, len(sentences))


# ------------------------------------------------------------------------------------------------ trackers


@dataclass(frozen=True, kw_only=True)
class TrackersRequest(Request):
    """``nlbench trackers``: every registered tracker and grounder with its description."""

    verb = ("trackers",)


@dataclass(frozen=True)
class TrackersSummary:
    request: TrackersRequest
    rows: tuple[tuple[str, str], ...]  # (name, description; a broken plugin says why)


def trackers_stage(request: TrackersRequest) -> TrackersSummary:
    """The registered trackers, in name order.

        >>> dict(trackers_stage(TrackersRequest()).rows)["static"]
        'Repeats the initial box on every frame (BB-initialised floor).'
    """
    from nlbench.core.registry import TRACKER_GROUP, describe

    return TrackersSummary(request, tuple(describe(TRACKER_GROUP)))


# --------------------------------------------------------------------------------------------------- train


@dataclass(frozen=True, kw_only=True)
class TrainRequest(Request):
    """``nlbench train``: train a tracker whose plugin can train (``TrackerPlugin.train``).

    The harness knows no trainable tracker by name: ``tracker`` None is the one registered tracker whose
    plugin can train (more or fewer is an error listing them); ``dataset`` None: the first its plugin learns
    from (``train_datasets``); ``steps``, ``batch_size``, ``threads`` None: the plugin's recipe; ``out`` None:
    ``runs/train/<tracker>-seed<S>/``.

        >>> TrainRequest(tracker="jointnlt-tiny", steps=3, threads=1, quiet=True).to_argv()
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

    request: TrainRequest
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


def _trainee(request: TrainRequest) -> tuple[TrackerPlugin, str]:
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


def train_stage(request: TrainRequest) -> TrainSummary:
    """Train the requested tracker with its plugin's recipe (overrides from the request) and say where it went.

        >>> train_stage(TrainRequest(tracker="static"))
        Traceback (most recent call last):
        ...
        nlbench.core.errors.NlbenchError: training is available for: --tracker jointnlt-tiny --dataset synth (got \
--tracker static --dataset ?)
    """
    plugin, dataset = _trainee(request)
    if request.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise NlbenchError(f"--device {request.device}: CUDA is not available on this machine; use --device cpu")
    out_dir = request.out or Path("runs") / "train" / f"{plugin.name}-seed{request.seed}"
    details = plugin.train(out_dir, dataset, steps=request.steps, batch_size=request.batch_size, seed=request.seed,
                           device=request.device, num_threads=request.threads, progress=not request.quiet)
    return TrainSummary(request, plugin.name, dataset, Path(details["weights"]), dict(details))
