"""``nlbench train``: train a trainable tracker on a generated dataset (the embedded default's recipe)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nlbench.cli import register
from nlbench.datasets import EMBEDDED_DATASET
from nlbench.core.errors import NlbenchError

TRAINABLE = {("jointnlt-tiny", EMBEDDED_DATASET)}


@click.command("train")
@click.option("--tracker", "-t", default="jointnlt-tiny", show_default=True, help="Trainable tracker.")
@click.option("--dataset", "-d", default=EMBEDDED_DATASET, show_default=True, help="Training data (generated in memory).")
@click.option("--steps", type=int, help="Optimiser steps (default: the shipped weights' recipe).")
@click.option("--batch-size", type=int, help="Samples per step (default: the recipe's).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the model init and the data stream.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--threads", type=int, default=None,
              help="CPU threads (torch.set_num_threads; default: the recipe's 2). Use 1 on a machine shared "
                   "with other jobs: spinning threads are then up to 10x slower.")
@click.option("--out", type=click.Path(file_okay=False), help="Run folder (default runs/train/<tracker>-seed<S>/).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_cmd(tracker, dataset, steps, batch_size, seed, device, threads, out, quiet) -> None:
    """Train TRACKER on DATASET and write its weights, config and loss log.

    \b
    The run folder gets <tracker>.safetensors, <tracker>.json (the model
    config the plugin reads), train.json (the recipe) and log.jsonl (losses
    every few steps, validation metrics every few hundred). The defaults
    reproduce the weights shipped in nlbench_trackers/jointnlt/weights/.
    Use them with: nlbench run --tracker jointnlt-tiny --checkpoint <run>/<tracker>.safetensors
    """
    if (tracker, dataset) not in TRAINABLE:
        known = ", ".join(f"--tracker {t} --dataset {d}" for t, d in sorted(TRAINABLE))
        raise NlbenchError(f"training is available for: {known} (got --tracker {tracker} --dataset {dataset})")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise NlbenchError(f"--device {device}: CUDA is not available on this machine; use --device cpu")
    from nlbench_trackers.jointnlt.train import describe, train_recipe

    out_dir = Path(out) if out else Path("runs") / "train" / f"{tracker}-seed{seed}"
    result = train_recipe(out_dir, steps=steps, batch_size=batch_size, seed=seed, device=device,
                          num_threads=threads, progress=not quiet)
    click.echo(json.dumps(describe(result), indent=2))
    click.echo(f"weights: {result.weights}")


register(train_cmd)
