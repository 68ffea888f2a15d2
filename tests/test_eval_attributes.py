"""Per-attribute evaluation through the real loaders: the official attribute counts of eval-spec §2."""

from __future__ import annotations

import numpy as np
import pytest

from nlbench.eval import evaluate
from nlbench.datasets.base import read_name_list
from nlbench.datasets.lasot import LASOT_ATTRIBUTES
from nlbench.datasets.tnl2k import TNL2K_ATTRIBUTES
from nlbench.datasets import load_sequences

# eval-spec §2.1 / §2.2: sequences per attribute in the test splits.
LASOT_COUNTS = {"IV": 47, "POC": 187, "DEF": 142, "MB": 89, "CM": 86, "ROT": 175, "BC": 100, "VC": 33,
                "SV": 273, "FOC": 118, "FM": 53, "OV": 104, "LR": 141, "ARC": 249}  # fmt: skip
TNL2K_COUNTS = {"CM": 228, "ROT": 310, "DEF": 174, "FOC": 97, "IV": 82, "OV": 234, "POC": 376, "VC": 310, "SV": 406,
                "BC": 420, "MB": 49, "ARC": 241, "LR": 74, "FM": 168, "AS": 100, "TC": 24, "MS": 21}  # fmt: skip
GT = "10,10,20,20\n12,10,20,20\n"


def official(name: str) -> list[str]:
    return list(read_name_list(name))


def test_lasot_attributes_of_the_whole_split(tmp_path):
    names = official("lasot_test.txt")
    for name in names:
        folder = tmp_path / name.rsplit("-", 1)[0] / name
        (folder / "img").mkdir(parents=True)
        (folder / "groundtruth.txt").write_text(GT)
        (folder / "full_occlusion.txt").write_text("0,0")
        (folder / "out_of_view.txt").write_text("0,0")
        (folder / "nlp.txt").write_text("a target")
    sequences = load_sequences("lasot", tmp_path, with_frames=False)
    assert len(sequences) == 280
    preds = {s.name: s.gt for s in sequences}
    t = evaluate(sequences, {"oracle": preds}, "lasot", bootstrap=False).trackers["oracle"]
    assert list(t.attributes) == list(LASOT_ATTRIBUTES)
    assert {a: v["n"] for a, v in t.attributes.items()} == LASOT_COUNTS
    assert all(v["auc"] == pytest.approx(2000 / 21) for v in t.attributes.values())


def test_tnl2k_attributes_of_the_whole_split(tmp_path):
    names = official("tnl2k_test.txt")
    for name in names:
        folder = tmp_path / name
        (folder / "imgs").mkdir(parents=True)
        (folder / "groundtruth.txt").write_text(GT)
        (folder / "language.txt").write_text("a target")
        for i in (1, 2):
            (folder / "imgs" / f"{i:08d}.jpg").write_bytes(b"")
    sequences = load_sequences("tnl2k", tmp_path, with_frames=False)
    assert len(sequences) == 700
    far = np.array([[10, 10, 20, 20], [200, 200, 20, 20]], float)
    result = evaluate(sequences, {"half": {s.name: far for s in sequences}}, "tnl2k", bootstrap=False)
    t = result.trackers["half"]
    assert list(t.attributes) == list(TNL2K_ATTRIBUTES)
    assert {a: v["n"] for a, v in t.attributes.items()} == TNL2K_COUNTS
    assert t.op50 == 50.0
    assert all(v["auc"] == pytest.approx(1000 / 21) for v in t.attributes.values())
