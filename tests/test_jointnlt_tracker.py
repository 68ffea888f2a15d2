"""JointNLT test-time tracker end to end on CPU with random tiny weights (spec §4), and the plugins."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from nlbench.core.errors import CheckpointError, PluginError
from nlbench.core.types import Grounder, Tracker
from nlbench_trackers.jointnlt import plugin as plugin_module
from nlbench_trackers.jointnlt.config import JOINTNLT_TINY
from nlbench_trackers.jointnlt.model import JointNLT
from nlbench_trackers.jointnlt.plugin import JOINTNLT, JOINTNLT_TINY as TINY_PLUGIN
from nlbench_trackers.jointnlt.tracker import JointNLTTracker
from tests.fixtures_models import sharpened_random_jointnlt


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_model() -> JointNLT:
    return sharpened_random_jointnlt(JOINTNLT_TINY)


def _frames(n: int = 4) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    frames = []
    for i in range(n):
        frame = rng.integers(0, 60, (96, 128, 3), dtype=np.uint8)
        frame[30 + i:60 + i, 40 + 2 * i:80 + 2 * i] = (220, 40, 40)  # a moving red block
        frames.append(frame)
    return frames


def _run(model: JointNLT, box: np.ndarray | None, frames: list[np.ndarray]):
    tracker = JointNLTTracker(model)
    clue_tokens: list[int | None] = []
    step = tracker._tracking_step

    def recording_step(*args):
        clue = args[-1]
        clue_tokens.append(None if clue is None else clue.shape[-1])
        return step(*args)

    tracker._tracking_step = recording_step
    first = tracker.initialize(frames[0], "the red block, in the middle", box)
    boxes = [first] + [tracker.track(frame) for frame in frames[1:]]
    return np.array(boxes), clue_tokens


def test_nl_mode_end_to_end_deterministic(tiny_model: JointNLT) -> None:
    frames = _frames()
    boxes, clue_tokens = _run(tiny_model, None, frames)
    again, _ = _run(tiny_model, None, frames)
    assert np.array_equal(boxes, again)
    assert clue_tokens == [36, 72, 72]  # template RoI, then template RoI + previous RoI (spec §4.2.2)
    assert boxes.shape == (4, 4) and np.isfinite(boxes).all()
    h, w = frames[0].shape[:2]
    for x, y, bw, bh in boxes[1:]:
        assert 0 <= x <= w - 10 and 0 <= y <= h - 10 and bw >= 10 and bh >= 10
    assert len({tuple(b) for b in boxes[1:]}) > 1  # the boxes vary


def test_nl_bb_mode_uses_the_gt_template_and_no_temporal_clue(tiny_model: JointNLT) -> None:
    frames = _frames()
    gt = np.array([40.0, 30.0, 40.0, 30.0])
    boxes, clue_tokens = _run(tiny_model, gt, frames)
    again, _ = _run(tiny_model, gt, frames)
    assert np.array_equal(boxes, again)
    assert np.array_equal(boxes[0], gt)
    assert clue_tokens == [None, None, None]


def test_grounded_box_equals_the_mapped_network_output(tiny_model: JointNLT) -> None:
    frame = _frames(1)[0]
    tracker = JointNLTTracker(tiny_model)
    detail = tracker.ground_detailed(frame, "the red block")
    first = tracker.initialize(frame, "the red block", None)
    assert np.array_equal(first, detail.box)
    assert (detail.new_w, detail.new_h) == (160, 120)
    # §4.1.3 by hand: round(p*160), xyxy, intersect with [0,0,160,120], times 128/160
    p = np.round(detail.pred_boxes[0].numpy().astype(np.float32) * np.float32(160))
    x1, y1 = max(p[0] - p[2] / 2, 0), max(p[1] - p[3] / 2, 0)
    x2, y2 = min(p[0] + p[2] / 2, 160), min(p[1] + p[3] / 2, 120)
    np.testing.assert_allclose(first, np.array([x1, y1, max(x2 - x1, 0), max(y2 - y1, 0)]) * 0.8, rtol=1e-6)
    assert tracker.temporal_tokens == 36
    assert np.array_equal(tracker.ground(frame, "the red block"), detail.unclipped_box)


def test_text_is_read_like_the_original_unless_verbatim(tiny_model: JointNLT) -> None:
    assert JointNLTTracker(tiny_model).query_text("a, b") == "['a' ' b']"
    assert JointNLTTracker(tiny_model, verbatim_text=True).query_text("a, b") == "a, b"


def test_bb_only_is_refused(tiny_model: JointNLT) -> None:
    with pytest.raises(PluginError, match="sentence"):
        JointNLTTracker(tiny_model).initialize(_frames(1)[0], None, np.array([1.0, 1, 10, 10]))


def test_official_plugin_without_checkpoint_says_where_weights_come_from() -> None:
    assert JOINTNLT.modes == ("nl", "nl+bb") and JOINTNLT.grounder and JOINTNLT.needs_checkpoint
    with pytest.raises(CheckpointError) as info:
        JOINTNLT.build(checkpoint=None, device="cpu")
    message = str(info.value)
    assert "JointNLT_ep0300.pth.tar" in message and "--checkpoint PATH" in message
    assert "github.com/lizhou-cs/JointNLT" in message


def test_tiny_plugin_without_shipped_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(plugin_module, "TINY_WEIGHTS", tmp_path / "absent.safetensors")
    with pytest.raises(CheckpointError, match="nlbench train --tracker jointnlt-tiny --dataset synth"):
        TINY_PLUGIN.build(device="cpu")


def test_tiny_plugin_builds_from_a_checkpoint_with_its_config(tiny_model: JointNLT, tmp_path: Path) -> None:
    path = tmp_path / "mine.safetensors"
    save_file({k: v.contiguous() for k, v in tiny_model.state_dict().items()}, str(path))
    (tmp_path / "mine.json").write_text(json.dumps(JOINTNLT_TINY.to_dict()))
    tracker = TINY_PLUGIN.build(checkpoint=str(path), device="cpu")
    assert isinstance(tracker, Tracker) and isinstance(tracker, Grounder)
    frames = _frames(2)
    reference = JointNLTTracker(tiny_model)
    assert np.array_equal(tracker.initialize(frames[0], "red", None), reference.initialize(frames[0], "red", None))
    assert np.array_equal(tracker.track(frames[1]), reference.track(frames[1]))
    with pytest.raises(PluginError, match="unknown option"):
        TINY_PLUGIN.build(checkpoint=str(path), device="cpu", colour="red")
    off = TINY_PLUGIN.build(checkpoint=str(path), device="cpu", roi_scale_in_place="false")
    assert off.cfg.roi_scale_in_place is False


@pytest.mark.parametrize("dtype, atol", [("fp16", 1.5), ("bf16", 8.0)], ids=["fp16", "bf16"])
def test_half_precision_runs_close_to_fp32(tiny_model: JointNLT, dtype: str, atol: float) -> None:
    import copy

    frames = _frames(3)
    reference = JointNLTTracker(copy.deepcopy(tiny_model))
    half = JointNLTTracker(copy.deepcopy(tiny_model), dtype=dtype)
    assert next(half.model.parameters()).dtype == {"fp16": torch.float16, "bf16": torch.bfloat16}[dtype]
    gt = np.array([40.0, 30.0, 40.0, 30.0])
    ref_boxes = [reference.initialize(frames[0], "red", gt)] + [reference.track(f) for f in frames[1:]]
    half_boxes = [half.initialize(frames[0], "red", gt)] + [half.track(f) for f in frames[1:]]
    assert half_boxes[0].dtype == np.float64
    # the x300 head makes the boxes sensitive: measured 0.42 px (fp16) and 3.9 px (bf16, 8-bit mantissa)
    np.testing.assert_allclose(np.array(half_boxes), np.array(ref_boxes), atol=atol)
