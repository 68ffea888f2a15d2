"""Public error family, kept at its original path for third-party plugins: defined in :mod:`nlbench.core.errors`."""

from nlbench.core.errors import *  # noqa: F401,F403
