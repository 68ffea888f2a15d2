"""Run the original JointNLT analysis (``tracking/analysis_results.py`` + ``print_results``) on given results.

Used by ``eval_speed.py`` to time the reference side by side with ``nlbench eval``; runnable on its own::

    python benchmarks/jointnlt_analysis.py --checkout JointNLT --lasot DATA/LaSOT --work DIR \\
        --results NAME=DIR [--results NAME=DIR ...] [--torch-threads 1]

It does what ``tracking/analysis_results.py`` does, with one ``trackerlist`` entry per ``--results``
instead of the script's single hard-coded one: ``get_dataset('lasot')`` (the original LaSOT loader),
then ``print_results(trackers, dataset, 'lasot', merge_results=True, plot_types=('success', 'prec',
'norm_prec'))``, which runs ``extract_results`` because the cached ``eval_data.pkl`` is deleted first
(cold, as ``nlbench eval`` is timed).  What the original needs but evaluation never uses is supplied
here, not edited in the checkout:

* ``lib/test/evaluation/local.py`` (the user's path settings) -> a module made in memory;
* ``lib/test/parameter/<tracker>.py`` (a tracker's network config, read when ``Tracker`` is built)
  -> an empty ``TrackerParams`` per tracker name;
* packages imported at module level for training or plotting only (``lmdb``, ``jpeg4py``,
  ``tikzplotlib``, ``tensorboard``) -> empty stand-ins when they are not installed.

The checkout is only read.  Prints the original's table.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import types
from pathlib import Path

_IMPORT_ONLY = ("lmdb", "jpeg4py", "tikzplotlib")


def _stub_missing_modules() -> None:
    for name in _IMPORT_ONLY:
        try:
            importlib.import_module(name)
        except ImportError:
            sys.modules[name] = types.ModuleType(name)
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:  # lib/train/admin/tensorboard.py falls back to tensorboardX
        module = types.ModuleType("tensorboardX")
        module.SummaryWriter = object  # type: ignore[attr-defined]
        sys.modules["tensorboardX"] = module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, required=True, help="a JointNLT checkout (lizhou-cs/JointNLT)")
    parser.add_argument("--lasot", type=Path, required=True, help="LaSOT root (<class>/<class>-<k>/...)")
    parser.add_argument("--work", type=Path, required=True, help="folder for the results layout and eval_data.pkl")
    parser.add_argument("--results", action="append", required=True, metavar="NAME=DIR")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads(N) before the analysis (its fastest setting on a small machine: 1)")
    args = parser.parse_args(argv)

    checkout = args.checkout.resolve()
    work = args.work.resolve()
    results_path = work / "tracking_results"
    plot_path = work / "result_plots"
    trackers = [spec.split("=", 1) for spec in args.results]
    for name, directory in trackers:  # the original's layout: <results_path>/<name>/<parameter>/<seq>.txt
        link = results_path / name / "bench"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(Path(directory).resolve(), target_is_directory=True)
    (plot_path / "lasot" / "eval_data.pkl").unlink(missing_ok=True)  # no cache: evaluate from the files

    if args.torch_threads is not None:
        import torch

        torch.set_num_threads(args.torch_threads)
    sys.path.insert(0, str(checkout / "tracking"))
    os.chdir(checkout / "tracking")
    _stub_missing_modules()
    import _init_paths  # noqa: F401  (the original's first import: puts the checkout on sys.path)

    from lib.test.evaluation.environment import EnvSettings

    def local_env_settings() -> EnvSettings:
        settings = EnvSettings()
        settings.lasot_path = str(args.lasot.resolve())
        settings.results_path = str(results_path)
        settings.result_plot_path = str(plot_path)
        settings.prj_dir = settings.save_dir = str(work)
        return settings

    local = types.ModuleType("lib.test.evaluation.local")
    local.local_env_settings = local_env_settings  # type: ignore[attr-defined]
    sys.modules["lib.test.evaluation.local"] = local
    from lib.test.utils import TrackerParams

    for name, _ in trackers:
        params = types.ModuleType(f"lib.test.parameter.{name}")
        params.parameters = lambda *_a, **_k: TrackerParams()  # type: ignore[attr-defined]
        sys.modules[params.__name__] = params

    # From here on, tracking/analysis_results.py (with three trackers).
    import matplotlib.pyplot as plt

    plt.rcParams["figure.figsize"] = [8, 8]
    from lib.test.analysis.plot_results import print_results
    from lib.test.evaluation import get_dataset, trackerlist

    tracker_list = []
    for name, _ in trackers:
        tracker_list.extend(trackerlist(name=name, parameter_name="bench", dataset_name="lasot", run_ids=None, display_name=name))
    dataset = get_dataset("lasot")
    print_results(tracker_list, dataset, "lasot", merge_results=True, plot_types=("success", "prec", "norm_prec"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
