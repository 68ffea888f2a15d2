"""What a tracker plugin tells the profiler: ``TrackerPlugin.profile(**options) -> ProfileSpec``.

A :class:`ProfileSpec` names the phases of a pipeline (``grounding``, ``tracking``) and, for each, the model
to run, the exact inputs the original profiling script used (batch 1, random, seeded), the forward call(s)
the original counted with thop and the per-repository MAC rules, what one timed iteration runs, and a
sentence saying what the phase includes. The profiler (:mod:`nlbench.profile.profiler`) turns it into
figures; nothing here runs a model.

Separated pipelines take the grounding phase from the grounder and the tracking phase from the tracker
(:func:`compose`); their paper-rule parameters add up, as the paper's Table 2 did.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable, Mapping

import torch
from torch import nn

from nlbench.profile.macs import MacRule
from nlbench.store.reported import ReportedDataError, reported_value

PHASES = ("grounding", "tracking", "prompt_update")  # prompt_update: UVLTrack's prompter rerun

#: ``make_inputs(model, device, generator) -> inputs``: random tensors drawn from ``generator`` (CPU),
#: moved to ``device``; may run parts of ``model`` (e.g. to build cached template features).
InputBuilder = Callable[[nn.Module, torch.device, torch.Generator], Any]
#: ``run(model, inputs)``: one forward exactly as the original profiling script called it.
ForwardCall = Callable[[nn.Module, Any], Any]
#: ``prepare(model, inputs) -> step``: does the one-off work (caching) and returns what one timed iteration runs.
TimedStep = Callable[[nn.Module, Any], Callable[[], Any]]


@dataclass(frozen=True)
class CountPass:
    """One ``thop.profile`` call of the original script: the forward it ran and the custom rules it passed."""

    run: ForwardCall
    rules: Mapping[type, MacRule] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class PaperFigures:
    """Published numbers to print beside the measured ones (``None`` where the paper gives none)."""

    macs: float | None = None  # thop MACs, e.g. 34.9e9
    latency_ms: float | None = None
    params: float | None = None
    source: str = ""  # e.g. "JointNLT (CVPR 2023) Table 2, RTX 3090"


@dataclass(frozen=True)
class PhaseSpec:
    """One phase of a pipeline.

    ``counts`` are summed (STARK counted its backbone and its transformer in two thop calls);
    true FLOPs are counted over the same calls. ``timed`` defaults to running the ``counts`` calls.
    ``model_name`` keys the model in :attr:`ProfileSpec.models`.
    """

    model_name: str
    make_inputs: InputBuilder
    counts: tuple[CountPass, ...]
    includes: str
    timed: TimedStep | None = None
    paper: PaperFigures = PaperFigures()

    def step(self, model: nn.Module, inputs: Any) -> Callable[[], Any]:
        if self.timed is not None:
            return self.timed(model, inputs)

        def run_counts() -> None:
            for count in self.counts:
                count.run(model, inputs)

        return run_counts


@dataclass(frozen=True)
class ProfileSpec:
    """Everything the profiler needs for one tracker (or one composed pipeline).

    ``paper_params_from`` lists the phases whose paper-rule parameter counts make ``params.paper``: one phase
    for a single model (the count is the same for every phase that runs the whole network), each part's
    phase for a separated pipeline, which is how Table 2 added VLTVG's and STARK's figures.
    """

    name: str
    models: Mapping[str, nn.Module]
    phases: Mapping[str, PhaseSpec]
    paper_params_from: tuple[str, ...]
    paper: PaperFigures = PaperFigures()
    seed: int = 0

    def __post_init__(self) -> None:
        for phase_name, phase in self.phases.items():
            if phase_name not in PHASES:
                raise ValueError(f"{self.name}: unknown phase '{phase_name}' (expected one of {PHASES})")
            if phase.model_name not in self.models:
                raise ValueError(f"{self.name}: phase '{phase_name}' names unknown model '{phase.model_name}'")
        for phase_name in self.paper_params_from:
            if phase_name not in self.phases:
                raise ValueError(f"{self.name}: paper_params_from names missing phase '{phase_name}'")


#: Units of Table 2's cost columns in ``results/reported`` and the factor to this module's units (MACs, ms, count).
_TABLE2_SCALE = {"GMAC": Decimal(10) ** 9, "ms": Decimal(1), "M": Decimal(10) ** 6}


def _table2(row: str, metric: str) -> tuple[float | None, str]:
    value = reported_value(row, metric, "Table 2")
    if value is None:
        return None, ""
    if value.unit not in _TABLE2_SCALE:
        raise ReportedDataError(f"Table 2 {row} {metric}: unit {value.unit!r} is not one of {sorted(_TABLE2_SCALE)}")
    return float(value.value * _TABLE2_SCALE[value.unit]), f"{value.source}, {value.tracker}"


def table2_phase(row: str | None, phase: str) -> PaperFigures:
    """Table 2's thop MACs and RTX 3090 latency of ``phase`` in row ``row`` (read from ``results/reported``)."""
    if row is None:
        return PaperFigures()
    macs, source = _table2(row, f"flops_{phase}")
    latency, _ = _table2(row, f"time_{phase}")
    return PaperFigures(macs=macs, latency_ms=latency, source=f"{source}: thop 0.0.31 MACs, RTX 3090 ms" if source else "")


def table2_params(row: str | None) -> PaperFigures:
    """Table 2's parameter total of row ``row`` (thop 0.0.31 counts; read from ``results/reported``)."""
    if row is None:
        return PaperFigures()
    params, source = _table2(row, "params_total")
    return PaperFigures(params=params, source=source)



def compose(grounder: ProfileSpec, tracker: ProfileSpec) -> ProfileSpec:
    """The separated pipeline ``GROUNDER+TRACKER``: grounding from ``grounder``, tracking from ``tracker``.

    Models are keyed ``grounder``/``tracker`` so two parts built from the same model family stay apart;
    the paper-rule parameters are the grounder's plus the tracker's (Table 2's convention).
    """
    for spec, phase in ((grounder, "grounding"), (tracker, "tracking")):
        if phase not in spec.phases:
            raise ValueError(f"'{spec.name}' has no {phase} phase to compose")
    ground = replace(grounder.phases["grounding"], model_name="grounder")
    track = replace(tracker.phases["tracking"], model_name="tracker")
    return ProfileSpec(
        name=f"{grounder.name}+{tracker.name}",
        models={
            "grounder": grounder.models[grounder.phases["grounding"].model_name],
            "tracker": tracker.models[tracker.phases["tracking"].model_name],
        },
        phases={"grounding": ground, "tracking": track},
        paper_params_from=("grounding", "tracking"),
        paper=table2_params(f"{grounder.name}+{tracker.name}"),  # Table 2 rows of the registry's pipelines
        seed=grounder.seed,
    )
