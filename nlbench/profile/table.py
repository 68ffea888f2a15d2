"""A Table-2-like text table of a profile: paper-rule figure beside the true one and the published value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlbench.core.errors import ResultFormatError
from nlbench.profile.profiler import ProfileResult
from nlbench.core.textable import text_table


def _giga(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:.2f}G"


def _mega(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.2f}M"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def format_table(result: ProfileResult) -> str:
    """Rows: per phase MACs (paper rule), published FLOPs, true FLOPs, latency median/p90, published time;
    then the parameters (paper rule, published, all). Returns the text; the caller prints it."""
    header = ("phase", "MACs (thop rule)", "paper", "FLOPs (true)", "latency median", "p90", "n", "paper time")
    rows = []
    for name, phase in result.phases.items():
        lat = phase.latency
        rows.append(
            (
                name,
                _giga(phase.macs_paper),
                _giga(phase.paper.macs),
                _giga(phase.flops),
                _ms(lat.median_ms if lat else None),
                _ms(lat.p90_ms if lat else None),
                str(lat.n) if lat else "-",
                _ms(phase.paper.latency_ms),
            )
        )
    lines = [f"{result.tracker}  (device {result.device}, {result.device_name}, {result.dtype}, warm-up {result.warmup})"]
    lines.append(text_table(rows, header, right=range(1, len(header)), rule=True))
    lines.append(
        f"params: thop rule {_mega(result.params_paper)} (paper {_mega(result.paper.params)}), "
        f"all parameters {_mega(result.params_total)}"
    )
    for name, phase in result.phases.items():
        lines.append(f"{name} includes: {phase.includes}")
    sources = {p.paper.source for p in result.phases.values() if p.paper.source} | (
        {result.paper.source} if result.paper.source else set()
    )
    if sources:
        lines.append("paper: " + "; ".join(sorted(sources)))
    lines.append("MACs = thop 0.0.31 rules (what the papers call FLOPs); FLOPs (true) = torch FlopCounterMode, 2 per MAC.")
    return "\n".join(lines)


# Profile JSON files (``nlbench profile --json``) as rows of a cost table, for ``nlbench report``. -------------

_REQUIRED = ("tracker", "device", "dtype", "params", "phases")


def load_profile_json(path: str | Path) -> dict[str, Any]:
    """Read and check one profile JSON; a malformed file raises ResultFormatError naming it."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultFormatError(f"{path}: not a readable profile JSON ({exc}); write one with nlbench profile --json") from exc
    missing = [k for k in _REQUIRED if not isinstance(doc, dict) or k not in doc]
    if missing:
        raise ResultFormatError(f"{path}: profile JSON lacks {', '.join(missing)}; write one with nlbench profile --json")
    for name, phase in doc["phases"].items():
        for key in ("macs_paper", "flops", "latency_ms"):
            if key not in phase:
                raise ResultFormatError(f"{path}: phase '{name}' lacks '{key}'")
    return doc


def cost_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per profile and phase, numbers unformatted (None where absent): the data of Table 2.

    Keys: tracker, device, dtype, phase, macs_paper, macs_published, flops, latency_median_ms, latency_p90_ms,
    latency_n, latency_published_ms, params_paper, params_published, params_total.
    """
    rows = []
    for doc in docs:
        params = doc["params"]
        for phase_name, phase in doc["phases"].items():
            latency = phase.get("latency_ms") or {}
            paper = phase.get("paper") or {}
            rows.append(
                {
                    "tracker": doc["tracker"],
                    "device": doc["device"],
                    "dtype": doc["dtype"],
                    "phase": phase_name,
                    "macs_paper": phase["macs_paper"],
                    "macs_published": paper.get("macs"),
                    "flops": phase["flops"],
                    "latency_median_ms": latency.get("median"),
                    "latency_p90_ms": latency.get("p90"),
                    "latency_n": latency.get("n"),
                    "latency_published_ms": paper.get("latency_ms"),
                    "params_paper": params["paper"],
                    "params_published": params.get("paper_published"),
                    "params_total": params["total"],
                }
            )
    return rows
