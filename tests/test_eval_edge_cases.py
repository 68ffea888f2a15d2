"""The 17 edge cases of eval-spec §6, with the spec's expected values, in every protocol the spec gives one for."""

from __future__ import annotations

import numpy as np
import pytest

from nlbench.core import boxes
from nlbench.core.errors import EvaluationError
from nlbench.eval import PROTOCOLS, evaluate
from nlbench.eval.scorer import align
from nlbench.core.types import Sequence

BOX = [10, 10, 20, 20]
AUC_PERFECT = 2000 / 21  # 95.238095


def seq(gt, name="s", dataset="otb99", visible=None, attributes=None) -> Sequence:
    return Sequence(
        name=name,
        dataset=dataset,
        frames=(),
        gt=np.asarray(gt, dtype=np.float64),
        visible=None if visible is None else np.asarray(visible, dtype=bool),
        attributes=attributes or {},
    )


def score(pred, gt, dataset="otb99", protocol="jointnlt", visible=None):
    result = evaluate([seq(gt, dataset=dataset, visible=visible)], {"t": {"s": np.asarray(pred, float)}}, dataset, protocol)
    return result.trackers["t"]


def assert_scores(t, auc, op50=None, prec=None, norm=None, op75=None):
    assert t.auc == pytest.approx(auc, abs=1e-6)
    if op50 is not None:
        assert t.op50 == pytest.approx(op50, abs=1e-6)
    if op75 is not None:
        assert t.op75 == pytest.approx(op75, abs=1e-6)
    if prec is not None:
        assert t.precision == pytest.approx(prec, abs=1e-6)
    if norm is not None:
        assert t.norm_precision == pytest.approx(norm, abs=1e-6)


#: the protocols with a 21-point success curve, e <= t precision and no frame-size rule (mgit-official has its
#: own cases in tests/test_eval_new_protocols.py)
TWENTY_ONE = [p for p, r in PROTOCOLS.items() if len(r.success_thresholds) == 21 and not r.precision_strict
              and not r.clip_to_image]  # fmt: skip


# 1 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", TWENTY_ONE)
def test_01_perfect_tracker(protocol):
    gt = [BOX] * 7
    t = score(gt, gt, protocol=protocol)
    assert_scores(t, 95.238095, op50=100.0, op75=100.0, prec=100.0, norm=100.0)
    assert t.curves.success.tolist() == [1.0] * 20 + [0.0]


# 2 ------------------------------------------------------------------------------------------------
def test_02_first_frame_override_after_zero_size_carry():
    gt = np.array([BOX] * 3, float)
    pred = np.array([[0, 0, 5, 5], [30, 30, 0, 0], BOX], float)
    aligned, _ = align([pred], [0], [seq(gt)], PROTOCOLS["jointnlt"], lasot_quirks=False)
    assert aligned[1].tolist() == [0, 0, 5, 5]  # row 1 took the *original* row 0
    assert aligned[0].tolist() == BOX
    np.testing.assert_allclose(boxes.iou(aligned, gt), [1, 0, 1])
    assert boxes.center_error(aligned, gt)[1] == pytest.approx(24.748737, abs=1e-6)
    assert boxes.normalized_center_error(aligned, gt)[1] == pytest.approx(1.237437, abs=1e-6)
    t = score(pred, gt)
    assert_scores(t, 63.492063, op50=66.666667, prec=66.666667, norm=66.666667)
    assert t.auc == pytest.approx(40 / 63 * 100, abs=1e-9)


# 3 ------------------------------------------------------------------------------------------------
def test_03_carry_forward_chains():
    gt = np.array([BOX] * 4, float)
    pred = np.array([BOX, [12, 10, 20, 20], [50, 50, 0, 5], [50, 50, 10, 0]], float)
    aligned, _ = align([pred], [0], [seq(gt)], PROTOCOLS["jointnlt"], lasot_quirks=False)
    np.testing.assert_allclose(boxes.iou(aligned, gt), [1, 0.818182, 0.818182, 0.818182], atol=1e-6)
    curve = score(pred, gt).curves.success
    expected = [1.0] * 17 + [0.25, 0.25, 0.25, 0.0]  # tau <= 0.80 -> 1.0; 0.85, 0.90, 0.95 -> 0.25; 1.0 -> 0
    np.testing.assert_allclose(curve, expected)


# 4 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad_row",
    [[np.nan, 10, 20, 20], [10, 10, -1, 20], [10, 10, 20, -1]],
    ids=["nan", "negative-width", "negative-height"],
)
@pytest.mark.parametrize("row", [0, 2], ids=["row0", "row2"])
@pytest.mark.parametrize("protocol", ["jointnlt", "pytracking"])
def test_04_invalid_predictions_abort(bad_row, row, protocol):
    gt = [BOX] * 4
    pred = np.array([BOX] * 4, float)
    pred[row] = bad_row
    with pytest.raises(EvaluationError, match="invalid results"):
        score(pred, gt, protocol=protocol)


@pytest.mark.parametrize("protocol", ["lasot-matlab", "tnl2k-matlab"])
def test_04_matlab_carries_invalid_predictions(protocol):
    gt = [BOX] * 4
    pred = np.array([BOX, [12, 10, 20, 20], [np.nan, 1, 2, 3], [1, 1, -5, 4]], float)
    t = score(pred, gt, dataset="otb99", protocol=protocol)
    # rows 2 and 3 inherit row 1 (IoU 0.818182): as case 3
    np.testing.assert_allclose(t.curves.success, [1.0] * 17 + [0.25, 0.25, 0.25, 0.0])


def test_04_otb_matlab_carries_only_all_nan_rows():
    """The OTB toolkit carries a row only if it is all NaN or has w/h <= 0 (util/calcSeqErrRobust.m:18)."""
    gt = [BOX] * 4
    pred = np.array([BOX, [12, 10, 20, 20], [np.nan, 1, 2, 3], [1, 1, -5, 4]], float)
    t = score(pred, gt, dataset="otb99", protocol="otb-matlab")
    # row 2 stays: its NaN x overlaps as the GT's x-extent (MATLAB's max/min skip NaN), y 1..3 misses the GT
    # (IoU 0); row 3 (w < 0) inherits row 2.  Success: 2 of 4 up to 0.80, 1 of 4 at 0.85-0.95.
    np.testing.assert_allclose(t.curves.success, [0.5] * 17 + [0.25, 0.25, 0.25, 0.0])
    assert t.curves.precision[20] == 0.5  # rows 2 and 3 have a NaN centre: failures
    all_nan = pred.copy()
    all_nan[2] = np.nan  # all four NaN: carried from row 1 (IoU 0.818182), as the LaSOT toolkit does
    t = score(all_nan, gt, dataset="otb99", protocol="otb-matlab")
    np.testing.assert_allclose(t.curves.success, [1.0] * 17 + [0.25, 0.25, 0.25, 0.0])


# 5 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", ["tnl2k", "otb99", "lasot_ext", "synth"])
def test_05_short_result_padded_on_non_lasot(dataset):
    gt = [[100, 100, 20, 20]] * 5
    t = score(gt[:3], gt, dataset=dataset)
    assert_scores(t, 57.142857, op50=60.0, prec=60.0, norm=60.0)
    assert t.auc == pytest.approx(20 * 0.6 / 21 * 100, abs=1e-9)


def test_05_short_result_rejected_on_lasot():
    gt = [[100, 100, 20, 20]] * 5
    with pytest.raises(EvaluationError, match="(?i)mis-match in tracker prediction and GT lengths"):
        score(gt[:3], gt, dataset="lasot", visible=[1] * 5)


@pytest.mark.parametrize("dataset", ["lasot", "tnl2k", "otb99", "lasot_ext"])
def test_05_long_result_truncated(dataset):
    gt = [[100, 100, 20, 20]] * 5
    pred = gt + [[0, 0, 1, 1]] * 3
    visible = [1] * 5 if dataset.startswith("lasot") else None
    assert_scores(score(pred, gt, dataset=dataset, visible=visible), AUC_PERFECT, op50=100.0, prec=100.0)


def test_05_got10k_truncates_gt_instead():
    gt = [[100, 100, 20, 20]] * 5
    t = score(gt[:3], gt, dataset="tnl2k", protocol="got10k")
    assert_scores(t, 95.238095, op50=100.0, prec=100.0)


# 6 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", ["tnl2k", "otb99"])
@pytest.mark.parametrize("protocol", ["jointnlt", "pytracking"])
def test_06_zero_size_gt_non_lasot(dataset, protocol):
    gt = [BOX, BOX, [0, 0, 0, 0], BOX]
    t = score([BOX] * 4, gt, dataset=dataset, protocol=protocol)
    assert_scores(t, 71.428571, op50=75.0, prec=75.0, norm=100.0)


# 7 ------------------------------------------------------------------------------------------------
def test_07_lasot_invisible_frame_fails_everywhere():
    t = score([BOX] * 4, [BOX] * 4, dataset="lasot", visible=[1, 0, 1, 1])
    assert_scores(t, 71.428571, op50=75.0, prec=75.0, norm=75.0)


def test_07_lasot_ext_invisible_frame_is_norm_precision_success():
    t = score([BOX] * 4, [BOX] * 4, dataset="lasot_ext", visible=[1, 0, 1, 1])
    assert_scores(t, 71.428571, op50=75.0, prec=75.0, norm=100.0)


def test_07_lasot_matlab_invisible_fails_everywhere():
    t = score([BOX] * 4, [BOX] * 4, dataset="lasot_ext", protocol="lasot-matlab", visible=[1, 0, 1, 1])
    assert_scores(t, 71.428571, op50=75.0, prec=75.0, norm=75.0)


# 8 ------------------------------------------------------------------------------------------------
def test_08_lasot_visible_non_positive_gt():
    gt = [BOX, [1, 1, -1, -1], BOX, BOX]
    t = score([BOX] * 4, gt, dataset="lasot", visible=[1, 1, 1, 1])
    assert_scores(t, 71.428571, op50=75.0, prec=75.0, norm=100.0)


def test_08_pred_copied_from_that_gt_aborts():
    gt = [BOX, [1, 1, -1, -1], BOX, BOX]
    with pytest.raises(EvaluationError, match="negative width or height"):
        score(gt, gt, dataset="lasot", visible=[1, 1, 1, 1])


# 9 ------------------------------------------------------------------------------------------------
BORDER_GT = [[5, 5, 20, 20], [0, 6, 39, 45], [5, 5, 20, 20]]


@pytest.mark.parametrize("dataset", ["otb99", "tnl2k"])
def test_09_border_gt_jointnlt_valid(dataset):
    assert_scores(score(BORDER_GT, BORDER_GT, dataset=dataset), 95.238095, op50=100.0, prec=100.0, norm=100.0)


@pytest.mark.parametrize("dataset", ["otb99", "tnl2k"])
def test_09_border_gt_pytracking_invalid(dataset):
    t = score(BORDER_GT, BORDER_GT, dataset=dataset, protocol="pytracking")
    assert_scores(t, 63.492063, op50=66.666667, prec=66.666667, norm=100.0)


@pytest.mark.parametrize("protocol", ["lasot-matlab", "tnl2k-matlab", "otb-matlab"])
def test_09_border_gt_matlab_overlap_fails_but_cle_succeeds(protocol):
    t = score(BORDER_GT, BORDER_GT, dataset="otb99", protocol=protocol)
    assert_scores(t, 63.492063, op50=66.666667, prec=100.0, norm=100.0)


# 10 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", TWENTY_ONE)
def test_10_iou_tie_at_half_is_a_failure(protocol):
    t = score([BOX, [10, 10, 10, 20]], [BOX] * 2, protocol=protocol)
    assert t.curves.success[9] == 1.0  # tau = 0.45
    assert t.curves.success[10] == 0.5  # tau = 0.5, strict >
    assert t.op50 == 50.0


# 11 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", TWENTY_ONE)
def test_11_center_error_tie_at_20px_is_a_success(protocol):
    pred = [BOX, [22, 26, 20, 20]]
    assert boxes.center_error(np.array(pred, float), np.array([BOX] * 2, float))[1] == 20.0
    t = score(pred, [BOX] * 2, protocol=protocol)
    assert t.curves.precision[19] == 0.5
    assert t.curves.precision[20] == 1.0
    assert t.precision == 100.0


# 12 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", ["jointnlt", "pytracking", "lasot-matlab", "tnl2k-matlab", "otb-matlab"])
def test_12_normalized_error_tie_divides_first(protocol):
    pred = np.array([BOX, [10, 14, 20, 20]], float)
    assert boxes.normalized_center_error(pred, np.array([BOX] * 2, float))[1] == 0.20000000000000007
    t = score(pred, [BOX] * 2, protocol=protocol)
    assert t.curves.norm_precision[20] == 0.5
    assert t.curves.norm_precision[21] == 1.0
    assert t.norm_precision == 50.0


def test_12_got10k_subtracts_first():
    t = score([BOX, [10, 14, 20, 20]], [BOX] * 2, protocol="got10k")
    assert t.curves.norm_precision[20] == 1.0


# 13 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", ["jointnlt", "pytracking", "got10k"])
def test_13_sequences_weighted_equally(protocol):
    a = seq([BOX] * 2, name="A")
    b = seq([BOX] * 8, name="B")
    far = np.array([BOX] + [[200, 200, 20, 20]] * 7, float)
    result = evaluate([a, b], {"t": {"A": np.array([BOX] * 2, float), "B": far}}, "otb99", protocol)
    assert_scores(result.trackers["t"], 53.571429, op50=56.25, prec=56.25, norm=56.25)


# 14 -----------------------------------------------------------------------------------------------
def test_14_missing_result_raises():
    sequences = [seq([BOX] * 3, name="A"), seq([BOX] * 3, name="B")]
    with pytest.raises(EvaluationError, match="tracker t, sequence B: result not found"):
        evaluate(sequences, {"t": {"A": np.array([BOX] * 3, float)}}, "otb99")


def test_14_skip_missing_drops_sequence_for_every_tracker():
    sequences = [seq([BOX] * 3, name="A"), seq([BOX] * 3, name="B"), seq([BOX] * 3, name="C")]
    far = np.array([BOX] + [[200, 200, 20, 20]] * 2, float)
    good = np.array([BOX] * 3, float)
    results = {"x": {"A": good, "B": good, "C": far}, "y": {"A": good, "C": far}}
    result = evaluate(sequences, results, "otb99", skip_missing=True)
    assert result.sequence_names == ["A", "C"]
    assert result.coverage == "over 2 / 3 sequences"
    assert result.skipped == {"B": ["y"]}
    assert result.trackers["x"].auc == pytest.approx((AUC_PERFECT + AUC_PERFECT / 3) / 2)
    assert result.to_json()["trackers"]["x"]["sequences"].keys() == {"A", "C"}


# 15 -----------------------------------------------------------------------------------------------
def test_15_separators_and_floats(tmp_path):
    from nlbench.core.errors import ResultFormatError

    rows = [[10, 10, 20, 20], [12.9, 10, 20, 20.5], [11, 9, 19, 21]]
    gt = [BOX] * 3
    dirs = {}
    for name, sep in (("tab", "\t"), ("comma", ","), ("space", " ")):
        d = tmp_path / name
        d.mkdir()
        (d / "s.txt").write_text("".join(sep.join(str(v) for v in r) + "\n" for r in rows))
        dirs[name] = d
    result = evaluate([seq(gt)], dirs, "otb99")
    scores = [result.trackers[n].to_json() for n in dirs]
    assert scores[0] == scores[1] == scores[2]
    assert result.trackers["tab"].auc == pytest.approx(score(rows, gt).auc)
    # 12.9 is evaluated as a float, not truncated to 12
    assert score(rows, gt).curves.success.tolist() != score(np.trunc(rows), gt).curves.success.tolist()
    strict = evaluate([seq(gt)], {k: dirs[k] for k in ("tab", "comma")}, "otb99", strict=True)
    assert strict.trackers["tab"].auc == strict.trackers["comma"].auc == result.trackers["tab"].auc
    with pytest.raises(ResultFormatError, match="tracker space, sequence s"):
        evaluate([seq(gt)], {"space": dirs["space"]}, "otb99", strict=True)


# 16 -----------------------------------------------------------------------------------------------
def test_16_iou_exactly_065_matlab_difference():
    pred = np.array([BOX, [10, 10, 13, 20]], float)
    assert boxes.iou(pred, np.array([BOX] * 2, float))[1] == 0.65
    reference = score(pred, [BOX] * 2, protocol="jointnlt")
    assert reference.curves.success[13] == 0.5
    for protocol in ("lasot-matlab", "tnl2k-matlab", "otb-matlab"):
        matlab = score(pred, [BOX] * 2, protocol=protocol)
        assert matlab.curves.success[13] == 1.0
        assert matlab.auc - reference.auc == pytest.approx(0.5 / 21 * 100, abs=1e-9)


def test_16_threshold_doubles():
    ref = PROTOCOLS["jointnlt"].success_thresholds
    assert ref[13] == 0.6500000000000001 and ref[15] == 0.7500000000000001
    assert ref[3] == 0.15000000000000002 and ref[10] == 0.5 and ref[20] == 1.0
    matlab = PROTOCOLS["lasot-matlab"].success_thresholds
    assert [matlab[k] for k in (12, 13, 14, 15, 17, 19)] == [0.6, 0.6499999999999999, 0.7, 0.75, 0.85, 0.95]
    assert PROTOCOLS["got10k"].norm_thresholds[35] != PROTOCOLS["jointnlt"].norm_thresholds[35]


# 17 -----------------------------------------------------------------------------------------------
def test_17_refcocog_tie():
    from pathlib import Path

    from nlbench.core.types import GroundingSample

    from nlbench.eval import grounding
    sample = GroundingSample(image=Path("img.jpg"), sentence="the left half", box=np.array([0.0, 0.0, 20.0, 20.0]), ref_id=0, width=50, height=50)
    pred = np.array([[0.0, 0.0, 10.0, 20.0]])  # IoU exactly 0.5
    assert grounding.grounding_ious(pred, sample.box[None], rule="jointnlt")[0] == 0.5
    assert grounding.evaluate_grounding([sample], pred, rule="jointnlt").accuracy == 0.0  # JNLT: IoU > 0.5
    assert grounding.evaluate_grounding([sample], pred, rule="standard").accuracy == 1.0  # standard REC: IoU >= 0.5
