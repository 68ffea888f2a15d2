"""Regenerate ``tests/data/goldens/*.json``: every original toolkit run on the fixtures.

    python -m tools.toolkit_goldens.regenerate \\
        --jointnlt CHECKOUT --pytracking CHECKOUT --got10k CHECKOUT \\
        --ltk CHECKOUT --ttk CHECKOUT --otb CHECKOUT [--octave octave] [--only PROTOCOL ...] [--out DIR]

Checkouts (git work trees, read only; the commit is recorded from ``git rev-parse HEAD``):

* ``--jointnlt``   lizhou-cs/JointNLT                       -> protocol ``jointnlt``
* ``--pytracking`` visionml/pytracking                      -> ``pytracking``
* ``--got10k``     got-10k/toolkit                          -> ``got10k``
* ``--ltk``        HengLan/LaSOT_Evaluation_Toolkit          -> ``lasot-matlab`` (GNU Octave)
* ``--ttk``        wangxiao5791509/TNL2K_evaluation_toolkit  -> ``tnl2k-matlab`` (GNU Octave)
* ``--otb``        tracker_benchmark_v1.0 (Wu et al.; e.g. hedes1992/tracker_benchmark_v1.0 at 9b953cd,
  "origin version")                                         -> ``otb-matlab`` (GNU Octave)

The fixtures are built afresh (:func:`fixtures.build`) in a temporary folder; each Python original runs in
its own process (:mod:`py_toolkits`), each MATLAB toolkit in a temporary copy under Octave
(:mod:`octave_toolkits`, which lists every edit).  The output is byte-reproducible for the same checkouts,
Octave and torch: numbers are written with Python's shortest round-trip repr, keys sorted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tools.toolkit_goldens import fixtures as fx
from tools.toolkit_goldens import octave_toolkits as ot

GOLDENS = fx.REPO / "tests" / "data" / "goldens"

ORIGINALS = {
    "jointnlt": ("lizhou-cs/JointNLT", "lib/test/analysis/{extract_results,plot_results}.py, lib/test/evaluation/*dataset.py"),
    "pytracking": ("visionml/pytracking", "pytracking/analysis/{extract_results,plot_results}.py, pytracking/evaluation/*dataset.py"),
    "got10k": ("got-10k/toolkit", "got10k/experiments/{lasot,otb}.py, got10k/datasets/{lasot,otb}.py, got10k/utils/metrics.py"),
    "lasot-matlab": ("HengLan/LaSOT_Evaluation_Toolkit", "run_tracker_performance_evaluation.m, utils/*.m"),
    "tnl2k-matlab": ("wangxiao5791509/TNL2K_evaluation_toolkit", "Evaluate_TNL2K_dataset.m, utils/*.m"),
    "otb-matlab": ("tracker_benchmark_v1.0 (Wu, Lim, Yang; copy hedes1992/tracker_benchmark_v1.0)",
                   "perfPlot.m, genPerfMat.m, util/{calcSeqErrRobust,splitSeqTRE,plotDrawSave}.m, rstEval/calcRectInt.m"),
}
_OPTION = {"jointnlt": "jointnlt", "pytracking": "pytracking", "got10k": "got10k", "lasot-matlab": "ltk",
           "tnl2k-matlab": "ttk", "otb-matlab": "otb"}  # fmt: skip
_OCTAVE_DATASET = {"ltk": "lasot", "ttk": "tnl2k", "otb": "otb99"}
#: OTB perfPlot.m attFigName (line 11) -> the short names of :data:`fixtures.ATTRIBUTE_FILE_ORDER`.
_OTB_FIGURE_NAMES = dict(zip(
    ("illumination_variations", "out-of-plane_rotation", "scale_variations", "occlusions", "deformation", "blur",
     "abrupt_motion", "in-plane_rotation", "out-of-view", "background_clutter", "low_resolution"),
    fx.ATTRIBUTE_FILE_ORDER["otb99"]))  # fmt: skip


def commit_of(checkout: Path) -> str:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def canonical_name(dataset: str, name: str) -> str:
    if dataset != "otb99":
        return name
    for target in fx.OTB:
        if name in (target.canonical, target.jointnlt, target.pytracking, target.got10k, target.toolkit):
            return target.canonical
    raise KeyError(name)


def _canonical_tracker(dataset: str, entry: dict[str, Any]) -> dict[str, Any]:
    if "per_sequence" in entry:
        entry["per_sequence"] = {canonical_name(dataset, n): v for n, v in entry["per_sequence"].items()}
    entry.pop("printed", None)
    return entry


def python_golden(protocol: str, checkout: Path | None, fixture: Path, work: Path) -> dict[str, Any]:
    toolkit = _OPTION[protocol]
    raw_path = work / f"{toolkit}.json"
    command = [sys.executable, "-m", "tools.toolkit_goldens.py_toolkits", toolkit, "--fixture", str(fixture),
               "--work", str(work / toolkit), "--out", str(raw_path)]  # fmt: skip
    if checkout is not None:
        command += ["--checkout", str(checkout)]
    subprocess.run(command, check=True, cwd=fx.REPO)
    raw = json.loads(raw_path.read_text())
    datasets = {}
    for dataset, entry in raw.items():
        datasets[dataset] = {
            "sequences": [canonical_name(dataset, n) for n in entry["sequences"]],
            "trackers": {t: _canonical_tracker(dataset, v) for t, v in entry["trackers"].items()},
        }
    return datasets


def _octave_tracker(toolkit: str, runs: dict[bool, dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any]:
    plain, norm = runs[False], runs.get(True)
    if "raises" in plain:
        return {"raises": plain["raises"]}
    if norm is not None and "raises" in norm:
        return {"raises": norm["raises"]}

    def key(fig_name: str) -> tuple[str | None, str]:
        """(attribute or None, metric) of a figure name."""
        base = fig_name.rsplit("/", 1)[-1]
        stem = base.rsplit("_OPE_", 1)[0]
        attribute, _, metric = stem.rpartition("_")
        if toolkit == "otb":
            attribute = None if attribute == "quality_plot" else _OTB_FIGURE_NAMES[attribute]
        return attribute or None, metric

    tables: dict[str | None, dict[str, Any]] = {}
    for run, metrics in ((plain, {"overlap": "success", "error": "precision"}), (norm, {"error": "norm_precision"})):
        if run is None:
            continue
        for fig_name, value in run["curves"].items():
            attribute, metric = key(fig_name)
            if metric in metrics:
                tables.setdefault(attribute, {"n": value["n"], "kept": {}, "curves": {}})
                tables[attribute]["kept"][metrics[metric]] = value["kept"]
                tables[attribute]["curves"][metrics[metric]] = value["curve"]

    def scores(curves: dict[str, list[float]]) -> dict[str, float]:
        out = {"auc": 100 * sum(curves["success"]) / len(curves["success"]), "op50": 100 * curves["success"][10],
               "precision": 100 * curves["precision"][20]}  # fmt: skip
        if "norm_precision" in curves:
            out["norm_precision"] = 100 * curves["norm_precision"][20]
            out["norm_precision_mean"] = 100 * sum(curves["norm_precision"]) / len(curves["norm_precision"])
        return out

    overall = tables.pop(None)
    per_sequence: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    for run, metrics in ((plain, {"overlap": "success", "error": "precision"}), (norm, {"error": "norm_precision"})):
        if run is None:
            continue
        for metric, rows in run["per_sequence"].items():
            if metric in metrics:
                for i, curve in rows.items():
                    per_sequence[names[i - 1]][metrics[metric]] = curve
    return {
        "scores": scores(overall["curves"]),
        "curves": overall["curves"],
        "kept": overall["kept"],
        "per_sequence": per_sequence,
        "attributes": {a: {"n": t["n"], "kept": t["kept"], **scores(t["curves"])} for a, t in tables.items()},
    }


def octave_golden(protocol: str, checkout: Path, fixture: Path, work: Path, octave: str) -> dict[str, Any]:
    toolkit = _OPTION[protocol]
    dataset = _OCTAVE_DATASET[toolkit]
    names = fx.sequence_names(dataset)
    trackers = {}
    for tracker in fx.TRACKER_NAMES:
        runs = {False: ot.run_one(toolkit, checkout, fixture, work, tracker, False, octave)}
        if toolkit != "otb":  # the OTB toolkit has no normalized error
            runs[True] = ot.run_one(toolkit, checkout, fixture, work, tracker, True, octave)
        trackers[tracker] = _octave_tracker(toolkit, runs, names)
    return {dataset: {"sequences": list(names), "trackers": trackers}}


def _dumps(value: Any, indent: int = 0) -> str:
    """JSON with sorted keys, one key per line, lists of numbers on one line."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f'{pad} {json.dumps(k)}: {_dumps(value[k], indent + 1)}' for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) for v in value):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    if isinstance(value, list):
        return "[\n" + ",\n".join(f"{pad} {_dumps(v, indent + 1)}" for v in value) + "\n" + pad + "]"
    return json.dumps(value)


def golden_document(protocol: str, commit: str, command: str, datasets: dict[str, Any], runner: str) -> dict[str, Any]:
    repo, files = ORIGINALS[protocol]
    document: dict[str, Any] = {
        "protocol": protocol,
        "original": {"repository": repo, "commit": commit, "files": files, "runner": runner},
        "command": command,
        "fixtures": "tools/toolkit_goldens/fixtures.py on tests/data/toolkit_fixtures/annos",
        "trackers": {t.name: t.description for t in fx.TRACKERS},
        "datasets": datasets,
    }
    toolkit = _OPTION[protocol]
    if toolkit in ot.EDITS:
        document["edits"] = [f"{e.file}: {e.old.strip()!r} -> {e.new.strip()!r} ({e.why})" for e in ot.EDITS[toolkit]]
        document["replaced"] = ot.REPLACED[toolkit]
        document["headless"] = "no-op " + ", ".join(ot._HEADLESS) + " first on the path"
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for protocol, option in _OPTION.items():
        parser.add_argument(f"--{option}", type=Path, help=f"checkout of {ORIGINALS[protocol][0]}")
    parser.add_argument("--octave", default="octave")
    parser.add_argument("--only", nargs="*", choices=list(_OPTION), help="protocols to regenerate (default: all given)")
    parser.add_argument("--out", type=Path, default=GOLDENS)
    args = parser.parse_args(argv)
    wanted = args.only or [p for p, o in _OPTION.items() if getattr(args, o) is not None]
    missing = [p for p in wanted if getattr(args, _OPTION[p]) is None]
    if missing:
        parser.error("no checkout for " + ", ".join(missing))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nlbench-goldens-") as tmp:
        fixture = Path(tmp) / "fixture"
        fx.build(fixture)
        for protocol in wanted:
            checkout = getattr(args, _OPTION[protocol]).resolve()
            work = Path(tmp) / protocol
            work.mkdir()
            if _OPTION[protocol] in ot.EDITS:
                datasets = octave_golden(protocol, checkout, fixture, work, args.octave)
                runner = ot.octave_version(args.octave)
            else:
                datasets = python_golden(protocol, checkout, fixture, work)
                runner = "Python " + sys.version.split()[0] + _torch_note(protocol)
            command = (f"python -m tools.toolkit_goldens.regenerate --only {protocol} --{_OPTION[protocol]} "
                       f"<{ORIGINALS[protocol][0].split()[0]} checkout>" + (" --octave octave" if _OPTION[protocol] in ot.EDITS else ""))  # fmt: skip
            document = golden_document(protocol, commit_of(checkout), command, datasets, runner)
            (args.out / f"{protocol}.json").write_text(_dumps(document) + "\n")
            print(f"{protocol}: {args.out / f'{protocol}.json'}")
    return 0


def _torch_note(protocol: str) -> str:
    if protocol not in ("jointnlt", "pytracking"):
        import numpy

        return f", numpy {numpy.__version__}"
    import torch

    return f", torch {torch.__version__} (CPU)"


if __name__ == "__main__":
    raise SystemExit(main())
