"""``nlbench experiment FILE``: plan, run, evaluate, ground, profile and report a whole comparison."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import click

from nlbench.cli.group import register
from nlbench.cli.options import FOLDER


def load_plan(path: Path, results: Path | None = None, reports: Path | None = None, workers: int | None = None):
    """Read FILE, apply command-line overrides, and plan it."""
    from nlbench.experiment import load_experiment, make_plan

    exp = load_experiment(path)
    changes = {}
    if results is not None:
        changes["results"] = Path(results).resolve()
    if reports is not None:
        changes["reports"] = Path(reports).resolve()
    if workers is not None:
        changes["entries"] = {k: dataclasses.replace(e, workers=workers) for k, e in exp.entries.items()}
    return make_plan(dataclasses.replace(exp, **changes) if changes else exp)


def carry_out(plan, dry_run: bool, only: tuple[str, ...] = (), shard: str | None = None, executor: str = "local",
              ray_address: str | None = None, quiet: bool = False) -> None:
    from nlbench.core.errors import ExperimentError
    from nlbench.core.request import shell_line
    from nlbench.experiment import execute

    click.echo(plan.describe())
    if dry_run:
        click.echo("\nequivalent chain of verbs (each runs alone):")
        for argv in plan.chain():
            click.echo("  " + shell_line(argv))
        if plan.missing:
            click.echo(f"\nmissing inputs ({len(plan.missing)}):", err=True)
            for line in plan.missing:
                click.echo(f"  - {line}", err=True)
            raise ExperimentError(f"{plan.experiment.path}: {len(plan.missing)} input(s) missing (listed above); "
                                  "nothing can run until they are in place")
        return
    start = time.perf_counter()
    outcome = execute(plan, only=only, shard=shard, executor=executor, ray_address=ray_address, progress=not quiet)
    click.secho(
        f"\nexperiment '{plan.experiment.name}' finished in {time.perf_counter() - start:.0f} s: "
        f"{len(outcome.ran)} run(s) ran, {len(outcome.rerun)} re-run after a change, {len(outcome.up_to_date)} up to date"
        + (f"; report: {plan.report.produces}" if plan.report and outcome.steps else ""),
        bold=True,
    )


@click.command("experiment")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the grid, the equivalent chain of verbs and any missing inputs; run nothing.")
@click.option("--only", multiple=True, metavar="ENTRY", help="Run only this entry (repeatable); evaluation and report still cover all.")
@click.option("--shard", help="Run shard k/n of every run (SLURM arrays: $SLURM_ARRAY_TASK_ID/N); then call again without it to evaluate and report.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="Passed to every run.")
@click.option("--ray-address", help="Ray cluster address for --executor ray.")
@click.option("--results", type=FOLDER, help="Override [experiment] results.")
@click.option("--reports", type=FOLDER, help="Override [experiment] reports.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def experiment_cmd(file, dry_run, only, shard, executor, ray_address, results, reports, quiet) -> None:
    """Carry out the comparison described by an experiment FILE (TOML).

    \b
    Plans the grid (entry x dataset x mode), runs what is missing (finished
    sequences are kept; an entry whose tracker, checkpoint, options or sentences
    changed is re-run and its old results are moved to <results>/.superseded/),
    then evaluates, grounds, profiles and reports. <results>/experiment.lock.json
    records what produced each run folder. The file format is documented in
    experiments/README.md; every problem in it is reported with its line and key
    before anything runs.

    \b
    Examples:
      nlbench experiment experiments/demo.toml
      nlbench experiment experiments/jointnlt-cvpr2023.toml --dry-run
      nlbench experiment my.toml --only jointnlt            # after changing that entry
      nlbench experiment my.toml --shard $SLURM_ARRAY_TASK_ID/8 && nlbench experiment my.toml
    """
    plan = load_plan(file, results, reports)
    carry_out(plan, dry_run, only, shard, executor, ray_address, quiet)


register(experiment_cmd)
