"""One exception family for errors a user can cause.

The CLI prints ``str(error)`` as a single line and exits non-zero; any other
exception escaping to the CLI is a bug in nlbench and keeps its traceback.
"""

from __future__ import annotations


class NlbenchError(Exception):
    """Base class: a problem with the user's input, files or environment."""


class DatasetError(NlbenchError):
    """A dataset root is missing, incomplete or malformed."""


class ResultFormatError(NlbenchError):
    """A raw result file cannot be parsed or holds invalid values."""


class CheckpointError(NlbenchError):
    """A checkpoint is missing, unsafe to load, or does not match the model."""


class PluginError(NlbenchError):
    """An unknown or broken tracker/dataset plugin."""


class EvaluationError(NlbenchError):
    """Inputs that the evaluation protocol rejects (invalid results, length mismatch, missing files)."""


class ExperimentError(NlbenchError):
    """An experiment file that cannot be read, or names something that does not exist."""


class SentenceFileError(NlbenchError):
    """A sentence file (``--sentences``) that cannot be read, or names an unknown sequence."""


class ReportInputError(NlbenchError):
    """An input of ``nlbench report`` / ``nlbench leaderboard`` is missing or malformed."""


class ReportedDataError(NlbenchError):
    """A file in the reported-numbers folder (``results/reported``) is malformed."""


class VisualizationError(NlbenchError):
    """A picture or video that cannot be made from the inputs (unknown sequence, missing result, bad output)."""


class StorageError(NlbenchError, OSError):
    """The machine refused a file operation: a full disk, a read-only or unwritable folder, a vanished file.

    Also an :class:`OSError`, so code that handles file errors keeps handling it."""


class Terminated(BaseException):
    """SIGTERM arrived (a scheduler's time limit, ``kill``): unwinds like Ctrl-C so partial outputs are removed."""
