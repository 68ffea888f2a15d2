"""``nlbench trackers`` and ``nlbench datasets``: what is registered."""

from __future__ import annotations

import click

from nlbench.cli import register
from nlbench.core.registry import DATASET_GROUP, TRACKER_GROUP, describe
from nlbench.core.textable import text_table


def _print_rows(rows: list[tuple[str, str]]) -> None:
    if rows:
        click.echo(text_table(rows, indent="  "))


@click.command("trackers")
def trackers_cmd() -> None:
    """List the registered trackers and grounders.

    \b
    Compose a separated pipeline with GROUNDER+TRACKER, e.g.:
      nlbench run --tracker jointnlt-tiny+csrt --dataset synth --mode nl
    Third-party packages add trackers through the 'nlbench.trackers' entry point group.
    """
    _print_rows(describe(TRACKER_GROUP))


@click.group("datasets", invoke_without_command=True)
@click.pass_context
def datasets_cmd(ctx: click.Context) -> None:
    """List the registered datasets, or check a dataset root.

    \b
    Roots are found from --root, then the dataset's environment variable
    (e.g. NLBENCH_TNL2K_ROOT), then the user config file
    (~/.config/nlbench/config.toml, section [roots], e.g. tnl2k = "/data/TNL2K_test").
    Examples:
      nlbench datasets
      nlbench datasets verify --dataset lasot --root /data/LaSOT
    """
    if ctx.invoked_subcommand is None:
        from nlbench.core.config import config_path
        from nlbench.core.registry import get_dataset

        rows = []
        for name, text in describe(DATASET_GROUP):
            try:
                env = get_dataset(name).env_var
            except Exception:
                env = ""
            rows.append((name, f"{text}  [{env}]" if env else text))
        _print_rows(rows)
        click.echo(f"\nuser config: {config_path()}")


register(trackers_cmd, datasets_cmd)

from nlbench.datasets.verify import verify_cmd  # noqa: E402  (`datasets verify` lives with the loaders)

datasets_cmd.add_command(verify_cmd)
