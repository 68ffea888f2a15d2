"""``nlbench explain``: why two protocols give different numbers for the same results, one rule at a time."""

from __future__ import annotations

import click

from nlbench.cli import register
from nlbench.cli.evaluate import _NON_FINITE_HELP, _PROTOCOLS, _fmt


def _delta(after, before) -> str:
    if after is None or before is None:
        return ""
    return f"{after - before:+.2f}"


def format_walk(walk, top: int = 3) -> str:
    """Per tracker: start, each rule step with its change and the sequences it moves most, end, total change."""
    from nlbench.eval.explain import SCORES
    from nlbench.core.textable import text_table

    lines = [f"{walk.dataset}: {walk.start.name} -> {walk.end.name}, {len(walk.steps)} rule(s) differ"]
    for step in walk.steps:
        if step.rule.together:
            lines.append(f"  note: '{step.rule.label}' is one step for {', '.join(step.rule.fields)}: {step.rule.together}")
    header = ("step", "AUC", "P@20", "NP@0.20", "dAUC", "dP@20", "dNP@0.20", "moved most (dAUC)")
    for name, tracker in walk.trackers.items():
        data = tracker.to_json(walk.steps)
        rows = []
        notes: list[str] = []
        seen: dict[str, int] = {}

        def row(label, scores, before, moved="", protocol=None):
            if "error" in scores:
                # the same refusal under the next step's rules is noted once
                key = scores["error"].replace(protocol, "<protocol>") if protocol else scores["error"]
                if key not in seen:
                    notes.append(f"    [{len(notes) + 1}] {scores['error']}")
                    seen[key] = len(notes)
                rows.append((label, f"refused [{seen[key]}]", "", "", "", "", "", moved))
                return
            values = [_fmt(scores[k]) for k in SCORES]
            deltas = [_delta(scores[k], before.get(k)) if before else "" for k in SCORES]
            rows.append((label, *values, *deltas, moved))

        row(f"start: {walk.start.name}", data["start"], None, protocol=walk.start.name)
        previous = data["start"]
        for i, (step, scores) in enumerate(zip(walk.steps, data["steps"])):
            moved = ", ".join(f"{seq} {d:+.1f}" for seq, d in tracker.moved(i, top))
            row(f"{i + 1}. {step.text}", scores, previous, moved, step.protocol.name)
            previous = scores
        row(f"end: {walk.end.name} (total change)", data["end"], data["start"], protocol=walk.end.name)
        lines.append(f"\n{name}")
        lines.append(text_table(rows, header, right=range(1, 7), rule=True, indent="  "))
        lines += notes
    return "\n".join(lines)


@click.command("explain")
@click.option("--dataset", required=True, help="Registered tracking dataset (see `nlbench datasets`).")
@click.option("--root", default=None, help="Dataset root (else $NLBENCH_<NAME>_ROOT or the config file).")
@click.option("--results", "results", multiple=True, required=True, metavar="NAME=DIR", help="A tracker's result folder (repeatable).")
@click.option("--sequences", default=None, metavar="S1,S2,...", help="Only these sequences.")
@click.option("--split", default=None, help="Dataset split (default: the dataset's test split).")
@click.option("--from", "start", type=click.Choice(_PROTOCOLS), required=True, help="Protocol to start from.")
@click.option("--to", "end", type=click.Choice(_PROTOCOLS), required=True, help="Protocol to arrive at.")
@click.option("--top", default=3, show_default=True, help="Sequences listed per step (largest AUC change first).")
@click.option("--skip-missing", is_flag=True, help="Drop sequences some tracker has no result for (from every tracker).")
@click.option("--allow-non-finite", is_flag=True, help=_NON_FINITE_HELP)
@click.option("--json", "json_out", default=None, metavar="OUT.json", help="Write start, every step and end per tracker.")
def explain_cmd(dataset, root, results, sequences, split, start, end, top, skip_missing, allow_non_finite, json_out):
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
    from nlbench.eval.explain import explain
    from nlbench.eval.sources import load_sequences, parse_results_option
    from nlbench.core.io import atomic_write_json

    sources = parse_results_option(results)
    names = [s.strip() for s in sequences.split(",") if s.strip()] if sequences else None
    seqs = load_sequences(dataset, root, split, names)
    walk = explain(seqs, sources, dataset, start, end, skip_missing=skip_missing, allow_non_finite=allow_non_finite)
    click.echo(format_walk(walk, top))
    if json_out:
        atomic_write_json(json_out, walk.to_json())
        click.echo(f"wrote {json_out}")


register(explain_cmd)
