"""``nlbench report``: a self-contained HTML page, booktabs LaTeX tables and plots in one folder."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli.group import register
from nlbench.cli.options import (
    FOLDER,
    IN_FILE,
    allow_non_finite_option,
    dataset_option,
    protocol_option,
    results_option,
    root_option,
    sequences_option,
    skip_missing_option,
    split_option,
)


@click.command("report")
@dataset_option(multiple=True, required=False, checked=True, short=False,
                help="Registered dataset to report (repeatable; the order of the paper's Table 3 is used; "
                "see `nlbench datasets`).")
@results_option(required=False, metavar="NAME[@INIT]=DIR",
                help="Raw result folder to evaluate on the (single) --dataset; INIT is nl, bb or nl+bb (repeatable).")
@root_option("Dataset root for --results (default: the configured root).")
@split_option("Dataset split for --results (default: the dataset's test split).")
@sequences_option("Evaluate --results on these sequences only (and pick --qualitative ones from them).")
@skip_missing_option("Drop sequences some --results folder has no result for (from every folder).")
@click.option("--eval-json", "eval_json", multiple=True, type=IN_FILE,
              help="Evaluation written by `nlbench eval --json` (repeatable).")
@click.option("--profile", "profiles", multiple=True, type=IN_FILE,
              help="Profile written by `nlbench profile --json`: adds a Table-2-like cost table (repeatable).")
@click.option("--grounding", multiple=True, type=IN_FILE,
              help="Grounding result written by `nlbench ground --json` (repeatable).")
@click.option("--sensitivity", multiple=True, type=IN_FILE,
              help="Sensitivity result written by `nlbench sensitivity --json`: adds its table and plot (repeatable).")
@click.option("--reported", is_flag=True, help="Include the published numbers (results/reported).")
@click.option("--evaluated", is_flag=True, help="Include every run `nlbench eval` stored for these datasets (see --store).")
@click.option("--store", type=FOLDER, default=Path("results/evaluated"), show_default=True,
              help="Evaluated-results store read by --evaluated.")
@protocol_option(default=None, choice=False, help="Evaluation protocol for --results; filters --eval-json trackers.")
@click.option("--scale", type=click.Choice(("fraction", "percent")), default="fraction", show_default=True,
              help="Unit of the comparison table: the paper's fractions (0.569) or percent (56.9).")
@allow_non_finite_option(
    "inf/nan in --results files are read as numbers and scored as the reference does (see `nlbench eval --help`); "
    "by default they are an error naming the file and line.")
@click.option("--qualitative", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="Add a Fig. 5-style figure of N sequences picked from --results, with an MP4 per sequence.")
@click.option("--qualitative-pick", type=click.Choice(("worst", "disagree", "lost")), default="worst",
              show_default=True, help="How --qualitative picks sequences (rules: `nlbench visualize --help`).")
@click.option("--title", default="nlbench report", show_default=True, help="Page title.")
@click.option("--out", required=True, type=FOLDER, help="Output folder.")
def report_cmd(**params) -> None:
    """Write OUT/index.html, OUT/tables.tex and OUT/plots/ (PNG, PDF, SVG).

    \b
    Examples:
      nlbench report --reported --dataset otb99 --dataset lasot --dataset tnl2k --out reports/paper
      nlbench report --dataset tnl2k --results JointNLT@nl=results/raw/tnl2k/jointnlt-nl --reported --out reports/tnl2k
      nlbench report --eval-json lasot.json --profile jointnlt.json --reported --out reports/lasot
      nlbench report --dataset lasot --dataset tnl2k --evaluated --reported --out reports/all
      nlbench report --dataset synth --results A@nl=runs/a --results B@bb=runs/b --qualitative 3 --out reports/q
      nlbench report --dataset tnl2k --root /data/TNL2K_test --sequences S1,S2,S3 --results X@bb=runs/x --out reports/x
    """
    from nlbench.report.stages import ReportRequest, report_stage
    from nlbench.report.text import report_text

    click.echo(report_text(report_stage(ReportRequest(**params))))


register(report_cmd)
