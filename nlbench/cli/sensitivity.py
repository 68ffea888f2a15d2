"""``nlbench sensitivity``: how much a tracker's score depends on the words of its sentences."""

from __future__ import annotations

import click

from nlbench.cli import register


@click.command("sensitivity")
@click.option("--dataset", "-d", required=True, help="Registered tracking dataset (see `nlbench datasets`).")
@click.option("--root", default=None, help="Dataset root (else $NLBENCH_<NAME>_ROOT or the config file).")
@click.option("--split", default=None, help="Dataset split (default: the dataset's test split).")
@click.option("--base", "base", required=True, metavar="NAME=DIR", help="The run with the reference sentences.")
@click.option("--variant", "variants", multiple=True, required=True, metavar="LABEL=DIR",
              help="A run of the same tracker with other sentences (run --sentences FILE). Repeatable.")
@click.option("--sequences", default=None, metavar="S1,S2,...", help="Only these sequences.")
@click.option("--protocol", default="jointnlt", show_default=True, help="Evaluation protocol (see 'nlbench eval').")
@click.option("--alpha", default=0.05, show_default=True, help="Significance level of the paired tests.")
@click.option("--json", "json_out", default=None, metavar="OUT.json",
              help="Write the scores, tests and flipped sequences (the report reads it: report --sensitivity).")
def sensitivity_cmd(dataset, root, split, base, variants, sequences, protocol, alpha, json_out) -> None:
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
    from nlbench.eval.sensitivity import format_sensitivity, sensitivity
    from nlbench.eval.sources import load_sequences, parse_results_option
    from nlbench.core.io import atomic_write_json

    (base_name, base_dir), = parse_results_option([base]).items()
    variant_dirs = list(parse_results_option(variants).items())
    names = [s.strip() for s in sequences.split(",") if s.strip()] if sequences else None
    result = sensitivity(load_sequences(dataset, root, split, names), (base_name, base_dir), variant_dirs,
                         dataset=dataset, protocol=protocol, alpha=alpha)
    click.echo(f"{dataset} — protocol {result.protocol}, {len(result.sequence_names)} sequences")
    click.echo(format_sensitivity(result))
    if json_out:
        atomic_write_json(json_out, result.to_json())
        click.echo(f"wrote {json_out}")


register(sensitivity_cmd)
