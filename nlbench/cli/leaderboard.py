"""``nlbench leaderboard``: published and measured scores of one dataset, sorted by AUC, ranked per protocol."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli import register
from nlbench.cli.options import FOLDER, OUT_FILE, DatasetName


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@click.command("leaderboard")
@click.option("--dataset", "dataset", required=True, type=DatasetName(), help="Registered dataset to rank (see `nlbench datasets`).")
@click.option(
    "--source",
    type=click.Choice(("reported", "measured", "all")),
    default="all",
    show_default=True,
    help="Published numbers (results/reported), evaluated runs (results/evaluated), or both.",
)
@click.option(
    "--sources",
    "classes",
    type=click.Choice(("primary", "all")),
    default="primary",
    show_default=True,
    help="Published numbers from the authors only ([P]), or also third-party tables [S] and aggregators or "
    "AI-written notes [T]; 'all' also lists measured runs under every protocol, with their difference (Δ).",
)
@click.option("--protocol", default=None, help="Only measured runs evaluated with this protocol (e.g. jointnlt).")
@click.option("--store", type=FOLDER, default=None,
              help="Evaluated-results store [default: ./results/evaluated, where nlbench eval stores runs].")
@click.option("--json", "json_out", type=OUT_FILE, default=None, help="Write the leaderboard as JSON (scores in percent).")
@click.option("--csv", "csv_out", type=OUT_FILE, default=None, help="Write the leaderboard as CSV.")
@click.option("--html", "html_out", type=OUT_FILE, default=None,
              help="Write one self-contained HTML page (sortable, filterable by init, protocol and source class).")
def leaderboard_cmd(
    dataset: str,
    source: str,
    classes: str,
    protocol: str | None,
    store: Path | None,
    json_out: Path | None,
    csv_out: Path | None,
    html_out: Path | None,
) -> None:
    """Rank trackers on one dataset: one row per (tracker, initialisation), by AUC.

    \b
    Scores are in percent (0-100), like `nlbench eval`; "–" = not reported.
    "#" ranks within one protocol family (py-analysis, matlab, pysot, got10k,
    unknown): numbers of different protocols are never ranked against each other.
    Lines under a row: "≠" another source prints a different value for the same
    setting; "Δ" measured minus published.
    Examples:
      nlbench leaderboard --dataset lasot
      nlbench leaderboard --dataset tnl2k --sources all --html tnl2k.html
      nlbench leaderboard --dataset tnl2k --source measured --protocol jointnlt --json tnl2k.json
      nlbench leaderboard --dataset refcocog          # grounding accuracy
    """
    from nlbench.report.leaderboard import build_leaderboard

    board = build_leaderboard(dataset, source=source, protocol=protocol, store=store, classes=classes)
    if json_out:
        board.write_json(json_out)
    if csv_out:
        board.write_csv(csv_out)
    if html_out:
        from nlbench.report.leaderboard_html import write_leaderboard_html

        write_leaderboard_html(board, html_out)
    scores = ("accuracy",) if board.grounding else ("auc", "precision", "norm_precision")
    heads = {"accuracy": "acc", "auc": "AUC", "precision": "P", "norm_precision": "NP"}
    header = ("#", "tracker", "init", *(heads[s] for s in scores), "protocol", "source")
    rows, extra = [], []
    for e in board.entries:
        rank = "–" if e.rank is None else str(e.rank)
        rows.append((rank, e.tracker, e.init or "–", *(_cell(getattr(e, s)) for s in scores), e.protocol, e.source))
        lines = [f"≠ {heads[c.metric]} {c.value:.1f} ({c.init or '–'}) {c.source}" for c in e.conflicts]
        lines += [
            f"Δ {heads[d.metric]} {d.delta:+.1f} vs {d.reported:.1f} ({d.init or '–'}, {d.protocol}) {d.source}"
            for d in e.deltas
        ]
        extra.append(lines)
    if not rows:
        click.echo(f"no {source} entries for {dataset}")
        return
    from nlbench.core.textable import text_table

    table = text_table(rows, header, right={0} | set(range(3, 3 + len(scores)))).split("\n")
    indent = " " * (max(len(r[0]) for r in (header, *rows)) + 2)
    click.echo(table[0])
    for text, lines in zip(table[1:], extra):
        click.echo(text)
        for line in lines:
            click.echo(indent + line)
    click.echo("# = rank within the protocol family; [P] authors, [S] third-party table, [T] aggregator or AI note")
    for path in (json_out, csv_out, html_out):
        if path:
            click.echo(f"wrote {path}")


register(leaderboard_cmd)
