"""Public plugin API, kept at its original path for third-party plugins: the records live in :mod:`nlbench.core.types`."""

from nlbench.core.types import *  # noqa: F401,F403
