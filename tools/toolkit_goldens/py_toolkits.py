"""Run the Python originals on the fixtures: JointNLT's and pytracking's analysis, the got10k toolkit.

Run as a module, one toolkit per process (JointNLT's ``lib`` and pytracking's ``pytracking`` packages
would shadow each other)::

    python -m tools.toolkit_goldens.py_toolkits jointnlt --checkout JointNLT --fixture DIR --work DIR --out raw.json
    python -m tools.toolkit_goldens.py_toolkits pytracking --checkout pytracking ...
    python -m tools.toolkit_goldens.py_toolkits got10k [--checkout got10k-toolkit] ...

The checkouts are only read.  What each original needs but evaluation never uses is supplied from outside:

* JointNLT / pytracking: the user's path file (``lib/test/evaluation/local.py`` /
  ``pytracking/evaluation/local.py``) -> a module made in memory; packages imported at module level for
  training, plotting or visualisation only (``lmdb``, ``jpeg4py``, ``tikzplotlib``, ``visdom``) -> empty
  stand-ins when not installed; trackers -> plain objects with the five fields ``extract_results`` reads.
  The sequences come from the originals' own dataset classes (``_construct_sequence``), restricted to the
  fixture's names (their lists are hard-coded to the full test sets).  pytracking has no TNL2K loader: its
  TNL2K sequences are built as its other loaders build theirs (``load_text(..., delimiter=',')``, tag
  ``'tnl2k'``, no visibility).  Scores: ``print_results(..., merge_results=True, plot_types=('success',
  'prec', 'norm_prec'))`` as JointNLT's ``tracking/analysis_results.py`` calls it, then the numbers from the
  ``eval_data.pkl`` it saved, through its own ``merge_multiple_runs``, ``get_auc_curve`` and
  ``get_prec_curve`` (the printed table has two decimals).  Per attribute: the same on each attribute's
  sequences (pytracking's ``print_results_per_attribute`` does this for AUC).
* got10k: ``ExperimentLaSOT`` / ``ExperimentOTB(version=2013)`` and ``report()``, with the dataset's
  sequence list restricted to the fixture's (``seq_names`` / ``seq_dirs`` / ``anno_files`` set as their
  ``__init__`` sets them).  ``ExperimentOTB`` downloads unless every OTB-2013 folder exists: the other
  folders are created empty (they hold no ground truth, so its glob skips them).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np

from tools.toolkit_goldens import fixtures as fx
from tools.toolkit_goldens import views

_STUBS = ("lmdb", "jpeg4py", "tikzplotlib", "visdom", "visdom.server")


def _stub_missing_modules() -> None:
    for name in _STUBS:
        try:
            importlib.import_module(name)
        except ImportError:
            module = types.ModuleType(name)
            module.__path__ = []  # type: ignore[attr-defined]  (a package, for its submodules)
            module.Visdom = object  # type: ignore[attr-defined]
            sys.modules[name] = module
            if "." in name:
                setattr(sys.modules[name.rsplit(".", 1)[0]], name.rsplit(".", 1)[1], module)
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        module = types.ModuleType("tensorboardX")
        module.SummaryWriter = object  # type: ignore[attr-defined]
        sys.modules["tensorboardX"] = module


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _failure(exc: BaseException, work: Path) -> dict[str, str]:
    message = f"{type(exc).__name__}: {exc}".splitlines()[0].replace(str(work), "<work>")  # no temporary path
    kind = "unreadable" if "Could not read file" in message or "could not convert" in message else "raises"
    return {kind: message}


# ---------------------------------------------------------------------------------------------------
# JointNLT and pytracking


class _Family:
    """The pieces of one pytracking-family checkout."""

    def __init__(self, kind: str, checkout: Path, work: Path) -> None:
        self.kind = kind
        self.work = work
        results_path = work / "tracking_results"
        plot_path = work / "result_plots"
        _stub_missing_modules()
        if kind == "jointnlt":
            sys.path.insert(0, str(checkout))
            env_mod, local_name = "lib.test.evaluation.environment", "lib.test.evaluation.local"
        else:
            sys.path.insert(0, str(checkout))
            env_mod, local_name = "pytracking.evaluation.environment", "pytracking.evaluation.local"
        environment = importlib.import_module(env_mod)

        def local_env_settings():
            settings = environment.EnvSettings()
            settings.results_path = str(results_path)
            settings.result_plot_path = str(plot_path)
            settings.lasot_path = str(work / "data" / "lasot")
            settings.tnl2k_path = str(work / "data" / "tnl2k")
            settings.otb_path = str(work / "data" / ("otb99" if kind == "jointnlt" else "otb100"))
            if kind == "jointnlt":
                settings.prj_dir = settings.save_dir = str(work)
            return settings

        local = types.ModuleType(local_name)
        local.local_env_settings = local_env_settings  # type: ignore[attr-defined]
        sys.modules[local_name] = local
        prefix = "lib.test" if kind == "jointnlt" else "pytracking"
        self.plot_results = importlib.import_module(f"{prefix}.analysis.plot_results")
        self.load_text = importlib.import_module(f"{prefix}.utils.load_text").load_text
        self.data = importlib.import_module(f"{prefix}.evaluation.data")
        self.lasot = importlib.import_module(f"{prefix}.evaluation.lasotdataset")
        self.otb = importlib.import_module(f"{prefix}.evaluation.otbdataset")
        self.tnl2k = importlib.import_module(f"{prefix}.evaluation.tnl2kdataset") if kind == "jointnlt" else None
        self.results_path = results_path
        self.plot_path = plot_path

    def sequences(self, dataset: str) -> tuple[list, dict[str, list[str]]]:
        """The original's sequences of the fixture, and the attribute subsets (name -> sequence names)."""
        if dataset == "lasot":
            ds = self.lasot.LaSOTDataset()
            ds.sequence_list = list(fx.LASOT)
            seqs = list(ds.get_sequence_list())
            if self.kind == "pytracking":
                subsets = {a: ds._filter_sequence_list_by_attribute(a, list(fx.LASOT)) for a in ds.get_attribute_names()}
            else:
                subsets = fx.attribute_subsets("lasot")
        elif dataset == "tnl2k":
            if self.tnl2k is not None:
                ds = self.tnl2k.TNL2KDataset()
                seqs = [ds._construct_sequence(name) for name in fx.TNL2K]
            else:
                seqs = []
                for name in fx.TNL2K:
                    gt = self.load_text(str(self.work / "data" / "tnl2k" / name / "groundtruth.txt"), delimiter=",", dtype=np.float64)
                    seqs.append(self.data.Sequence(name, [], "tnl2k", gt.reshape(-1, 4)))
            subsets = fx.attribute_subsets("tnl2k")
        else:
            ds = self.otb.OTBDataset()
            if self.kind == "jointnlt":
                seqs = [ds._construct_sequence(t.jointnlt) for t in fx.OTB]
                subsets = {a: [next(t.jointnlt for t in fx.OTB if t.canonical == n) for n in names]
                           for a, names in fx.attribute_subsets("otb99").items()}  # fmt: skip
            else:
                wanted = {t.pytracking for t in fx.OTB}
                infos = [i for i in ds.sequence_info_list if i["name"] in wanted]
                seqs = [ds._construct_sequence(i) for i in infos]
                subsets = {a: [i["name"] for i in ds._filter_sequence_info_list_by_attribute(a, infos)]
                           for a in ds.get_attribute_names()}  # fmt: skip
        return seqs, {a: names for a, names in subsets.items() if names}

    def score(self, sequences: list, tracker: str, results_dir: Path, report: str) -> dict[str, Any]:
        trk = types.SimpleNamespace(name=tracker, parameter_name="bench", run_id=None, display_name=tracker,
                                    results_dir=str(results_dir))  # fmt: skip
        pr = self.plot_results
        with contextlib.redirect_stdout(io.StringIO()) as printed, contextlib.redirect_stderr(io.StringIO()):
            pr.print_results([trk], sequences, report, merge_results=True, plot_types=("success", "prec", "norm_prec"))
        with open(self.plot_path / report / "eval_data.pkl", "rb") as fh:
            eval_data = pr.merge_multiple_runs(pickle.load(fh))
        import torch

        valid = torch.tensor(eval_data["valid_sequence"], dtype=torch.bool)
        overlap = torch.tensor(eval_data["ave_success_rate_plot_overlap"])
        center = torch.tensor(eval_data["ave_success_rate_plot_center"])
        center_norm = torch.tensor(eval_data["ave_success_rate_plot_center_norm"])
        thresholds = torch.tensor(eval_data["threshold_set_overlap"])
        auc_curve, auc = pr.get_auc_curve(overlap, valid)
        prec_curve, prec = pr.get_prec_curve(center, valid)
        norm_curve, norm = pr.get_prec_curve(center_norm, valid)
        names = eval_data["sequences"]
        return {
            "scores": {
                "auc": float(auc[0]),
                "op50": float(auc_curve[0, thresholds == 0.50][0]),
                "op75": float(auc_curve[0, thresholds == 0.75][0]),
                "precision": float(prec[0]),
                "norm_precision": float(norm[0]),
            },
            "curves": {"success": _floats(auc_curve[0] / 100), "precision": _floats(prec_curve[0] / 100),
                       "norm_precision": _floats(norm_curve[0] / 100)},  # fmt: skip
            "per_sequence": {
                name: {"success": _floats(overlap[i, 0]), "precision": _floats(center[i, 0]),
                       "norm_precision": _floats(center_norm[i, 0])}  # fmt: skip
                for i, name in enumerate(names)
            },
            "printed": printed.getvalue().strip().splitlines()[-1].split()[1:],
        }


def _family_data(kind: str, fixture: Path, work: Path) -> None:
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    for dataset in ("lasot", "tnl2k"):
        if not (data / dataset).exists():
            (data / dataset).symlink_to(fixture / dataset, target_is_directory=True)
    if kind == "jointnlt":  # JointNLT reads its OTB queries from OTB_query_test/ only
        otb = data / "otb99"
        otb.mkdir(exist_ok=True)
        if not (otb / "OTB_videos").exists():
            (otb / "OTB_videos").symlink_to(fixture / "otb99" / "OTB_videos", target_is_directory=True)
        queries = otb / "OTB_query_test"
        queries.mkdir(exist_ok=True)
        for q in (fixture / "otb99" / "OTB_query_train").iterdir():
            (queries / q.name).write_bytes(q.read_bytes())
    else:
        views.otb100_tree(fixture, data / "otb100")


def run_family(kind: str, checkout: Path, fixture: Path, work: Path) -> dict[str, Any]:
    _family_data(kind, fixture, work)
    family = _Family(kind, checkout, work)
    out: dict[str, Any] = {}
    for dataset in fx.DATASETS:
        sequences, subsets = family.sequences(dataset)
        by_name = {s.name: s for s in sequences}
        entry: dict[str, Any] = {"sequences": [s.name for s in sequences], "trackers": {}}
        for tracker in fx.TRACKER_NAMES:
            directory = family.results_path / dataset / tracker / "bench"
            views.results(fixture, dataset, tracker, directory, naming=kind, start_frame=kind == "pytracking")
            try:
                scored = family.score(sequences, tracker, directory, f"{dataset}-{tracker}")
            except Exception as exc:  # the original's own error: recorded, nlbench must refuse the same input
                entry["trackers"][tracker] = _failure(exc, work)
                continue
            scored["attributes"] = {}
            for attribute, names in subsets.items():
                subset = [by_name[n] for n in names]
                sub = family.score(subset, tracker, directory, f"{dataset}-{tracker}-{attribute}")
                scored["attributes"][attribute] = {"n": len(subset), **sub["scores"]}
            entry["trackers"][tracker] = scored
        out[dataset] = entry
    return out


# ---------------------------------------------------------------------------------------------------
# got10k


def _got10k_modules(checkout: Path | None) -> tuple[Any, Any]:
    if checkout is not None:
        sys.path.insert(0, str(checkout))
    import got10k.experiments.otb as otb_experiment

    try:
        import got10k.experiments.lasot as lasot_experiment
    except ImportError:  # the PyPI release (0.1.3) has no LaSOT experiment
        lasot_experiment = None
    return otb_experiment, lasot_experiment


def got10k_version(checkout: Path | None) -> str:
    if checkout is not None:
        return "checkout"
    from importlib.metadata import version

    return version("got10k")


def _got10k_report(experiment: Any, tracker: str, names: list[str], key_norm: bool) -> dict[str, Any]:
    with contextlib.redirect_stdout(io.StringIO()):
        performance = experiment.report([tracker])[tracker]
    overall = performance["overall"]
    scores = {"auc": overall["success_score"] * 100, "op50": overall["success_rate"] * 100,
              "precision": overall["precision_score"] * 100}  # fmt: skip
    curves = {"success": _floats(overall["success_curve"]), "precision": _floats(overall["precision_curve"])}
    if key_norm:
        scores["norm_precision_mean"] = overall["normalized_precision_score"] * 100
        curves["norm_precision"] = _floats(overall["normalized_precision_curve"])
    per_sequence = {}
    for name in names:
        seq = performance["seq_wise"][name]
        per_sequence[name] = {"success": _floats(seq["success_curve"]), "precision": _floats(seq["precision_curve"])}
        if key_norm:
            per_sequence[name]["norm_precision"] = _floats(seq["normalized_precision_curve"])
    return {"scores": scores, "curves": curves, "per_sequence": per_sequence}


def run_got10k(checkout: Path | None, fixture: Path, work: Path, datasets: tuple[str, ...] = ("lasot", "otb99")) -> dict[str, Any]:
    os.environ.setdefault("MPLBACKEND", "Agg")
    otb_experiment, lasot_experiment = _got10k_modules(checkout)
    out: dict[str, Any] = {}
    if "lasot" in datasets and lasot_experiment is not None:
        experiment = lasot_experiment.ExperimentLaSOT(str(fixture / "lasot"), subset="test",
                                                      result_dir=str(work / "lasot-results"), report_dir=str(work / "lasot-reports"))  # fmt: skip
        ds = experiment.dataset  # the fixture's names instead of lasot.json's 280, paths as its __init__ builds them
        ds.seq_names = list(fx.LASOT)
        ds.seq_dirs = [os.path.join(ds.root_dir, n[: n.rfind("-")], n, "img") for n in ds.seq_names]
        ds.anno_files = [os.path.join(os.path.dirname(d), "groundtruth.txt") for d in ds.seq_dirs]
        entry: dict[str, Any] = {"sequences": list(ds.seq_names), "trackers": {}}
        for tracker in fx.TRACKER_NAMES:
            views.results(fixture, "lasot", tracker, work / "lasot-results" / tracker)
            try:
                entry["trackers"][tracker] = _got10k_report(experiment, tracker, ds.seq_names, key_norm=True)
            except Exception as exc:
                entry["trackers"][tracker] = _failure(exc, work)
        out["lasot"] = entry
    if "otb99" in datasets:
        root = views.otb100_tree(fixture, work / "otb100", images=True)
        for name in otb_experiment.OTB._OTB__version_dict[2013]:  # every OTB-2013 folder, so nothing downloads
            (root / name).mkdir(exist_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):
            experiment = otb_experiment.ExperimentOTB(str(root), version=2013, result_dir=str(work / "otb-results"),
                                                      report_dir=str(work / "otb-reports"))  # fmt: skip
        names = list(experiment.dataset.seq_names)
        entry = {"sequences": names, "trackers": {}}
        for tracker in fx.TRACKER_NAMES:
            views.results(fixture, "otb99", tracker, Path(experiment.result_dir) / tracker, naming="got10k")
            try:
                entry["trackers"][tracker] = _got10k_report(experiment, tracker, names, key_norm=False)
            except Exception as exc:
                entry["trackers"][tracker] = _failure(exc, work)
        out["otb99"] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("toolkit", choices=("jointnlt", "pytracking", "got10k"))
    parser.add_argument("--checkout", type=Path, help="the original's checkout (got10k: omit to use the installed package)")
    parser.add_argument("--fixture", type=Path, required=True, help="a tree written by fixtures.build")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    fixture, work = args.fixture.resolve(), args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.toolkit == "got10k":
        raw = run_got10k(args.checkout.resolve() if args.checkout else None, fixture, work)
    else:
        raw = run_family(args.toolkit, args.checkout.resolve(), fixture, work)
    args.out.write_text(json.dumps(raw, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
