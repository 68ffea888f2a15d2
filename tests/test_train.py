"""JointNLT training on synth: losses, crops, a short run whose loss falls, the CLI, the shipped weights."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from nlbench.cli import main
from nlbench_trackers.jointnlt.config import JointNLTConfig
from nlbench_trackers.jointnlt.model import JointNLT
from nlbench_trackers.jointnlt.preprocess import sample_target
from nlbench_trackers.jointnlt.tokenizer import tokenize
from nlbench_trackers.jointnlt.train import (
    TINY_TRAINED,
    TrainConfig,
    batchnorm_layers,
    freeze_batchnorm,
    set_training,
    token_ce,
    token_coverage,
    forward_losses,
    corner_ce,
    corner_targets,
    giou_l1,
    inversion_penalty,
    load_trained,
    lr_factor,
    train,
)
from nlbench_trackers.jointnlt.train_data import (
    TRAIN_SCENE,
    retarget,
    crop_box,
    curriculum_options,
    make_batch,
    make_still_batch,
    training_rng,
)

WEIGHTS = Path(__file__).resolve().parent.parent / "trackers" / "jointnlt" / "weights"
#: Acc@0.5 of the shipped weights on the unambiguous samples among the first 60 of synth's grounding test split
#: was 34/55 = 0.618 when they were trained; an untrained or wrong model gets about 0.
SHIPPED_FIRST60_ACC_FLOOR = 0.5

#: A very small model of the same code, so a few optimiser steps take a second or two.
MICRO = TINY_TRAINED.replace(
    name="jointnlt-micro", search_size=64, grounding_size=64, template_size=32, swin_patch=8, swin_depths=(2, 2),
    swin_heads=(1, 2), swin_embed_dim=16, swin_window=4, hidden_dim=32, num_heads=2, ffn_dim=64, bert_hidden=32,
    bert_heads=2, bert_intermediate=64, bert_layers=1, head_channel=16, vl_layers=1, target_dec_layers=1,
)


@pytest.fixture(autouse=True)
def _one_thread():
    """One intra-op thread: on a shared 2-core machine two OpenMP threads spin at barriers and run 10x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_giou_l1_hand_computed():
    pred = torch.tensor([[0.5, 0.5, 0.2, 0.2]])  # xyxy 0.4..0.6
    same = torch.tensor([[0.4, 0.4, 0.6, 0.6]])
    giou, l1, iou = giou_l1(pred, same)
    assert float(giou) == pytest.approx(0.0, abs=1e-6) and float(l1) == pytest.approx(0.0, abs=1e-6)
    assert float(iou) == pytest.approx(1.0)
    # disjoint: IoU 0, hull 0.4..0.8 x 0.4..0.6 = 0.08, union 0.08 -> GIoU 0 - 0/0.08 = 0; loss 1
    right = torch.tensor([[0.6, 0.4, 0.8, 0.6]])
    giou, l1, iou = giou_l1(pred, right)
    assert float(iou) == 0 and float(giou) == pytest.approx(1.0) and float(l1) == pytest.approx(0.1)
    # gap: pred 0.4..0.6, target 0.7..0.9 in x: hull 0.1 wide gap -> hull area 0.1, union 0.08 -> GIoU -0.2
    far = torch.tensor([[0.7, 0.4, 0.9, 0.6]])
    giou, _, _ = giou_l1(pred, far)
    assert float(giou) == pytest.approx(1.2)
    # an inverted prediction (x2 < x1) gives a finite loss instead of an exception
    inverted = torch.tensor([[0.5, 0.5, -0.2, 0.2]])
    giou, _, iou = giou_l1(inverted, same)
    assert torch.isfinite(giou) and float(iou) == 0


def test_inversion_penalty_counts_only_negative_sizes():
    boxes = torch.tensor([[0.5, 0.5, 0.2, 0.1], [0.5, 0.5, -0.2, 0.1], [0.5, 0.5, -0.1, -0.3]])
    assert float(inversion_penalty(boxes)) == pytest.approx((0 + 0.2 + 0.4) / 3)


def test_still_batch_is_one_frame_grounding_with_boxes_in_the_image_part():
    still = make_still_batch(training_rng(2), MICRO, 3)
    assert still.ground_img.shape == (3, 3, 64, 64) and len(still.sentences) == 3
    assert torch.all(still.ground_box[:, 3] <= 48 / 64 + 1e-6)  # below the 4:3 image is padding
    assert all("moving" not in s for s in still.sentences)


def test_corner_targets_are_distributions_whose_expectation_is_the_corner():
    corners = torch.tensor([[0.25, 0.5], [0.33, 0.87], [0.0, 0.0]])
    t = corner_targets(corners, 10)
    grid_x = torch.arange(10).repeat(10) / 10  # row-major grid of the head (spec §3.7)
    grid_y = torch.arange(10).repeat_interleave(10) / 10
    torch.testing.assert_close(t.sum(1), torch.ones(3))
    torch.testing.assert_close(torch.stack([(t * grid_x).sum(1), (t * grid_y).sum(1)], 1), corners)


def test_corner_ce_prefers_maps_peaked_at_the_head_corners():
    target = torch.tensor([[0.2, 0.2, 0.5, 0.5]])  # head box: centre 0.35, half-size 0.15 / 1.5 = 0.1
    # the head's top-left (0.25, 0.25) splits evenly over grid points 2 and 3 in x and y; likewise (0.45, 0.45)
    good_tl = torch.full((1, 1, 10, 10), -10.0)
    good_tl[0, 0, 2:4, 2:4] = 10.0
    good_br = torch.full((1, 1, 10, 10), -10.0)
    good_br[0, 0, 4:6, 4:6] = 10.0
    good = corner_ce({"score_map_tl": good_tl, "score_map_br": good_br}, target, 1.5)
    bad = corner_ce({"score_map_tl": good_br, "score_map_br": good_tl}, target, 1.5)
    assert float(good) < 2 * np.log(4) + 1e-3 < float(bad)


def test_curriculum_ramps_the_distractors_to_the_test_distribution():
    caps = [curriculum_options(p, 0.4).max_distractors for p in (0.0, 0.05, 0.1, 0.2, 0.3, 0.39, 0.4, 0.9)]
    assert caps == [0, 0, 1, 2, 3, 4, 4, 4]
    assert curriculum_options(0.4, 0.4) == TRAIN_SCENE and curriculum_options(0.0, 0.0) == TRAIN_SCENE


def test_crop_box_matches_the_pixels_sample_target_crops():
    image = np.zeros((120, 160, 3), np.uint8)
    box = np.array([50.0, 30.0, 20.0, 16.0])
    image[30:46, 50:70] = 255
    crop_on = np.array([44.0, 36.0, 18.0, 14.0])  # a jittered box, not the target itself
    patch, resize_factor, _ = sample_target(image, crop_on, 3.0, 96)
    xyxy, rf = crop_box(box, crop_on, 3.0, 96)
    assert rf == pytest.approx(resize_factor)
    ys, xs = np.nonzero(patch[..., 0] > 127)
    found = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]) / 96
    np.testing.assert_allclose(xyxy, found, atol=1.5 / 96)


def test_lr_schedule_warms_up_then_decays():
    cfg = TrainConfig(steps=100, warmup_steps=10, final_lr_fraction=0.1)
    assert lr_factor(0, cfg) == pytest.approx(0.01)
    assert lr_factor(10, cfg) == pytest.approx(1.0)
    assert lr_factor(100, cfg) == pytest.approx(0.1)
    assert lr_factor(55, cfg) == pytest.approx(0.55)


def test_batch_targets_lie_in_the_crops():
    batch = make_batch(training_rng(0), MICRO, 4)
    assert batch.ground_img.shape == (4, 3, 64, 64) and batch.search_img.shape == (4, 2, 3, 64, 64)
    for boxes in (batch.ground_box, batch.search_box.view(-1, 4)):
        assert torch.all(boxes[:, 2:] >= boxes[:, :2]) and torch.all((boxes >= 0) & (boxes <= 1))
    # the whole 4:3 frame fits in the square: rows below 3/4 of the grounding image are padding
    assert bool(batch.ground_mask[:, 49:, :].all()) and not bool(batch.ground_mask[:, :47, :].any())


def test_loss_falls_when_fitting_a_few_batches():
    torch.manual_seed(0)
    model = JointNLT(MICRO).train()
    rng = training_rng(1)
    batches = [make_batch(rng, MICRO, 4) for _ in range(2)]
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    tcfg = TrainConfig()
    losses = []
    for step in range(40):
        loss, _ = forward_losses(model, batches[step % 2], rng, tcfg, torch.device("cpu"), use_temporal=step % 3 != 0)
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(float(loss.detach()))
    assert np.mean(losses[-4:]) < 0.88 * np.mean(losses[:4]), losses


def test_train_writes_weights_config_and_log(tmp_path):
    recipe = TrainConfig(steps=3, batch_size=2, eval_every=2, eval_size=2, log_every=1, extra_grounding=2,
                         num_threads=1)
    result = train(MICRO, recipe, tmp_path, progress=False, name="micro")
    lines = [json.loads(line) for line in result.log.read_text().splitlines()]
    assert [l["step"] for l in lines if "loss" in l] == [1, 2, 3]
    assert [l["step"] for l in lines if "val_ground_acc" in l] == [2, 3]
    assert JointNLTConfig.from_json(result.config.read_text()) == MICRO
    model = load_trained(result.weights, result.config)  # strict
    assert sum(p.numel() for p in model.parameters()) > 0
    recipe = json.loads((tmp_path / "train.json").read_text())
    assert recipe["train"]["steps"] == 3 and recipe["model"]["name"] == "jointnlt-micro"


def test_train_is_seeded(tmp_path):
    recipe = TrainConfig(steps=2, batch_size=2, eval_every=10, eval_size=2, extra_grounding=2,
                         num_threads=1)
    a = train(MICRO, recipe, tmp_path / "a", progress=False)
    b = train(MICRO, recipe, tmp_path / "b", progress=False)
    from safetensors.torch import load_file

    first, second = load_file(str(a.weights)), load_file(str(b.weights))
    assert first.keys() == second.keys()
    for key in first:  # equal up to float reassociation (oneDNN may pick other kernels once warmed up)
        torch.testing.assert_close(first[key], second[key], rtol=1e-4, atol=1e-5, msg=key)


def test_cli_rejects_untrainable_pairs():
    result = CliRunner().invoke(main, ["train", "--tracker", "static", "--dataset", "synth"])
    assert result.exit_code == 2
    assert "training is available for: --tracker jointnlt-tiny --dataset synth" in result.output


def test_shipped_weights_load_strictly_and_match_the_recorded_sha256():
    weights, config, record = (WEIGHTS / f"jointnlt-tiny.{ext}" for ext in ("safetensors", "json", "md"))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    recorded = re.search(r"SHA-256[^0-9a-f]*([0-9a-f]{64})", record.read_text())
    assert recorded is not None and recorded.group(1) == digest
    assert weights.stat().st_size <= 25 * 1024 * 1024
    model = load_trained(weights, config)  # load_state_dict(strict=True)
    assert model.cfg.name == "jointnlt-tiny"


def test_token_coverage_hand_computed():
    boxes = torch.tensor([[0.1, 0.1, 0.3, 0.2],  # two whole cells: (row 1, col 1) and (row 1, col 2)
                          [0.42, 0.42, 0.48, 0.48],  # inside cell (4, 4) alone
                          [0.15, 0.0, 0.25, 0.1]])  # half of (0, 1) and half of (0, 2)
    cover = token_coverage(boxes, 10)
    expected = torch.zeros(3, 100)
    expected[0, [11, 12]] = 0.5
    expected[1, 44] = 1.0
    expected[2, [1, 2]] = 0.5
    torch.testing.assert_close(cover, expected)


def test_token_ce_prefers_the_target_tokens():
    target = torch.tensor([[0.1, 0.1, 0.3, 0.2]])
    on_target = torch.full((1, 100), -10.0)
    on_target[0, [11, 12]] = 10.0
    on_distractor = on_target.roll(66, dims=1)  # peaks on cells 77 and 78
    # the target splits over two cells, so the best score is the entropy log 2
    assert float(token_ce(on_target, target)) == pytest.approx(np.log(2), abs=1e-3)
    assert float(token_ce(on_distractor, target)) > 10
    # uniform scores cost log(100) whatever the target
    assert float(token_ce(torch.zeros(1, 100), target)) == pytest.approx(np.log(100))


def test_retarget_names_another_object_unambiguously():
    from nlbench.datasets.synth.scene import make_scene

    rng = training_rng(3)
    checked = 0
    for _ in range(40):
        scene = make_scene(rng, TRAIN_SCENE, still=True)
        other = retarget(rng, scene)
        if other is None:
            continue
        checked += 1
        assert other.target is not scene.target and other.target in scene.objects
        assert sorted(id(o) for o in other.objects) == sorted(id(o) for o in scene.objects)
        words = other.sentence.split()
        if not {"of", "above", "below"} & set(words):  # attribute sentences name the target's own colour
            assert other.target.colour in words and other.target.shape in words
            twins = [o for o in scene.objects if o is not other.target and o.colour == other.target.colour
                     and o.shape == other.target.shape]
            assert all(o.size_class != other.target.size_class and other.target.size_class in words for o in twins)
    assert checked >= 20


def test_frozen_batchnorm_trains_as_the_tracker_runs():
    torch.manual_seed(0)
    model = JointNLT(MICRO).train()
    batches = [make_batch(training_rng(4), MICRO, 3) for _ in range(2)]
    b = batches[0]
    ids, mask = tokenize(b.sentences, MICRO.max_query_len)

    def ground() -> torch.Tensor:
        with torch.no_grad():
            text_src, text_mask = model.encode_text(ids, mask)
            return model.forward_grounding(text_src, text_mask, b.ground_img, b.ground_mask)["pred_boxes"]

    batch_stats = ground()  # train mode: normalised with this batch's statistics
    model.eval()
    assert not torch.allclose(ground(), batch_stats, atol=1e-4)  # untouched running stats differ
    freeze_batchnorm(model, batches, torch.device("cpu"))
    layers = batchnorm_layers(model)
    assert layers and all(not bn.training for bn in layers) and model.box_head.training
    assert all(int(bn.num_batches_tracked) == 2 * 3 for bn in layers)  # 2 batches x (1 grounding + 2 tracking)
    frozen_train = ground()
    model.eval()
    torch.testing.assert_close(ground(), frozen_train, rtol=0, atol=0)  # training now normalises as testing
    set_training(model, True, frozen_batchnorm=True)
    assert all(not bn.training for bn in layers) and model.training


def test_shipped_weights_ground_the_first_synth_test_sentences(tmp_path):
    """The shipped model, not just its file: the first 60 samples of the synth grounding test split (the same
    scenes as the full split, whose score is in jointnlt-tiny.md) through the real grounder."""
    from nlbench.datasets.synth import is_ambiguous, load_synth_grounding
    from nlbench.datasets.synth.build import generate_grounding
    from nlbench.eval.grounding import score_records
    from nlbench.run.grounding import ground_samples
    from nlbench_trackers.jointnlt.plugin import build_tiny

    generate_grounding(tmp_path, "test", count=60)
    samples = [s for s in load_synth_grounding(tmp_path, "test") if not is_ambiguous(s)]
    result = score_records(ground_samples(build_tiny(), samples, progress=False))
    assert result.denominator == len(samples) > 50
    assert result.accuracy >= SHIPPED_FIRST60_ACC_FLOOR, result.summary()
