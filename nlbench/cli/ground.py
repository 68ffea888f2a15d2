"""``nlbench ground``: grounding accuracy on RefCOCOg (or any dataset with grounding samples)."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli import register
from nlbench.cli.options import FOLDER, IN_FILE, OUT_FILE
from nlbench.datasets import DEFAULT_GROUNDING_DATASET
from nlbench.eval.grounding import DEFAULT_RULE, RULES


@click.command("ground")
@click.option("--grounder", "-g", metavar="NAME", help="Registered grounder (a tracker plugin with grounding), e.g. jointnlt, vltvg.")
@click.option("--dataset", "-d", default=DEFAULT_GROUNDING_DATASET, show_default=True,
              help="A grounding dataset, or any dataset with grounding samples (see `nlbench datasets`).")
@click.option("--root", type=FOLDER, help="Dataset root (else NLBENCH_<NAME>_ROOT or the config file).")
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
def ground_cmd(
    grounder: str | None,
    dataset: str,
    root: Path | None,
    split_by: str | None,
    split: str | None,
    unit: str | None,
    rule: str,
    checkpoint: Path | None,
    device: str,
    limit: int | None,
    predictions: Path | None,
    rescore: Path | None,
    json_out: Path | None,
    batch_size: str | None,
    quiet: bool,
) -> None:
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
    from nlbench.run.grounding import GroundRequest, ground
    from nlbench.run.runner import parse_batch_size

    if rescore is None and not grounder:
        raise click.UsageError("give --grounder NAME (or --rescore PRED.csv to score saved predictions)")
    summary = ground(GroundRequest(
        grounder=grounder, dataset=dataset, root=root, split_by=split_by, split=split, unit=unit, rule=rule,
        checkpoint=checkpoint, device=device, limit=limit, batch_size=parse_batch_size(batch_size),
        predictions=predictions, json_out=json_out, rescore=rescore, quiet=quiet,
    ))
    if not summary.rescored:
        click.echo(f"predictions: {summary.predictions}")
    click.echo(summary.result.summary())

register(ground_cmd)
