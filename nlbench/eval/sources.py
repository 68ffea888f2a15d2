"""Sequences to evaluate: a registered dataset, its root, an optional subset."""

from __future__ import annotations

import os
from collections.abc import Sequence as SequenceOf

from nlbench.core.errors import EvaluationError
from nlbench.core.types import Sequence


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


def load_sequences(
    dataset: str,
    root: str | os.PathLike | None = None,
    split: str | None = None,
    names: SequenceOf[str] | None = None,
) -> list[Sequence]:
    """The sequences to evaluate (frames are not listed: evaluation never reads images)."""
    from nlbench.datasets import load_sequences as load

    return load(dataset, root, split, names, with_frames=False)
