"""The profile layer's stage: ``nlbench profile`` as a :class:`ProfileRequest`, ``profile_stage`` and its summary.

The tracker plugin describes what to profile (``TrackerPlugin.profile``: phases, inputs, counting rules);
:func:`nlbench.profile.profiler.profile` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlbench.core.request import Request, option

if TYPE_CHECKING:
    from nlbench.profile.profiler import ProfileResult

__all__ = ["ProfileRequest", "ProfileSummary", "profile_stage"]


@dataclass(frozen=True, kw_only=True)
class ProfileRequest(Request):
    """``nlbench profile``: paper-rule MACs, true FLOPs, parameters and latency per phase of one tracker.

        >>> ProfileRequest(tracker="jointnlt-tiny", iterations=10, warmup=2, json_out=Path("p.json")).to_argv()
        ['profile', '--tracker', 'jointnlt-tiny', '--iterations', '10', '--warmup', '2', '--json', 'p.json']
    """

    verb = ("profile",)
    tracker: str = option("--tracker")
    iterations: int = option("--iterations", default=20, always=True)
    warmup: int = option("--warmup", default=5, always=True)
    device: str = option("--device", default="cpu")
    dtype: str = option("--dtype", default="fp32")
    seed: int = option("--seed", default=0)
    json_out: Path | None = option("--json", default=None)


@dataclass(frozen=True)
class ProfileSummary:
    """The figures of one tracker, and the JSON written (if asked)."""

    request: ProfileRequest
    result: ProfileResult
    json_path: Path | None = None


def profile_stage(request: ProfileRequest) -> ProfileSummary:
    """Profile a registered tracker (random weights, no checkpoint); with ``json_out`` also write the JSON.

        >>> result = profile_stage(ProfileRequest(tracker="jointnlt-tiny", iterations=0)).result
        >>> sorted(result.phases), result.phases["tracking"].latency is None
        (['grounding', 'tracking'], True)
    """
    from nlbench.core.errors import PluginError
    from nlbench.core.io import atomic_write_json
    from nlbench.core.registry import get_tracker
    from nlbench.profile.profiler import profile

    plugin = get_tracker(request.tracker)
    if plugin.profile is None:
        raise PluginError(f"tracker '{request.tracker}' does not describe how to profile it (no profile= in its plugin)")
    spec = plugin.profile(seed=request.seed)
    result = profile(spec, device=request.device, dtype=request.dtype, iterations=request.iterations,
                     warmup=request.warmup, tracker=request.tracker)
    if request.json_out is not None:
        atomic_write_json(request.json_out, result.as_json())
    return ProfileSummary(request, result, request.json_out)
