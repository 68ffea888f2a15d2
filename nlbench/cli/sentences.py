"""``nlbench sentences``: write a sentence file (a dataset's own sentences, or a generated variant)."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli.group import register
from nlbench.cli.options import dataset_option, root_option, split_option


@click.command("sentences")
@dataset_option()
@root_option(help="Dataset root (else $NLBENCH_<DATASET>_ROOT or the config file).")
@split_option()
@click.option("--variant", default="original", show_default=True,
              help="original (the dataset's sentences), or a variant the dataset generates (its plugin's "
                   "`variants`; the embedded benchmark: paraphrase, minimal, ambiguous, distractor, relational).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Sentence file to write: .json, else CSV.")
def sentences_cmd(**params) -> None:
    """Write a sentence file for 'nlbench run --sentences'.

    \b
    The file is CSV with the header sequence,sentence (or JSON {sequence:
    sentence} for a .json name). Edit it to ask your own questions, then run
    with --sentences; unlisted sequences keep the dataset's sentence.
    Examples:
      nlbench sentences --dataset synth --variant distractor --out distractor.csv
      nlbench sentences --dataset tnl2k --root /data/TNL2K_test --out tnl2k-mine.csv
    """
    from nlbench.run.stages import SentencesRequest, sentences_stage
    from nlbench.run.text import sentences_text

    click.echo(sentences_text(sentences_stage(SentencesRequest(**params))))


register(sentences_cmd)
