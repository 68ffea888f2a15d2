"""``nlbench leaderboard``: published and measured scores of one dataset, sorted by AUC, ranked per protocol."""

from __future__ import annotations

import click

from nlbench.cli.group import register
from nlbench.cli.options import (
    FOLDER,
    OUT_FILE,
    allow_non_finite_option,
    dataset_option,
    protocol_option,
    results_option,
    root_option,
    sequences_option,
    skip_missing_option,
    split_option,
)


@click.command("leaderboard")
@dataset_option(checked=True, short=False, help="Registered dataset to rank (see `nlbench datasets`).")
@click.option(
    "--source",
    type=click.Choice(("reported", "measured", "all")),
    default="all",
    show_default=True,
    help="Published numbers (results/reported), evaluated runs (results/evaluated and --results), or both.",
)
@click.option(
    "--sources",
    "classes",
    type=click.Choice(("primary", "all")),
    default="primary",
    show_default=True,
    help="Published numbers from the authors only ([P]), or also third-party tables [S] and aggregators or "
    "AI-written notes [T]; 'all' also lists measured runs under every protocol, with their difference (Δ).",
)
@protocol_option(default=None, choice=False,
                 help="Only measured runs evaluated with this protocol (e.g. jointnlt); scores --results with it.")
@click.option("--store", type=FOLDER, default=None,
              help="Evaluated-results store [default: ./results/evaluated, where nlbench eval stores runs].")
@results_option(required=False, metavar="NAME[@INIT]=DIR",
                help="Raw result folder scored here and ranked as a measured run; INIT is nl, bb or nl+bb (repeatable).")
@root_option("Dataset root for --results (default: the configured root).")
@split_option("Dataset split for --results (default: the dataset's test split).")
@sequences_option("Score --results on these sequences only.")
@skip_missing_option("Drop sequences some --results folder has no result for (from every folder).")
@allow_non_finite_option("inf/nan in --results files are read as numbers (see `nlbench eval --help`).")
@click.option("--json", "json_out", type=OUT_FILE, default=None, help="Write the leaderboard as JSON (scores in percent).")
@click.option("--csv", "csv_out", type=OUT_FILE, default=None, help="Write the leaderboard as CSV.")
@click.option("--html", "html_out", type=OUT_FILE, default=None,
              help="Write one self-contained HTML page (sortable, filterable by init, protocol and source class).")
def leaderboard_cmd(**params) -> None:
    """Rank trackers on one dataset: one row per (tracker, initialisation), by AUC.

    \b
    Scores are in percent (0-100), like `nlbench eval`; "–" = not reported.
    "#" ranks within one protocol family (py-analysis, matlab, pysot, got10k,
    unknown): numbers of different protocols are never ranked against each other.
    Lines under a row: "≠" another source prints a different value for the same
    setting; "Δ" measured minus published.
    Examples:
      nlbench leaderboard --dataset lasot
      nlbench leaderboard --dataset tnl2k --sources all --html tnl2k.html
      nlbench leaderboard --dataset tnl2k --source measured --protocol jointnlt --json tnl2k.json
      nlbench leaderboard --dataset tnl2k --root /data/TNL2K_test --sequences S1,S2 --results X@bb=runs/x
      nlbench leaderboard --dataset refcocog          # grounding accuracy
    """
    from nlbench.report.stages import LeaderboardRequest, leaderboard_stage
    from nlbench.report.text import leaderboard_text

    click.echo(leaderboard_text(leaderboard_stage(LeaderboardRequest(**params))))


register(leaderboard_cmd)
