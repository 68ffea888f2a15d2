"""The newer benchmarks' official protocols (nl-benchmarks-formats spec): each new Protocol rule on hand-computed
cases, and every protocol against the values its official toolkit computed on the fixtures of toolkit_cases.py.

Goldens: tests/data/new_protocol_goldens.json, made by running the toolkits themselves (read-only copies at the
commits named in the file; VastTrack's and TNLLT's MATLAB code under GNU Octave 7.3.0) on those fixtures written
in each benchmark's layout.  Agreement within 1e-3 percentage points (curves within 1e-5).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nlbench.core import boxes
from nlbench.core.errors import EvaluationError
from nlbench.core.types import Sequence
from nlbench.datasets.base import read_name_list, zero_rows
from nlbench.eval import PROTOCOLS, evaluate, score_sequence
from nlbench.eval.explain import rule_steps
from nlbench.eval.scorer import align
from tests import toolkit_cases as tc

GOLDENS = json.loads((Path(__file__).parent / "data" / "new_protocol_goldens.json").read_text())
PP = 1e-3  # percentage points
FRACTION = 1e-5
BOX = [10.0, 10.0, 20.0, 20.0]


def _sequences(key: str) -> tuple[str, list[Sequence], dict[str, dict[str, np.ndarray]]]:
    """The fixture as the dataset plugins would load it (normalised ``visible``), and the results."""
    if key.startswith("vasttrack"):
        dataset, case = "vasttrack", tc.vasttrack_case(invalid=key == "vasttrack-matlab")
        visible = {n: ~(flags.astype(bool) | zero_rows(gt)) for n, (gt, flags, _) in case.items()}
    elif key == "tnllt-matlab":
        dataset, case = "tnllt", tc.tnllt_case()
        visible = {n: flags.astype(bool) for n, (_, flags, _) in case.items()}  # absent_label: 1 = visible
    elif key.startswith("webuav3m"):
        dataset, case = "webuav3m", tc.webuav3m_case()
        visible = {n: ~zero_rows(gt) for n, (gt, _, _) in case.items()}
    else:
        dataset, case = "mgit", tc.mgit_case(read_name_list("mgit_val.txt"))
        visible = {n: ~(a.astype(bool) | s.astype(bool)) for n, (_, (a, s), _) in case.items()}
    size = tc.MGIT_SIZE if dataset == "mgit" else None
    sequences = [Sequence(name=n, dataset=dataset, frames=(), gt=gt, visible=visible[n], image_size=size)
                 for n, (gt, _, _) in case.items()]  # fmt: skip
    trackers = sorted(next(iter(case.values()))[2])
    results = {t: {n: preds[t] for n, (_, _, preds) in case.items()} for t in trackers}
    return dataset, sequences, results


def _evaluate(key: str, protocol: str | None = None):
    dataset, sequences, results = _sequences(key)
    return sequences, evaluate(sequences, results, dataset, protocol or key, bootstrap=False)


@pytest.mark.parametrize("key", ["vasttrack-py", "vasttrack-matlab", "tnllt-matlab", "webuav3m-mmot"])
def test_scores_and_curves_equal_the_toolkit(key):
    sequences, result = _evaluate(key)
    for tracker, expected in GOLDENS[key]["trackers"].items():
        got = result.trackers[tracker]
        # the toolkit's headline nPre: MMOT's is the 51-point mean (norm_precision_headline "curve_mean"), which
        # evaluate reports as norm_precision_mean beside the value at 0.20
        norm = "norm_precision_mean" if PROTOCOLS[key].norm_precision_headline == "curve_mean" else "norm_precision"
        for score, mine in (("auc", "auc"), ("precision", "precision"), ("norm_precision", norm)):
            assert getattr(got, mine) == pytest.approx(expected[score], abs=PP), (tracker, score)
        for curve in ("success", "precision", "norm_precision"):
            np.testing.assert_allclose(getattr(got.curves, curve), expected[f"{curve}_curve"], atol=FRACTION)
        for i, seq in enumerate(sequences):  # the per-sequence curves, before any sequence is dropped
            mine = expected["per_sequence"][seq.name]
            for curve in ("success", "precision", "norm_precision"):
                np.testing.assert_allclose(getattr(got.per_sequence, curve)[i], mine[f"{curve}_curve"], atol=FRACTION)


def test_cauc_equals_the_toolkit():
    # MMOT's cAUC: the success curve over complete IoU (webuav3m-mmot-cauc's AUC)
    sequences, result = _evaluate("webuav3m-mmot", "webuav3m-mmot-cauc")
    for tracker, expected in GOLDENS["webuav3m-mmot"]["trackers"].items():
        got = result.trackers[tracker]
        assert got.auc == pytest.approx(expected["cauc"], abs=PP)
        np.testing.assert_allclose(got.curves.success, expected["complete_success_curve"], atol=FRACTION)
        for i, seq in enumerate(sequences):
            np.testing.assert_allclose(got.per_sequence.success[i],
                                       expected["per_sequence"][seq.name]["complete_success_curve"], atol=FRACTION)
        assert got.precision == pytest.approx(expected["precision"], abs=PP)  # the other two as webuav3m-mmot


def test_mgit_scores_curves_and_sequences_equal_the_toolkit():
    sequences, result = _evaluate("mgit-official")
    for tracker, expected in GOLDENS["mgit-official"]["trackers"].items():
        got = result.trackers[tracker]
        assert got.auc == pytest.approx(expected["auc"], abs=PP)
        assert got.precision == pytest.approx(expected["precision"], abs=PP)
        assert got.norm_precision == pytest.approx(expected["norm_precision"], abs=PP)
        assert got.op50 == pytest.approx(expected["success_rate"], abs=PP)  # SR = success at IoU > 0.5 (index 50)
        np.testing.assert_allclose(got.curves.success, expected["success_curve"], atol=FRACTION)
        np.testing.assert_allclose(got.curves.precision, expected["precision_curve"], atol=FRACTION)
        per = got.sequence_scores()
        for name, mine in expected["per_sequence"].items():
            assert per[name]["auc"] == pytest.approx(mine["auc"], abs=PP), (tracker, name)
            assert per[name]["precision"] == pytest.approx(mine["precision"], abs=PP), (tracker, name)
            assert per[name]["norm_precision"] == pytest.approx(mine["norm_precision"], abs=PP), (tracker, name)
    # the fixture's zero-N-PRE sequence is left out of the mean, as nansum / count_nonzero does
    bad = result.trackers["bad"].sequence_scores()
    assert bad[read_name_list("mgit_val.txt")[3]]["norm_precision"] == 0.0


# -- the rules, one at a time, on hand-computed cases --------------------------------------------


def _one(protocol, pred, gt, visible=None, size=None):
    return score_sequence([np.asarray(pred, float)], np.asarray(gt, float), visible, protocol, False, ["t"], "s", size)


def test_long_results_are_refused_where_the_toolkit_asserts_equal_lengths():
    for name in ("vasttrack-py", "webuav3m-mmot", "mgit-official"):
        with pytest.raises(EvaluationError, match=rf"t: the result has 3 rows but the ground truth has 2; the {name} "):
            _one(PROTOCOLS[name], [BOX] * 3, [BOX] * 2, size=(100, 80))
    # the MATLAB toolkits cut a longer result (LTK's monkey-17 rule)
    assert _one(PROTOCOLS["vasttrack-matlab"], [BOX] * 3, [BOX] * 2).success[0, 0] == pytest.approx(1.0)


def test_clip_to_image_shifts_then_cuts():
    rules = PROTOCOLS["mgit-official"]
    gt = np.array([BOX] * 4)
    pred = np.array([[-10, 5, 30, 20], [90, 70, 30, 20], [np.nan, 3, np.nan, 4], [120, 10, 5, 5]])
    seq = Sequence(name="s", dataset="", frames=(), gt=gt, image_size=(100, 80))
    aligned, counted = align([pred], [0], [seq], rules, False)
    # x < 0 -> 0 with w kept (a shift); w cut to W - x; NaN x -> 0, NaN w -> the rest; x beyond W: w = W - x < 0
    assert aligned.tolist() == [[0, 5, 30, 20], [90, 70, 10, 10], [0, 3, 100, 4], [120, 10, -20, 5]]
    assert counted.all()
    with pytest.raises(EvaluationError, match=r"sequence s: the mgit-official protocol clips predictions to the frame"):
        _one(rules, pred, gt)  # no frame size


def test_no_first_frame_override_and_absent_frames_left_out():
    rules = PROTOCOLS["mgit-official"]
    gt = [BOX] * 4
    pred = [[60, 60, 20, 20], BOX, BOX, [60, 60, 20, 20]]
    curves = _one(rules, pred, gt, visible=np.array([True, True, False, True]), size=(100, 100))
    # frame 1 scored as predicted (a miss), frame 3 dropped: 1 hit of 3 counted frames
    assert curves.success[0, 0] == pytest.approx(1 / 3)
    assert curves.norm_precision[0, 20] == pytest.approx(1 / 3)
    # jointnlt: frame 1 := GT, frame 3 counts as a failure in the denominator: 2 of 4 at IoU > 0
    assert _one(PROTOCOLS["jointnlt"], pred, gt, np.array([True, True, False, True])).success[0, 0] == 0.5


def test_strict_precision_and_centre_in_box():
    rules = replace(PROTOCOLS["mgit-official"], clip_to_image=False)
    # frame 2's centre error is exactly 20 (as edge case 11): e < 20 fails at index 20, passes at 21
    curves = _one(rules, [BOX, [22, 26, 20, 20]], [BOX] * 2)
    assert curves.precision[0, 20] == 0.5 and curves.precision[0, 21] == 1.0
    # centre x + (w-1)/2 inside (x, x + w] and (y, y + h]: BOX's own centre (19.5, 19.5) is inside
    inside = boxes.center_in_box(np.array([BOX, [20.5, 10, 20, 20], [21, 10, 20, 20], [0, 0, 1, 1]]), np.array([BOX] * 4))
    assert inside.tolist() == [True, True, False, False]  # 20.5 + 9.5 = 30 = x + w is in; 30.5 is out; 0 <= x is out


def test_zero_norm_precision_sequences_leave_the_mean():
    rules = replace(PROTOCOLS["mgit-official"], clip_to_image=False)
    far = [[200, 200, 5, 5]] * 2
    sequences = [Sequence(name=n, dataset="", frames=(), gt=np.array([BOX] * 2)) for n in ("a", "b")]
    result = evaluate(sequences, {"t": {"a": np.array([BOX] * 2), "b": np.array(far)}}, "nowhere", rules, bootstrap=False)
    t = result.trackers["t"]
    assert t.norm_precision == 100.0  # sequence b scores 0 and is dropped
    assert t.auc == pytest.approx(50 * 100 / 101)  # AUC keeps both: (100/101 + 0) / 2


def test_complete_iou_and_the_size_epsilon():
    # p = (0,0,2,2), g = (1,0,2,2): IoU 2/6, centre distance^2 1, enclosing diagonal^2 3^2 + 2^2, same aspect (v = 0)
    ciou = boxes.complete_iou(np.array([[0.0, 0, 2, 2], BOX]), np.array([[1.0, 0, 2, 2], BOX]))
    np.testing.assert_allclose(ciou, [1 / 3 - 1 / 13, 1.0])
    # MMOT divides by w + 1e-16: an absent 0,0,0,0 row predicted as 0,0,0,0 has error 0 (a success), not NaN
    zero = np.zeros((1, 4))
    assert boxes.normalized_center_error(zero, zero, size_eps=1e-16)[0] == 0.0
    assert np.isnan(boxes.normalized_center_error(zero, zero)[0])


def test_rule_identical_protocols_and_explain():
    # VastTrack's and TNLLT's MATLAB code is LaSOT's (their differences are in the files: the loaders)
    for name in ("vasttrack-matlab", "tnllt-matlab"):
        assert rule_steps(PROTOCOLS["lasot-matlab"], PROTOCOLS[name]) == []
    labels = [s.rule.label for s in rule_steps(PROTOCOLS["jointnlt"], PROTOCOLS["mgit-official"])]
    for label in ("image clipping", "long results", "first-frame override", "absent frames excluded",
                  "strict precision", "normalized precision measure", "zero normalized-precision sequences dropped"):
        assert label in labels
    assert [s.rule.label for s in rule_steps(PROTOCOLS["webuav3m-mmot"], PROTOCOLS["webuav3m-mmot-cauc"])] == ["overlap measure"]


# -- the spec's anchors on the real VastTrack test GT (opt-in) ----------------------------------------------------

REAL = os.environ.get("NLBENCH_VASTTRACK_ANNOS")  # HengLan/VastTrack's MatlabEvaluationToolkit/ (or its annos/)


@pytest.mark.skipif(not REAL, reason="set NLBENCH_VASTTRACK_ANNOS to the VastTrack toolkit's annos folder")
def test_oracle_anchors_on_the_real_test_gt():
    from nlbench.datasets.vasttrack import load_vasttrack

    sequences = load_vasttrack(Path(REAL), with_frames=False)
    oracle = {"gt": {s.name: s.gt for s in sequences}}
    matlab = evaluate(sequences, oracle, "vasttrack", "vasttrack-matlab", bootstrap=False).trackers["gt"]
    python = evaluate(sequences, oracle, "vasttrack", "vasttrack-py", bootstrap=False).trackers["gt"]
    # spec §3.3: P@20 = the mean visible fraction; AUC 89.4174 (Python, 20/21 of it) and 89.4033 (MATLAB)
    assert matlab.precision == pytest.approx(93.8883, abs=5e-5) and python.precision == pytest.approx(93.8883, abs=5e-5)
    assert python.auc == pytest.approx(89.4174, abs=5e-5)
    assert matlab.auc == pytest.approx(89.4033, abs=5e-5)
    differ = [n for n, a, b in zip(matlab.sequence_names, matlab.sequence_auc, python.sequence_auc) if a != b]
    assert differ == ["Horse-5"]
