"""TNLLT loader (spec §2): the inverted absent flag (1 = visible), both layouts, verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlbench.core.errors import DatasetError
from nlbench.datasets.base import names_sha256, read_name_list
from nlbench.datasets.tnllt import TNLLT, TNLLT_ATTRIBUTES, load_tnllt, verify_tnllt
from tests.fixtures_datasets import make_tnllt_sequence, make_toolkit_annos, write_text

OFFICIAL = read_name_list("tnllt_test.txt")
GT = [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40], [13, 23, 30, 40]]
A, B = OFFICIAL[0], OFFICIAL[1]


def test_official_list():
    # TNLLT_Evaluation_Toolkit/sequence_evaluation_config/testing_set.txt = scripts/TNL2KLTDataset/tnl_lt_test_split.txt
    assert len(OFFICIAL) == 50 and all(n.startswith("JE_") for n in OFFICIAL)
    assert (A, B) == ("JE_Weapon_ChangeGUN_video_Z07", "JE_CrashCar_video_10")
    assert names_sha256(OFFICIAL) == "385326d58674117052f773ddb46c558a79bd41df1cc0816978f7fcea5a013b5a"


def test_absent_label_is_a_visibility_flag(tmp_path: Path):
    make_tnllt_sequence(tmp_path, B, GT, visible=[1, 0, 0, 1], attributes=[1] + [0] * 13 + [1])
    (tmp_path / B / "imgs" / "00010.png").write_bytes(b"")
    (seq,) = load_tnllt(tmp_path, names=[B])
    assert seq.visible.tolist() == [True, False, False, True]  # calc_seq_err_robust.m drops absent_anno == 0
    assert seq.language == "the man in black"  # the official loader reads the first line
    assert [f.name for f in seq.frames] == ["00001.png", "00002.png", "00003.png", "00004.png", "00010.png"]
    assert [k for k, v in seq.attributes.items() if v] == ["CM", "AS"] and tuple(seq.attributes) == TNLLT_ATTRIBUTES


def test_a_lasot_polarity_file_is_refused(tmp_path: Path):
    make_tnllt_sequence(tmp_path, A, GT, visible=[0, 0, 0, 0])  # LaSOT's convention: 0 = present
    with pytest.raises(DatasetError, match=r"absent_label.txt: every frame of sequence .* reads as invisible .*1 = visible"):
        load_tnllt(tmp_path, names=[A], with_frames=False)
    assert verify_tnllt(tmp_path, names=[A]).counts() == {"visibility flags": 1}


def test_toolkit_annos_and_errors(tmp_path: Path):
    make_toolkit_annos(tmp_path, A, GT, [1, 1, 0, 1], [0] * 15)
    (seq,) = load_tnllt(tmp_path, names=[A], with_frames=False)
    assert seq.visible.tolist() == [True, True, False, True] and seq.language == "" and seq.frames == ()
    with pytest.raises(DatasetError, match=r"frames missing for 1 of 1"):
        load_tnllt(tmp_path, names=[A])
    with pytest.raises(DatasetError, match=r"49 of 50 sequences missing .*Event-AHU/Open_VLTrack"):
        load_tnllt(tmp_path, with_frames=False)
    write_text(tmp_path / "annos" / "absent" / f"{A}.txt", ["1", "1"])
    with pytest.raises(DatasetError, match=r"2 flags but the ground truth has 4 rows"):
        load_tnllt(tmp_path, names=[A], with_frames=False)


def test_verify(tmp_path: Path):
    make_tnllt_sequence(tmp_path, A, GT)
    make_tnllt_sequence(tmp_path, B, GT, frames=False)
    report = verify_tnllt(tmp_path, names=[A, B])
    assert report.checked == 2 and report.counts() == {"missing file": 1}
    assert TNLLT.official_protocol == "tnllt-matlab" and TNLLT.attributes == TNLLT_ATTRIBUTES
