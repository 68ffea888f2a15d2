"""``nlbench demo``: the whole job on the embedded benchmark, as a chain of the real verbs."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import click

from nlbench.cli import main, register

#: (display name, tracker, mode) — the joint model in both protocols, the separated pipeline, two reference rows.
DEMO_TRACKERS = (
    ("JointNLT-tiny", "jointnlt-tiny", "nl"),
    ("JointNLT-tiny", "jointnlt-tiny", "nl+bb"),
    ("JointNLT-tiny+KCF", "jointnlt-tiny+kcf", "nl"),
    ("KCF", "kcf", "bb"),
    ("Static", "static", "bb"),
)


def demo_commands(out: Path, results: Path, workers: int) -> list[list[str]]:
    """The verbs the demo runs, in order; each is a command a user can run alone."""
    commands, eval_args, report_args = [], [], []
    for name, tracker, mode in DEMO_TRACKERS:
        run_dir = results / f"{tracker}-{mode}"
        commands.append(["run", "--tracker", tracker, "--dataset", "synth", "--mode", mode,
                         "--out", str(run_dir), "--workers", str(workers), "--quiet"])
        eval_args += ["--results", f"{name} {mode.upper()}={run_dir}"]  # eval names must be unique
        report_args += ["--results", f"{name}@{mode}={run_dir}"]  # the report groups by initialisation
    commands.append(["eval", "--dataset", "synth", *eval_args, "--json", str(out / "eval-synth.json")])
    commands.append(["ground", "--grounder", "jointnlt-tiny", "--dataset", "synth", "--split", "test",
                     "--predictions", str(out / "grounding-synth.csv"), "--json", str(out / "grounding-synth.json")])
    commands.append(["report", "--dataset", "synth", *report_args, "--grounding", str(out / "grounding-synth.json"),
                     "--title", "nlbench demo: joint vs. separated on the embedded synth benchmark",
                     "--scale", "percent", "--out", str(out)])
    return commands


@click.command("demo")
@click.option("--out", default="reports/demo", show_default=True, type=click.Path(file_okay=False), help="Report folder.")
@click.option("--results", default="results/raw/synth", show_default=True, type=click.Path(file_okay=False),
              help="Where the runs write their raw results.")
@click.option("--workers", default=2, show_default=True, help="Processes per run.")
@click.option("--dry-run", is_flag=True, help="Print the commands without running them.")
def demo_cmd(out: str, results: str, workers: int, dry_run: bool) -> None:
    """Run the whole job on the embedded synth benchmark and write the report.

    \b
    No dataset, no weights, no network: the synthetic benchmark is generated
    on first use and jointnlt-tiny's weights ship with nlbench. The demo runs
    jointnlt-tiny (NL and NL+BB), the separated pipeline jointnlt-tiny+kcf,
    KCF and static on synth test, evaluates them, measures grounding accuracy
    (ambiguous sentences reported apart) and writes reports/demo/index.html.
    Runs resume, so a second call only re-evaluates and re-renders.

    \b
    Examples:
      nlbench demo
      nlbench demo --dry-run        # the chain of verbs it runs
    """
    out_dir, results_dir = Path(out), Path(results)
    commands = demo_commands(out_dir, results_dir, workers)
    if dry_run:
        for command in commands:
            click.echo("nlbench " + shlex.join(command))
        return
    start = time.perf_counter()
    for command in commands:
        click.secho("\n$ nlbench " + shlex.join(command), bold=True)
        try:
            main.main(args=command, prog_name="nlbench", standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise
    click.secho(f"\ndemo finished in {time.perf_counter() - start:.0f} s; report: {(out_dir / 'index.html').resolve()}", bold=True)


register(demo_cmd)
