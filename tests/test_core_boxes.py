"""Box conversions and the reference-order metric primitives (eval-spec §1.1-1.4)."""

import numpy as np
import pytest

from nlbench.core import boxes as B


def test_conversions_round_trip():
    xywh = np.array([[10.5, 20.0, 30.25, 40.0], [0.0, 0.0, 1.0, 1.0]])
    np.testing.assert_array_equal(B.xyxy_to_xywh(B.xywh_to_xyxy(xywh)), xywh)
    np.testing.assert_array_equal(B.cxcywh_to_xywh(B.xywh_to_cxcywh(xywh)), xywh)
    np.testing.assert_array_equal(B.xywh_to_xyxy(xywh)[0], [10.5, 20.0, 40.75, 60.0])


def test_as_boxes_shapes():
    assert B.as_boxes([1, 2, 3, 4]).shape == (1, 4)
    with pytest.raises(ValueError):
        B.as_boxes([[1, 2, 3]])


@pytest.mark.parametrize(
    "pred,gt,expected",
    [
        ((10, 10, 20, 20), (10, 10, 20, 20), 1.0),
        ((10, 10, 10, 20), (10, 10, 20, 20), 0.5),  # eval-spec §6 case 10
        ((10, 10, 13, 20), (10, 10, 20, 20), 0.65),  # §6 case 16
        ((12, 10, 20, 20), (10, 10, 20, 20), 360 / 440),  # §6 case 3
        ((100, 100, 5, 5), (10, 10, 20, 20), 0.0),
    ],
    ids=["identical", "half", "0.65", "shift2", "disjoint"],
)
def test_iou_values(pred, gt, expected):
    assert B.iou(np.array([pred], float), np.array([gt], float))[0] == pytest.approx(expected, abs=1e-15)


def test_iou_exact_tie_is_exact():
    # the tie cases must land exactly on the double nearest the fraction
    assert B.iou(np.array([[10, 10, 10, 20.0]]), np.array([[10, 10, 20, 20.0]]))[0] == 0.5
    assert B.iou(np.array([[10, 10, 13, 20.0]]), np.array([[10, 10, 20, 20.0]]))[0] == 0.65


def test_center_error_cases():
    gt = np.array([[10, 10, 20, 20.0]])
    assert B.center_error(np.array([[22, 26, 20, 20.0]]), gt)[0] == 20.0  # §6 case 11
    assert B.center_error(np.array([[0, 0, 5, 5.0]]), gt)[0] == pytest.approx(24.748737, abs=1e-6)  # §6 case 2


def test_normalized_error_divides_first():
    gt = np.array([[10, 10, 20, 20.0]])
    pred = np.array([[10, 14, 20, 20.0]])
    assert B.normalized_center_error(pred, gt)[0] == 0.20000000000000007  # eval-spec §1.4
    assert B.normalized_center_error(pred, gt, divide_first=False)[0] == 0.2
    assert B.normalized_center_error(np.array([[0, 0, 5, 5.0]]), gt)[0] == pytest.approx(1.237437, abs=1e-6)


def test_iou_xyxy():
    assert B.iou_xyxy(np.array([0, 0, 10, 10.0]), np.array([5, 0, 15, 10.0])) == pytest.approx(1 / 3)
    assert B.iou_xyxy(np.array([0, 0, 10, 10.0]), np.array([20, 20, 30, 30.0])) == 0.0
