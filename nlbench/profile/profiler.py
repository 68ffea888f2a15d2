"""Turn a :class:`~nlbench.profile.spec.ProfileSpec` into figures: paper-rule MACs, true FLOPs, params, latency.

``--dtype``: fp32 runs as built. fp16/bf16 run the FLOP count and the timed iterations under
``torch.autocast(device_type, dtype)`` with fp32 weights (mixed precision, how such models are deployed;
integer inputs such as token ids are left alone). The paper-rule MACs are a property of the graph and are
always counted in fp32.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, ContextManager

import torch
from torch import nn

from nlbench import __version__
from nlbench.core.errors import NlbenchError
from nlbench.profile.flops import count_flops
from nlbench.profile.latency import LatencyStats, measure_latency
from nlbench.profile.macs import MacsCount, count_macs
from nlbench.profile.params import count_parameters, parameter_components
from nlbench.profile.spec import PaperFigures, PhaseSpec, ProfileSpec

log = logging.getLogger(__name__)

DTYPES: dict[str, torch.dtype] = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class PhaseResult:
    macs_paper: int
    params_paper: int
    flops: int
    latency: LatencyStats | None
    includes: str
    paper: PaperFigures
    components: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (macs, params), paper rule


@dataclass(frozen=True)
class ProfileResult:
    tracker: str
    device: str
    dtype: str
    params_total: int
    params_paper: int
    params_components: dict[str, int]
    phases: dict[str, PhaseResult]
    paper: PaperFigures
    warmup: int
    device_name: str = ""

    def as_json(self) -> dict[str, Any]:
        """The documented JSON (issue 9); keys beyond it: ``includes``, ``paper``, ``components``, ``meta``."""
        phases = {}
        for name, phase in self.phases.items():
            phases[name] = {
                "macs_paper": phase.macs_paper,
                "flops": phase.flops,
                "latency_ms": phase.latency.as_json() if phase.latency else None,
                "params_paper": phase.params_paper,
                "includes": phase.includes,
                "paper": _paper_json(phase.paper),
                "components": {k: {"macs_paper": m, "params_paper": p} for k, (m, p) in phase.components.items()},
            }
        return {
            "tracker": self.tracker,
            "device": self.device,
            "dtype": self.dtype,
            "params": {
                "total": self.params_total,
                "paper": self.params_paper,
                "components": dict(self.params_components),
                "paper_published": self.paper.params,
            },
            "phases": phases,
            "meta": {
                "nlbench": __version__,
                "torch": torch.__version__,
                "device_name": self.device_name,
                "warmup": self.warmup,
                "macs_rules": "thop 0.0.31.post2005241907 (nlbench.profile.macs)",
                "flops_counter": "torch.utils.flop_counter.FlopCounterMode",
                "timer": "CUDA events + synchronize" if self.device.startswith("cuda") else "time.perf_counter",
                "paper_source": self.paper.source,
            },
        }


def _paper_json(paper: PaperFigures) -> dict[str, Any]:
    return {"macs": paper.macs, "latency_ms": paper.latency_ms, "source": paper.source}


def _autocast(device: torch.device, dtype: str) -> Callable[[], ContextManager]:
    if dtype == "fp32":
        return nullcontext
    return partial(torch.autocast, device_type=device.type, dtype=DTYPES[dtype])


def resolve_device(device: str) -> torch.device:
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise NlbenchError(f"unknown device '{device}': use cpu, cuda or cuda:N") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise NlbenchError(f"device '{device}' requested but CUDA is not available here; use --device cpu")
    return resolved


def profile_phase(
    phase: PhaseSpec,
    model: nn.Module,
    device: torch.device,
    *,
    dtype: str = "fp32",
    iterations: int = 20,
    warmup: int = 5,
    seed: int = 0,
) -> PhaseResult:
    """Count, then time, one phase. ``iterations=0`` skips timing."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        inputs = phase.make_inputs(model, device, generator)

    counted = MacsCount()
    for count in phase.counts:
        counted = counted + count_macs(model, partial(count.run, model, inputs), count.rules)

    context = _autocast(device, dtype)

    def run_counts() -> None:
        with context():
            for count in phase.counts:
                count.run(model, inputs)

    flops = count_flops(run_counts, [model])
    latency = None
    if iterations > 0:
        with torch.no_grad():
            step = phase.step(model, inputs)
        latency = measure_latency(step, device, iterations, warmup, context=context)
    return PhaseResult(
        macs_paper=counted.macs,
        params_paper=counted.params,
        flops=flops,
        latency=latency,
        includes=phase.includes,
        paper=phase.paper,
        components=counted.components,
    )


def profile(
    spec: ProfileSpec,
    *,
    device: str = "cpu",
    dtype: str = "fp32",
    iterations: int = 20,
    warmup: int = 5,
    tracker: str | None = None,
) -> ProfileResult:
    """Profile every phase of ``spec``; models are moved to ``device`` and put in eval mode.

    Timing runs in eval mode (the original scripts timed in train mode by accident, jointnlt-spec §5;
    that is not reproduced). Each phase is announced on the ``nlbench.profile`` logger before it runs.
    """
    if dtype not in DTYPES:
        raise NlbenchError(f"unknown dtype '{dtype}': use one of {', '.join(DTYPES)}")
    torch_device = resolve_device(device)
    for model in spec.models.values():
        model.to(torch_device).eval()

    phases: dict[str, PhaseResult] = {}
    for name, phase in spec.phases.items():
        log.info("profiling %s: %s ...", tracker or spec.name, name)
        phases[name] = profile_phase(
            phase,
            spec.models[phase.model_name],
            torch_device,
            dtype=dtype,
            iterations=iterations,
            warmup=warmup,
            seed=spec.seed,
        )

    components: dict[str, int] = {}
    multi = len(spec.models) > 1
    for model_name, model in spec.models.items():
        for part, count in parameter_components(model).items():
            components[f"{model_name}.{part}" if multi else part] = count
    device_name = torch.cuda.get_device_name(torch_device) if torch_device.type == "cuda" else "cpu"
    return ProfileResult(
        tracker=tracker or spec.name,
        device=str(torch_device),
        dtype=dtype,
        params_total=sum(count_parameters(m) for m in _unique(spec.models.values())),
        params_paper=sum(phases[p].params_paper for p in spec.paper_params_from),
        params_components=components,
        phases=phases,
        paper=spec.paper,
        warmup=warmup,
        device_name=device_name,
    )


def _unique(models) -> list[nn.Module]:
    unique: list[nn.Module] = []
    for model in models:
        if all(model is not seen for seen in unique):
            unique.append(model)
    return unique
