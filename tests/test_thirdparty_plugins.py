"""A dataset and a tracker from packages outside the repository flow through run, eval, report and leaderboard.

Both packages are written to ``tmp_path`` with a ``*.dist-info`` folder (``METADATA`` + ``entry_points.txt``),
which is what ``pip install`` leaves behind: ``importlib.metadata`` finds the entry points on ``sys.path``
(``PYTHONPATH`` for the CLI subprocesses).  Nothing in nlbench is edited or told about them.

Hand-computed numbers (JointNLT protocol: success counts IoU > t for the 21 thresholds 0, 0.05, ..., 1; row 0
of a result file is the GT box, so frame 0 succeeds at the 20 thresholds below 1).  The tracker returns the
initial box moved 5 px to the right on every later frame; each sequence has 5 frames and a fixed GT box:

- ``alpha``, GT 10x10: IoU = 50/150 = 1/3 > t for 7 thresholds (0 ... 0.30); AUC = (20 + 4*7) / (5*21) = 48/105;
  centre error 5 px <= 20 (precision 100 %); normalised error 5/10 = 0.5 > 0.2 (NP@0.20 = 1/5).
- ``beta``, GT 30x10: IoU = 250/350 = 5/7 > t for 15 thresholds (0 ... 0.70); AUC = (20 + 4*15) / 105 = 80/105;
  precision 100 %; normalised error 5/30 <= 0.2 (NP@0.20 = 5/5).

Dataset means: AUC = 128/210 = 60.952 %, precision 100 %, NP@0.20 = 60 %.  Per attribute: ``A`` = alpha only
(45.714 %), ``B`` = beta only (76.190 %), listed in the plugin's order (B before A).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from nlbench.core import registry

AUC = {"alpha": 48 / 105 * 100, "beta": 80 / 105 * 100}
MEAN_AUC = 128 / 210 * 100

DATASET_MODULE = '''
"""toyset: a third-party nlbench dataset (the README's example)."""
from pathlib import Path

import numpy as np

from nlbench.errors import DatasetError
from nlbench.types import DatasetPlugin, Sequence


def load(root, split, names=None, with_frames=True):
    root = Path(root)
    found = sorted(p.name for p in root.iterdir() if (p / "gt.txt").is_file())
    wanted = found if names is None else list(dict.fromkeys(names))
    sequences = []
    for name in wanted:
        folder = root / name
        if not (folder / "gt.txt").is_file():
            raise DatasetError(f"toyset: no sequence {name} under {root}")
        gt = np.loadtxt(folder / "gt.txt", delimiter=",", ndmin=2)
        flags = (folder / "attributes.txt").read_text().split()
        sequences.append(Sequence(
            name=name,
            dataset="toyset",
            frames=tuple(sorted((folder / "frames").glob("*.png"))) if with_frames else (),
            gt=gt,
            language=(folder / "sentence.txt").read_text().strip(),
            attributes={"A": flags[0] == "1", "B": flags[1] == "1"},
        ))
    return sequences


def aliases():
    return {"alpha": ("Alpha_1",), "Alpha_1": ("alpha",)}


TOYSET = DatasetPlugin(
    name="toyset",
    description="two 5-frame sequences with a fixed box",
    load=load,
    env_var="TOYSET_ROOT",
    source="the toyset test fixture",
    kind="tracking",
    attributes=("B", "A"),
    sequence_aliases=aliases,
    display_name="ToySet",
)
'''

TRACKER_MODULE = '''
"""offset: a third-party nlbench tracker (the README's example): the initial box, moved dx pixels right."""
import numpy as np

from nlbench.types import TrackerPlugin


class OffsetTracker:
    def __init__(self, dx):
        self.dx = float(dx)

    def initialize(self, frame, text, box):
        self.box = np.asarray(box, dtype=np.float64) + [self.dx, 0.0, 0.0, 0.0]
        return np.asarray(box, dtype=np.float64)

    def track(self, frame):
        return self.box.copy()


def build(checkpoint=None, device="cpu", dx=5.0, **options):
    return OffsetTracker(dx)


OFFSET = TrackerPlugin(name="offset", description="initial box moved dx px right", build=build, modes=("bb",))
'''


def _distribution(site: Path, name: str, module: str, group: str, target: str) -> None:
    """A package plus the ``*.dist-info`` that ``pip install`` would write for it."""
    (site / f"{name}.py").write_text(textwrap.dedent(module), encoding="utf-8")
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{group}]\n{target}\n", encoding="utf-8")


def _dataset_root(root: Path) -> None:
    for name, box, flags in (("alpha", (10, 10, 10, 10), "1 0"), ("beta", (30, 20, 30, 10), "0 1")):
        folder = root / name
        (folder / "frames").mkdir(parents=True)
        for k in range(5):
            cv2.imwrite(str(folder / "frames" / f"{k:04d}.png"), np.full((64, 96, 3), 40 * k, np.uint8))
        (folder / "gt.txt").write_text("\n".join(",".join(map(str, box)) for _ in range(5)) + "\n")
        (folder / "sentence.txt").write_text(f"the {name} box\n")
        (folder / "attributes.txt").write_text(flags + "\n")


@pytest.fixture(scope="module")
def thirdparty(tmp_path_factory):
    base = tmp_path_factory.mktemp("thirdparty")
    site = base / "site"
    site.mkdir()
    _distribution(site, "toyset_plugin", DATASET_MODULE, "nlbench.datasets", "toyset = toyset_plugin:TOYSET")
    _distribution(site, "offset_tracker", TRACKER_MODULE, "nlbench.trackers", "offset = offset_tracker:OFFSET")
    _dataset_root(base / "data")
    return base


def _nlbench(base: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(base / "site"), os.environ.get("PYTHONPATH", "")]))
    env.update(OMP_NUM_THREADS="1", NLBENCH_CACHE=str(base / "cache"))
    done = subprocess.run(
        [sys.executable, "-m", "nlbench.cli", *args], cwd=base, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"nlbench {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_run_eval_report_leaderboard_through_the_cli(thirdparty):
    base = thirdparty
    _nlbench(base, "run", "--tracker", "offset", "--dataset", "toyset", "--root", "data", "--mode", "bb",
             "--out", "runs/offset", "--option", "dx=5", "--quiet")  # fmt: skip
    rows = np.loadtxt(base / "runs" / "offset" / "alpha.txt", ndmin=2)
    assert rows.tolist() == [[10, 10, 10, 10]] + [[15, 10, 10, 10]] * 4

    out = _nlbench(base, "eval", "--dataset", "toyset", "--root", "data", "--results", "Offset=runs/offset",
                   "--json", "eval.json", "--store", "store", "--no-bootstrap")  # fmt: skip
    assert "60.95" in out
    data = json.loads((base / "eval.json").read_text())
    scores = data["trackers"]["Offset"]
    assert scores["auc"] == pytest.approx(MEAN_AUC, abs=1e-9)
    assert scores["precision"] == pytest.approx(100.0) and scores["norm_precision"] == pytest.approx(60.0)
    assert {n: s["auc"] for n, s in scores["sequences"].items()} == pytest.approx(AUC, abs=1e-9)
    assert list(scores["attributes"]) == ["B", "A"]  # the plugin's attribute order, not the order first seen
    assert scores["attributes"]["A"]["auc"] == pytest.approx(AUC["alpha"], abs=1e-9)

    _nlbench(base, "report", "--dataset", "toyset", "--root", "data", "--results", "Offset@bb=runs/offset",
             "--scale", "percent", "--out", "report")  # fmt: skip
    page = (base / "report" / "index.html").read_text(encoding="utf-8")
    assert "ToySet" in page and "61.0" in page  # display name from the plugin, AUC 60.95 shown to one decimal
    assert (base / "report" / "plots" / "toyset_success.png").is_file()

    board = _nlbench(base, "leaderboard", "--dataset", "toyset", "--source", "measured", "--store", "store")
    (row,) = [line for line in board.splitlines() if "Offset" in line]
    assert row.split()[3:6] == ["61.0", "100.0", "60.0"]  # AUC, P, NP


def test_sequence_aliases_come_from_the_plugin(thirdparty, monkeypatch, tmp_path):
    """A result file named by an alias (``Alpha_1.txt``) is found for ``alpha``, with the same numbers."""
    from nlbench.datasets import load_sequences
    from nlbench.eval import evaluate

    monkeypatch.syspath_prepend(str(thirdparty / "site"))
    registry._entry_points.cache_clear()
    monkeypatch.setenv("NLBENCH_CACHE", str(tmp_path / "cache"))
    try:
        sequences = load_sequences("toyset", thirdparty / "data", with_frames=False)
        renamed = tmp_path / "renamed"
        renamed.mkdir()
        box = {"alpha": [10, 10, 10, 10], "beta": [30, 20, 30, 10]}
        for name, spelling in (("alpha", "Alpha_1"), ("beta", "beta")):
            rows = [box[name]] + [[box[name][0] + 5, *box[name][1:]]] * 4
            (renamed / f"{spelling}.txt").write_text("\n".join("\t".join(map(str, r)) for r in rows) + "\n")
        result = evaluate(sequences, {"t": renamed}, "toyset", bootstrap=False, cache=False)
        assert result.trackers["t"].auc == pytest.approx(MEAN_AUC, abs=1e-9)
    finally:
        registry._entry_points.cache_clear()
