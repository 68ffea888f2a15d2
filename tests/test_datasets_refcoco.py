"""RefCOCO and RefCOCO+ through the RefCOCOg loader (REFER layout, unc splits val / testA / testB)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from nlbench.core.errors import DatasetError
from nlbench.datasets.refcocog import REFCOCO, REFCOCO_PLUS, load_refcoco, load_refcoco_plus, verify_refcoco
from nlbench.eval.grounding import evaluate_grounding
from tests.fixtures_datasets import make_ref, make_refcocog

IMAGES = [{"id": 1, "width": 100, "height": 80}]
ANNS = [{"id": i, "image_id": 1, "bbox": [10 * i, 0, 20, 20]} for i in range(1, 7)]
REFS = [
    make_ref(1, 1, 1, "train", ["man"]),
    make_ref(2, 2, 1, "val", ["left man", "man on the left"], first_sent_id=10),
    make_ref(3, 3, 1, "testA", ["woman"], first_sent_id=20),
    make_ref(4, 4, 1, "testB", ["cup"], first_sent_id=30),
    make_ref(5, 5, 1, "testAB", ["both"], first_sent_id=40),  # REFER counts testAB in testA and in testB
    make_ref(6, 6, 1, "val", ["dog"], first_sent_id=50),
]


@pytest.mark.parametrize("plugin,loader,folder", [(REFCOCO, load_refcoco, "refcoco"), (REFCOCO_PLUS, load_refcoco_plus, "refcoco+")])
def test_every_unc_split(tmp_path: Path, plugin, loader, folder):
    make_refcocog(tmp_path, REFS, IMAGES, ANNS, split_by="unc", folder_name=folder)
    ids = {s: [x.ref_id for x in loader(tmp_path, s)] for s in ("train", "val", "testA", "testB")}
    assert ids == {"train": [1], "val": [2, 6], "testA": [3, 5], "testB": [4, 5]}
    val = loader(tmp_path)  # default: unc / val, one sample per ref, its last sentence
    assert [s.sentence for s in val] == ["man on the left", "dog"] and {s.split for s in val} == {"unc/val"}
    assert len(loader(tmp_path, "unc/val", unit="expression")) == 3
    np.testing.assert_array_equal(val[0].box, [20, 0, 20, 20])
    assert plugin.kind == "grounding" and plugin.load_options == ("split_by", "unit")
    with pytest.raises(DatasetError, match=re.escape(folder) + r": split-by 'unc' has no split 'test' \(it has train, val, testA, testB\)"):
        loader(tmp_path, "test")


def test_accuracy_is_reported_with_split_and_rule(tmp_path: Path):
    make_refcocog(tmp_path, REFS, IMAGES, ANNS, split_by="unc", folder_name="refcoco")
    samples = load_refcoco(tmp_path, "testB")  # refs 4 (box 40,0,20,20) and 5 (50,0,20,20)
    # ref 4: exact (IoU 1); ref 5 shifted by 10 px: IoU 10*20 / (800 - 200) = 1/3 -> wrong at 0.5
    result = evaluate_grounding(samples, [[40, 0, 20, 20], [60, 0, 20, 20]])
    assert (result.numerator, result.denominator, result.split, result.split_by) == (1, 2, "testB", "unc")
    assert result.mean_iou == pytest.approx((1 + 1 / 3) / 2)
    assert "split: unc/testB" in result.summary() and "rule:" in result.summary()


def test_wrong_root_and_tampered_pickle(tmp_path: Path):
    with pytest.raises(DatasetError, match=r"dataset 'refcoco\+': .*refcoco\+[/\\]instances.json is missing.*refcoco\+.zip"):
        load_refcoco_plus(tmp_path)
    make_refcocog(tmp_path, REFS, IMAGES, ANNS, split_by="unc", folder_name="refcoco")
    (tmp_path / "refcoco" / "refs(unc).p").write_bytes(b"cos\nsystem\n(S'true'\ntR.")
    with pytest.raises(DatasetError, match=r"refs\(unc\).p: unsafe pickle"):
        load_refcoco(tmp_path)
    assert verify_refcoco(tmp_path).counts() == {"unreadable refs": 1}
