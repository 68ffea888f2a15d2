"""Measured results that a report or leaderboard shows: eval JSON files, the evaluated store, result folders.

The evaluation JSON contract (``nlbench eval --json``) is
``{"dataset", "protocol", "trackers": {NAME: {"auc", "precision", "norm_precision", "op50", "op75",
"success_curve", "precision_curve", "norm_precision_curve", "sequences", "attributes", ...}}}`` with scores in
percent and curves as fractions.  The evaluated store holds one such tracker object per file under
``results/evaluated/<dataset>/<protocol>/<NAME>.json``, with ``dataset``, ``protocol``, ``name``, ``init``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlbench.core.errors import ReportInputError
from nlbench.datasets import load_sequences
from nlbench.store.reported import INITS, canonical_name


@dataclass(frozen=True)
class MeasuredTracker:
    """One tracker evaluated by nlbench on one dataset (scores in percent, curves as fractions)."""

    name: str
    dataset: str
    protocol: str | None
    init: str | None
    auc: float | None
    precision: float | None
    norm_precision: float | None
    op50: float | None = None
    op75: float | None = None
    success_curve: tuple[float, ...] = ()
    precision_curve: tuple[float, ...] = ()
    norm_precision_curve: tuple[float, ...] = ()
    attributes: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sequences: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sentences: Mapping[str, str] = field(default_factory=dict)  # the sentence each sequence was run with
    n_sequences: int | None = None
    auc_ci95: tuple[float, float] | None = None
    accuracy: float | None = None
    origin: str = ""
    label: str = ""  # shown in plots and column heads; the name, plus the init when a report has both
    #: the raw result folder, when known (the report's protocol matrix and rule walk re-evaluate it)
    results_dir: str | None = None
    #: ``{protocol: {"auc", "precision", "norm_precision"} | {"error"}}`` from a several-protocol evaluation
    protocol_scores: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: what produced the numbers (nlbench version, protocol rules, sequence digest, run.json fields)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    #: ``eval``'s ``first_frame_grounding`` object and its per-attribute scores, when the run grounded frame 0
    first_frame_grounding: Mapping[str, Any] = field(default_factory=dict)
    first_frame_grounding_attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def canonical(self) -> str:
        return canonical_name(self.name)

    @property
    def display(self) -> str:
        return self.label or self.name


def _number(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ReportInputError(f"{where}: {key!r} must be a number or null, got {value!r}")
    value = float(value)
    return value if math.isfinite(value) else None


def _curve(obj: Mapping[str, Any], key: str, where: str) -> tuple[float, ...]:
    value = obj.get(key) or ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (int, float)) for v in value):
        raise ReportInputError(f"{where}: {key!r} must be a list of numbers")
    return tuple(float(v) for v in value)


def normalize_init(init: Any, where: str = "") -> str | None:
    """``"nl"``, ``"NL"``, ``"nl+bb"``, ``"bb"`` … → the paper's spelling; ``None`` stays unknown."""
    if init is None or init == "":
        return None
    text = str(init).strip().upper().replace("_", "+").replace("-", "+")
    if text in ("NLBB", "BB+NL"):
        text = "NL+BB"
    if text not in INITS:
        raise ReportInputError(f"{where}: init {init!r} is not one of {', '.join(INITS)} (or nl, bb, nl+bb)")
    return text


def _mapping(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def tracker_from_json(
    name: str,
    obj: Mapping[str, Any],
    dataset: str,
    protocol: str | None,
    where: str,
    init: str | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> MeasuredTracker:
    """Build a :class:`MeasuredTracker` from one per-tracker object of the evaluation JSON contract."""
    if not isinstance(obj, Mapping):
        raise ReportInputError(f"{where}: tracker {name!r} must map to an object of scores")
    attributes: dict[str, dict[str, float]] = {}
    for attr, scores in (obj.get("attributes") or {}).items():
        if not isinstance(scores, Mapping):
            raise ReportInputError(f"{where}: attribute {attr!r} of {name!r} must be an object")
        attributes[str(attr)] = {k: float(v) for k, v in scores.items() if isinstance(v, (int, float))}
    sequences: dict[str, dict[str, float]] = {}
    sentences: dict[str, str] = {}
    for seq, scores in (obj.get("sequences") or {}).items():
        if isinstance(scores, Mapping):
            sequences[str(seq)] = {k: float(v) for k, v in scores.items() if isinstance(v, (int, float))}
            if isinstance(scores.get("sentence"), str):
                sentences[str(seq)] = scores["sentence"]
    ci = obj.get("auc_ci95")
    n_seq = obj.get("n_sequences")
    if n_seq is None and isinstance(obj.get("sequences"), Mapping):
        n_seq = len(obj["sequences"])
    return MeasuredTracker(
        name=str(name),
        dataset=dataset,
        protocol=protocol,
        init=normalize_init(init if init is not None else obj.get("init"), where),
        auc=_number(obj, "auc", where),
        precision=_number(obj, "precision", where),
        norm_precision=_number(obj, "norm_precision", where),
        op50=_number(obj, "op50", where),
        op75=_number(obj, "op75", where),
        success_curve=_curve(obj, "success_curve", where),
        precision_curve=_curve(obj, "precision_curve", where),
        norm_precision_curve=_curve(obj, "norm_precision_curve", where),
        attributes=attributes,
        sequences=sequences,
        sentences=sentences,
        n_sequences=int(n_seq) if isinstance(n_seq, (int, float)) else None,
        auc_ci95=(float(ci[0]), float(ci[1])) if isinstance(ci, (list, tuple)) and len(ci) == 2 else None,
        accuracy=_number(obj, "accuracy", where),
        origin=where,
        results_dir=str(obj["results_dir"]) if isinstance(obj.get("results_dir"), str) else None,
        provenance=dict(provenance) if provenance is not None else _mapping(obj, "provenance"),
        first_frame_grounding=_mapping(obj, "first_frame_grounding"),
        first_frame_grounding_attributes=_mapping(obj, "first_frame_grounding_attributes"),
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportInputError(f"{path}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise ReportInputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc


def _run_provenance(provenance: Mapping[str, Any], name: str, protocol: Any) -> dict[str, Any]:
    """One tracker's part of a document's provenance: the shared fields, its protocol and its run."""
    out = {k: v for k, v in provenance.items() if k not in ("runs", "protocols")}
    if isinstance(provenance.get("protocols"), Mapping):
        out["protocol"] = provenance["protocols"].get(protocol)
    out["run"] = (provenance.get("runs") or {}).get(name)
    return out


def evaluation_to_trackers(data: Mapping[str, Any], where: str, protocol: str | None = None) -> list[MeasuredTracker]:
    """The trackers of one evaluation JSON document (the ``nlbench eval --json`` contract).

    A several-protocol document (``--protocol all``) gives each tracker's scores under ``protocol`` (else the
    first protocol), with every protocol's headline numbers in ``protocol_scores``.
    """
    if isinstance(data, Mapping) and isinstance(data.get("protocols"), Mapping) and data.get("dataset"):
        return _matrix_to_trackers(data, where, protocol)
    if not isinstance(data, Mapping) or not isinstance(data.get("trackers"), Mapping) or not data.get("dataset"):
        raise ReportInputError(f"{where}: expected an nlbench evaluation JSON with 'dataset' and 'trackers'")
    dataset, protocol = str(data["dataset"]), data.get("protocol")
    provenance = _mapping(data, "provenance")
    return [
        tracker_from_json(n, o, dataset, protocol, where, provenance=_run_provenance(provenance, n, protocol) if provenance else None)
        for n, o in data["trackers"].items()
    ]


def _matrix_to_trackers(data: Mapping[str, Any], where: str, protocol: str | None) -> list[MeasuredTracker]:
    protocols = data["protocols"]
    main = protocol if protocol in protocols else next(iter(protocols), None)
    if main is None:
        return []
    cells = {p: (c.get("trackers") or {}) if isinstance(c, Mapping) else {} for p, c in protocols.items()}
    provenance = _mapping(data, "provenance")
    out = []
    for name in dict.fromkeys(n for per_protocol in cells.values() for n in per_protocol):
        scores = {
            p: ({"error": str(cell["error"])} if "error" in cell else {k: cell.get(k) for k in ("auc", "precision", "norm_precision")})
            for p, per_protocol in cells.items()
            if isinstance(cell := per_protocol.get(name), Mapping)
        }
        obj = cells[main].get(name)
        if not isinstance(obj, Mapping) or "error" in obj:
            continue  # refused under the main protocol: shown in the matrix only
        tracker = tracker_from_json(name, obj, str(data["dataset"]), main, where,
                                    provenance=_run_provenance(provenance, name, main) if provenance else None)  # fmt: skip
        out.append(replace(tracker, protocol_scores=scores))
    return out


def load_eval_json(path: str | Path, protocol: str | None = None) -> list[MeasuredTracker]:
    """Read a file written by ``nlbench eval --json`` (``protocol`` picks one of a several-protocol file)."""
    path = Path(path)
    return evaluation_to_trackers(_read_json(path), str(path), protocol)


def load_evaluated_store(store: Path, dataset: str, protocol: str | None = None) -> list[MeasuredTracker]:
    """Trackers in ``<store>/<dataset>/<protocol>/*.json``; every protocol when ``protocol`` is None."""
    base = Path(store) / dataset
    pattern = f"{protocol}/*.json" if protocol else "*/*.json"
    trackers = []
    for path in sorted(base.glob(pattern)):
        obj = _read_json(path)
        if not isinstance(obj, Mapping):
            raise ReportInputError(f"{path}: expected one evaluated tracker object")
        name = obj.get("name") or path.stem
        trackers.append(
            tracker_from_json(
                str(name), obj, str(obj.get("dataset") or dataset), obj.get("protocol") or path.parent.name, str(path)
            )
        )  # a stored entry's "provenance" is already this tracker's own
    return trackers


def parse_results_spec(spec: str) -> tuple[str, str | None, Path]:
    """``NAME=DIR`` or ``NAME@INIT=DIR`` (INIT: nl, bb, nl+bb) → (name, init, dir)."""
    if "=" not in spec:
        raise ReportInputError(
            f"--results {spec!r}: expected NAME=DIR (or NAME@INIT=DIR, e.g. JointNLT@nl=results/raw/x)"
        )
    name, _, directory = spec.partition("=")
    init = None
    if "@" in name:
        name, _, init_text = name.rpartition("@")
        init = normalize_init(init_text, f"--results {spec!r}")
    if not name or not directory:
        raise ReportInputError(f"--results {spec!r}: expected NAME=DIR with a non-empty name and folder")
    return name, init, Path(directory)


def _init_from_manifest(directory: Path) -> str | None:
    """The run manifest (``run.json``, in or below the folder) records the mode the results were produced in."""
    from nlbench.store.evaluated import init_label

    return init_label(directory)


def evaluate_result_dirs(
    dataset: str,
    results: list[str],
    root: str | Path | None = None,
    protocol: str | None = None,
    allow_non_finite: bool = False,
    split: str | None = None,
    sequences: Sequence[str] | None = None,
    skip_missing: bool = False,
) -> list[MeasuredTracker]:
    """Evaluate raw result folders (``NAME[@INIT]=DIR``) with :func:`nlbench.eval.evaluate`.

    ``split`` and ``sequences`` choose what to score them on (default: the whole default split);
    ``skip_missing`` drops the sequences some folder has no result for, from every folder.
    """
    if not results:
        return []
    from nlbench.eval import evaluate

    specs = [parse_results_spec(s) for s in results]
    for _, _, directory in specs:
        if not directory.is_dir():
            raise ReportInputError(f"--results: {directory} is not a folder of raw results")
    loaded = load_sequences(dataset, root, split, list(sequences) if sequences is not None else None, with_frames=False)
    kwargs: dict[str, Any] = {"dataset": dataset}
    if skip_missing:
        kwargs["skip_missing"] = True
    if allow_non_finite:
        kwargs["allow_non_finite"] = True
    if protocol:
        kwargs["protocol"] = protocol
    # One name may come with several inits (JointNLT@nl, JointNLT@nl+bb): evaluate them under distinct keys.
    keys = [name if sum(n == name for n, _, _ in specs) == 1 else f"{name}@{init}" for name, init, _ in specs]
    if len(set(keys)) != len(keys):
        raise ReportInputError("--results: each NAME[@INIT] must be given once")
    evaluation = evaluate(loaded, results={k: d for k, (_, _, d) in zip(keys, specs)}, **kwargs)
    data = evaluation.to_json() if hasattr(evaluation, "to_json") else evaluation
    by_key = {t.name: t for t in evaluation_to_trackers(data, f"evaluation of {dataset}")}
    out = []
    for key, (name, init, directory) in zip(keys, specs):
        tracker = by_key[key]
        init = init or tracker.init or _init_from_manifest(directory)
        out.append(replace(tracker, name=name, init=init, origin=str(directory), results_dir=str(directory)))
    return out


def load_profile(path: str | Path) -> dict[str, Any]:
    """A profile JSON (``nlbench profile --json``), checked for the fields the cost table uses."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, Mapping) or "tracker" not in data or not isinstance(data.get("phases"), Mapping):
        raise ReportInputError(f"{path}: expected an nlbench profile JSON with 'tracker' and 'phases'")
    return dict(data)


def _grounder_name(data: Mapping[str, Any], path: Path) -> str:
    """``grounder`` if recorded, else the predictions file ``<grounder>-<split>-<unit>.csv``, else the JSON's stem."""
    if data.get("grounder"):
        return str(data["grounder"])
    predictions = data.get("predictions")
    if predictions:
        stem = Path(str(predictions)).stem
        suffix = f"-{data.get('split')}-{data.get('unit')}"
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return path.stem


def load_grounding(path: str | Path) -> dict[str, Any]:
    """A grounding result JSON (``nlbench ground --json``)."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, Mapping) or "accuracy" not in data:
        raise ReportInputError(f"{path}: expected an nlbench grounding JSON with 'accuracy'")
    return grounding_record(data, path.stem)


def grounding_record(data: Mapping[str, Any], fallback_name: str = "grounder") -> dict[str, Any]:
    """``data`` with ``grounder`` filled in (recorded name, else from the predictions file, else ``fallback_name``)."""
    return {**data, "grounder": _grounder_name(data, Path(fallback_name))}
