"""``nlbench profile``: paper-rule MACs, true FLOPs, parameters and latency per phase."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli.group import register


@click.command("profile")
@click.option("--tracker", required=True, help="Tracker or GROUNDER+TRACKER pipeline.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--dtype", type=click.Choice(["fp32", "fp16", "bf16"]), default="fp32", show_default=True,
              help="fp16/bf16 time the forward under torch.autocast (fp32 weights).")
@click.option("--iterations", type=click.IntRange(min=0), default=20, show_default=True,
              help="Timed iterations per phase (0: count only).")
@click.option("--warmup", type=click.IntRange(min=0), default=5, show_default=True,
              help="Untimed iterations before timing.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random profiling inputs.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the profile JSON here.")
def profile_cmd(**params) -> None:
    """Profile a tracker per phase (grounding, tracking), beside the paper's Table 2.

    \b
    MACs follow thop 0.0.31's rules with the inputs of the original profiling scripts: the
    figures the papers call "FLOPs". FLOPs (true) come from torch's FlopCounterMode and include
    attention matmuls. Params: every parameter, and the thop-rule count the papers report.
    Models are built with random weights; no checkpoint is needed. Latency: median and p90 per
    phase after warm-up (CUDA events on GPU, perf_counter on CPU); --iterations 0 skips timing
    and writes "latency_ms": null.
    Examples:
      nlbench profile --tracker jointnlt --iterations 5
      nlbench profile --tracker vltvg+stark-st101 --device cuda --iterations 200 --json st101.json
    """
    from nlbench.profile.stages import ProfileRequest, profile_stage
    from nlbench.profile.text import profile_text

    click.echo(profile_text(profile_stage(ProfileRequest(**params))))


register(profile_cmd)
