"""The shared factory of the baseline plugins: a variant table per model family and one way to build from it.

Each family (``vltvg``, ``stark``, ``ostrack``) lists its variants once, in ``<family>/variants.py``: registry
name, model config, checkpoint help, profile key and the Table 2 row its published figures are filed under
(``results/reported/``). What the variants of a family share (network, test-time wrapper, modes, batched form)
is one :class:`Family`; :func:`family_plugins` builds the ``TrackerPlugin`` of every row in one loop
(:func:`baseline_plugin` per row), and the family's ``plugin.py`` serves them as module attributes
``<PACKAGE>_<KEY>`` (``STARK_ST101``), the names its entry points in pyproject.toml give. A new variant is one
row in ``variants.py`` plus its entry point. ``build`` loads the checkpoint strictly (or random weights with
``-o random_weights=true``), moves the network to the device and wraps it in the family's test-time tracker or
grounder.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import nn

from nlbench.core.errors import CheckpointError, PluginError
from nlbench.core.types import TrackerPlugin
from nlbench_trackers.common.batched import batched_from
from nlbench_trackers.common.checkpoint import load_strict, read_state_dict


@dataclass(frozen=True)
class Variant:
    """One registered variant of a model family."""

    name: str  # registry name, e.g. "stark-st101"
    key: str  # the family's short name for it, e.g. "st101" (``profile_spec(variant=key)``)
    config: Any  # the family's frozen model config
    description: str
    checkpoint_help: str
    #: the Table 2 row (``results/reported``) whose figures for this family's phase are this variant's; None: none
    paper_row: str | None = None
    #: family-specific settings of the test-time wrapper (e.g. STARK's template update intervals)
    settings: Mapping[str, Any] = field(default_factory=dict)


def variant_table(*variants: Variant) -> dict[str, Variant]:
    """``{key: variant}`` in the given order; the first variant is the family's default (Table 2's)."""
    table = {v.key: v for v in variants}
    if len(table) != len(variants) or len({v.name for v in variants}) != len(variants):
        raise ValueError("variant keys and names must be unique within a family")
    return table


def pick(table: Mapping[str, Variant], key: str, family: str) -> Variant:
    """``table[key]``, or a ValueError listing the family's variants."""
    if key not in table:
        raise ValueError(f"unknown {family} variant {key!r}; expected one of {sorted(table)}")
    return table[key]


def variant_profile(
    variant: Variant,
    phase: str,
    model: nn.Module,
    make_inputs: Callable[..., Any],
    counts: tuple[Any, ...],
    includes: str,
    seed: int = 0,
) -> Any:
    """The ``ProfileSpec`` of a single-phase baseline variant: one model (random weights), the original's counted
    calls, and the Table 2 figures of ``variant.paper_row`` read from ``results/reported``."""
    from nlbench.profile.spec import PhaseSpec, ProfileSpec, table2_phase

    spec_phase = PhaseSpec(
        model_name=variant.name,
        make_inputs=make_inputs,
        counts=counts,
        includes=includes,
        paper=table2_phase(variant.paper_row, phase),
    )
    return ProfileSpec(
        name=variant.name,
        models={variant.name: model},
        phases={phase: spec_phase},
        paper_params_from=(phase,),
        seed=seed,
    )


def prepare_model(
    factory: Callable[[], nn.Module],
    checkpoint: str | Path | None,
    options: dict[str, Any],
    name: str,
    checkpoint_help: str,
) -> nn.Module:
    """Build ``factory()`` and load ``checkpoint`` strictly; random weights only when ``options['random_weights']``.

    The checkpoint requirement, and that the file is one, are checked before the (large) model is built.
    """
    if checkpoint is None and not options.get("random_weights"):
        raise CheckpointError(f"{name} needs its official weights. {checkpoint_help}")
    state = None if checkpoint is None else read_state_dict(checkpoint)
    model = factory()
    if state is not None:
        load_strict(model, state, str(checkpoint))
    return model.eval()


def torch_device(device: str | torch.device) -> torch.device:
    return device if isinstance(device, torch.device) else torch.device(device)


@dataclass(frozen=True)
class BaselineBuild:
    """``TrackerPlugin.build`` of one variant: weights, device, eval mode, then the family's wrapper."""

    variant: Variant
    network: Callable[[Any], nn.Module]  # config -> the network
    wrap: Callable[[nn.Module, torch.device, Variant, dict[str, Any]], Any]  # -> tracker or grounder

    def __call__(self, checkpoint: str | Path | None = None, device: str = "cpu", **options: Any) -> Any:
        dev = torch_device(device)
        variant = self.variant
        model = prepare_model(lambda: self.network(variant.config), checkpoint, options, variant.name,
                              variant.checkpoint_help)
        return self.wrap(model.to(dev), dev, variant, options)


@dataclass(frozen=True)
class LazyProfile:
    """``TrackerPlugin.profile``: imports ``nlbench_trackers.<package>.profiling`` only when profiling runs and
    calls its ``profile_spec(variant=key, **options)``."""

    package: str
    key: str

    def __call__(self, **options: Any) -> Any:
        module = importlib.import_module(f"nlbench_trackers.{self.package}.profiling")
        return module.profile_spec(variant=self.key, **options)


def baseline_plugin(
    package: str,
    variant: Variant,
    network: Callable[[Any], nn.Module],
    wrap: Callable[[nn.Module, torch.device, Variant, dict[str, Any]], Any],
    modes: tuple[str, ...],
    grounder: bool = False,
) -> TrackerPlugin:
    """The ``TrackerPlugin`` record of ``variant`` (official weights required; ``random_weights`` for tests)."""
    return TrackerPlugin(
        name=variant.name,
        description=variant.description,
        build=BaselineBuild(variant, network, wrap),
        modes=modes,
        grounder=grounder,
        needs_checkpoint=True,
        checkpoint_help=variant.checkpoint_help,
        profile=LazyProfile(package, variant.key),
    )


@dataclass(frozen=True)
class Family:
    """What every variant of one model family shares."""

    package: str  # ``nlbench_trackers.<package>``: where ``profiling.profile_spec`` lives
    network: Callable[[Any], nn.Module]  # config -> the network
    wrap: Callable[[nn.Module, torch.device, Variant, dict[str, Any]], Any]  # -> tracker or grounder
    modes: tuple[str, ...]
    grounder: bool = False
    #: ``"module:Class"`` taking (tracker, capacity): the batched form of ``nlbench run --batch-size``; None: none
    batched: str | None = None


def record_name(family: Family, variant: Variant) -> str:
    """The module attribute an entry point names for a variant: ``<PACKAGE>_<KEY>``, e.g. ``STARK_ST101``."""
    return f"{family.package}_{variant.key}".upper()


@dataclass(frozen=True)
class FamilyPlugins:
    """The plugin records of a family by :func:`record_name`; assigned to a plugin module's ``__getattr__``
    (PEP 562) so that ``module:STARK_ST101`` entry points and ``from ... import STARK_ST101`` both find them."""

    module: str
    records: Mapping[str, TrackerPlugin]

    def __call__(self, name: str) -> TrackerPlugin:
        try:
            return self.records[name]
        except KeyError:
            raise AttributeError(f"module {self.module!r} has no attribute {name!r}") from None


def family_plugins(module: str, family: Family, variants: Mapping[str, Variant]) -> FamilyPlugins:
    """One ``TrackerPlugin`` per row of ``variants`` (a family's ``VARIANTS``), with its batched form if any."""
    records = {}
    for variant in variants.values():
        plugin = baseline_plugin(family.package, variant, family.network, family.wrap, family.modes, family.grounder)
        if family.batched is not None:
            plugin = replace(plugin, build_batched=batched_from(plugin.build, family.batched))
        records[record_name(family, variant)] = plugin
    return FamilyPlugins(module, records)


def option_bool(plugin: str, name: str, value: Any) -> bool:
    """A ``-o KEY=VALUE`` switch of a plugin's ``build`` (true/false, yes/no, on/off, 1/0) or one clear error."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise PluginError(f"{plugin}: option {name} must be true or false, not '{value}'")
