"""JointNLT model: official key set and sizes (spec §2), config round trip, batch-shaped forward passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from nlbench_trackers.jointnlt.config import JOINTNLT_SWIN_B, JOINTNLT_TINY, JointNLTConfig
from nlbench_trackers.jointnlt.model import JointNLT
from nlbench_trackers.jointnlt.swin import relative_position_index, shift_attention_mask

KEYS_TSV = Path(__file__).resolve().parent / "data" / "specs" / "jointnlt-state-dict-keys.tsv"  # jointnlt-spec


def _official_keys() -> dict[str, tuple[tuple[int, ...], str]]:
    rows = [line.rstrip("\n").split("\t") for line in KEYS_TSV.read_text().splitlines(True) if not line.startswith("#")]
    return {r[0]: (() if r[1] == "scalar" else tuple(int(x) for x in r[1].split("x")), r[2]) for r in rows}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def official() -> JointNLT:
    return JointNLT(JOINTNLT_SWIN_B)


def test_random_state_dict_with_the_953_official_keys_loads_strictly(official: JointNLT) -> None:
    keys = _official_keys()
    assert len(keys) == 953
    generator = torch.Generator().manual_seed(0)
    state = {
        key: (torch.randint(0, 5, shape, generator=generator) if dtype == "int64" else torch.randn(shape, generator=generator))
        for key, (shape, dtype) in keys.items()
    }
    # relative_position_index must keep the standard values for the model to mean anything
    for key in state:
        if key.endswith("relative_position_index"):
            state[key] = relative_position_index(7)
    result = official.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    own = official.state_dict()
    assert {k: (tuple(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in own.items()} == keys
    name = "language_backbone.bert.encoder.layer.3.output.dense.weight"
    assert torch.equal(own[name], state[name])


def test_official_parameter_counts(official: JointNLT) -> None:
    # spec §2.1
    def count(module: torch.nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    assert count(official) == 192_864_506
    assert count(official.visual_backbone) == 59_438_456
    assert count(official.language_backbone.bert) == 108_891_648
    assert count(official.vl_joint_trans) == 4_738_560
    assert count(official.temporal_decoder) == 11_059_712
    assert count(official.target_decoder) == 6_321_152
    assert count(official.box_head) == 1_956_738
    assert count(official.vl_pos_embed) == 505 * 256
    assert count(official.vl_joint_trans.encoder.layers[0]) == 789_760
    assert count(official.target_decoder.layers[0]) == 1_053_440
    buffers = [k for k, v in official.state_dict().items() if k.endswith(("relative_position_index", "running_mean",
                                                                           "running_var", "num_batches_tracked"))]
    assert len(buffers) == 46


def test_exact_module_types_for_thop_counting(official: JointNLT) -> None:
    head = official.box_head
    assert [type(m) for m in head.conv1_tl] == [torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.ReLU]
    assert type(official.vl_joint_trans.encoder.layers[0].self_attn) is torch.nn.MultiheadAttention
    assert type(official.visu_proj) is torch.nn.Linear
    assert type(official.visual_backbone.stages[2].blocks[0].attn.qkv) is torch.nn.Linear


def test_relative_position_index_formula() -> None:
    index = relative_position_index(7)
    # token p = (r, c) row-major; index = (r_p - r_q + 6) * 13 + (c_p - c_q + 6)  (spec §2.2)
    assert index.shape == (49, 49) and index.dtype == torch.int64
    assert index[0, 0] == 6 * 13 + 6 == 84
    assert index[0, 48] == 0  # p=(0,0), q=(6,6)
    assert index[48, 0] == 168
    assert index[8, 1] == (1 - 0 + 6) * 13 + (1 - 1 + 6)


def test_shift_mask_regions() -> None:
    # 20 -> 21 padded; three regions per axis [0,14), [14,18), [18,21) (spec §3.2.4)
    mask = shift_attention_mask(21, 21, 7, 3, torch.device("cpu"))
    assert mask.shape == (9, 49, 49)
    assert torch.count_nonzero(mask[0]) == 0  # the top-left window lies in one region
    assert set(mask.unique().tolist()) == {0.0, -100.0}
    last = mask[8]  # bottom-right window: rows/cols 14..20 split 4|3 on both axes
    assert last[0, 3] == 0 and last[0, 4] == -100 and last[0, 28] == -100


def test_config_json_round_trip() -> None:
    for cfg in (JOINTNLT_SWIN_B, JOINTNLT_TINY):
        text = cfg.to_json()
        again = JointNLTConfig.from_json(text)
        assert again == cfg
        assert json.loads(text)["swin_depths"] == list(cfg.swin_depths)
    assert JOINTNLT_SWIN_B.num_vl_tokens == 505
    assert JOINTNLT_TINY.num_vl_tokens == 40 + 16 + 1 + 100
    with pytest.raises(ValueError, match="unknown"):
        JointNLTConfig.from_dict({"no_such_size": 1})
    with pytest.raises(ValueError, match="grounding_size"):
        JOINTNLT_TINY.replace(grounding_size=320)


def test_tiny_forward_shapes_and_x15_box() -> None:
    torch.manual_seed(0)
    model = JointNLT(JOINTNLT_TINY).eval()
    cfg = model.cfg
    ids = torch.randint(1000, 2000, (2, 40))
    mask = torch.zeros(2, 40, dtype=torch.int64)
    mask[:, :7] = 1
    search = torch.randn(2, 3, cfg.search_size, cfg.search_size)
    search_mask = torch.zeros(2, cfg.search_size, cfg.search_size, dtype=torch.bool)
    search_mask[:, 150:] = True
    template = torch.randn(2, 3, cfg.template_size, cfg.template_size)
    template_mask = torch.zeros(2, cfg.template_size, cfg.template_size, dtype=torch.bool)
    with torch.inference_mode():
        text_src, text_mask = model.encode_text(ids, mask)
        assert text_src.shape == (2, 40, 128) and text_mask[:, 7:].all() and not text_mask[:, :7].any()
        tokens, token_mask = model.encode_visual(search, search_mask)
        # nearest sampling of pixel 16*i: rows 160/16=10 -> token rows 0..9; pixel 144 (row 9) is valid, so none masked
        assert tokens.shape == (2, 100, 128) and not token_mask.any()
        ground = model.forward_grounding(text_src, text_mask, search, search_mask)
        boxes = ground["pred_boxes"]
        assert boxes.shape == (2, 4) and ground["roi_feature"].shape == (2, 128, 6, 6)
        torch.testing.assert_close(boxes[:, 2:], ground["head_boxes"][:, 2:] * 1.5, rtol=0, atol=0)
        torch.testing.assert_close(boxes[:, :2], ground["head_boxes"][:, :2], rtol=0, atol=0)
        t_tokens, t_mask = model.encode_visual(template, template_mask)
        clue = torch.cat([ground["roi_feature"].flatten(2)] * 2, dim=-1)
        out = model.forward_tracking(text_src, text_mask, t_tokens, t_mask, search, search_mask, clue)
        assert out["pred_boxes"].shape == (2, 4) and out["score_map_tl"].shape == (2, 1, 10, 10)
        same = model((ids, mask), (template, template_mask), clue, (search, search_mask), "tracking")
        torch.testing.assert_close(same["pred_boxes"], out["pred_boxes"])
    off = JointNLT(JOINTNLT_TINY.replace(roi_scale_in_place=False)).eval()
    off.load_state_dict(model.state_dict())
    with torch.inference_mode():
        plain = off.forward_grounding(text_src, text_mask, search, search_mask)
    torch.testing.assert_close(plain["pred_boxes"], ground["head_boxes"])
    torch.testing.assert_close(plain["roi_feature"], ground["roi_feature"])


def test_tiny_trains_end_to_end() -> None:
    torch.manual_seed(0)
    model = JointNLT(JOINTNLT_TINY).train()
    cfg = model.cfg
    ids = torch.randint(1000, 2000, (2, 40))
    mask = torch.ones(2, 40, dtype=torch.int64)
    search = (torch.randn(2, 3, 160, 160), torch.zeros(2, 160, 160, dtype=torch.bool))
    template = (torch.randn(2, 3, 64, 64), torch.zeros(2, 64, 64, dtype=torch.bool))
    ground = model((ids, mask), None, None, search, "grounding")
    clue = ground["roi_feature"].flatten(2)
    out = model((ids, mask), template, clue, search, "tracking")
    (ground["pred_boxes"].sum() + out["pred_boxes"].sum()).backward()
    assert model.temporal_decoder.encoder.layers[0].linear1.weight.grad is not None
    assert model.language_backbone.bert.embeddings.word_embeddings.weight.grad is not None
    assert model.visual_backbone.stages[0].pre_stage.proj.weight.grad is not None
    assert cfg.dropout == 0.1
