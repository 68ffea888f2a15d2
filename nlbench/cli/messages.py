"""Library messages on the terminal: the one place where ``logging`` records of ``nlbench.*`` become text.

Library code never prints; it logs.  While a verb runs, this handler writes those records as the
verbs used to print them: a warning as ``note: ...`` on stderr, an experiment's narrative (the
``nlbench.experiment`` logger, INFO) on stdout, any other INFO message on stderr.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import click

#: loggers whose INFO records are the verb's own output (stdout), not a side message
STDOUT_LOGGERS = ("nlbench.experiment",)


class EchoHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a bad format string is a bug in nlbench; let logging report it
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING:
            click.echo(f"note: {text}", err=True)
            return
        to_stdout = any(record.name == n or record.name.startswith(n + ".") for n in STDOUT_LOGGERS)
        click.echo(text, err=not to_stdout)


@contextmanager
def terminal_messages() -> Iterator[None]:
    """Show ``nlbench`` log records on the terminal for the duration of one command."""
    logger = logging.getLogger("nlbench")
    handler = EchoHandler(logging.INFO)
    previous = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
