"""Separated pipelines end to end (random weights) and the joint-vs-separated report from their runs (issue 10)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nlbench.report.writer import write_report
from nlbench.run.stages import RunRequest, run_stage
from tests.fixtures_frames import make_moving_square_sequence


@pytest.fixture(scope="module")
def tiny_tnl2k(tmp_path_factory):
    root = tmp_path_factory.mktemp("TNL2K_test")
    make_moving_square_sequence(root, "square_a", n_frames=4, seed=1)
    make_moving_square_sequence(root, "square_b", n_frames=3, seed=2, sentence="the red square, moving right")
    return root


@pytest.mark.parametrize("pipeline", ["vltvg+stark-st101", "vltvg+ostrack-384"])
def test_separated_pipeline_runs_and_writes_the_grounded_box(pipeline, tiny_tnl2k, tmp_path):
    out = tmp_path / pipeline
    summary = run_stage(RunRequest(tracker=pipeline, dataset="tnl2k", root=tiny_tnl2k, sequences=["square_a", "square_b"], mode="nl", out=out,
                                   options={"random_weights": True}, quiet=True))
    assert summary.ok, summary.failed
    for name, n in (("square_a", 4), ("square_b", 3)):
        boxes = np.loadtxt(out / f"{name}.txt", delimiter="\t", ndmin=2)
        assert boxes.shape == (n, 4)
        np.testing.assert_array_equal(boxes[0], np.loadtxt(tiny_tnl2k / name / "groundtruth.txt", delimiter=",")[0])
        assert np.isfinite(boxes).all() and (boxes[1:, 2:] > 0).all()
        ground = np.loadtxt(out / f"{name}_ground.txt", delimiter="\t")
        assert ground.shape == (4,) and np.isfinite(ground).all()
    assert json.loads((out / "run.json").read_text())["mode"] == "nl"


def test_joint_vs_separated_report_renders(tiny_tnl2k, tmp_path):
    runs = {}
    for name, tracker, mode in (("VLTVG+STARK-ST101", "vltvg+stark-st101", "nl"), ("Static", "static", "bb")):
        out = tmp_path / tracker
        run_stage(RunRequest(tracker=tracker, dataset="tnl2k", root=tiny_tnl2k, sequences=["square_a", "square_b"], mode=mode, out=out,
                             options={"random_weights": True} if "+" in tracker else {}, quiet=True))
        runs[name] = (mode, out)
    from nlbench.eval import evaluate
    from nlbench.datasets import load_sequences

    sequences = load_sequences("tnl2k", tiny_tnl2k, names=["square_a", "square_b"], with_frames=False)
    evaluation = evaluate(sequences, {n: d for n, (_, d) in runs.items()}, dataset="tnl2k", bootstrap=False)
    eval_json = tmp_path / "eval.json"
    eval_json.write_text(json.dumps(evaluation.to_json()))
    write_report(tmp_path / "report", ["tnl2k"], eval_json=[eval_json], include_reported=True)
    html = (tmp_path / "report" / "index.html").read_text()
    assert "VLTVG+STARK-ST101" in html and "JointNLT" in html  # measured rows beside the paper's
    assert (tmp_path / "report" / "tables.tex").is_file()
    assert list((tmp_path / "report" / "plots").glob("tnl2k_success.png"))
