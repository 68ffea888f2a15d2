"""``write_report``: one folder with ``index.html`` (self-contained), ``tables.tex`` and the plots."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlbench.core.io import atomic_write_text
from nlbench.core.registry import is_grounding, reported_key
from nlbench.report import plots as plotting
from nlbench.report.inputs import (
    MeasuredTracker,
    ReportInputError,
    evaluate_result_dirs,
    grounding_record,
    load_eval_json,
    load_evaluated_store,
    load_grounding,
    load_profile,
)
from nlbench.report.latex import comparison_latex, cost_latex, sequence_latex, standalone_document
from nlbench.report.leaderboard import LeaderboardEntry, measured_entries, reported_entries
from nlbench.report.protocols import protocol_section
from nlbench.report.tables import (
    METRIC_LABELS,
    build_comparison,
    build_cost_table,
    build_deltas,
    cost_datasets,
    dataset_label,
    order_datasets,
    rank_marks,
)
from nlbench.store.reported import canonical_name, load_reported, reported_scores


@dataclass(frozen=True)
class ReportPaths:
    """Where ``write_report`` put things."""

    out: Path
    index_html: Path
    tables_tex: Path
    tables_preview_tex: Path
    plots: tuple[Path, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Plot:
    title: str
    png_base64: str
    files: tuple[str, ...]
    wide: bool = False


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _init_title(init: str) -> str:
    return {
        "BB": "Initialised by a bounding box (BB)",
        "NL": "Initialised by natural language (NL)",
        "NL+BB": "Initialised by natural language and a bounding box (NL+BB)",
    }.get(init, "Initialisation unknown")


def _safe_stem(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "dataset"


def _percent(value: Any) -> float | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    # `nlbench ground` writes fractions (0.7007); accept percent from other tools (values above 1).
    return float(value) if value > 1 else float(value) * 100


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    return next((data[k] for k in keys if data.get(k) is not None), None)


def _default_grounding_dataset() -> str:
    """The dataset of a grounding record that names none (files written before records carried it)."""
    from nlbench.core.registry import default_grounding_dataset

    return default_grounding_dataset()


def _grounding_rows(grounding: Sequence[Mapping[str, Any]], include_reported: bool) -> list[dict[str, Any]]:
    """Rows of the grounding table; ``unit`` there is the sample unit (ref / expression), not a scale.

    With ``include_reported`` each row carries the published accuracy of the same grounder on the row's
    dataset (as filed under its plugin's ``reported_as``), if any.
    """
    published: dict[str, dict] = {}
    rows = []
    for g in grounding:
        grounder = canonical_name(str(g.get("grounder", "?")))
        dataset = str(g.get("dataset") or _default_grounding_dataset())
        if include_reported and dataset not in published:
            published[dataset] = reported_scores(reported_key(dataset))
        # subsets (e.g. synth's ambiguous sentences) become rows of their own under the same grounder
        parts = [(g, None)] + [(sub, label) for label, sub in (g.get("subsets") or {}).items()]
        for part, subset in parts:
            split = "/".join(str(x) for x in (part.get("split_by"), part.get("split")) if x)
            on_dataset = published.get(dataset, {})
            reported = on_dataset.get((grounder, "NL"), {}).get("accuracy") if subset is None else None
            accuracy = _percent(_first(part, "accuracy", "acc@0.5"))
            rows.append(
                {
                    "grounder": grounder,
                    "dataset": dataset,
                    "dataset_label": dataset_label(dataset),
                    "subset": subset,
                    "reported": reported[0] if reported else None,
                    "delta": accuracy - reported[0] if reported and accuracy is not None else None,
                    "split": split or None,
                    "unit": part.get("unit"),
                    "accuracy": accuracy,
                    "acc_025": _percent(_first(part, "acc@0.25", "acc_025")),
                    "acc_075": _percent(_first(part, "acc@0.75", "acc_075")),
                    "mean_iou": _percent(part.get("mean_iou")),
                    "numerator": part.get("numerator"),
                    "denominator": part.get("denominator"),
                    "rule": _first(part, "rule_text", "rule"),
                }
            )
    return rows


def _first_frame_table(trackers: Sequence[MeasuredTracker]) -> dict[str, Any] | None:
    """Grounding on the first frame: the joint tracker beside the separated pipeline's grounder, overall and per attribute."""
    shown = [t for t in trackers if t.first_frame_grounding]
    if not shown:
        return None
    columns = []
    for t in shown:
        run = (t.provenance.get("run") or {}) if isinstance(t.provenance, Mapping) else {}
        tracker = str(run.get("tracker") or "")
        # a separated pipeline GROUNDER+TRACKER grounded the first frame with its grounder
        columns.append(f"{t.display} (grounder {tracker.split('+')[0]})" if "+" in tracker else t.display)

    def cells(scores: Sequence[Mapping[str, Any] | None]) -> list[dict[str, Any]]:
        return [
            {"n": s.get("n"), "mean_iou": _percent_iou(s.get("mean_iou")), "acc50": s.get("acc50"), "acc50_ge": s.get("acc50_ge")}
            if s else {"n": None, "mean_iou": None, "acc50": None, "acc50_ge": None}
            for s in scores
        ]

    rows = [{"name": "all sequences", "cells": cells([t.first_frame_grounding for t in shown])}]
    attributes = list(dict.fromkeys(a for t in shown for a in t.first_frame_grounding_attributes))
    for attr in attributes:
        rows.append({"name": attr, "cells": cells([t.first_frame_grounding_attributes.get(attr) for t in shown])})
    return {"columns": columns, "rows": rows}


def _percent_iou(value: Any) -> float | None:
    return float(value) * 100 if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _provenance_rows(trackers: Sequence[MeasuredTracker]) -> list[dict[str, Any]]:
    """One row per tracker with a recorded provenance: version, protocol, sequence digest, run."""
    rows = []
    for t in trackers:
        p = t.provenance if isinstance(t.provenance, Mapping) else {}
        if not p:
            continue
        run = p.get("run") if isinstance(p.get("run"), Mapping) else {}
        protocol = p.get("protocol") if isinstance(p.get("protocol"), Mapping) else {}
        sequences = p.get("sequences") if isinstance(p.get("sequences"), Mapping) else {}
        checkpoints = run.get("checkpoint_sha256") if isinstance(run.get("checkpoint_sha256"), Mapping) else {}
        rows.append(
            {
                "tracker": t.display,
                "nlbench": p.get("nlbench"),
                "protocol": protocol.get("name") or t.protocol,
                "rules": ", ".join(f"{k}={v}" for k, v in protocol.items() if k not in ("name", "description") and not isinstance(v, list)),
                "n": sequences.get("n"),
                "sha256": sequences.get("sha256"),
                "run_tracker": run.get("tracker"),
                "mode": run.get("mode"),
                "checkpoints": [f"{role}: {digest}" for role, digest in checkpoints.items()],
                "command": run.get("command"),
            }
        )
    return rows


def _collect_measured(
    datasets: Sequence[str],
    measured: Sequence[MeasuredTracker],
    eval_json: Sequence[str | Path],
    results: Sequence[str],
    root: str | Path | None,
    protocol: str | None,
    store: str | Path | None,
    allow_non_finite: bool = False,
    split: str | None = None,
    sequences: Sequence[str] | None = None,
    skip_missing: bool = False,
) -> list[MeasuredTracker]:
    trackers = list(measured)
    if store is not None:
        for dataset in datasets:
            trackers += load_evaluated_store(Path(store), dataset, protocol)
    for path in eval_json:
        trackers += load_eval_json(path, protocol)
    if results:
        tracking = [d for d in datasets if not is_grounding(d)]
        if len(tracking) != 1:
            raise ReportInputError(
                "--results evaluates raw result folders on one dataset; give exactly one --dataset "
                "(or evaluate each dataset with `nlbench eval --json F` and pass --eval-json F)"
            )
        trackers += evaluate_result_dirs(
            tracking[0], list(results), root=root, protocol=protocol, allow_non_finite=allow_non_finite,
            split=split, sequences=sequences, skip_missing=skip_missing,
        )
    if protocol:
        trackers = [t for t in trackers if t.protocol in (None, protocol)]
    seen: dict[tuple[str, str, str | None], str] = {}
    for t in trackers:
        key = (t.dataset, t.name, t.init)
        if key in seen:
            raise ReportInputError(
                f"tracker {t.name!r} ({t.init or 'init unknown'}) appears twice for dataset {t.dataset!r} "
                f"({seen[key]} and {t.origin}); give each result set its own name"
            )
        seen[key] = t.origin
    # A name measured with several inits is labelled "name [init]" wherever the init is not in its own column.
    inits_by_name: dict[str, set[str | None]] = {}
    for t in trackers:
        inits_by_name.setdefault(t.name, set()).add(t.init)
    return [replace(t, label=f"{t.name} [{t.init or '?'}]") if len(inits_by_name[t.name]) > 1 else t for t in trackers]


def _dataset_context(
    dataset: str,
    trackers: list[MeasuredTracker],
    grounding_rows: list[dict[str, Any]],
    include_reported: bool,
    styles: dict[str, plotting.Style],
    plot_dir: Path,
    written: list[Path],
    root: str | Path | None = None,
    split: str | None = None,
) -> dict[str, Any]:
    entries: list[LeaderboardEntry] = reported_entries(dataset) if include_reported else []
    entries += measured_entries(trackers)
    grounding = is_grounding(dataset)
    if grounding:
        entries += [
            LeaderboardEntry(g["grounder"], "NL", None, None, None, "measured", accuracy=g["accuracy"])
            for g in grounding_rows
            if g["dataset"] == dataset and g["subset"] is None
        ]
    by = "accuracy" if grounding else "auc"
    entries.sort(key=lambda e: e.sort_key(by))

    label = dataset_label(dataset)
    stem = _safe_stem(dataset)
    figures = []
    for kind, function, title in (
        ("success", plotting.success_plot, "Success plot"),
        ("precision", plotting.precision_plot, "Precision plot"),
        ("norm_precision", plotting.norm_precision_plot, "Normalized precision plot"),
        ("attributes", plotting.attribute_plot, "Per-attribute AUC"),
    ):
        files = function(trackers, styles, label, plot_dir / f"{stem}_{kind}")
        if files is None:
            continue
        written.extend(files.values())
        png = base64.b64encode(files["png"].read_bytes()).decode("ascii")
        rel = tuple(f"plots/{p.name}" for p in files.values())
        figures.append(_Plot(title=f"{title}, {label}", png_base64=png, files=rel, wide=kind == "attributes"))

    with_attributes = [t for t in trackers if t.attributes]
    attribute_rows = []
    for name in sorted({a for t in with_attributes for a in t.attributes}):
        values = [t.attributes.get(name, {}).get("auc") for t in with_attributes]
        counts = [t.attributes[name].get("n") for t in with_attributes if name in t.attributes]
        n = next((int(c) for c in counts if c is not None), None)
        marks = rank_marks(values, 1) if len(with_attributes) > 1 else [""] * len(values)
        attribute_rows.append({"name": name, "n": n, "cells": list(zip(values, marks))})
    with_sequences = [t for t in trackers if t.sequences]
    sequence_names = list(dict.fromkeys(name for t in with_sequences for name in t.sequences))
    sequence_rows = [
        {"name": name, "sentence": sequence_sentence(name, with_sequences),
         "cells": [t.sequences.get(name, {}).get("auc") for t in with_sequences]}
        for name in sequence_names
    ]
    return {
        "name": dataset,
        "grounding": grounding,
        "sequences": sequence_rows,
        "sequence_trackers": [t.display for t in with_sequences],
        "label": label,
        "anchor": stem,
        "leaderboard": entries,
        "measured": trackers,
        "plots": figures,
        "attributes": attribute_rows,
        "attribute_trackers": [t.display for t in with_attributes],
        "protocols": protocol_section(dataset, trackers, root, split) if trackers else None,
        "first_frame": _first_frame_table(trackers),
        "provenance": _provenance_rows(trackers),
    }


def sequence_sentence(name: str, trackers: Sequence[MeasuredTracker]) -> str:
    """The sentence a sequence was run with; where runs differ (sentence files), each one with its trackers."""
    by_sentence: dict[str, list[str]] = {}
    for t in trackers:
        if name in t.sentences:
            by_sentence.setdefault(t.sentences[name], []).append(t.display)
    if len(by_sentence) <= 1:
        return next(iter(by_sentence), "")
    return " / ".join(f"{sentence} ({', '.join(names)})" for sentence, names in by_sentence.items())


def _qualitative(out: Path, datasets: Sequence[str], results: Sequence[str], root: str | Path | None, count: int,
                 rule: str, split: str | None = None, sequences: Sequence[str] | None = None,
                 skip_missing: bool = False):
    """The qualitative figure of the raw ``results`` folders (labelled as in the tables)."""
    from nlbench.report.inputs import _init_from_manifest, parse_results_spec
    from nlbench.report.viz.qualitative import write_qualitative

    if not results or len(datasets) != 1:
        raise ReportInputError(
            "--qualitative draws boxes from raw result folders: give --results NAME=DIR and exactly one tracking --dataset"
        )
    specs = [parse_results_spec(s) for s in results]
    folders: dict[str, Path] = {}
    for name, init, directory in specs:
        repeated = sum(n == name for n, _, _ in specs) > 1
        init = init or (_init_from_manifest(directory) if repeated else None)
        folders[f"{name} [{init or '?'}]" if repeated else name] = directory
    return write_qualitative(out, datasets[0], folders, count, rule, root=root, split=split, sequences=sequences,
                             skip_missing=skip_missing)


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("nlbench.report", "templates"),
        # Every value is user text (tracker names, sequence names, sentences): escape all of it.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_report(
    out: str | Path,
    datasets: Sequence[str] = (),
    *,
    measured: Sequence[MeasuredTracker] = (),
    eval_json: Sequence[str | Path] = (),
    results: Sequence[str] = (),
    root: str | Path | None = None,
    profiles: Sequence[str | Path | Mapping[str, Any]] = (),
    grounding: Sequence[str | Path | Mapping[str, Any]] = (),
    include_reported: bool = False,
    protocol: str | None = None,
    store: str | Path | None = None,
    title: str = "nlbench report",
    scale: str = "fraction",
    allow_non_finite: bool = False,
    sensitivity: Sequence[str | Path | Mapping[str, Any]] = (),
    qualitative: int = 0,
    qualitative_pick: str = "worst",
    split: str | None = None,
    sequences: Sequence[str] | None = None,
    skip_missing: bool = False,
) -> ReportPaths:
    """Write ``out/index.html``, ``out/tables.tex`` (+ ``tables_preview.tex``) and ``out/plots/*``.

    Measured trackers come from ``measured`` objects, ``eval_json`` files (``nlbench eval --json``) and raw
    ``results`` folders (``NAME[@INIT]=DIR``, evaluated on the single dataset given, under ``root``).
    ``store`` adds every run that ``nlbench eval`` filed under ``<store>/<dataset>/<protocol>/`` for ``datasets``.
    ``include_reported`` adds the published numbers of ``results/reported``. ``scale`` is the LaTeX/HTML
    comparison unit: ``"fraction"`` (the paper's 0.569) or ``"percent"``. ``sensitivity`` adds a
    "Sensitivity to the sentence" section per ``nlbench sensitivity --json`` result.
    ``qualitative`` > 0 adds a Fig. 5-style figure of that many sequences picked by ``qualitative_pick``
    (``worst``, ``disagree`` or ``lost``, see :mod:`nlbench.report.viz.pick`) from the raw ``results`` folders,
    with a key-frame strip and an MP4 per sequence under ``out/qualitative/``.  ``split`` and ``sequences``
    choose the sequences the ``results`` folders are scored on (and picked from), ``skip_missing`` drops those
    some folder lacks, as ``nlbench eval`` does.
    """
    from nlbench.report import sensitivity as sensitivity_section
    from nlbench import __version__

    if scale not in ("fraction", "percent"):
        raise ReportInputError(f"scale {scale!r} must be 'fraction' or 'percent'")
    out = Path(out)
    trackers = _collect_measured(datasets, measured, eval_json, results, root, protocol, store, allow_non_finite,
                                 split, sequences, skip_missing)
    profile_data = [load_profile(p) if not isinstance(p, Mapping) else dict(p) for p in profiles]
    grounding_data = [load_grounding(g) if not isinstance(g, Mapping) else grounding_record(g) for g in grounding]
    grounding_rows = _grounding_rows(grounding_data, include_reported)
    # A grounding dataset gets its own section (a leaderboard by accuracy); a tracking dataset's grounding
    # split (first-frame grounding) is shown in the grounding table only.
    grounded = [g["dataset"] for g in grounding_rows if is_grounding(g["dataset"])]
    all_datasets = list(datasets) + [t.dataset for t in trackers] + grounded
    ordered = order_datasets(all_datasets)
    sensitivity_data = [sensitivity_section.load_sensitivity(x) for x in sensitivity]
    if not ordered and not grounding_rows and not sensitivity_data:
        raise ReportInputError(
            "nothing to report: give --dataset with --reported, --eval-json, --results or --grounding"
        )

    styles = plotting.assign_styles(sorted({t.display for t in trackers}, key=lambda n: (n.lower(), n)))
    plot_dir = out / "plots"
    written: list[Path] = []
    contexts = [
        _dataset_context(
            d, [t for t in trackers if t.dataset == d], grounding_rows, include_reported, styles, plot_dir, written, root,
            split,
        )
        for d in ordered
    ]

    sensitivities = []
    for i, data in enumerate(sensitivity_data):
        files = sensitivity_section.sensitivity_plot(data, plot_dir / f"sensitivity_{i + 1}")
        written.extend(files.values())
        png = base64.b64encode(files["png"].read_bytes()).decode("ascii")
        figure = _Plot(title="Sensitivity to the sentence", png_base64=png,
                       files=tuple(f"plots/{p.name}" for p in files.values()), wide=True)
        sensitivities.append({"dataset": data.get("dataset", ""), "protocol": data.get("protocol", ""),
                              "rows": sensitivity_section.section_rows(data), "plot": figure,
                              "flip_rule": data.get("flip_rule", {})})

    tracking_datasets = [d for d in ordered if not is_grounding(d)]
    comparison = build_comparison(tracking_datasets, trackers, include_reported=include_reported, scale=scale)
    comparison = comparison if comparison.groups else None
    # Show the paper's Table 2 with the datasets whose AUC it reports, and always beside measured profiles.
    show_costs = bool(profile_data) or (include_reported and bool(set(cost_datasets()) & set(ordered)))
    costs = build_cost_table(profile_data, trackers, include_reported=include_reported) if show_costs else None
    deltas = build_deltas(trackers) if include_reported else []
    qualitative_figure = (
        _qualitative(out, tracking_datasets, results, root, qualitative, qualitative_pick, split, sequences, skip_missing)
        if qualitative > 0 else None
    )
    if qualitative_figure is not None and qualitative_figure.figure:
        written.append(out / qualitative_figure.figure)
    sources: list[str] = []
    if include_reported:
        keys = {reported_key(d) for d in ordered}
        shown = {v.source for v in load_reported() if v.dataset in keys or (costs and v.table == "Table 2")}
        sources = sorted(shown)

    html = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            version=__version__,
            protocol=protocol,
            datasets=contexts,
            comparison=comparison,
            costs=costs,
            deltas=deltas,
            delta_metrics=("auc", "precision", "norm_precision"),
            grounding=grounding_rows,
            sensitivities=sensitivities,
            qualitative=qualitative_figure,
            grounding_reported=any(g["reported"] is not None for g in grounding_rows),
            sources=sources,
            fmt=_fmt,
            dataset_label=dataset_label,
            metric_label=lambda m: METRIC_LABELS.get(m, m),
            init_title=_init_title,
        )
    )
    index = atomic_write_text(out / "index.html", html)

    tex_parts = []
    if comparison is not None:
        tex_parts.append(comparison_latex(comparison))
    if costs is not None:
        tex_parts.append(cost_latex(costs))
    for context in contexts:
        if context["sequences"]:
            tex_parts.append(sequence_latex(context["name"], context["sequence_trackers"], context["sequences"]))
    tex_parts += [sensitivity_section.sensitivity_latex(data) for data in sensitivity_data]
    if not tex_parts:
        tex_parts.append("% nlbench report: no tracking scores or profiles to tabulate.\n")
    tables = atomic_write_text(out / "tables.tex", "\n".join(tex_parts))
    preview = atomic_write_text(out / "tables_preview.tex", standalone_document("tables.tex"))
    return ReportPaths(out=out, index_html=index, tables_tex=tables, tables_preview_tex=preview, plots=tuple(written))


__all__ = ["ReportPaths", "write_report"]
