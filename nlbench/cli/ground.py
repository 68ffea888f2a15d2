"""``nlbench ground``: grounding accuracy on RefCOCOg (or any dataset with grounding samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nlbench.cli.group import register
from nlbench.cli.options import IN_FILE, OUT_FILE, root_option
from nlbench.eval.grounding import DEFAULT_RULE, RULES


def ground_request(params: dict[str, Any]):
    """The :class:`~nlbench.run.stages.GroundRequest` of parsed ``nlbench ground`` options."""
    from nlbench.run.runner import parse_batch_size
    from nlbench.run.stages import GroundRequest

    return GroundRequest(**{**params, "batch_size": parse_batch_size(params["batch_size"])})


@click.command("ground")
@click.option("--grounder", "-g", metavar="NAME", help="Registered grounder (a tracker plugin with grounding; `nlbench trackers` lists them).")
@click.option("--dataset", "-d", default=None,
              help="A grounding dataset, or any dataset with grounding samples (see `nlbench datasets`); "
                   "default: the one whose plugin is the grounding default.")
@root_option()
@click.option("--split-by", type=click.Choice(["google", "umd"]), default=None, show_default="google", help="Partition of the refs, for loaders that take split_by.")
@click.option("--split", default=None, help="Split (default: the dataset's default; e.g. val, or test with --split-by umd).")
@click.option("--unit", type=click.Choice(["ref", "expression"]), default=None, show_default="ref",
              help="ref: one sample per object, its last sentence (JointNLT); expression: every sentence.")  # fmt: skip
@click.option("--rule", type=click.Choice(RULES), default=DEFAULT_RULE, show_default=True,
              help="jointnlt: IoU > t, no clipping; standard: IoU >= t, prediction clipped to the image.")  # fmt: skip
@click.option("--checkpoint", "-c", metavar="PATH", type=click.Path(path_type=Path), help="Grounder weights.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--limit", type=int, metavar="N", help="Only the first N samples (a quick check; not a benchmark number).")
@click.option("--predictions", type=OUT_FILE,
              help="Where to save predictions (.csv or .jsonl). Default results/grounding/<dataset>/<grounder>-<split>-<unit>.csv.")  # fmt: skip
@click.option("--rescore", type=IN_FILE,
              help="Score a saved predictions file again (no model, no images).")  # fmt: skip
@click.option("--json", "json_out", type=OUT_FILE, help="Also write the result as JSON.")
@click.option("--batch-size", "-b", default=None, metavar="B",
              help="Samples grounded per batched call (default 1 on CPU, 32 with --device cuda; the same boxes).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def ground_cmd(**params) -> None:
    """Measure grounding accuracy (Acc@0.5, also Acc@0.25/0.75 and mean IoU).

    Every sample of the split is grounded once; predictions are saved so the numbers can be
    recomputed without the model. The accuracy is always printed with its numerator,
    denominator, split, unit and rule.

    \b
    Examples:
      nlbench ground --grounder jointnlt --checkpoint JointNLT_ep0300.pth.tar \\
                     --dataset refcocog --root /data/coco --split-by google --split val
      nlbench ground --grounder vltvg --checkpoint vltvg_r50_gref_umd.pth \\
                     --root /data/coco --split-by umd --split test --unit expression --rule standard
      nlbench ground --rescore results/grounding/refcocog/jointnlt-google-val-ref.csv --rule standard
    """
    from nlbench.run.stages import ground_stage
    from nlbench.run.text import ground_text

    if params["rescore"] is None and not params["grounder"]:
        raise click.UsageError("give --grounder NAME (or --rescore PRED.csv to score saved predictions)")
    click.echo(ground_text(ground_stage(ground_request(params))))


ground_cmd.request_from = ground_request  # type: ignore[attr-defined]  (parse_request's hook)
register(ground_cmd)
