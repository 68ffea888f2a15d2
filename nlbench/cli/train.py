"""``nlbench train``: train a tracker whose plugin can train (the embedded benchmark's recipe for jointnlt-tiny)."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli.group import register


@click.command("train")
@click.option("--tracker", "-t", help="Trainable tracker (default: the one registered tracker whose plugin can train).")
@click.option("--dataset", "-d", help="Training data (default: the first its plugin learns from; generated in memory).")
@click.option("--steps", type=int, help="Optimiser steps (default: the shipped weights' recipe).")
@click.option("--batch-size", type=int, help="Samples per step (default: the recipe's).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the model init and the data stream.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--threads", type=int, default=None,
              help="CPU threads (torch.set_num_threads; default: the recipe's 2). Use 1 on a machine shared "
                   "with other jobs: spinning threads are then up to 10x slower.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder (default runs/train/<tracker>-seed<S>/).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_cmd(**params) -> None:
    """Train TRACKER on DATASET and write its weights, config and loss log.

    \b
    The run folder gets <tracker>.safetensors, <tracker>.json (the model
    config the plugin reads), train.json (the recipe) and log.jsonl (losses
    every few steps, validation metrics every few hundred). The defaults
    reproduce the weights shipped in nlbench_trackers/jointnlt/weights/.
    Use them with: nlbench run --tracker jointnlt-tiny --checkpoint <run>/<tracker>.safetensors
    """
    from nlbench.run.stages import TrainRequest, train_stage
    from nlbench.run.text import train_text

    click.echo(train_text(train_stage(TrainRequest(**params))))


register(train_cmd)
