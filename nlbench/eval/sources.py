"""What to evaluate: the ``--results NAME=DIR`` pairs (the sequences: ``nlbench.datasets.load_sequences(..., with_frames=False)``)."""

from __future__ import annotations

import os
from collections.abc import Sequence as SequenceOf

from nlbench.core.errors import EvaluationError


def parse_results_option(values: SequenceOf[str]) -> dict[str, str]:
    """``NAME=DIR`` pairs (a bare ``DIR`` is named after its folder) in the given order."""
    results: dict[str, str] = {}
    for value in values:
        name, sep, directory = value.partition("=")
        if not sep:
            directory = value
            name = os.path.basename(os.path.normpath(value)) or value
        name, directory = name.strip(), directory.strip()
        if not name or not directory:
            raise EvaluationError(f"--results {value!r}: expected NAME=DIR")
        if name in results:
            raise EvaluationError(f"--results: the name {name!r} is given twice; names must be unique")
        results[name] = directory
    return results
