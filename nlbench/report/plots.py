"""Plots in the style of the pytracking / LaSOT toolkits: success, precision, normalized precision, attributes.

Each figure is saved as PNG, PDF and SVG; the PNG bytes are returned for embedding in the HTML page.
Colours are assigned once per report (:func:`assign_styles`) so a tracker keeps its colour in every plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlbench.core.io import atomic_write_bytes
from nlbench.report.inputs import MeasuredTracker

FORMATS: tuple[str, ...] = ("png", "pdf", "svg")
# tab10 without its grey, then tab20's light shades; line styles cycle once colours run out.
_PALETTE = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#000000",
    "#ff9896",
    "#aec7e8",
    "#98df8a",
    "#ffbb78",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
)
_LINESTYLES = ("-", "--", "-.", ":")


@dataclass(frozen=True)
class Style:
    color: str
    linestyle: str


def assign_styles(names: Sequence[str]) -> dict[str, Style]:
    """A stable style per tracker name (first-seen order), shared by all plots of a report."""
    styles: dict[str, Style] = {}
    for name in names:
        if name not in styles:
            i = len(styles)
            styles[name] = Style(_PALETTE[i % len(_PALETTE)], _LINESTYLES[(i // len(_PALETTE)) % len(_LINESTYLES)])
    return styles


def plot_text(text: str) -> str:
    """Matplotlib reads ``$...$`` as mathtext; escape dollars so a tracker name is always printed literally."""
    return str(text).replace("$", r"\$")


def _pyplot():
    import matplotlib

    # Reports are written headless; never pick an interactive backend.
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _figure():
    # pytracking's plots are 6.4 x 4.8 in; slightly smaller keeps the legend legible at the page's width.
    return _pyplot().subplots(figsize=(5.6, 4.4), dpi=120)


def _save(fig, base: Path) -> dict[str, Path]:
    import io

    plt = _pyplot()
    paths = {}
    # svg.hashsalt and a fixed date keep the files reproducible from run to run.
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}, "svg": {"Date": None}}
    with plt.rc_context({"svg.hashsalt": "nlbench", "svg.fonttype": "path"}):
        for fmt in FORMATS:
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata[fmt])
            paths[fmt] = atomic_write_bytes(base.with_suffix(f".{fmt}"), buffer.getvalue())
    plt.close(fig)
    return paths


def _curve_plot(
    trackers: Sequence[MeasuredTracker],
    styles: dict[str, Style],
    curve: str,
    score: str,
    thresholds: np.ndarray,
    title: str,
    xlabel: str,
    ylabel: str,
    base: Path,
) -> dict[str, Path] | None:
    drawable = [t for t in trackers if len(getattr(t, curve)) == len(thresholds)]
    if not drawable:
        return None
    # Legend in decreasing score order, as in the LaSOT toolkit; ties by name for a stable order.
    drawable.sort(key=lambda t: (-(getattr(t, score) if getattr(t, score) is not None else -1), t.display))
    fig, ax = _figure()
    for tracker in drawable:
        value = getattr(tracker, score)
        label = f"[{value:.1f}] {tracker.display}" if value is not None else tracker.display
        style = styles[tracker.display]
        ax.plot(
            thresholds,
            np.asarray(getattr(tracker, curve)),
            color=style.color,
            linestyle=style.linestyle,
            linewidth=2,
            label=plot_text(label),
        )
    ax.set_xlim(thresholds[0], thresholds[-1])
    ax.set_ylim(0, 1)
    ax.set_title(plot_text(title))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, linestyle=":", linewidth=0.8, alpha=0.7)
    ax.legend(loc="lower left" if curve == "success_curve" else "lower right", fontsize=9, framealpha=0.9)
    return _save(fig, base)


def success_plot(trackers, styles, dataset_label: str, base: Path) -> dict[str, Path] | None:
    """Success rate vs overlap threshold (21 thresholds 0:0.05:1); legend ``[AUC] name``."""
    return _curve_plot(
        trackers,
        styles,
        "success_curve",
        "auc",
        np.linspace(0.0, 1.0, 21),
        f"Success plots of OPE on {dataset_label}",
        "Overlap threshold",
        "Success rate",
        base,
    )


def precision_plot(trackers, styles, dataset_label: str, base: Path) -> dict[str, Path] | None:
    """Precision vs centre-error threshold 0–50 px; legend ``[P@20] name``."""
    return _curve_plot(
        trackers,
        styles,
        "precision_curve",
        "precision",
        np.arange(51, dtype=float),
        f"Precision plots of OPE on {dataset_label}",
        "Location error threshold (pixels)",
        "Precision",
        base,
    )


def norm_precision_plot(trackers, styles, dataset_label: str, base: Path) -> dict[str, Path] | None:
    """Normalized precision vs normalized error threshold 0–0.5; legend ``[NP@0.20] name``."""
    return _curve_plot(
        trackers,
        styles,
        "norm_precision_curve",
        "norm_precision",
        np.arange(51) / 100,
        f"Normalized precision plots of OPE on {dataset_label}",
        "Normalized location error threshold",
        "Normalized precision",
        base,
    )


def attribute_plot(trackers, styles, dataset_label: str, base: Path, metric: str = "auc") -> dict[str, Path] | None:
    """Grouped bars: one group per attribute, one bar per tracker, ``metric`` in percent."""
    attributes = sorted({a for t in trackers for a in t.attributes})
    drawable = [t for t in trackers if t.attributes]
    if not attributes or not drawable:
        return None
    plt = _pyplot()
    width = 0.8 / len(drawable)
    # Width grows with the number of bars so labels stay legible; the page shows it at its natural size.
    width_in = min(18.0, max(7.0, 0.25 * len(attributes) * len(drawable) + 0.4 * len(attributes) + 2))
    fig, ax = plt.subplots(figsize=(width_in, 4.2), dpi=110)
    x = np.arange(len(attributes))
    for i, tracker in enumerate(drawable):
        heights = [tracker.attributes.get(a, {}).get(metric, np.nan) for a in attributes]
        style = styles[tracker.display]
        ax.bar(
            x + (i - (len(drawable) - 1) / 2) * width,
            heights,
            width,
            color=style.color,
            label=plot_text(tracker.display),
        )
    ax.set_xticks(x, [plot_text(a) for a in attributes], rotation=45, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel(
        f"{ {'auc': 'AUC', 'precision': 'Precision', 'norm_precision': 'Norm. precision'}.get(metric, metric) } (%)"
    )
    ax.set_title(plot_text(f"Per-attribute results on {dataset_label}"))
    ax.grid(True, axis="y", linestyle=":", linewidth=0.8, alpha=0.7)
    ax.legend(fontsize=8, ncols=min(4, len(drawable)), loc="upper right", framealpha=0.9)
    return _save(fig, base)
