"""Grounding accuracy under both rules on a RefCOCOg-format fixture (eval-spec §5, §6 case 17)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.datasets.refcocog import load_refcocog
from nlbench.core.errors import EvaluationError, ResultFormatError
from nlbench.eval.grounding import evaluate_grounding, grounding_ious, score_records
from nlbench.run.grounding import ground_samples
from nlbench.run.stages import GroundRequest, ground_stage
from nlbench.store.grounding import load_predictions, save_predictions
from nlbench.core.types import TrackerPlugin
from tests.fixtures_datasets import make_ref, make_refcocog

# Image 1 is 100 x 80. Hand-checked cases (xywh):
#  ref 10: GT (10,10,40,20) area 800; pred (10,10,20,20): inter 400, union 800 -> IoU exactly 0.5 (case 17)
#  ref 11: GT (0,0,20,20); pred = GT -> IoU 1
#  ref 14: GT (60,40,40,40) touching the image corner; pred (60,40,60,40) reaches x = 120 > 100:
#          unclipped IoU 1600/2400 = 2/3; clipped to the image (60,40)-(100,80) -> IoU 1
#  ref 15: GT (30,30,10,10); pred (-50,-50,10,10) entirely outside -> IoU 0 (clipped: zero-area box, IoU 0)
#  ref 13: crowd annotation -> dropped
IMAGES = [{"id": 1, "width": 100, "height": 80}]
ANNS = [
    {"id": 110, "image_id": 1, "bbox": [10, 10, 40, 20]},
    {"id": 111, "image_id": 1, "bbox": [0, 0, 20, 20]},
    {"id": 113, "image_id": 1, "bbox": [0, 0, 50, 50], "iscrowd": 1},
    {"id": 114, "image_id": 1, "bbox": [60, 40, 40, 40]},
    {"id": 115, "image_id": 1, "bbox": [30, 30, 10, 10]},
]
REFS = [
    make_ref(10, 110, 1, "val", ["a dog", "the small dog"], first_sent_id=0),
    make_ref(11, 111, 1, "val", ["top left box"], first_sent_id=5),
    make_ref(13, 113, 1, "val", ["the crowd"], first_sent_id=6),
    make_ref(14, 114, 1, "val", ["bottom right corner"], first_sent_id=7),
    make_ref(15, 115, 1, "val", ["a tiny square"], first_sent_id=8),
    make_ref(16, 115, 1, "train", ["train only"], first_sent_id=9),
]
PRED_BY_SENTENCE = {
    "a dog": (10, 10, 40, 20),
    "the small dog": (10, 10, 20, 20),
    "top left box": (0, 0, 20, 20),
    "bottom right corner": (60, 40, 60, 40),
    "a tiny square": (-50, -50, 10, 10),
}


class FakeGrounder:
    def __init__(self) -> None:
        self.frames: list[tuple[int, ...]] = []

    def ground(self, frame: np.ndarray, text: str) -> np.ndarray:
        assert frame.dtype == np.uint8 and frame.ndim == 3
        self.frames.append(frame.shape)
        return np.asarray(PRED_BY_SENTENCE[text], dtype=np.float64)


@pytest.fixture()
def coco(tmp_path: Path) -> Path:
    return make_refcocog(tmp_path / "coco", REFS, IMAGES, ANNS, pixels=True)


def test_iou_exactly_half_is_a_tie_between_rules():
    gt = np.array([[10, 10, 40, 20]], dtype=np.float64)
    pred = np.array([[10, 10, 20, 20]], dtype=np.float64)
    assert grounding_ious(pred, gt, "jointnlt")[0] == 0.5
    assert grounding_ious(pred, gt, "standard", np.array([[100, 80]]))[0] == 0.5


@pytest.mark.parametrize(
    "rule,ious,acc50,num,acc25,acc75,miou",
    [
        ("jointnlt", [0.5, 1.0, 2 / 3, 0.0], 0.5, 2, 0.75, 0.25, (0.5 + 1 + 2 / 3) / 4),
        ("standard", [0.5, 1.0, 1.0, 0.0], 0.75, 3, 0.75, 0.5, 2.5 / 4),
    ],
    ids=["jointnlt", "standard"],
)
def test_hand_checked_accuracies_per_ref(coco: Path, rule, ious, acc50, num, acc25, acc75, miou):
    samples = load_refcocog(coco, "val", split_by="google", unit="ref")
    assert [s.ref_id for s in samples] == [10, 11, 14, 15]
    preds = [PRED_BY_SENTENCE[s.sentence] for s in samples]
    result = evaluate_grounding(samples, preds, rule=rule)
    np.testing.assert_allclose(result.ious, ious, rtol=0, atol=1e-15)
    assert (result.numerator, result.denominator) == (num, 4)
    assert result.accuracy == acc50 and result.acc25 == acc25 and result.acc75 == acc75
    assert result.mean_iou == pytest.approx(miou, abs=1e-15)
    assert (result.split, result.split_by, result.unit, result.rule) == ("val", "google", "ref", rule)
    assert f"({num}/4)" in result.summary() and "split: google/val" in result.summary()


def test_per_expression_unit(coco: Path):
    samples = load_refcocog(coco, "val", unit="expression")
    assert len(samples) == 5
    result = evaluate_grounding(samples, [PRED_BY_SENTENCE[s.sentence] for s in samples], rule="jointnlt")
    # "a dog" predicts the GT exactly: IoUs 1, 0.5, 1, 2/3, 0 -> 3/5 above 0.5
    assert (result.numerator, result.denominator, result.unit) == (3, 5, "expression")


def test_run_with_fake_grounder_save_and_rescore(coco: Path, tmp_path: Path):
    samples = load_refcocog(coco)
    grounder = FakeGrounder()
    records = ground_samples(grounder, samples, progress=False)
    assert grounder.frames == [(80, 100, 3)] * 4
    for suffix in (".csv", ".jsonl"):
        path = save_predictions(tmp_path / f"pred{suffix}", records)
        loaded = load_predictions(path)
        assert [r.ref_id for r in loaded] == [10, 11, 14, 15]
        assert [r.sentence for r in loaded] == [s.sentence for s in samples]
        for rule in ("jointnlt", "standard"):
            again, fresh = score_records(loaded, rule), score_records(records, rule)
            assert again.numerator == fresh.numerator and np.array_equal(again.ious, fresh.ious)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temp files


def test_rescore_cli_prints_traceable_numbers(coco: Path, tmp_path: Path):
    from nlbench.cli import main

    samples = load_refcocog(coco)
    path = save_predictions(tmp_path / "pred.csv", ground_samples(FakeGrounder(), samples, progress=False))
    runner = CliRunner()
    out = runner.invoke(main, ["ground", "--rescore", str(path)])
    assert out.exit_code == 0, out.output
    assert "Acc@0.5 = 0.5000 (2/4)  split: google/val  unit: ref  rule: jointnlt (IoU > t" in out.output
    json_path = tmp_path / "result.json"
    out = runner.invoke(main, ["ground", "--rescore", str(path), "--rule", "standard", "--json", str(json_path)])
    assert out.exit_code == 0, out.output
    assert "Acc@0.5 = 0.7500 (3/4)" in out.output and "Acc@0.75 = 0.5000" in out.output
    data = json.loads(json_path.read_text())
    assert data["numerator"] == 3 and data["denominator"] == 4 and data["rule"] == "standard"
    assert data["split_by"] == "google" and data["unit"] == "ref"
    # a broken predictions file is a one-line error naming the file and line
    (tmp_path / "bad.csv").write_text(path.read_text().replace("0.0", "zero", 1))
    out = runner.invoke(main, ["ground", "--rescore", str(tmp_path / "bad.csv")])
    assert out.exit_code == 2 and "bad.csv:" in out.output and "bad prediction row" in out.output


def test_run_grounding_through_the_registry(coco: Path, tmp_path: Path, monkeypatch):
    import nlbench.core.registry as registry

    plugin = TrackerPlugin(name="fake", description="", build=lambda **kw: FakeGrounder(), grounder=True)
    monkeypatch.setattr(registry, "get_tracker", lambda name: plugin)
    summary = ground_stage(GroundRequest(
        grounder="fake", dataset="refcocog", root=coco, split="val", split_by="google", rule="standard", limit=3,
        predictions=tmp_path / "p.jsonl", quiet=True,
    ))  # fmt: skip
    result, path = summary.result, summary.predictions
    assert (result.numerator, result.denominator) == (3, 3) and path == tmp_path / "p.jsonl"
    assert len(load_predictions(path)) == 3


def test_standard_rule_needs_image_size_and_mixed_splits_refused(coco: Path):
    samples = load_refcocog(coco)
    records = ground_samples(FakeGrounder(), samples, progress=False)
    from dataclasses import replace

    with pytest.raises(EvaluationError, match="needs its width and height"):
        score_records([replace(records[0], width=None)], "standard")
    with pytest.raises(EvaluationError, match="mix several splits"):
        score_records([records[0], replace(records[1], split="umd/val")], "jointnlt")
    with pytest.raises(EvaluationError, match="unknown grounding rule"):
        score_records(records, "loose")
    with pytest.raises(ResultFormatError, match="not found"):
        load_predictions(Path("/nonexistent/pred.csv"))


def test_a_tracker_that_cannot_ground_is_refused(coco: Path, monkeypatch):
    import nlbench.core.registry as registry
    from nlbench.core.errors import PluginError

    plugin = TrackerPlugin(name="csrt", description="", build=lambda **kw: object(), grounder=False)
    monkeypatch.setattr(registry, "get_tracker", lambda name: plugin)
    with pytest.raises(PluginError, match="'csrt' is not a grounder"):
        ground_stage(GroundRequest(grounder="csrt", dataset="refcocog", root=coco, quiet=True))


def test_sub_labels_of_a_split_are_scored_apart():
    from nlbench.eval.grounding import score_records
    from nlbench.core.types import GroundingRecord

    def rec(i, split, pred):
        return GroundingRecord(index=i, sentence="s", pred=np.array(pred, float), gt=np.array([0, 0, 10, 10.0]),
                               width=100, height=100, split=split)

    records = [rec(0, "test", [0, 0, 10, 10]), rec(1, "test", [0, 0, 10, 10]), rec(2, "test", [50, 50, 10, 10]),
               rec(3, "test-ambiguous", [50, 50, 10, 10])]
    result = score_records(records)
    assert (result.numerator, result.denominator) == (2, 4)
    assert (result.subsets["test"].numerator, result.subsets["test"].denominator) == (2, 3)
    assert (result.subsets["test-ambiguous"].numerator, result.subsets["test-ambiguous"].denominator) == (0, 1)
    assert result.to_dict()["subsets"]["test"]["accuracy"] == pytest.approx(2 / 3)
    assert "test-ambiguous: Acc@0.5 = 0.0000 (0/1)" in result.summary()


class FakeBatchGrounder(FakeGrounder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def ground_many(self, frames: list[np.ndarray], texts: list[str]) -> list[np.ndarray]:
        self.calls.append(len(frames))
        return [self.ground(f, t) for f, t in zip(frames, texts)]


def test_batched_grounding_gives_the_same_records_in_chunks(coco: Path):
    samples = load_refcocog(coco, unit="expression")  # 5 samples on one image
    one = ground_samples(FakeGrounder(), samples, progress=False)
    grounder = FakeBatchGrounder()
    many = ground_samples(grounder, samples, progress=False, batch_size=2)

    def rows(records):
        return [(r.index, r.sentence, tuple(r.pred), tuple(r.gt), r.width, r.height, r.ref_id, r.unit) for r in records]

    assert grounder.calls == [2, 2, 1] and rows(many) == rows(one) and len(one) == 5
    plain = FakeGrounder()  # no ground_many: one sample at a time, whatever the batch size
    assert rows(ground_samples(plain, samples, progress=False, batch_size=4)) == rows(one) and len(plain.frames) == 5


def test_jointnlt_batched_grounding_is_byte_identical_and_bad_sizes_refused(coco: Path, tmp_path: Path):
    from nlbench.cli import main

    files = {}
    for size in ("1", "3"):
        files[size] = tmp_path / f"b{size}.csv"
        out = CliRunner().invoke(main, ["ground", "-g", "jointnlt-tiny", "--root", str(coco), "--unit", "expression",
                                        "--batch-size", size, "--predictions", str(files[size]), "--quiet"])
        assert out.exit_code == 0, out.output
    # batch-invariant decoder and head, contiguous image batch: the one-image numbers, to the last digit
    assert files["1"].read_bytes() == files["3"].read_bytes()
    for bad in ("0", "-1", "two"):
        out = CliRunner().invoke(main, ["ground", "-g", "jointnlt-tiny", "--root", str(coco), "--batch-size", bad])
        assert out.exit_code == 2 and "--batch-size must be a positive integer" in out.output
