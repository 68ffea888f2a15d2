"""``nlbench trackers`` and ``nlbench datasets``: what is registered."""

from __future__ import annotations

import sys

import click

from nlbench.cli.group import register
from nlbench.cli.options import OUT_FILE, dataset_option, root_option, sequences_option

@click.command("trackers")
def trackers_cmd() -> None:
    """List the registered trackers and grounders.

    \b
    Compose a separated pipeline with GROUNDER+TRACKER, e.g.:
      nlbench run --tracker jointnlt-tiny+csrt --dataset synth --mode nl
    Third-party packages add trackers through the 'nlbench.trackers' entry point group.
    """
    from nlbench.run.stages import TrackersRequest, trackers_stage
    from nlbench.run.text import trackers_text

    text = trackers_text(trackers_stage(TrackersRequest()))
    if text:
        click.echo(text)


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
        from nlbench.datasets.stages import DatasetsRequest, datasets_stage, datasets_text

        click.echo(datasets_text(datasets_stage(DatasetsRequest())))


@datasets_cmd.command("verify")
@dataset_option(help="Dataset name (see `nlbench datasets`).")
@root_option()
@sequences_option(help="Check only these sequences (default: the official list).")
@click.option("--examples", default=3, show_default=True, help="Examples shown per problem kind.")
@click.option("--json", "json_out", type=OUT_FILE, help="Also write the report as JSON.")
def verify_cmd(**params) -> None:
    """Check a dataset root: official sequence list, annotation files, GT rows vs frames, sentences.

    Prints one line per problem kind with its count, then examples; exits with status 1 when
    anything is wrong.

    \b
    Examples:
      nlbench datasets verify --dataset lasot --root /data/LaSOT
      nlbench datasets verify --dataset tnl2k --root /data/TNL2K_test --json tnl2k-check.json
      nlbench datasets verify --dataset otb99 --root /data/OTB_sentences --sequences Biker,Skating2-1
    """
    from nlbench.datasets.stages import DatasetsVerifyRequest, datasets_verify_stage, datasets_verify_text

    summary = datasets_verify_stage(DatasetsVerifyRequest(**params))
    click.echo(datasets_verify_text(summary), nl=False)
    if not summary.report.ok:
        sys.exit(1)


register(trackers_cmd, datasets_cmd)
