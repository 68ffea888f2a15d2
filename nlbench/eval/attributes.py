"""Attribute order for per-attribute scores (eval-spec §2): the dataset plugin's ``attributes`` field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nlbench.core.registry import find_dataset


def attribute_order(dataset: str, attribute_maps: Iterable[Mapping[str, bool]]) -> list[str]:
    """The dataset's official order (its plugin's ``attributes``), then any other names in the order first seen."""
    seen: dict[str, None] = {}
    for attributes in attribute_maps:
        for name in attributes:
            seen.setdefault(name, None)
    plugin = find_dataset(dataset)
    official = [a for a in (plugin.attributes if plugin is not None else ()) if a in seen]
    return official + [a for a in seen if a not in official]
