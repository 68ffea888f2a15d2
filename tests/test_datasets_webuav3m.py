"""WebUAV-3M loader (spec §4): sorted video folders (no official list), zero-row visibility, 17 attributes, verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlbench.core.errors import DatasetError
from nlbench.datasets.webuav3m import WEBUAV3M, WEBUAV3M_ATTRIBUTES, load_webuav3m, verify_webuav3m
from tests.fixtures_datasets import make_webuav3m_video, write_text

GT = [[10, 20, 30, 40], [0, 0, 0, 0], [12, 22, 30, 40]]


def test_named_videos_and_visibility(tmp_path: Path):
    make_webuav3m_video(tmp_path, "uav_b", GT, attributes=[1] + [0] * 12 + [1, 2, 0, 1])
    make_webuav3m_video(tmp_path, "uav_a", GT[:1] * 2, split="Val")
    (tmp_path / "Test" / "uav_b" / "img" / "000011.jpg").write_bytes(b"")
    (seq,) = load_webuav3m(tmp_path, names=["uav_b"])
    assert seq.visible.tolist() == [True, False, True]  # absent = 0,0,0,0 (the toolkit's "exist")
    assert [f.name for f in seq.frames][-2:] == ["000003.jpg", "000011.jpg"] and seq.language == "the white car"
    on = [k for k, v in seq.attributes.items() if v]
    assert on == ["LR", "MB", "Complexity_hard", "Size_small", "Length_medium"] and tuple(seq.attributes) == WEBUAV3M_ATTRIBUTES
    assert [s.name for s in load_webuav3m(tmp_path, "val", names=["uav_a"])] == ["uav_a"]
    # --root at the split folder itself
    assert load_webuav3m(tmp_path / "Test", names=["uav_b"], with_frames=False)[0].name == "uav_b"


def test_a_partial_root_is_refused_unless_videos_are_named(tmp_path: Path):
    make_webuav3m_video(tmp_path, "uav_a", GT)
    with pytest.raises(DatasetError, match=r"1 of the 780 test videos found .*cannot be named.*983632847/WebUAV-3M"):
        load_webuav3m(tmp_path, with_frames=False)
    with pytest.raises(DatasetError, match=r"1 of 1 sequences missing .*uav_z"):
        load_webuav3m(tmp_path, names=["uav_z"])
    write_text(tmp_path / "Test" / "uav_a" / "attributes.txt", ["1,0,1"])
    with pytest.raises(DatasetError, match=r"expected 14 flags \(0/1\) then 3 grades"):
        load_webuav3m(tmp_path, names=["uav_a"], with_frames=False)


def test_verify_compares_absent_txt_with_zero_rows(tmp_path: Path):
    make_webuav3m_video(tmp_path, "uav_a", GT)
    make_webuav3m_video(tmp_path, "uav_b", GT, absent=[0, 0, 1])
    report = verify_webuav3m(tmp_path)
    assert report.checked == 2
    assert report.counts() == {"sequence count": 1, "absent.txt vs 0,0,0,0 rows": 1}
    assert WEBUAV3M.official_protocol == "webuav3m-mmot" and WEBUAV3M.splits[:2] == ("test", "val")
