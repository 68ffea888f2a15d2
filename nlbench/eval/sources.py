"""Sequences to evaluate: a registered dataset, its root, an optional subset."""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence as SequenceOf

from nlbench.errors import EvaluationError
from nlbench.types import Sequence


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
    """The dataset's sequences (official order), restricted to ``names`` when given.

    Without ``names`` the loader returns the whole official split and reports an
    incomplete root itself.  With ``names``, only those must exist; the loader is
    asked for just them when it accepts a ``sequences`` argument.
    """
    from nlbench.config import resolve_root
    from nlbench.registry import get_dataset

    plugin = get_dataset(dataset)
    if plugin.kind != "tracking":
        raise EvaluationError(f"dataset '{dataset}' is a {plugin.kind} dataset; use 'nlbench ground' for it")
    path = resolve_root(plugin, root)
    kwargs: dict[str, object] = {}
    try:
        parameters = inspect.signature(plugin.load).parameters
    except (TypeError, ValueError):  # callables without a signature
        parameters = {}
    if "with_frames" in parameters:
        kwargs["with_frames"] = False  # evaluation never reads images; frame lists are costly on LaSOT
    selected = False
    if names is not None:
        for keyword in ("names", "sequences"):
            if keyword in parameters:
                kwargs[keyword] = list(names)
                selected = True
                break
    sequences = list(plugin.load(path, split or plugin.default_split, **kwargs))
    if names is None or selected:
        return sequences  # the loader selected (and checked) the names itself
    by_name = {s.name: s for s in sequences}
    absent = [n for n in names if n not in by_name]
    if absent:
        shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        raise EvaluationError(f"dataset {dataset} (root {path}): no sequence named {shown}; names are case-sensitive")
    wanted = set(names)
    return [s for s in sequences if s.name in wanted]
