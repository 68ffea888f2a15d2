"""Shared test-time geometry of STARK/OSTrack (baselines-spec §3.4, §4.4, §6) and official-format checkpoints."""

from __future__ import annotations

import math
import os
import sys
import types

import numpy as np
import pytest
import torch

from nlbench.core.errors import CheckpointError, NlbenchError
from nlbench_trackers.common.checkpoint import load_strict, read_state_dict
from nlbench_trackers.common.crop import (
    clip_box,
    hann1d,
    hann2d,
    map_box_back,
    sample_target,
    scale_box_to_image,
)
from nlbench_trackers.common.normalize import Normalizer
from nlbench_trackers.common.resnet import sine_position_encoding


def test_sample_target_pads_with_the_extra_right_bottom_pixel() -> None:
    image = np.arange(5 * 5 * 3, dtype=np.uint8).reshape(5, 5, 3) + 1
    # side = ceil(3 * 2) = 6; origin round(0.5 + 1.5 - 3) = -1; right pad max(5 - 5 + 1, 0) = 1
    patch, factor, mask = sample_target(image, [0.5, 0.5, 3, 3], 2.0, 6)
    assert factor == 1.0
    assert patch.shape == (6, 6, 3)
    # the valid region is image rows/cols 0..3: the last image row/column is dropped by the +1 pad
    np.testing.assert_array_equal(patch[1:5, 1:5], image[0:4, 0:4])
    assert not patch[0].any() and not patch[5].any() and not patch[:, 0].any() and not patch[:, 5].any()
    expected_mask = np.ones((6, 6), dtype=bool)
    expected_mask[1:5, 1:5] = False
    np.testing.assert_array_equal(mask, expected_mask)


@pytest.mark.parametrize(
    ("box", "origin"),
    [([2.5, 0.5, 2, 2], (2, 0)), ([1.5, 1.5, 2, 2], (2, 2)), ([3.5, 2.5, 2, 2], (4, 2))],
    ids=["2.5->2", "1.5->2", "3.5->4"],
)
def test_sample_target_rounds_the_origin_half_to_even(box, origin) -> None:
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    image[origin[1], origin[0]] = 255  # mark the pixel that must land at the crop's top-left corner
    patch, factor, _ = sample_target(image, box, 1.0, 2)
    assert factor == 1.0
    assert patch[0, 0].tolist() == [255, 255, 255]


def test_sample_target_resize_factor_and_ceil_side() -> None:
    image = np.zeros((100, 100, 3), dtype=np.uint8)
    patch, factor, mask = sample_target(image, [40, 40, 10, 12], 2.0, 128)
    assert patch.shape == (128, 128, 3)
    assert factor == 128 / math.ceil(math.sqrt(120) * 2.0) == 128 / 22
    assert not mask.any()


def test_sample_target_refuses_a_zero_area_box() -> None:
    with pytest.raises(NlbenchError, match="too small"):
        sample_target(np.zeros((10, 10, 3), np.uint8), [3, 3, 0, 5], 2.0, 16)


def test_map_box_back_uses_the_unrounded_previous_centre() -> None:
    state = [100.3, 100.0, 50.0, 50.0]  # centre (125.3, 125)
    factor = 320 / 250
    pred = scale_box_to_image(torch.tensor([0.6, 0.5, 0.2, 0.2]), 320, factor)
    assert pred == pytest.approx([150.0, 125.0, 50.0, 50.0], abs=1e-4)
    box = map_box_back(pred, state, factor, 320)
    # cx = 150 + (125.3 - 125) = 150.3 -> x = 125.3
    assert box == pytest.approx([125.3, 100.0, 50.0, 50.0], abs=1e-4)


def test_scale_box_to_image_is_float32_arithmetic() -> None:
    value = scale_box_to_image(torch.tensor([0.1, 0.2, 0.3, 0.7]), 384, 1.7)
    expected = [float(np.float32(np.float32(v) * np.float32(384)) / np.float32(1.7)) for v in (0.1, 0.2, 0.3, 0.7)]
    assert value == expected


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ([-5, 95, 30, 30], [0, 90, 25, 10]),
        ([95, 5, 20, 20], [90, 5, 10, 20]),
        ([20, 30, 4, 3], [20, 30, 10, 10]),
        ([10.5, 20.25, 30, 40], [10.5, 20.25, 30, 40]),
    ],
    ids=["left-bottom", "right-edge", "tiny", "inside"],
)
def test_clip_box_margin_10(box, expected) -> None:
    assert clip_box(box, 100, 100, 10) == pytest.approx(expected)


def test_hann_window_is_the_centred_variant() -> None:
    # 0.5 * (1 - cos(2*pi*k/5)), k = 1..4
    np.testing.assert_allclose(hann1d(4).numpy(), [0.3454915, 0.9045085, 0.9045085, 0.3454915], atol=1e-6)
    window = hann2d(24)
    assert window.shape == (1, 1, 24, 24)
    assert window.dtype == torch.float32
    assert window.min() > 0  # strictly positive edges
    assert float(window[0, 0, 0, 0]) == pytest.approx((0.5 * (1 - math.cos(2 * math.pi / 25))) ** 2, rel=1e-6)


def test_normalizer_imagenet() -> None:
    patch = np.full((2, 2, 3), 255, dtype=np.uint8)
    normalizer = Normalizer()
    tensor, mask = normalizer.image(patch), normalizer.mask(np.array([[True, False], [False, False]]))
    assert tensor.shape == (1, 3, 2, 2)
    assert float(tensor[0, 0, 0, 0]) == pytest.approx((1 - 0.485) / 0.229, rel=1e-6)
    assert mask.dtype == torch.bool and mask.shape == (1, 2, 2) and bool(mask[0, 0, 0])


def test_sine_position_encoding_layout() -> None:
    mask = torch.zeros(1, 2, 3, dtype=torch.bool)
    pos = sine_position_encoding(mask, num_pos_feats=4)
    assert pos.shape == (1, 8, 2, 3)
    # y features first: row 1 of 2 -> y = 1/(2+1e-6)*2pi; feature 0 is sin(y / 10000**0)
    y = 1 / (2 + 1e-6) * 2 * math.pi
    assert float(pos[0, 0, 0, 0]) == pytest.approx(math.sin(y), abs=1e-6)
    assert float(pos[0, 1, 0, 0]) == pytest.approx(math.cos(y), abs=1e-6)
    x = 3 / (3 + 1e-6) * 2 * math.pi
    assert float(pos[0, 4, 0, 2]) == pytest.approx(math.sin(x), abs=1e-6)


# ---- checkpoints -------------------------------------------------------------------------------


class _Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(2, 3)


def test_trainer_checkpoint_with_training_objects_loads_without_running_their_code(tmp_path, monkeypatch) -> None:
    # a pytracking-style trainer dict whose 'settings' is an object of the training code's lib.* classes
    module = types.ModuleType("lib.train.admin.settings")

    class Settings:
        def __init__(self) -> None:
            self.workspace = "/somewhere"

    Settings.__module__ = "lib.train.admin.settings"
    Settings.__qualname__ = "Settings"
    module.Settings = Settings
    for name in ("lib", "lib.train", "lib.train.admin", "lib.train.admin.settings"):
        monkeypatch.setitem(sys.modules, name, module if name.endswith("settings") else types.ModuleType(name))
    model = _Tiny()
    net = {f"module.{k}": v for k, v in model.state_dict().items()}
    torch.save({"net": net, "settings": Settings(), "stats": {"loss": np.float64(0.5)}, "epoch": 50}, tmp_path / "c.pth")
    for name in ("lib", "lib.train", "lib.train.admin", "lib.train.admin.settings"):
        monkeypatch.delitem(sys.modules, name)  # the loader must not need the training code
    state = read_state_dict(tmp_path / "c.pth")
    assert set(state) == {"fc.weight", "fc.bias"}
    fresh = _Tiny()
    load_strict(fresh, state, "c.pth")
    assert torch.equal(fresh.fc.weight, model.fc.weight)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_checkpoint_with_code_is_refused(tmp_path) -> None:
    torch.save({"net": {"fc.weight": torch.zeros(3, 2)}, "x": _Evil()}, tmp_path / "evil.pth")
    with pytest.raises(CheckpointError, match="refused"):
        read_state_dict(tmp_path / "evil.pth")


def test_load_strict_names_missing_and_wrong_shapes(tmp_path) -> None:
    with pytest.raises(CheckpointError, match=r"missing keys 1 \(fc\.bias\).*shape mismatches 1"):
        load_strict(_Tiny(), {"fc.weight": torch.zeros(2, 2)}, "x.pth")
    with pytest.raises(CheckpointError, match="not found"):
        read_state_dict(tmp_path / "absent.pth")


def test_vltvg_style_checkpoint_with_argparse_namespace_loads(tmp_path) -> None:
    import argparse

    model = _Tiny()
    torch.save({"model": model.state_dict(), "epoch": 89, "args": argparse.Namespace(lr=1e-4)}, tmp_path / "v.pth")
    fresh = _Tiny()
    load_strict(fresh, read_state_dict(tmp_path / "v.pth"), "v.pth")
    assert torch.equal(fresh.fc.bias, model.fc.bias)


@pytest.mark.parametrize(
    ("plugin_name", "package", "variant"),
    [
        ("stark-st101", "stark", "st101"),  # the first row of each variant table is Table 2's configuration
        ("stark-st50", "stark", "st50"),
        ("ostrack-384", "ostrack", "384"),
        ("ostrack-256", "ostrack", "256"),
        ("vltvg", "vltvg", "r50"),
        ("vltvg-r101", "vltvg", "r101"),
    ],
)
def test_each_plugin_profiles_its_own_variant(plugin_name: str, package: str, variant: str, monkeypatch) -> None:
    import importlib

    from nlbench.core.registry import get_tracker

    plugin = get_tracker(plugin_name)
    profiling = importlib.import_module(f"nlbench_trackers.{package}.profiling")
    variants = importlib.import_module(f"nlbench_trackers.{package}.variants").VARIANTS
    assert variants[variant].name == plugin_name
    seen: dict[str, object] = {}

    def fake(variant: str | None = None, seed: int = 0, **options) -> str:
        seen.update(variant=variant, seed=seed)
        return "spec"

    monkeypatch.setattr(profiling, "profile_spec", fake)
    assert plugin.profile(seed=3) == "spec"
    assert seen == {"variant": variant, "seed": 3}
    # the record is the table's row: description and checkpoint help are not typed twice
    assert plugin.description == variants[variant].description
    assert plugin.checkpoint_help == variants[variant].checkpoint_help


def test_box_trackers_refuse_sentences_only_and_tracking_before_initialize() -> None:
    from types import SimpleNamespace

    from nlbench_trackers.ostrack.model import OSTRACK_256_CONFIG
    from nlbench_trackers.ostrack.tracker import OSTrackTracker
    from nlbench_trackers.stark.model import ST50
    from nlbench_trackers.stark.tracker import StarkTracker

    frame = np.zeros((32, 32, 3), dtype=np.uint8)
    for tracker in (
        StarkTracker(SimpleNamespace(config=ST50), torch.device("cpu")),
        OSTrackTracker(SimpleNamespace(config=OSTRACK_256_CONFIG), torch.device("cpu")),
    ):
        with pytest.raises(NlbenchError, match="before initialize"):
            tracker.track(frame)
        with pytest.raises(NlbenchError, match="initialised by a box"):
            tracker.initialize(frame, "a sentence", None)


# ---- shared layers: one crop with two zero-area rules ------------------------------------------------


@pytest.mark.parametrize(
    ("box", "side"),
    [([20.0, 20.0, 0.0, 4.0], 4), ([20.0, 20.0, 9.0, 0.0], 6), ([20.0, 20.0, 0.0, 0.0], 2)],
    ids=["zero-width", "zero-height", "point"],
)
def test_sample_target_unit_rule_gives_a_zero_side_one_pixel(box, side) -> None:
    # JointNLT (jointnlt-spec §4.1): a zero side becomes 1 before the centre is taken; side = ceil(sqrt(w*h)*2)
    image = np.arange(50 * 60 * 3, dtype=np.uint32).reshape(50, 60, 3).astype(np.uint8)
    patch, factor, mask = sample_target(image, box, 2.0, side, zero_area="unit")
    assert factor == 1.0 and not mask.any()
    w, h = max(box[2], 1.0), max(box[3], 1.0)
    x1, y1 = round(box[0] + 0.5 * w - side / 2), round(box[1] + 0.5 * h - side / 2)
    np.testing.assert_array_equal(patch, image[y1 : y1 + side, x1 : x1 + side])
    with pytest.raises(NlbenchError, match="zero area"):  # STARK/OSTrack's rule on the same box
        sample_target(image, box, 2.0, side)


def test_jointnlt_crop_is_the_shared_crop_with_the_unit_rule() -> None:
    from nlbench_trackers.jointnlt.preprocess import sample_target as jointnlt_sample_target

    image = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    for box in ([3.3, -2.5, 17.0, 9.5], [30.0, 25.0, 30.0, 20.0], [10.0, 10.0, 0.0, 3.0]):
        ours = jointnlt_sample_target(image, box, 2.0, 32)
        shared = sample_target(image, box, 2.0, 32, zero_area="unit")
        np.testing.assert_array_equal(ours[0], shared[0])
        assert ours[1] == shared[1]
        np.testing.assert_array_equal(ours[2], shared[2])


def test_trackers_common_imports_no_tracker_package() -> None:
    # trackers/common is the bottom of the tracker packages: parse every import statement of its modules
    import ast
    from pathlib import Path

    import nlbench_trackers.common as common

    folder = Path(common.__file__).parent
    found = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            else:
                continue
            for name in names:
                inside = name.startswith("nlbench_trackers.") or (name.startswith("..") and node.level >= 2)
                if inside and not name.startswith("nlbench_trackers.common"):
                    found.append(f"{path.name}: {name}")
    assert len(list(folder.glob("*.py"))) >= 6
    assert found == []
