"""The ``nlbench`` command line: one thin click command per verb.

Each verb parses options and calls one library function; library errors
(:class:`nlbench.core.errors.NlbenchError`) become a single line on stderr and exit
status 2.  Verb modules import their heavy dependencies lazily so that
``nlbench --help`` stays instant.
"""

from __future__ import annotations

from nlbench.cli.group import SIGTERM_EXIT, main, register  # noqa: F401  (``nlbench.cli:main`` is the console script)

# Verb modules add themselves to ``main``.
from nlbench.cli import (  # noqa: F401  (imported for their registration side effect)
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
