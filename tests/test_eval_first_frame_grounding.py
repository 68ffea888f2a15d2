"""First-frame grounding on a tracking dataset: ``<seq>_ground.txt`` against GT frame 0, hand-computed IoUs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.datasets.tnl2k import TNL2K_ATTRIBUTES
from nlbench.eval.grounding import first_frame_grounding
from nlbench.core.types import Sequence
from tests.fixtures_datasets import make_tnl2k_sequence

GT0 = [10.0, 10.0, 20.0, 20.0]  # area 400, corners (10,10)-(30,30)
# Grounded boxes and their IoU with GT0, by hand (all exactly representable except 1/3):
GROUNDED = {
    "half": ([10.0, 10.0, 20.0, 10.0], 0.5),  # top half: inter 200, union 400 -> exactly 0.5
    "same": ([10.0, 10.0, 20.0, 20.0], 1.0),
    "shifted": ([20.0, 10.0, 20.0, 20.0], 1 / 3),  # inter 10 x 20 = 200, union 600
    "away": ([100.0, 100.0, 5.0, 5.0], 0.0),
}
#: the first attribute flags "half" and "away" only
FLAGGED = {"half", "away"}


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "TNL2K"
    run = tmp_path / "run"
    run.mkdir()
    for name in (*GROUNDED, "bb_only"):
        flags = [1 if name in FLAGGED else 0] + [0] * (len(TNL2K_ATTRIBUTES) - 1)
        make_tnl2k_sequence(root, name, [GT0] * 3, attributes=flags)
        (run / f"{name}.txt").write_text("10\t10\t20\t20\n" * 3)
        if name in GROUNDED:
            (run / f"{name}_ground.txt").write_text("\t".join(f"{v:.4f}" for v in GROUNDED[name][0]) + "\n")
    return tmp_path, root, run


def test_eval_scores_the_grounded_first_frame(tree):
    tmp_path, root, run = tree
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"J={run}",
                                    "--sequences", ",".join([*GROUNDED, "bb_only"]), "--json", str(out), "--no-store"])  # fmt: skip
    assert res.exit_code == 0, res.output
    grounding = json.loads(out.read_text())["trackers"]["J"]["first_frame_grounding"]
    assert set(grounding) == {"n", "mean_iou", "acc50", "acc50_ge", "sequences"}
    assert grounding["n"] == 4  # bb_only has no _ground.txt
    assert grounding["sequences"]["half"] == 0.5 and grounding["sequences"]["same"] == 1.0
    assert grounding["sequences"]["away"] == 0.0 and grounding["sequences"]["shifted"] == pytest.approx(1 / 3, abs=1e-15)
    assert grounding["mean_iou"] == pytest.approx((0.5 + 1.0 + 1 / 3 + 0.0) / 4, abs=1e-15)
    assert grounding["acc50"] == 25.0  # IoU > 0.5 (JointNLT's code): only "same"
    assert grounding["acc50_ge"] == 50.0  # IoU >= 0.5 (standard): "same" and "half"
    per_attribute = json.loads(out.read_text())["trackers"]["J"]["first_frame_grounding_attributes"]
    assert per_attribute[TNL2K_ATTRIBUTES[0]] == {"n": 2, "mean_iou": 0.25, "acc50": 0.0, "acc50_ge": 50.0}


def test_no_ground_files_no_key(tree):
    tmp_path, root, run = tree
    for path in run.glob("*_ground.txt"):
        path.unlink()
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"J={run}",
                                    "--sequences", "half,same", "--json", str(out), "--no-store"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "first_frame_grounding" not in json.loads(out.read_text())["trackers"]["J"]


def test_several_runs_average_per_sequence_and_count_every_run():
    seq = Sequence(name="s", dataset="x", frames=(), gt=np.array([GT0]))
    scored = first_frame_grounding({"s": [np.array(GROUNDED["half"][0]), np.array(GROUNDED["same"][0])]}, [seq])
    assert scored is not None
    assert scored.to_json() == {"n": 2, "mean_iou": 0.75, "acc50": 50.0, "acc50_ge": 100.0, "sequences": {"s": 0.75}}
    assert first_frame_grounding({}, [seq]) is None
