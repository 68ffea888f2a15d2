"""``nlbench demo``: a thin alias of ``nlbench experiment experiments/demo.toml``."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli.group import register


def demo_file() -> Path:
    """experiments/demo.toml of this checkout, else the copy a wheel installs (``nlbench/_experiments``)."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "experiments" / "demo.toml"
    return checkout if checkout.is_file() else package / "_experiments" / "demo.toml"


@click.command("demo")
@click.option("--out", default="reports/demo", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Report folder.")
@click.option("--results", default="results/raw/demo", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where the runs write their raw results (one folder per entry, dataset and mode).")
@click.option("--workers", default=2, show_default=True, help="Processes per run.")
@click.option("--dry-run", is_flag=True, help="Print the plan and the chain of verbs without running them.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo_cmd(out: Path, results: Path, workers: int, dry_run: bool, quiet: bool) -> None:
    """Run the whole job on the embedded synth benchmark and write the report.

    \b
    No dataset, no weights, no network: the synthetic benchmark is generated
    on first use and jointnlt-tiny's weights ship with nlbench. The demo runs
    jointnlt-tiny (NL and NL+BB), the separated pipeline jointnlt-tiny+kcf,
    KCF and static on synth test, evaluates them, measures grounding accuracy
    (ambiguous sentences reported apart), profiles jointnlt-tiny's cost and
    writes reports/demo/index.html, with a qualitative figure of the 3
    sequences where an NL run loses the target longest (key frames, videos).
    It is the experiment file experiments/demo.toml; runs resume, so a second
    call only re-evaluates and re-renders.

    \b
    Examples:
      nlbench demo
      nlbench demo --dry-run        # the plan and the chain of verbs it runs
      nlbench experiment experiments/demo.toml     # the same, from the file
    """
    from nlbench.cli.experiment import carry_out, load_plan

    plan = load_plan(demo_file(), results=results, reports=out, workers=workers)
    carry_out(plan, dry_run, quiet=quiet)


register(demo_cmd)
