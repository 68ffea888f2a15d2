"""Hand-computed cases for the test-time preprocessing of JointNLT (spec §4.1, §4.2, §8.6–§8.9)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nlbench_trackers.common.crop import clip_box, map_box_back
from nlbench_trackers.common.normalize import Normalizer
from nlbench_trackers.jointnlt.preprocess import (
    grounding_resize,
    map_grounding_box_back,
    query_as_original_reads_it,
    sample_target,
    unclipped_grounding_box,
)


def _ramp(h: int, w: int) -> np.ndarray:
    """An image whose pixels identify their position: R = column, G = row."""
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[..., 0] = np.arange(w, dtype=np.uint8)[None, :]
    img[..., 1] = np.arange(h, dtype=np.uint8)[:, None]
    img[..., 2] = 7
    return img


@pytest.mark.parametrize(
    "box, origin",
    [
        # crop = ceil(sqrt(30*12)*2) = ceil(37.95) = 38; x1 = round(10.5+15-19) = round(6.5) = 6 (half to even)
        ([10.5, 20.0, 30.0, 12.0], (6, 7)),
        # x1 = round(11.5+15-19) = round(7.5) = 8 (half to even rounds up here)
        ([11.5, 20.0, 30.0, 12.0], (8, 7)),
    ],
    ids=["6.5->6", "7.5->8"],
)
def test_sample_target_crop_size_and_half_even_origin(box: list[float], origin: tuple[int, int]) -> None:
    img = _ramp(100, 120)
    patch, factor, mask = sample_target(img, box, 2.0, 38)
    x1, y1 = origin
    assert factor == 1.0
    assert np.array_equal(patch, img[y1:y1 + 38, x1:x1 + 38])
    assert not mask.any()


def test_sample_target_asymmetric_padding_drops_last_column() -> None:
    img = _ramp(50, 60)
    # crop 20, x1 = 45, y1 = 35; x2_pad = 65 - 60 + 1 = 6 (the +1 quirk), y2_pad = 55 - 50 + 1 = 6
    patch, factor, mask = sample_target(img, [50.0, 40.0, 10.0, 10.0], 2.0, 20)
    assert factor == 1.0
    assert np.array_equal(patch[:14, :14], img[35:49, 45:59])
    assert not patch[:, 14:].any() and not patch[14:, :].any()  # column 59 / row 49 exist but are padded
    expected = np.ones((20, 20), dtype=bool)
    expected[:14, :14] = False
    assert np.array_equal(mask, expected)


def test_sample_target_top_left_padding() -> None:
    img = _ramp(50, 60)
    # centre (0, 2), crop 20: x1 = -10 -> pad 10 left; y1 = -8 -> pad 8 top
    patch, _, mask = sample_target(img, [-5.0, -3.0, 10.0, 10.0], 2.0, 20)
    assert np.array_equal(patch[8:, 10:], img[0:12, 0:10])
    assert not patch[:8].any() and not patch[:, :10].any()
    assert mask[:8].all() and mask[:, :10].all() and not mask[8:, 10:].any()


def test_sample_target_resized_mask_marks_partially_padded_pixels() -> None:
    img = _ramp(50, 60)
    patch, factor, mask = sample_target(img, [50.0, 40.0, 10.0, 10.0], 2.0, 40)
    assert factor == 2.0 and patch.shape == (40, 40, 3)
    # INTER_LINEAR x2: output i samples source (i + 0.5) / 2 - 0.5; i = 27 -> 13.25 mixes valid 13 with padded 14
    assert not mask[:27, :27].any()
    assert mask[27, :].all() and mask[:, 27].all()


def test_sample_target_zero_size_box() -> None:
    patch, factor, _ = sample_target(_ramp(50, 60), [20.0, 20.0, 0.0, 4.0], 2.0, 8)
    # w = 0 -> 1: crop = ceil(sqrt(4) * 2) = 4
    assert factor == 2.0 and patch.shape == (8, 8, 3)


@pytest.mark.parametrize(
    "hw, new_wh",
    [((90, 160), (320, 180)), ((200, 150), (240, 320)), ((100, 300), (320, 106)), ((64, 64), (320, 320))],
    ids=["landscape", "portrait", "floor", "square"],
)
def test_grounding_resize_top_left(hw: tuple[int, int], new_wh: tuple[int, int]) -> None:
    img = np.full((*hw, 3), 200, dtype=np.uint8)
    patch, mask, new_w, new_h = grounding_resize(img, 320)
    assert (new_w, new_h) == new_wh
    assert patch.shape == (320, 320, 3) and mask.shape == (320, 320)
    assert (patch[:new_h, :new_w] == 200).all() and not patch[new_h:].any() and not patch[:, new_w:].any()
    assert not mask[:new_h, :new_w].any() and mask[new_h:].all() and mask[:, new_w:].all()


def test_map_grounding_box_back_half_even_and_intersection() -> None:
    # W=160, H=90 -> 320x180; p*320 = (7.5, 160, 2.5, 240) -> round half even (8, 160, 2, 240)
    # xyxy (7, 40, 9, 280) ∩ [0,0,320,180] -> xywh (7, 40, 2, 140), times W/new_w = 0.5
    pred = torch.tensor([[3 / 128, 0.5, 1 / 128, 0.75]])
    box = map_grounding_box_back(pred, 320, 180, 160, 320)
    assert box.dtype == torch.float32
    assert box.tolist() == [[3.5, 20.0, 1.0, 70.0]]


def test_map_grounding_box_back_uses_the_width_factor_for_y() -> None:
    # W=300, H=100 -> 320x106; factor W/new_w = 0.9375 for all four numbers (not H/new_h = 0.943...)
    pred = torch.tensor([[0.5, 0.25, 0.25, 0.125]])
    assert map_grounding_box_back(pred, 320, 106, 300, 320).tolist() == [[112.5, 56.25, 75.0, 37.5]]
    # the §6 protocol box undoes the per-axis scaling and does not clip
    raw = unclipped_grounding_box(torch.tensor([[0.5, 0.25, 0.25, 0.75]]), 320, 106, 300, 100, 320)
    np.testing.assert_allclose(raw[0], [120 * 0.9375, -40 * 100 / 106, 80 * 0.9375, 240 * 100 / 106])


def test_map_box_back_around_the_unrounded_previous_centre() -> None:
    # prev centre (120, 60); crop 200 -> resize_factor 1.6, half side 100
    assert map_box_back([110.0, 90.0, 30.0, 10.0], [100.0, 50.0, 40.0, 20.0], 1.6, 320) == [115.0, 45.0, 30.0, 10.0]


@pytest.mark.parametrize(
    "box, expected",
    [
        ([-5.0, 95.0, 3.0, 20.0], [0, 90, 10, 10]),
        ([195.0, 10.0, 20.0, 5.0], [190, 10, 10, 10]),
        ([20.5, 30.25, 50.0, 40.0], [20.5, 30.25, 50.0, 40.0]),
        ([150.0, -20.0, 80.0, 200.0], [150, 0, 50, 100]),
    ],
    ids=["bottom-left", "right-thin", "inside", "overhang"],
)
def test_clip_box_with_margin(box: list[float], expected: list[float]) -> None:
    assert clip_box(box, 100, 200, margin=10) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the white airplane flying in the sky", "the white airplane flying in the sky"),
        ("the white airplane, flying in the sky", "['the white airplane' ' flying in the sky']"),
        ("don't stop, go", "[\"don't stop\" ' go']"),
        ("a red car # the left one", "a red car "),
        ("a,b,c", "['a' 'b' 'c']"),
    ],
    ids=["plain", "comma", "apostrophe-comma", "hash", "three-fields"],
)
def test_query_read_like_numpy_loadtxt(text: str, expected: str) -> None:
    assert query_as_original_reads_it(text) == expected


def test_normalizer_matches_imagenet_statistics() -> None:
    norm = Normalizer((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    out = norm.image(np.zeros((2, 3, 3), dtype=np.uint8))
    assert out.shape == (1, 3, 2, 3)
    torch.testing.assert_close(out[0, :, 0, 0], torch.tensor([-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225]))
