"""The ``nlbench`` command line: one thin click command per verb.

Each verb parses options and calls one library function; library errors
(:class:`nlbench.core.errors.NlbenchError`) become a single line on stderr and exit
status 2.  Verb modules import their heavy dependencies lazily so that
``nlbench --help`` stays instant.
"""

from __future__ import annotations

import sys

import click

from nlbench import __version__
from nlbench.core.errors import NlbenchError


class _Main(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NlbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="nlbench")
def main() -> None:
    """Benchmark natural-language visual trackers and grounders.

    \b
    Run a tracker, score it exactly as the papers did, profile it, report it:
      nlbench demo                                   # everything, on the embedded synth benchmark
      nlbench run --tracker jointnlt --checkpoint JointNLT_ep0300.pth.tar \\
                  --dataset tnl2k --root /data/TNL2K_test --mode nl
      nlbench eval --dataset tnl2k --root /data/TNL2K_test --results JointNLT=results/raw/tnl2k/jointnlt-nl
      nlbench report --reported --dataset lasot --dataset tnl2k --out reports/paper
      nlbench trackers                                # what can run
      nlbench datasets                                # what can be read, and where nlbench looks for it
    """


def register(*commands: click.Command) -> None:
    for command in commands:
        main.add_command(command)


# Verb modules add themselves to ``main``.
from nlbench.cli import (  # noqa: E402,F401  (imported for their registration side effect)
    demo,
    evaluate,
    experiment,
    explain,
    ground,
    leaderboard,
    plugins,
    profile,
    report,
    run,
    sensitivity,
    sentences,
    train,
    visualize,
)
