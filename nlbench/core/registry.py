"""Plugin registry over Python entry points.

Built-in trackers and datasets register through ``pyproject.toml`` exactly as a
third-party package would, in the groups ``nlbench.trackers`` and
``nlbench.datasets``.  A composed name ``GROUNDER+TRACKER`` is built by the composer registered in
``nlbench.composers`` under the name ``+`` (the built-in one: the separated pipeline of
``nlbench_trackers.separated``), so the registry imports no plugin.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from nlbench.core.errors import PluginError
from nlbench.core.types import DatasetPlugin, TrackerPlugin

TRACKER_GROUP = "nlbench.trackers"
DATASET_GROUP = "nlbench.datasets"
#: ``compose(grounder_plugin, tracker_plugin) -> TrackerPlugin``, keyed by the operator that joins the two names.
COMPOSER_GROUP = "nlbench.composers"
COMPOSE_OPERATOR = "+"


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


def find_dataset(name: str) -> DatasetPlugin | None:
    """The registered plugin, or None for a name no installed plugin provides (results filed elsewhere).

    For metadata look-ups (labels, attribute order, aliases): a dataset that is not installed here is
    shown and scored with the defaults instead of failing the report.
    """
    if name not in _entry_points(DATASET_GROUP):
        return None
    return get_dataset(name)


def dataset_names(kind: str | None = None) -> list[str]:
    """Registered dataset names (sorted), only those of ``kind`` when given."""
    known = names(DATASET_GROUP)
    return known if kind is None else [n for n in known if get_dataset(n).kind == kind]


def default_grounding_dataset() -> str:
    """The dataset whose plugin is the grounding default (``nlbench ground`` without ``--dataset``)."""
    marked = [n for n in names(DATASET_GROUP) if get_dataset(n).grounding_default]
    if len(marked) != 1:
        which = ", ".join(marked) if marked else "none"
        raise PluginError(f"no single default grounding dataset among the installed plugins ({which} set "
                          "grounding_default); name one with --dataset")
    return marked[0]


def dataset_label(name: str) -> str:
    """The name a table shows for a dataset (its plugin's ``display_name``)."""
    plugin = find_dataset(name)
    return plugin.label if plugin is not None else name


def reported_key(name: str) -> str:
    """The ``dataset`` value under which ``results/reported`` files the published numbers of ``name``."""
    plugin = find_dataset(name)
    return plugin.reported_key if plugin is not None else name


def dataset_for_reported(key: str) -> str:
    """The registered dataset whose published numbers are filed under ``key`` (``key`` itself if none)."""
    for name in names(DATASET_GROUP):
        if reported_key(name) == key:
            return name
    return key


def is_grounding(name: str) -> bool:
    """Whether ``name`` is a grounding dataset (scored by accuracy, not tracking curves)."""
    plugin = find_dataset(name)
    return plugin is not None and plugin.kind == "grounding"


def get_tracker(name: str) -> TrackerPlugin:
    """Resolve a tracker name; ``A+B`` composes grounder A with box tracker B."""
    if COMPOSE_OPERATOR in name and name not in _entry_points(TRACKER_GROUP):
        if COMPOSE_OPERATOR not in _entry_points(COMPOSER_GROUP):
            raise PluginError(
                f"'{name}' names a composed pipeline GROUNDER{COMPOSE_OPERATOR}TRACKER, but no installed package "
                f"registers its composer (entry point '{COMPOSE_OPERATOR}' in the group {COMPOSER_GROUP})"
            )
        grounder_name, tracker_name = name.split(COMPOSE_OPERATOR, 1)
        compose = _load(COMPOSER_GROUP, "composer", COMPOSE_OPERATOR)
        return compose(get_tracker(grounder_name), get_tracker(tracker_name))
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

