"""OTB99-lang loader: alias table, OTB-100 vs renumbered folders, GT separator mixtures (eval-spec §3.4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlbench.datasets.base import names_sha256
from nlbench.datasets.otb99 import OTB99, canonical_otb_name, load_otb99, otb_targets, skating_assignment, split_names
from nlbench.core.errors import DatasetError
from tests.fixtures_datasets import make_otb_query, make_otb_target


def test_table_matches_spec():
    test, train = split_names("test"), split_names("train")
    assert len(test) == 48 and len(train) == 51 and len(otb_targets()) == 99
    # eval-spec §3.4: SHA-256 of the sorted LANG test names; 29,077 test frames
    assert names_sha256(test) == "a5aa295282c1836f71f6814fb048b144d466b8512f17f8b0db970279cf7494bd"
    assert sum(t.frames for t in otb_targets() if t.split == "test") == 29077
    assert "ClifBar" not in {t.name for t in otb_targets()}


@pytest.mark.parametrize(
    "alias,canonical",
    [("Skating2_1", "Skating2-1"), ("Skating2.2", "Skating2-2"), ("Skating3", "Skating2-2"), ("Human4_2", "Human4"),
     ("Jogging.1", "Jogging-1"), ("Jogging2", "Jogging-2"), ("Jogging_2", "Jogging-2"), ("Biker", "Biker"),
     ("NotASequence", None)],
)  # fmt: skip
def test_aliases(alias: str, canonical: str | None):
    assert canonical_otb_name(alias) == canonical


def test_otb100_layout_start_frames_5_digits_and_mixed_separators(tmp_path: Path):
    # BlurCar1: images start at 0247; a row with a space among tab rows (OTB-100 row 496 quirk); CRLF
    make_otb_target(tmp_path, "BlurCar1", ["10\t20\t30\t40", "11 21 30 40", "12\t22\t30\t40"], start=247, crlf=True)
    # Board: 5-digit names; last row 0,0,0,0
    make_otb_target(tmp_path, "Board", ["1,2,3,4", "0,0,0,0"], digits=5)
    # Human4: OTB-100 keeps the target in groundtruth_rect.2.txt, .1 is empty
    make_otb_target(tmp_path, "Human4", ["5,6,7,8", "5,6,7,8"], gt_file="groundtruth_rect.2.txt")
    (tmp_path / "OTB_videos" / "Human4" / "groundtruth_rect.1.txt").write_text("")
    make_otb_query(tmp_path, "test", "BlurCar1", "white car, moving right", crlf=True)
    make_otb_query(tmp_path, "test", "Board", "the board")
    make_otb_query(tmp_path, "test", "Human4", "the woman")
    seqs = load_otb99(tmp_path, names=["Human4", "Board", "BlurCar1"])
    assert [s.name for s in seqs] == ["BlurCar1", "Board", "Human4"]  # LANG order
    car, board, human = seqs
    np.testing.assert_array_equal(car.gt, [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40]])
    assert [f.name for f in car.frames] == ["0247.jpg", "0248.jpg", "0249.jpg"]
    assert car.language == "white car, moving right" and car.dataset == "otb99" and car.visible is None
    assert [f.name for f in board.frames] == ["00001.jpg", "00002.jpg"]
    assert board.gt[-1].tolist() == [0, 0, 0, 0]
    assert human.frames[0] == tmp_path / "OTB_videos" / "Human4" / "img" / "0001.jpg"
    # OTB-100 attributes from pytracking's otb_attributes.json (Human4_2 there)
    assert [a for a, v in human.attributes.items() if v] == ["IV", "SV", "OCC", "DEF"]
    assert len(car.attributes) == 11


def test_jointnlt_layout_renumbered_and_skating_by_content(tmp_path: Path):
    # JointNLT-named folders, renumbered from 0001; BlurCar3 starts at 0003 in OTB-100
    make_otb_target(tmp_path, "BlurCar3", ["1,1,5,5", "2,2,5,5"])
    make_otb_query(tmp_path, "test", "BlurCar3", "a car")
    # OTB-100's Skating2 with .1/.2 plus JointNLT's Skating2/Skating3 whose content is swapped
    make_otb_target(tmp_path, "Skating2", ["100,100,10,10", "101,100,10,10"], gt_file="groundtruth_rect.1.txt")
    make_otb_target(tmp_path, "Skating2", ["200,100,10,10", "201,100,10,10"], gt_file="groundtruth_rect.2.txt")
    make_otb_target(tmp_path, "Skating2", ["200,100,10,10", "201,100,10,10"])  # JointNLT "Skating2" = target 2
    make_otb_target(tmp_path, "Skating3", ["100,100,10,10", "101,100,10,10"])  # JointNLT "Skating3" = target 1
    make_otb_query(tmp_path, "test", "Skating2", "the woman skater")
    make_otb_query(tmp_path, "test", "Skating3", "the man skater")
    videos = tmp_path / "OTB_videos"
    assert skating_assignment(videos) == {"Skating2": "Skating2-2", "Skating3": "Skating2-1"}
    seqs = load_otb99(tmp_path, names=["BlurCar3", "Skating2_1", "Skating2.2"])
    assert [s.name for s in seqs] == ["BlurCar3", "Skating2-1", "Skating2-2"]
    assert [f.name for f in seqs[0].frames] == ["0001.jpg", "0002.jpg"]
    assert seqs[1].gt[0].tolist() == [100, 100, 10, 10] and seqs[1].language == "the man skater"
    assert seqs[2].gt[0].tolist() == [200, 100, 10, 10] and seqs[2].language == "the woman skater"


def test_train_split_and_errors(tmp_path: Path):
    make_otb_target(tmp_path, "Jogging", ["1,1,5,5"], gt_file="groundtruth_rect.1.txt")
    make_otb_query(tmp_path, "train", "Jogging1", "a jogger")
    (seq,) = load_otb99(tmp_path, split="train", names=["Jogging1"])
    assert seq.name == "Jogging-1" and seq.language == "a jogger"
    with pytest.raises(DatasetError, match=r"47 of 48 sequences missing .*Biker, Bird1"):
        make_otb_target(tmp_path, "Vase", ["1,1,5,5"])
        load_otb99(tmp_path)
    with pytest.raises(DatasetError, match=r"'Vase': no sentence file .*OTB_query_test[/\\]Vase.txt"):
        load_otb99(tmp_path, names=["Vase"])
    make_otb_target(tmp_path, "Toy", ["1,1,5"])
    make_otb_query(tmp_path, "test", "Toy", "toy")
    with pytest.raises(DatasetError, match=r"Toy[/\\]groundtruth_rect.txt:1: expected 4 numbers"):
        load_otb99(tmp_path, names=["Toy"])
    with pytest.raises(DatasetError, match="unknown OTB99-lang target"):
        load_otb99(tmp_path, names=["ClifBar"])


def test_plugin():
    assert OTB99.env_var == "NLBENCH_OTB99_ROOT" and OTB99.splits == ("test", "train")
