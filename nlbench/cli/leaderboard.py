"""``nlbench leaderboard``: published and measured scores of one dataset, sorted by AUC."""

from __future__ import annotations

from pathlib import Path

import click

from nlbench.cli import register
from nlbench.cli.options import DatasetName


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
@click.option("--protocol", default=None, help="Only measured runs evaluated with this protocol (e.g. jointnlt).")
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Evaluated-results store [default: ./results/evaluated, where nlbench eval stores runs].",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the leaderboard as JSON (scores in percent).",
)
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the leaderboard as CSV.",
)
def leaderboard_cmd(
    dataset: str, source: str, protocol: str | None, store: Path | None, json_out: Path | None, csv_out: Path | None
) -> None:
    """Rank trackers on one dataset: one row per (tracker, initialisation), by AUC.

    \b
    Scores are in percent (0-100), like `nlbench eval`; "–" = not reported.
    Examples:
      nlbench leaderboard --dataset lasot
      nlbench leaderboard --dataset tnl2k --source measured --protocol jointnlt --json tnl2k.json
      nlbench leaderboard --dataset refcocog          # grounding accuracy
    """
    from nlbench.report.leaderboard import build_leaderboard

    board = build_leaderboard(dataset, source=source, protocol=protocol, store=store)
    if json_out:
        board.write_json(json_out)
    if csv_out:
        board.write_csv(csv_out)
    if board.grounding:
        header, rows = (
            ("#", "tracker", "init", "acc", "source"),
            [(str(i), e.tracker, e.init or "–", _cell(e.accuracy), e.source) for i, e in enumerate(board.entries, 1)],
        )
    else:
        header, rows = (
            ("#", "tracker", "init", "AUC", "P", "NP", "source"),
            [
                (str(i), e.tracker, e.init or "–", _cell(e.auc), _cell(e.precision), _cell(e.norm_precision), e.source)
                for i, e in enumerate(board.entries, 1)
            ],
        )
    if not rows:
        click.echo(f"no {source} entries for {dataset}")
        return
    from nlbench.textable import text_table

    click.echo(text_table(rows, header, right={0} | set(range(3, len(header) - 1))))
    for path in (json_out, csv_out):
        if path:
            click.echo(f"wrote {path}")


register(leaderboard_cmd)
