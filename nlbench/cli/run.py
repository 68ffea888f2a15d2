"""``nlbench run``: run a tracker over a dataset and write raw results."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from nlbench.cli.group import register
from nlbench.cli.options import FOLDER, dataset_option, root_option, sequences_option, split_option
from nlbench.core.errors import NlbenchError


def parse_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    options = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise NlbenchError(f"--option expects KEY=VALUE, got '{pair}'")
        options[key.replace("-", "_")] = parse_value(value)
    return options


def parse_checkpoints(values: tuple[str, ...]) -> str | dict[str, str] | None:
    """``--checkpoint PATH`` or, for a composed tracker, ``--checkpoint grounder=PATH --checkpoint tracker=PATH``."""
    if not values:
        return None
    named = {}
    plain = []
    for value in values:
        role, eq, path = value.partition("=")
        if eq and role in ("grounder", "tracker"):
            named[role] = path
        else:
            plain.append(value)
    if plain and (named or len(plain) > 1):
        raise NlbenchError("give one --checkpoint PATH, or name each part: --checkpoint grounder=PATH --checkpoint tracker=PATH")
    return plain[0] if plain else named


def run_request(params: dict[str, Any]):
    """The :class:`~nlbench.run.stages.RunRequest` of parsed ``nlbench run`` options."""
    from nlbench.run.runner import parse_batch_size
    from nlbench.run.stages import RunRequest

    words = dict(params)
    checkpoint, options, batch_size = words.pop("checkpoint"), words.pop("option_pairs"), words.pop("batch_size")
    return RunRequest(**words, checkpoint=parse_checkpoints(checkpoint), options=parse_options(options),
                      batch_size=parse_batch_size(batch_size))


@click.command("run")
@click.option("--tracker", "-t", required=True, help="Registered tracker (see 'nlbench trackers'), or GROUNDER+TRACKER.")
@dataset_option(help="Registered dataset (see 'nlbench datasets').")
@root_option(help="Dataset root (else $NLBENCH_<DATASET>_ROOT or the config file).")
@split_option()
@sequences_option(help="Comma-separated sequence names (default: the whole split).")
@click.option("--mode", type=click.Choice(["nl", "nl+bb", "bb"], case_sensitive=False), help="Initialisation: sentence, sentence+box, or box.")
@click.option("--checkpoint", "-c", multiple=True, help="Weights file; for GROUNDER+TRACKER use grounder=PATH / tracker=PATH.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--out", type=FOLDER, help="Output folder (default results/raw/<dataset>/<tracker>-<mode>/).")
@click.option("--workers", default=1, show_default=True, help="Parallel processes, one tracker each.")
@click.option("--shard", help="Run only shard k of n (k/n, numbered from 1), e.g. $SLURM_ARRAY_TASK_ID/8.")
@click.option("--option", "-o", "option_pairs", multiple=True, help="Tracker option KEY=VALUE (e.g. verbatim_text=true); prefix grounder./tracker. for a part.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: a process pool; ray: actors on a Ray cluster (pip install 'nlbench[ray]').")
@click.option("--ray-address", help="Ray cluster address (default: start or join a local Ray).")
@click.option("--sentences", type=click.Path(dir_okay=False, path_type=Path),
              help="Sentence file replacing the dataset's sentences: CSV 'sequence,sentence' or JSON {sequence: sentence}.")
@click.option("--batch-size", "-b", "batch_size",
              help="Sequences advanced together by one batched tracker (default 1 on CPU, 32 with --device cuda); "
                   "trackers that cannot batch run one sequence at a time.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def run_cmd(**params) -> None:
    """Run a tracker over a dataset and write raw results.

    \b
    Writes <out>/<seq>.txt (x y w h per frame, tab-separated; row 0 is the
    initial GT box), <seq>_time.txt, <seq>_ground.txt (NL mode: the grounded
    first-frame box) and run.json. Re-running resumes: finished sequences are
    skipped. A failing sequence is recorded in run.json and the run goes on;
    the exit status is 1 if any sequence failed.

    \b
    Examples:
      nlbench run --tracker jointnlt-tiny --dataset synth --mode nl
      nlbench run --tracker jointnlt --checkpoint JointNLT_ep0300.pth.tar \\
                  --dataset tnl2k --root /data/TNL2K_test --mode nl --device cuda --out runs/jnlt
      nlbench run --tracker jointnlt-tiny+kcf --dataset synth --mode nl
      nlbench run --tracker static --dataset lasot --mode bb --shard 3/8
      nlbench sentences --dataset synth --variant distractor --out distractor.csv
      nlbench run --tracker jointnlt-tiny --dataset synth --mode nl --sentences distractor.csv \\
                  --out results/raw/synth/jointnlt-tiny-nl-distractor
      nlbench run --tracker jointnlt-tiny --dataset synth --mode nl --batch-size 16
    """
    from nlbench.run.stages import run_stage
    from nlbench.run.text import run_failures_text, run_text

    summary = run_stage(run_request(params))
    click.echo(run_text(summary))
    if summary.failed:
        click.echo(run_failures_text(summary), err=True)
        sys.exit(1)


run_cmd.request_from = run_request  # type: ignore[attr-defined]  (parse_request's hook)
register(run_cmd)
