"""``nlbench eval`` and ``nlbench compare``: score raw results exactly as the papers did."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli.group import register
from nlbench.cli.options import (
    ANY_PATH,
    allow_non_finite_option,
    dataset_option,
    protocol_option,
    results_option,
    root_option,
    sequences_option,
    skip_missing_option,
    split_option,
)


def _scoring_options(func, several_protocols: bool = False):
    """The options eval and compare share: what to score, and how to read and score it."""
    protocol_help = "Whose rules: JointNLT's analysis (paper numbers), current pytracking, got10k, the MATLAB toolkits."
    if several_protocols:
        protocol_help += " 'all' or a comma list (jointnlt,tnl2k-matlab) prints trackers x protocols."
    options = [
        dataset_option(short=False),
        root_option(),
        results_option(help="A tracker's result folder (<seq>.txt files, any layout/separator). "
                       "Repeat to compare trackers."),
        sequences_option("Evaluate only these sequences."),
        protocol_option(several=several_protocols, help=protocol_help),
        split_option(),
        skip_missing_option(),
        click.option("--no-cache", is_flag=True, help="Parse every result file again (no on-disk cache of parsed files)."),
        click.option(
            "--strict-reference",
            is_flag=True,
            help="Read result files exactly as pytracking does (tab, then comma); other separators are errors.",
        ),
        allow_non_finite_option(),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command("eval")
@(lambda func: _scoring_options(func, several_protocols=True))
@click.option("--json", "json_out", type=ANY_PATH, default=None, metavar="OUT.json",
              help="Write scores, curves, per-sequence and per-attribute results.")
@click.option("--bootstrap/--no-bootstrap", default=True, show_default=True, help="95% bootstrap interval of AUC over sequences (seeded).")
@click.option("--store", "store", type=ANY_PATH, default=Path("results/evaluated"), show_default=True, metavar="DIR",
              help="Keep each tracker's entry for the leaderboard here.")
@click.option("--no-store", is_flag=True, help="Do not keep the evaluation for the leaderboard.")
def eval_cmd(**params) -> None:
    """Score tracking results: AUC (success), OP50, OP75, precision@20px, normalized precision@0.20.

    \b
    Numbers follow the chosen protocol number for number (default: JointNLT's
    analysis code, which produced the paper's tables). Scores are percentages,
    curves in --json fractions. Sequences are weighted equally.
    With --protocol all (or a comma list) one table shows every tracker under
    every protocol; a protocol that refuses a result set says why in its cell.
    Examples:
      nlbench eval --dataset lasot --root /data/LaSOT --results JointNLT=results/raw/lasot/jointnlt-nl
      nlbench eval --dataset tnl2k --root /data/TNL2K_test --results A=runs/a --results B=runs/b --json out.json
      nlbench eval --dataset otb99 --root /data/OTB_sentences --results X=dir --protocol otb-matlab
      nlbench eval --dataset tnl2k --root /data/TNL2K_test --results A=runs/a --protocol all --json all.json
      nlbench eval --dataset synth --results static=results/raw/synth/static-bb --sequences synth_test_0001,synth_test_0002
    """
    from nlbench.eval.stages import EvalRequest, eval_stage
    from nlbench.eval.text import eval_text

    click.echo(eval_text(eval_stage(EvalRequest(**params))))


@click.command("compare")
@_scoring_options
@click.option("--alpha", default=0.05, show_default=True, help="Significance level.")
@click.option("--json", "json_out", type=ANY_PATH, default=None, metavar="OUT.json", help="Write the test results.")
def compare_cmd(**params) -> None:
    """Is tracker A's AUC really different from B's? Paired bootstrap + Wilcoxon signed-rank over sequences.

    \b
    Examples:
      nlbench compare --dataset lasot --root /data/LaSOT --results A=runs/a --results B=runs/b
      nlbench compare --dataset tnl2k --results A=runs/a --results B=runs/b --protocol pytracking
      nlbench compare --dataset synth --root DIR --sequences S1,S2,S3 --results A=runs/a --results B=runs/b --skip-missing
    """
    from nlbench.eval.stages import CompareRequest, compare_stage
    from nlbench.eval.text import compare_text

    click.echo(compare_text(compare_stage(CompareRequest(**params))))


register(eval_cmd, compare_cmd)
