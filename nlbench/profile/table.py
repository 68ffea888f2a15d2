"""A Table-2-like text table of a profile: paper-rule figure beside the true one and the published value."""

from __future__ import annotations

from nlbench.profile.profiler import ProfileResult


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
    rows = [header]
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
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"{result.tracker}  (device {result.device}, {result.device_name}, {result.dtype}, warm-up {result.warmup})"]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(
        f"params: thop rule {_mega(result.params_paper)} (paper {_mega(result.paper.params)}), "
        f"all parameters {_mega(result.params_total)}"
    )
    for name, phase in result.phases.items():
        lines.append(f"{name}: {phase.includes}")
    sources = {p.paper.source for p in result.phases.values() if p.paper.source} | (
        {result.paper.source} if result.paper.source else set()
    )
    if sources:
        lines.append("paper: " + "; ".join(sorted(sources)))
    lines.append("MACs = thop 0.0.31 rules (what the papers call FLOPs); FLOPs (true) = torch FlopCounterMode, 2 per MAC.")
    return "\n".join(lines)
