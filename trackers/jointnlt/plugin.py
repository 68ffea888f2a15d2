"""nlbench entry points: ``jointnlt`` (official Swin-B weights) and ``jointnlt-tiny`` (shipped small weights)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlbench.core.errors import CheckpointError, PluginError
from nlbench.core.types import TrackerPlugin

from nlbench_trackers.common.plugin import option_bool

from .config import JOINTNLT_SWIN_B, JOINTNLT_TINY, JointNLTConfig

WEIGHTS_DIR = Path(__file__).with_name("weights")
TINY_WEIGHTS = WEIGHTS_DIR / "jointnlt-tiny.safetensors"
TINY_CONFIG = WEIGHTS_DIR / "jointnlt-tiny.json"

OFFICIAL_CHECKPOINT_HELP = (
    "JointNLT needs the official weights JointNLT_ep0300.pth.tar: download them from the release link in the "
    "README of https://github.com/lizhou-cs/JointNLT (nlbench never downloads anything) and pass them with "
    "--checkpoint PATH (e.g. nlbench run --tracker jointnlt --checkpoint JointNLT_ep0300.pth.tar ...)."
)
TINY_CHECKPOINT_HELP = (
    f"jointnlt-tiny uses the shipped {TINY_WEIGHTS.name} with its config {TINY_CONFIG.name} by default; "
    "train them with `nlbench train --tracker jointnlt-tiny --dataset synth`, or pass --checkpoint PATH "
    "(a .safetensors or .pth state_dict; its config is read from PATH with the suffix .json when present)."
)

#: Options of ``build`` beyond checkpoint/device (``nlbench run -o KEY=VALUE``).
OPTIONS = {
    "dtype": "fp32 (default), fp16 or bf16 (GPU only)",
    "compile": "torch.compile the per-frame steps (GPU)",
    "verbatim_text": "tokenize the sentence verbatim instead of the original's numpy.loadtxt reading (§8.9)",
    "roi_scale_in_place": "False turns off the x1.5 scaling of the returned box (only for weights trained so)",
    "ground_box": "'protocol' (default, §6 unclipped) or 'nl_init' (the §4.1.3 mapping) for ground()",
    "batch_invariant": "batched runs: true (default) runs SGTM, the target decoder and the head once per sequence, "
                       "so boxes are the batch-1 numbers; false batches them too (faster, rare 1-px crop flips)",
}


def _as_bool(name: str, value: Any) -> bool:
    return option_bool("jointnlt", name, value)


def _make_tracker(cfg: JointNLTConfig, checkpoint: Path, device: str, options: dict[str, Any]):
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        accepted = "; ".join(f"{k}: {v}" for k, v in OPTIONS.items())
        raise PluginError(f"jointnlt: unknown option(s) {', '.join(unknown)}. Accepted: {accepted}")
    if "roi_scale_in_place" in options:
        cfg = cfg.replace(roi_scale_in_place=_as_bool("roi_scale_in_place", options["roi_scale_in_place"]))
    if str(device).startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise PluginError("jointnlt: --device cuda was asked for but no CUDA device is available; use --device cpu")

    from nlbench_trackers.common.checkpoint import load_into, read_state_dict

    from .model import JointNLT
    from .tracker import JointNLTTracker

    state = read_state_dict(checkpoint)  # a file that is no checkpoint fails before the model is built
    model = JointNLT(cfg)
    load_into(model, state, checkpoint)
    # per-element decoder/head in any batched call (batched runs, ground_many); no effect on one image at a time
    model.batch_invariant = _as_bool("batch_invariant", options.get("batch_invariant", True))
    return JointNLTTracker(
        model,
        device=device,
        dtype=options.get("dtype"),
        compile=_as_bool("compile", options.get("compile", False)),
        verbatim_text=_as_bool("verbatim_text", options.get("verbatim_text", False)),
        ground_box=str(options.get("ground_box", "protocol")),
    )


def build_official(checkpoint: str | Path | None = None, device: str = "cpu", **options: Any):
    """The official Swin-B JointNLT from ``JointNLT_ep0300.pth.tar`` (or any state_dict with its 953 keys)."""
    if checkpoint is None:
        raise CheckpointError(OFFICIAL_CHECKPOINT_HELP)
    path = Path(checkpoint)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found. {OFFICIAL_CHECKPOINT_HELP}")
    return _make_tracker(JOINTNLT_SWIN_B, path, device, options)


def build_official_batched(batch_size: int, checkpoint: str | Path | None = None, device: str = "cpu", **options: Any):
    """``batch_size`` sequences at once, boxes equal to :func:`build_official`'s (``nlbench run --batch-size``)."""
    from .batched import BatchedJointNLT

    invariant = _as_bool("batch_invariant", options.get("batch_invariant", True))
    return BatchedJointNLT(build_official(checkpoint, device, **options), batch_size, batch_invariant=invariant)


def _config_beside(checkpoint: Path) -> JointNLTConfig:
    """The config of a small checkpoint: PATH.json, else safetensors metadata 'config', else JOINTNLT_TINY."""
    candidate = checkpoint.with_suffix(".json")
    try:
        if candidate.is_file():
            return JointNLTConfig.from_dict(json.loads(candidate.read_text(encoding="utf-8")))
        if checkpoint.suffix == ".safetensors":
            from nlbench_trackers.common.checkpoint import safetensors_metadata

            meta = safetensors_metadata(checkpoint)
            if "config" in meta:
                return JointNLTConfig.from_dict(json.loads(meta["config"]))
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{candidate}: not a valid JointNLT config ({exc})") from exc
    return JOINTNLT_TINY


def build_tiny(checkpoint: str | Path | None = None, device: str = "cpu", **options: Any):
    """The small JointNLT; by default the weights shipped in ``trackers/jointnlt/weights/``."""
    if checkpoint is None:
        if not TINY_WEIGHTS.is_file() or not TINY_CONFIG.is_file():
            raise CheckpointError(
                f"{TINY_WEIGHTS}: the shipped jointnlt-tiny weights are missing; "
                "run `nlbench train --tracker jointnlt-tiny --dataset synth` to create them, "
                "or pass --checkpoint PATH"
            )
        path = TINY_WEIGHTS
    else:
        path = Path(checkpoint)
        if not path.is_file():
            raise CheckpointError(f"{path}: checkpoint file not found. {TINY_CHECKPOINT_HELP}")
    return _make_tracker(_config_beside(path), path, device, options)


def build_tiny_batched(batch_size: int, checkpoint: str | Path | None = None, device: str = "cpu", **options: Any):
    """``batch_size`` sequences at once, boxes equal to :func:`build_tiny`'s (``nlbench run --batch-size``)."""
    from .batched import BatchedJointNLT

    invariant = _as_bool("batch_invariant", options.get("batch_invariant", True))
    return BatchedJointNLT(build_tiny(checkpoint, device, **options), batch_size, batch_invariant=invariant)


def _profile(**kwargs: Any):
    from .profiling import profile_spec

    return profile_spec(**kwargs)


def _profile_tiny(**kwargs: Any):
    from .profiling import profile_spec_tiny

    return profile_spec_tiny(**kwargs)


def _train_tiny(out_dir: Path, dataset: str, **recipe: Any) -> dict[str, Any]:
    """The shipped weights' recipe on the generated embedded benchmark (the only data it learns from)."""
    from .train import describe, train_recipe

    return describe(train_recipe(out_dir, **recipe))


def _record(name: str, description: str, build: Any, checkpoint_help: str, profile: Any,
            default_checkpoint: Path | None = None, build_batched: Any = None, train: Any = None,
            train_datasets: tuple[str, ...] = ()) -> TrackerPlugin:
    """Both JointNLT plugins ground and track from a sentence (NL) or a sentence and a box (NL+BB)."""
    return TrackerPlugin(name=name, description=description, build=build, modes=("nl", "nl+bb"), grounder=True,
                         needs_checkpoint=default_checkpoint is None, checkpoint_help=checkpoint_help,
                         default_mode="nl", profile=profile, default_checkpoint=default_checkpoint,
                         build_batched=build_batched, train=train, train_datasets=train_datasets)


JOINTNLT = _record(
    "jointnlt",
    "JointNLT (CVPR 2023), official Swin-B weights: joint grounding and tracking from a sentence.",
    build_official, OFFICIAL_CHECKPOINT_HELP, _profile, build_batched=build_official_batched,
)
JOINTNLT_TINY = _record(
    "jointnlt-tiny",
    "A small JointNLT (Swin 32-dim, 2-layer BERT) trained on the synth benchmark; ships with nlbench.",
    build_tiny, TINY_CHECKPOINT_HELP, _profile_tiny, default_checkpoint=TINY_WEIGHTS,
    build_batched=build_tiny_batched, train=_train_tiny, train_datasets=("synth",),
)
