"""Layout discovery: where the result file of each sequence is under a results directory (eval-spec §4.4).

Handles every layout the toolkits write, several run ids ``<param>_<run>`` of one (tracker,
parameter) (the evaluator averages them), side files that are not box results, and other
spellings of sequence names (a dataset plugin's ``sequence_aliases()``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from nlbench.core.errors import ResultFormatError

__all__ = ["SIDE_DIRS", "SIDE_FILE_SUFFIXES", "find_result_files"]

#: Files beside ``<seq>.txt`` that are not box results (eval-spec §4.1-4.2; ours: ``_ground``).
SIDE_FILE_SUFFIXES = (
    "_time.txt",
    "_ground.txt",
    "_all_boxes.txt",
    "_all_scores.txt",
    "_object_presence_scores.txt",
)
#: Directories that hold side files only (got10k writes ``times/``).
SIDE_DIRS = ("times",)


_RUN_SUFFIX = re.compile(r"^(?P<param>.+?)_(?P<run>\d+)$")


def _is_side_file(name: str) -> bool:
    return name.endswith(SIDE_FILE_SUFFIXES)


def _txt_names(directory: Path) -> set[str]:
    try:
        return {e.name[:-4] for e in os.scandir(directory) if e.name.endswith(".txt") and not _is_side_file(e.name) and e.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _subdirs(directory: Path) -> list[Path]:
    try:
        return sorted(
            Path(e.path) for e in os.scandir(directory) if e.is_dir() and e.name not in SIDE_DIRS and not e.name.startswith(".")
        )
    except (FileNotFoundError, NotADirectoryError):
        return []


def _run_dirs(result_dir: Path, wanted: set[str] | None) -> list[Path]:
    """The directories that hold ``<seq>.txt`` files: one per run id.

    Tries, in order: ``result_dir`` itself; its children; its grandchildren
    (``<tracker>/<param>[_<run>]``).  At one level, several directories are runs
    of one configuration only when they share a ``<param>`` before ``_<run>``;
    otherwise the layout is ambiguous and the user must point at one of them.
    """

    def holds_results(d: Path) -> bool:
        names = _txt_names(d)
        return bool(names & wanted) if wanted is not None else bool(names)

    if holds_results(result_dir):
        return [result_dir]
    level = _subdirs(result_dir)
    for _depth in range(2):
        found = [d for d in level if holds_results(d)]
        if found:
            return _runs_of_one_configuration(result_dir, found)
        level = [g for d in level for g in _subdirs(d)]
    return []


def _runs_of_one_configuration(result_dir: Path, found: list[Path]) -> list[Path]:
    if len(found) == 1:
        return found
    bases = set()
    for d in found:
        match = _RUN_SUFFIX.match(d.name)
        bases.add((d.parent, match.group("param") if match else d.name))
    if len(bases) == 1:
        return found
    listing = ", ".join(str(d.relative_to(result_dir)) for d in found)
    raise ResultFormatError(
        f"{result_dir}: several result folders of different configurations ({listing}); "
        "pass the one to evaluate as NAME=DIR (run ids <param>_<run> of one parameter are averaged)"
    )


def find_result_files(
    result_dir: str | os.PathLike,
    sequence_names: Iterable[str] | None,
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, list[Path]]:
    """Map each sequence name to its result file in every run directory under ``result_dir``.

    Layouts (eval-spec §4.4): ``<dir>/<seq>.txt``, ``<dir>/<tracker>/<seq>.txt``,
    ``<dir>/<tracker>/<param>[_<run>]/<seq>.txt``, ``<dir>/<Tracker>_tracking_result/<seq>.txt``.
    Side files (``*_time.txt``, ``*_ground.txt``, ``times/`` ...) are never taken.
    ``aliases`` maps a sequence name to other spellings tried in order when
    ``<seq>.txt`` is absent (a dataset plugin's ``sequence_aliases()``).  A sequence absent
    from every run maps to an empty list; with ``sequence_names=None`` every
    result file found is returned.  Names are case-sensitive.
    """
    result_dir = Path(result_dir)
    if not result_dir.is_dir():
        raise ResultFormatError(f"{result_dir}: results directory not found")
    names = list(sequence_names) if sequence_names is not None else None
    aliases = aliases or {}
    wanted: set[str] | None = None
    if names is not None:
        wanted = set(names)
        for name in names:
            wanted.update(aliases.get(name, ()))
    runs = _run_dirs(result_dir, wanted)
    present = {run: _txt_names(run) for run in runs}
    if names is None:
        names = sorted(set().union(*present.values())) if present else []
    found: dict[str, list[Path]] = {}
    for name in names:
        paths = []
        for run in runs:
            for spelling in (name, *aliases.get(name, ())):
                if spelling in present[run]:
                    paths.append(run / f"{spelling}.txt")
                    break
        found[name] = paths
    return found
