"""Plugin registry over Python entry points.

Built-in trackers and datasets register through ``pyproject.toml`` exactly as a
third-party package would, in the groups ``nlbench.trackers`` and
``nlbench.datasets``.  A composed name ``GROUNDER+TRACKER`` builds the separated
pipeline from two registered plugins.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from nlbench.errors import PluginError
from nlbench.types import DatasetPlugin, TrackerPlugin

TRACKER_GROUP = "nlbench.trackers"
DATASET_GROUP = "nlbench.datasets"


@lru_cache(maxsize=None)
def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def names(group: str) -> list[str]:
    return sorted(_entry_points(group))


def _unknown(kind: str, name: str, known: list[str]) -> PluginError:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return PluginError(f"unknown {kind} '{name}'.{hint} Known {kind}s: {', '.join(known)}.")


def _load(group: str, kind: str, name: str):
    eps = _entry_points(group)
    if name not in eps:
        raise _unknown(kind, name, sorted(eps))
    try:
        return eps[name].load()
    except ImportError as exc:
        raise PluginError(f"{kind} '{name}' could not be imported ({exc}); is its package installed?") from exc


def get_dataset(name: str) -> DatasetPlugin:
    return _load(DATASET_GROUP, "dataset", name)


def get_tracker(name: str) -> TrackerPlugin:
    """Resolve a tracker name; ``A+B`` composes grounder A with box tracker B."""
    if "+" in name and name not in _entry_points(TRACKER_GROUP):
        from nlbench_trackers.separated import compose_plugin

        grounder_name, tracker_name = name.split("+", 1)
        return compose_plugin(get_tracker(grounder_name), get_tracker(tracker_name))
    return _load(TRACKER_GROUP, "tracker", name)


def describe(group: str) -> list[tuple[str, str]]:
    """(name, one-line description) of every registered plugin; broken plugins say why."""
    rows = []
    for name in names(group):
        try:
            plugin = _entry_points(group)[name].load()
            rows.append((name, plugin.description))
        except Exception as exc:  # a broken third-party plugin must not hide the others
            rows.append((name, f"(unavailable: {type(exc).__name__}: {exc})"))
    return rows

