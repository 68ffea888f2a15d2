"""Reading raw tracker results in every layout the toolkits write (eval-spec §4.4).

The reading side of the store is three modules, each with one job; this module gathers their
public names:

* :mod:`nlbench.store.parsing`: one file's bytes -> ``(M, 4)`` float64 (tolerant default
  reader, pytracking's strict reader, the non-finite check);
* :mod:`nlbench.store.parse_cache`: :func:`read_result_file` / :func:`read_result_files`, cached
  in memory and per results directory on disk;
* :mod:`nlbench.store.layouts`: :func:`find_result_files` locates each sequence's file(s) under a
  results directory of any layout, with the dataset plugin's name aliases.

The number parser itself is :mod:`nlbench.core.boxtext`, shared with the ground-truth readers.
"""

from __future__ import annotations

from nlbench.store.layouts import SIDE_DIRS, SIDE_FILE_SUFFIXES, find_result_files
from nlbench.store.parse_cache import clear_cache, read_result_file, read_result_files
from nlbench.store.parsing import parse_result_bytes

__all__ = [
    "SIDE_DIRS",
    "SIDE_FILE_SUFFIXES",
    "clear_cache",
    "find_result_files",
    "parse_result_bytes",
    "read_result_file",
    "read_result_files",
]
