"""``nlbench sensitivity``: how much a tracker's score depends on the words of its sentences."""

from __future__ import annotations

import click

from nlbench.cli.group import register
from nlbench.cli.options import (
    ANY_PATH,
    dataset_option,
    protocol_option,
    root_option,
    sequences_option,
    skip_missing_option,
    split_option,
)


@click.command("sensitivity")
@dataset_option()
@root_option()
@split_option()
@click.option("--base", "base", required=True, metavar="NAME=DIR", help="The run with the reference sentences.")
@click.option("--variant", "variants", multiple=True, required=True, metavar="LABEL=DIR",
              help="A run of the same tracker with other sentences (run --sentences FILE). Repeatable.")
@sequences_option("Only these sequences.")
@skip_missing_option("Drop sequences some run has no result for (from every run).")
@protocol_option(choice=False, help="Evaluation protocol (see 'nlbench eval').")
@click.option("--alpha", default=0.05, show_default=True, help="Significance level of the paired tests.")
@click.option("--json", "json_out", type=ANY_PATH, default=None, metavar="OUT.json",
              help="Write the scores, tests and flipped sequences (the report reads it: report --sensitivity).")
def sensitivity_cmd(**params) -> None:
    """Compare runs that differ only in their sentences: AUC, P@20, first-frame grounding.

    \b
    Per variant: AUC, precision@20px, first-frame grounding accuracy (IoU > 0.5,
    from <seq>_ground.txt of NL runs) and the AUC difference against the base
    with a paired bootstrap 95% CI and a Wilcoxon signed-rank test (as
    'nlbench compare'). Flipped: sequences whose first-frame grounding fails
    (IoU <= 0.5) where the base's succeeded, or whose AUC drops > 30 points.
    Examples:
      nlbench sentences --dataset synth --variant distractor --out distractor.csv
      nlbench run -t jointnlt-tiny -d synth --mode nl --out runs/base
      nlbench run -t jointnlt-tiny -d synth --mode nl --sentences distractor.csv --out runs/distractor
      nlbench sensitivity --dataset synth --base original=runs/base --variant distractor=runs/distractor
    """
    from nlbench.eval.stages import SensitivityRequest, sensitivity_stage
    from nlbench.eval.text import sensitivity_text

    click.echo(sensitivity_text(sensitivity_stage(SensitivityRequest(**params))))


register(sensitivity_cmd)
