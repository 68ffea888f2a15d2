"""The ``nlbench`` command group: errors as one line, SIGTERM as Ctrl-C, library notes on stderr.

Verb modules add their commands with :func:`register`; ``nlbench/cli/__init__.py`` imports them all.
"""

from __future__ import annotations

import signal
import sys
import threading

import click

from nlbench import __version__
from nlbench.core.errors import NlbenchError, Terminated
from nlbench.core.oserrors import storage_error
from nlbench.cli.messages import terminal_messages

#: Exit status after SIGTERM, as a shell reports a process the signal ended (128 + 15).
SIGTERM_EXIT = 128 + signal.SIGTERM


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


class _Main(click.Group):
    def invoke(self, ctx: click.Context):
        # SIGTERM unwinds like Ctrl-C: atomic writers remove their temporary files, finished outputs stay.
        in_main_thread = threading.current_thread() is threading.main_thread()  # signal() works only there
        previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
        try:
            with terminal_messages():  # library log records as the verbs' notes
                return super().invoke(ctx)
        except NlbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except OSError as exc:  # a full disk, an unwritable folder: the machine's fault, not nlbench's
            click.echo(f"error: {storage_error(exc, action='use')}", err=True)
            sys.exit(2)
        except Terminated:
            click.echo("error: terminated (SIGTERM); finished outputs are kept and no file was left half-written; "
                       "re-run the same command to complete", err=True)
            sys.exit(SIGTERM_EXIT)
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous)


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
