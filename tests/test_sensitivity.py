"""``nlbench sensitivity``: scores per run, paired statistics against the base, flipped sequences (hand-built runs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import EvaluationError
from nlbench.eval.sensitivity import sensitivity
from nlbench.datasets import load_sequences
from nlbench.eval.statistics import paired_comparison
from nlbench.store.writer import format_boxes
from tests.fixtures_frames import make_moving_square_sequence

NAMES = [f"seq_{i:02d}" for i in range(6)]
N_FRAMES = 10
# JointNLT protocol: 21 thresholds 0, 0.05, ..., 1 and success = IoU > t, so a perfect sequence scores 20/21
PERFECT_AUC = 100.0 * 20 / 21
# row 0 is the GT init box (IoU 1), the 9 other rows miss: 1/10 of the perfect curve
LOST_AUC = PERFECT_AUC / N_FRAMES


@pytest.fixture()
def runs(tmp_path):
    root = tmp_path / "TNL2K_test"
    gts = {name: make_moving_square_sequence(root, name, n_frames=N_FRAMES, seed=i) for i, name in enumerate(NAMES)}
    base, variant = tmp_path / "base", tmp_path / "distractor"
    for name, gt in gts.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / f"{name}.txt").write_text(format_boxes(gt))
        (base / f"{name}_ground.txt").write_text(format_boxes(gt[0]))
        lost = name in ("seq_03", "seq_04", "seq_05")
        boxes = gt.copy()
        if lost:
            boxes[1:] = [200.0, 200.0, 10.0, 10.0]  # far from the square
        variant.mkdir(exist_ok=True)
        (variant / f"{name}.txt").write_text(format_boxes(boxes))
        ground = gt[0].copy()
        if name == "seq_01":
            ground[2] /= 2  # half the width: IoU exactly 0.5, a failure under IoU > 0.5
        if lost:
            ground = np.array([200.0, 200.0, 10.0, 10.0])
        (variant / f"{name}_ground.txt").write_text(format_boxes(ground))
    sentences = {n: f"the blue circle <{n}>" for n in NAMES}
    (variant / "run.json").write_text(json.dumps({"tracker": "x", "sentences": sentences}))
    return root, base, variant


def test_scores_deltas_and_flips_by_hand(runs):
    root, base, variant = runs
    seqs = load_sequences("tnl2k", root, None, NAMES, with_frames=False)
    result = sensitivity(seqs, ("original", base), [("distractor", variant)], dataset="tnl2k")
    b, (v,) = result.base, result.variants
    assert b.auc == pytest.approx(PERFECT_AUC) and b.grounding_accuracy == 100.0 and b.grounding_n == 6
    assert v.auc == pytest.approx((3 * PERFECT_AUC + 3 * LOST_AUC) / 6)
    assert v.grounding_accuracy == pytest.approx(200 / 6)  # seq_00 and seq_02 only
    assert v.delta_grounding == pytest.approx(200 / 6 - 100)
    assert b.precision == 100.0 and v.precision == pytest.approx(100 * (3 + 3 * 0.1) / 6)
    assert v.sequence_iou["seq_01"] == pytest.approx(0.5)
    expected = paired_comparison("distractor", np.array([PERFECT_AUC] * 3 + [LOST_AUC] * 3), "original",
                                 np.array([PERFECT_AUC] * 6))
    assert v.comparison.mean_difference == pytest.approx(-(PERFECT_AUC - LOST_AUC) / 2)
    assert v.comparison.ci95 == pytest.approx(expected.ci95) and v.comparison.wilcoxon_p == pytest.approx(expected.wilcoxon_p)
    flips = {f.sequence: f.reasons for f in v.flips}
    assert flips == {"seq_01": ("grounding",), "seq_03": ("grounding", "auc"), "seq_04": ("grounding", "auc"),
                     "seq_05": ("grounding", "auc")}
    flip = v.flips[0]
    assert flip.sentence == "the blue circle <seq_01>" and flip.base_sentence == "the red square moving right"


def test_cli_prints_the_table_and_writes_json(runs, tmp_path):
    root, base, variant = runs
    out = tmp_path / "sens.json"
    result = CliRunner().invoke(main, ["sensitivity", "--dataset", "tnl2k", "--root", str(root), "--base",
                                       f"original={base}", "--variant", f"distractor={variant}", "--json", str(out),
                                       "--sequences", ",".join(NAMES)])
    assert result.exit_code == 0, result.output
    assert "distractor" in result.output and "4/6" in result.output and "seq_03: AUC 95.24 -> 9.52" in result.output
    data = json.loads(out.read_text())
    assert data["kind"] == "sensitivity" and data["base"]["label"] == "original"
    (variant_json,) = data["variants"]
    assert variant_json["delta_auc"]["mean_difference"] == pytest.approx(-(PERFECT_AUC - LOST_AUC) / 2)
    assert [f["sequence"] for f in variant_json["flipped"]] == ["seq_01", "seq_03", "seq_04", "seq_05"]
    assert variant_json["sequences"]["seq_02"]["sentence"] == "the blue circle <seq_02>"


def test_needs_a_variant_and_distinct_names(runs):
    root, base, variant = runs
    seqs = load_sequences("tnl2k", root, None, NAMES, with_frames=False)
    with pytest.raises(EvaluationError, match="at least one --variant"):
        sensitivity(seqs, ("original", base), [], dataset="tnl2k")
    with pytest.raises(EvaluationError, match="its own name"):
        sensitivity(seqs, ("x", base), [("x", variant)], dataset="tnl2k")


def test_the_shipped_fig6_experiment_plans_the_sentence_study():
    from pathlib import Path

    from nlbench.experiment import load_experiment, make_plan

    plan = make_plan(load_experiment(Path(__file__).resolve().parent.parent / "experiments" / "fig6-sentences.toml"))
    assert [s.verb for s in plan.before_runs] == ["sentences"] * 5
    assert len(plan.runs) == 6 and {r.mode for r in plan.runs} == {"nl"}
    request = _request(plan.sensitivity)
    assert [v.split("=")[0] for v in request.variants] == [
        "paraphrase", "minimal", "ambiguous", "distractor", "relational"]
    assert request.dataset == "synth" and request.json_out is not None and request.json_out.suffix == ".json"


def _request(step):
    """The plan step's request; a plan that still holds a command line has it parsed into one."""
    from nlbench.cli.options import parse_request
    from nlbench.eval.stages import SensitivityRequest

    request = getattr(step, "request", None)
    return request if request is not None else parse_request([step.verb, *step.args], SensitivityRequest)
