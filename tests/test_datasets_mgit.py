"""MGIT loader (spec §1): mgit.json splits, absent|shotcut masking, frame size, the xlsx story sentence, verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlbench.core.errors import DatasetError
from nlbench.datasets.base import names_sha256, read_name_list
from nlbench.datasets.mgit import MGIT, load_mgit, read_text_table, verify_mgit
from tests.fixtures_datasets import make_mgit_sequence, mgit_row, write_mgit_xlsx, write_text

GT = [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40], [13, 23, 30, 40]]


def test_official_splits():
    # VCT mgit/datasets/mgit.json, key "tiny" (spec §1.1)
    val, test = read_name_list("mgit_val.txt"), read_name_list("mgit_test.txt")
    assert val == ("005", "029", "033", "042", "159", "172", "204", "209", "244", "273", "310", "332", "349", "350", "362")
    assert len(test) == 30 and test[:3] == ("001", "006", "007") and test[-1] == "498"
    assert names_sha256(test) == "74ec760a501e37ad4fd0fd86e2f9c5d9519ae6eba32a232f29aad93c4fcb69e2"


def test_val_sequence(tmp_path: Path):
    make_mgit_sequence(tmp_path, "005", GT, absent=[0, 1, 0, 0], shotcut=[0, 0, 1, 0], frames=(64, 48))
    (seq,) = load_mgit(tmp_path, names=["005"])
    assert seq.visible.tolist() == [True, False, False, True]  # absent == 0 and shotcut == 0 (spec §1.4)
    assert seq.image_size == (64, 48) and [f.name for f in seq.frames] == [f"{i:06d}.jpg" for i in range(4)]
    assert seq.language == "a man walks, then runs"  # the story row's description (VCT's loader)
    # no frames: the frame size is unknown, evaluation still loads; running refuses
    make_mgit_sequence(tmp_path / "bare", "029", GT, frames=None)
    (bare,) = load_mgit(tmp_path / "bare", names=["029"], with_frames=False)
    assert bare.image_size is None and bare.language == "a man walks, then runs"
    with pytest.raises(DatasetError, match=r"frames missing for 1 of 1"):
        load_mgit(tmp_path / "bare", names=["029"])


def test_frame_folders_of_other_loaders(tmp_path: Path):
    # MVLM keeps the frames in data/test/<seq>/ directly; test has no absent/shotcut files (GT withheld)
    make_mgit_sequence(tmp_path, "001", GT, split="test", frames=(32, 16))
    folder = tmp_path / "data" / "test" / "001"
    (folder / "frame_001").rename(tmp_path / "moved")
    (tmp_path / "moved").rename(folder / "x")
    for p in (folder / "x").iterdir():
        p.rename(folder / p.name)
    (folder / "x").rmdir()
    for kind in ("absent", "shotcut"):
        (tmp_path / "attribute" / kind / "001.txt").unlink()
    (seq,) = load_mgit(tmp_path, "test", names=["001"])
    assert seq.frames[0] == folder / "000000.jpg" and seq.image_size == (32, 16) and seq.visible is None


def test_xlsx_quirks_and_errors(tmp_path: Path):
    path = write_mgit_xlsx(tmp_path / "t.xlsx", [mgit_row("action", 1, 0, 9, "a"), mgit_row("story", 1, None, None, "s"), [None] * 15])
    rows = read_text_table(path)  # trailing empty rows dropped (402.xlsx has them), story without a range (366)
    assert [r["level"] for r in rows] == ["action", "story"] and rows[-1]["description"] == "s"
    write_mgit_xlsx(tmp_path / "bad.xlsx", [["action", 1, 0, 9]], header=["level", "number", "start_frame", "end_frame"])
    with pytest.raises(DatasetError, match=r"bad.xlsx: the header lacks the column\(s\) length, object_class"):
        read_text_table(tmp_path / "bad.xlsx")
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match=r"junk.xlsx: not a readable xlsx"):
        read_text_table(tmp_path / "junk.xlsx")


def test_partial_root_and_flags(tmp_path: Path):
    make_mgit_sequence(tmp_path, "005", GT, frames=None)
    with pytest.raises(DatasetError, match=r"14 of 15 sequences missing .*attribute/groundtruth.*videocube"):
        load_mgit(tmp_path, with_frames=False)
    write_text(tmp_path / "attribute" / "shotcut" / "005.txt", ["0", "0"])
    with pytest.raises(DatasetError, match=r"005.txt: 2 flags but the ground truth has 4 rows"):
        load_mgit(tmp_path, names=["005"], with_frames=False)
    write_text(tmp_path / "attribute" / "shotcut" / "005.txt", ["1"] * 4)
    with pytest.raises(DatasetError, match=r"every frame of sequence '005' reads as invisible"):
        load_mgit(tmp_path, names=["005"], with_frames=False)


def test_verify(tmp_path: Path):
    make_mgit_sequence(tmp_path, "005", GT, frames=(8, 8))
    make_mgit_sequence(tmp_path, "029", GT, frames=None)
    report = verify_mgit(tmp_path, names=["005", "029", "042"])
    assert report.checked == 2 and report.counts() == {"missing sequence": 1, "missing file": 1}
    assert MGIT.splits == ("val", "test") and MGIT.official_protocol == "mgit-official"
