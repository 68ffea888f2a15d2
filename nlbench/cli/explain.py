"""``nlbench explain``: why two protocols give different numbers for the same results, one rule at a time."""

from __future__ import annotations

import click

from nlbench.cli.group import register
from nlbench.cli.options import (
    ANY_PATH,
    PROTOCOL_NAMES,
    allow_non_finite_option,
    dataset_option,
    results_option,
    root_option,
    sequences_option,
    skip_missing_option,
    split_option,
)


@click.command("explain")
@dataset_option(short=False)
@root_option()
@results_option()
@sequences_option("Only these sequences.")
@split_option()
@click.option("--from", "start", type=click.Choice(PROTOCOL_NAMES), required=True, help="Protocol to start from.")
@click.option("--to", "end", type=click.Choice(PROTOCOL_NAMES), required=True, help="Protocol to arrive at.")
@click.option("--top", default=3, show_default=True, help="Sequences listed per step (largest AUC change first).")
@skip_missing_option()
@allow_non_finite_option()
@click.option("--json", "json_out", type=ANY_PATH, default=None, metavar="OUT.json",
              help="Write start, every step and end per tracker.")
def explain_cmd(**params) -> None:
    """Walk from protocol --from to --to one rule at a time and show what each rule changes.

    \b
    Each step changes the fields of one rule (validity rule, thresholds, IoU
    formula, short results, invalid predictions, NP definition, absent frames,
    averaging ...) to the --to protocol's values and scores again with the same
    code as `nlbench eval`: the start is `eval --protocol FROM`, the last step
    is `eval --protocol TO`, so the steps add up to the whole difference.
    Examples:
      nlbench explain --dataset tnl2k --root /data/TNL2K_test --results JointNLT=runs/jnlt --from jointnlt --to tnl2k-matlab
      nlbench explain --dataset lasot --results A=runs/a --from pytracking --to got10k --json walk.json
    """
    from nlbench.eval.stages import ExplainRequest, explain_stage
    from nlbench.eval.text import explain_text

    click.echo(explain_text(explain_stage(ExplainRequest(**params))))


register(explain_cmd)
