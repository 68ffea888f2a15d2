"""VLTVG: official key sets and sizes (baselines-spec §2.2-§2.3), 640 canvas and mapping back (§2.5), grounding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nlbench.core.errors import CheckpointError, NlbenchError
from nlbench.core.registry import get_tracker
from nlbench_trackers.common.checkpoint import load_strict
from nlbench_trackers.vltvg.model import VLTVG, VLTVG_R50_CONFIG, VLTVG_R101_CONFIG, MHAttentionRPE, relative_sine_table
from nlbench_trackers.vltvg.preprocess import (
    CanvasGeometry,
    canvas_box_to_image,
    canvas_geometry,
    encode_phrase,
    image_to_canvas,
)
from tests.fixtures_baselines import KEYS_TSV, seeded_value, state_signature





@pytest.fixture(scope="module")
def r50() -> VLTVG:
    return VLTVG(VLTVG_R50_CONFIG).eval()


def test_r50_key_set_and_parameter_totals(r50: VLTVG) -> None:
    # digest of the sorted (key, shape, dtype) rows of baselines-state-dict-keys.tsv (vltvg_r50, 682 entries)
    assert state_signature(r50) == (682, "efdc2c267fc20291481964ed56605a74ef067a1193eeedcd5674d87e8c43c63f")
    assert sum(p.numel() for p in r50.parameters()) == 152_077_254
    assert len(list(r50.parameters())) == 468  # and 214 buffers: 212 frozen-BN + the 2 RPE tables
    sizes = {
        "backbone": 23_454_912,
        "trans_encoder": 7_890_432,
        "input_proj": 524_544,
        "bert": 109_482_240,
        "bert_proj": 196_864,
        "trans_decoder": 10_395_650,
        "bbox_embed": 132_612,
    }
    assert {name: sum(p.numel() for p in getattr(r50, name).parameters()) for name in sizes} == sizes
    assert r50.bert.pooler is not None


def test_r101_differs_only_by_layer3() -> None:
    model = VLTVG(VLTVG_R101_CONFIG)
    assert len(model.state_dict()) == 937
    assert sum(p.numel() for p in model.parameters()) == 171_017_158
    assert len(model.backbone[0].body.layer3) == 23


def test_random_state_dict_with_the_official_keys_loads_strictly() -> None:
    rows = [line.split("\t") for line in KEYS_TSV.read_text().splitlines() if line and not line.startswith("#")]
    keys = {r[1]: tuple(int(x) for x in r[2].split("x")) for r in rows if r[0] == "vltvg_r50"}
    assert len(keys) == 682
    state = {k: torch.full(shape, 0.5) + len(k) / 1000 for k, shape in keys.items()}
    model = VLTVG(VLTVG_R50_CONFIG)
    load_strict(model, state, "random")
    assert torch.equal(model.state_dict()["bert.pooler.dense.bias"], state["bert.pooler.dense.bias"])


def test_rpe_tables_are_the_fixed_sine_tables(r50: VLTVG) -> None:
    table = relative_sine_table(128, 20)
    assert table.shape == (41, 128)
    # offset 0 (row 20): sin 0, cos 0 interleaved; offset 20 (row 40): 20/(20+1e-6)*2pi in feature 0
    assert table[20, :4].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert float(table[40, 0]) == pytest.approx(math.sin(20 / (20 + 1e-6) * 2 * math.pi), abs=1e-6)
    rpe = r50.trans_decoder.decoder.extra_encoder_layers[0].img2img_attn
    assert torch.equal(rpe.pos_x, table) and torch.equal(rpe.pos_y, table)


def test_rpe_attention_needs_the_20x20_grid() -> None:
    attn = MHAttentionRPE()
    x = torch.zeros(100, 1, 256)
    with pytest.raises(ValueError, match="20x20"):
        attn(x, x, x, torch.zeros(1, 100, dtype=torch.bool))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((480, 360), CanvasGeometry(480, 360, 640, 480, 0, 80)),
        ((101, 200), CanvasGeometry(101, 200, 323, 640, 158, 0)),  # round(323.2); left round(158.5 - 0.1)
        ((1280, 719), CanvasGeometry(1280, 719, 640, 360, 0, 140)),  # round(359.5) = 360 (ties to even)
    ],
    ids=["landscape", "portrait-odd-pad", "round-half-even"],
)
def test_canvas_geometry(size, expected) -> None:
    assert canvas_geometry(*size) == expected


def test_image_is_centred_on_a_zero_canvas_and_the_mask_is_all_false() -> None:
    frame = np.full((360, 480, 3), 255, dtype=np.uint8)
    image, mask, geo = image_to_canvas(frame)
    assert image.shape == (1, 3, 640, 640) and mask.shape == (1, 640, 640)
    assert not mask.any()  # the original never marks the padding (§2.5)
    assert geo.top == 80
    assert not image[0, :, :80].any() and not image[0, :, 560:].any()
    white = torch.tensor([(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225])
    torch.testing.assert_close(image[0, :, 80, 0], white)
    torch.testing.assert_close(image[0, :, 559, 639], white)


def test_pil_bilinear_resize_antialiases_when_shrinking() -> None:
    frame = np.zeros((1280, 1280, 3), dtype=np.uint8)
    frame[:, 1::2] = 255  # one-pixel stripes: an antialiased 2x reduction averages them to mid-grey
    image, _, _ = image_to_canvas(frame)
    grey = (float(image[0, 0, 320, 320]) * 0.229 + 0.485) * 255
    assert grey == pytest.approx(127.5, abs=1.5)


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ([0.5, 0.5, 0.25, 0.25], [180.0, 120.0, 120.0, 120.0]),
        ([0.95, 0.05, 0.3, 0.3], [384.0, 0.0, 96.0, 36.0]),  # clamped at 0 and at W (not W - 1)
    ],
    ids=["inside", "clamped"],
)
def test_canvas_box_maps_back_to_original_pixels(box, expected) -> None:
    geo = canvas_geometry(480, 360)  # 640x480 on the canvas, top 80
    np.testing.assert_allclose(canvas_box_to_image(torch.tensor(box), geo), expected, atol=1e-4)


def test_phrase_encoding() -> None:
    ids, mask = encode_phrase("  The RED car ")
    assert ids.shape == mask.shape == (1, 40)
    assert ids[0, :5].tolist() == [101, 1996, 2417, 2482, 102] and not ids[0, 5:].any()
    assert mask[0].tolist() == [1] * 5 + [0] * 35
    pair, _ = encode_phrase("a dog ||| running")
    assert pair[0, :4].tolist() == [101, 1037, 3899, 102] and pair[0, 5] == 102  # [CLS] a dog [SEP] running [SEP]
    long_ids, long_mask = encode_phrase(" ".join(["dog"] * 60))
    assert long_ids[0].tolist() == [101] + [3899] * 38 + [102] and long_mask.all()


def test_plugin_is_a_grounder_that_needs_a_checkpoint() -> None:
    plugin = get_tracker("vltvg")
    assert plugin.grounder and plugin.modes == () and plugin.needs_checkpoint
    assert "--checkpoint" in plugin.checkpoint_help
    with pytest.raises(CheckpointError, match="VLTVG_R50"):
        plugin.build()


def _seeded_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The shared seeded weights; the fixed position tables kept, the RPE scale set and the box head scaled."""
    state = {k: v.clone() if k.endswith(("pos_x", "pos_y")) else seeded_value(k, v) for k, v in model.state_dict().items()}
    prefix = "trans_decoder.decoder.extra_encoder_layers.0."
    state[prefix + "tf_scale"], state[prefix + "tf_sigma"] = torch.tensor([1.0]), torch.tensor([0.5])
    state["bbox_embed.layers.2.weight"] = state["bbox_embed.layers.2.weight"] * 40  # a box away from the centre
    return state


def test_grounding_reproduces_the_original(r50: VLTVG) -> None:
    # Golden box: yangli18/VLTVG@a8bcfe7 (models/VLTVG.py with pytorch_pretrained_bert 0.6.2, datasets/transforms.py
    # test pipeline, PostProcess) on CPU with these weights, frame and phrase; canvas boxes agreed to 1.2e-7.
    from nlbench_trackers.vltvg.grounder import VLTVGGrounder

    r50.load_state_dict(_seeded_state(r50))
    grounder = VLTVGGrounder(r50, torch.device("cpu"))
    frame = (np.random.default_rng(0).random((120, 160, 3)) * 255).astype(np.uint8)
    box = grounder.ground(frame, "the red car on the left")
    assert box.dtype == np.float64
    np.testing.assert_allclose(box, [0.0, 77.685791015625, 96.19422912597656, 42.314208984375], atol=1e-2)
    with pytest.raises(NlbenchError, match="grounder only"):
        grounder.initialize(frame, "x", None)
    with pytest.raises(NlbenchError, match="grounder only"):
        grounder.track(frame)
