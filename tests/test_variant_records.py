"""A baseline variant is one row of its family's ``VARIANTS`` plus its entry point: the records come from one loop.

Each family's ``plugin.py`` serves ``<PACKAGE>_<KEY>`` (``trackers/common/plugin.py:family_plugins``); the
entry points in pyproject.toml must name exactly the rows, and each record must carry its row's fields.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import pytest

from nlbench_trackers.common.plugin import LazyProfile, record_name

FAMILIES = ("vltvg", "stark", "ostrack")


def _entry_points_of(module: str) -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group="nlbench.trackers") if ep.value.partition(":")[0] == module}


@pytest.mark.parametrize("package", FAMILIES)
def test_every_row_has_its_entry_point_and_nothing_else(package):
    plugin_module = f"nlbench_trackers.{package}.plugin"
    module = importlib.import_module(plugin_module)
    variants = importlib.import_module(f"nlbench_trackers.{package}.variants").VARIANTS
    expected = {v.name: f"{plugin_module}:{record_name(module.FAMILY, v)}" for v in variants.values()}
    assert _entry_points_of(plugin_module) == expected


@pytest.mark.parametrize("package", FAMILIES)
def test_each_record_is_built_from_its_row(package):
    module = importlib.import_module(f"nlbench_trackers.{package}.plugin")
    for variant in importlib.import_module(f"nlbench_trackers.{package}.variants").VARIANTS.values():
        plugin = getattr(module, record_name(module.FAMILY, variant))
        assert (plugin.name, plugin.description, plugin.checkpoint_help) == (
            variant.name, variant.description, variant.checkpoint_help)
        assert plugin.modes == module.FAMILY.modes and plugin.grounder == module.FAMILY.grounder
        assert plugin.needs_checkpoint and plugin.build.variant is variant
        assert plugin.profile == LazyProfile(package, variant.key)
        assert (plugin.build_batched is not None) == (module.FAMILY.batched is not None)


def test_record_names_are_the_ones_pyproject_has_always_used():
    from nlbench_trackers.ostrack.plugin import OSTRACK_256, OSTRACK_384
    from nlbench_trackers.stark.plugin import STARK_ST50, STARK_ST101
    from nlbench_trackers.vltvg.plugin import VLTVG_R50, VLTVG_R101

    names = [p.name for p in (VLTVG_R50, VLTVG_R101, STARK_ST101, STARK_ST50, OSTRACK_384, OSTRACK_256)]
    assert names == ["vltvg", "vltvg-r101", "stark-st101", "stark-st50", "ostrack-384", "ostrack-256"]


def test_an_unknown_attribute_is_an_attribute_error():
    module = importlib.import_module("nlbench_trackers.stark.plugin")
    assert not hasattr(module, "STARK_ST999")
    with pytest.raises(AttributeError, match="STARK_ST999"):
        module.STARK_ST999  # noqa: B018
