"""VastTrack loader (spec §3): official list, both layouts, zero-row visibility, verify; the real test GT on request."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from nlbench.core.errors import DatasetError
from nlbench.datasets.base import names_sha256, read_name_list
from nlbench.datasets.vasttrack import VASTTRACK, VASTTRACK_ATTRIBUTES, class_of, load_vasttrack, verify_vasttrack
from tests.fixtures_datasets import make_toolkit_annos, make_vasttrack_sequence, write_text

OFFICIAL = read_name_list("vasttrack_test.txt")
GT = [[10, 20, 30, 40], [0, 0, 0, 0], [12, 22, 30, 40], [-3, 5, 30, 40]]


def test_official_list_is_the_toolkits():
    # spec §3.1: 3,500 names, 2,120 with spaces, none with dots, 701 classes; the digest of the sorted names
    assert len(OFFICIAL) == 3500 and len(set(OFFICIAL)) == 3500
    assert sum(" " in n for n in OFFICIAL) == 2120 and not any("." in n for n in OFFICIAL)
    assert len({class_of(n) for n in OFFICIAL}) == 701
    assert names_sha256(OFFICIAL) == "37d54a3e0a19566ea7f85cdb51b34844115f4450c477cfbc7ca5f393597c127e"
    assert OFFICIAL[:2] == ("Aardwolf-1", "Aardwolf-2")  # testing_set.txt order
    assert class_of("Aerial Drones In Flight-16") == "Aerial Drones In Flight"


def test_download_layout(tmp_path: Path):
    make_vasttrack_sequence(tmp_path, "Aerial Drones In Flight-16", GT, crlf=True)
    # the Python toolkit's img/%08d.jpg naming, frames listed and sorted by number
    make_vasttrack_sequence(tmp_path, "Aardwolf-1", GT[:3], frames="img", digits=8)
    (tmp_path / "Aardwolf" / "Aardwolf-1" / "img" / "10.jpg").write_bytes(b"")
    seqs = load_vasttrack(tmp_path, names=["Aerial Drones In Flight-16", "Aardwolf-1"])
    assert [s.name for s in seqs] == ["Aardwolf-1", "Aerial Drones In Flight-16"]  # official order
    a, b = seqs
    assert [f.name for f in a.frames] == ["00000001.jpg", "00000002.jpg", "00000003.jpg", "10.jpg"]
    assert [f.name for f in b.frames][:2] == ["00001.jpg", "00002.jpg"] and b.language == "a brown aardwolf"
    assert b.visible.tolist() == [True, False, True, True]  # absent <=> 0,0,0,0 (a negative x is visible)
    np.testing.assert_array_equal(b.gt, np.array(GT, dtype=np.float64))
    # attributes from the bundled table (annos/att/Aardwolf-1.txt = 0,1,0,0,0,1,0,0,1,0)
    assert [k for k, v in a.attributes.items() if v] == ["SV", "INV", "BC"] and tuple(a.attributes) == VASTTRACK_ATTRIBUTES


def test_toolkit_annos_layout(tmp_path: Path):
    # MATLAB cuts the absent flags to the GT length (absent_anno(1:seq_length)); a flag of 1 is absent as well
    make_toolkit_annos(tmp_path / "MatlabEvaluationToolkit", "Aardwolf-2", GT, [0, 1, 1, 0, 0], [1] + [0] * 9)
    for root in (tmp_path / "MatlabEvaluationToolkit", tmp_path / "MatlabEvaluationToolkit" / "annos"):
        (seq,) = load_vasttrack(root, names=["Aardwolf-2"], with_frames=False)
        assert seq.visible.tolist() == [True, False, False, True] and seq.frames == () and seq.language == ""
        assert seq.attributes["LR"] and not seq.attributes["MB"]
    with pytest.raises(DatasetError, match=r"frames missing for 1 of 1 sequences"):
        load_vasttrack(tmp_path / "MatlabEvaluationToolkit", names=["Aardwolf-2"])
    write_text(tmp_path / "MatlabEvaluationToolkit" / "annos" / "absent" / "Aardwolf-2.txt", ["0", "1"])
    with pytest.raises(DatasetError, match=r"Aardwolf-2.txt: 2 flags but the ground truth has 4 rows"):
        load_vasttrack(tmp_path / "MatlabEvaluationToolkit", names=["Aardwolf-2"], with_frames=False)


def test_partial_and_wrong_roots_say_what_is_missing(tmp_path: Path):
    make_vasttrack_sequence(tmp_path, "Aardwolf-1", GT)
    with pytest.raises(DatasetError, match=r"3499 of 3500 sequences missing .*Aardwolf-2.*HengLan/VastTrack"):
        load_vasttrack(tmp_path, with_frames=False)
    with pytest.raises(DatasetError, match=r"root .*nowhere does not exist.*NLBENCH_VASTTRACK_ROOT"):
        load_vasttrack(tmp_path / "nowhere")
    with pytest.raises(DatasetError, match=r"no split 'val'"):
        load_vasttrack(tmp_path, "val")
    write_text(tmp_path / "Aardwolf" / "Aardwolf-1" / "Groundtruth.txt", ["0,0,0,0", "0,0,0,0"])
    with pytest.raises(DatasetError, match=r"every frame of sequence 'Aardwolf-1' reads as invisible"):
        load_vasttrack(tmp_path, names=["Aardwolf-1"], with_frames=False)


def test_train_split_lists_class_folders(tmp_path: Path):
    make_vasttrack_sequence(tmp_path, "Zebra Finch-3", GT)
    make_vasttrack_sequence(tmp_path, "Ant-12", GT)
    (tmp_path / "Ant" / "stray").mkdir()  # not <class>-<k>: not a sequence
    assert [s.name for s in load_vasttrack(tmp_path, "train", with_frames=False)] == ["Ant-12", "Zebra Finch-3"]


def test_verify(tmp_path: Path):
    annos = tmp_path / "tk"
    make_toolkit_annos(annos, "Aardwolf-1", GT, [0, 1, 0, 0], [0] * 10)
    make_toolkit_annos(annos, "Aardwolf-2", GT, [0, 0, 0, 0], [0] * 10)  # row 2 is 0,0,0,0 but flagged present
    report = verify_vasttrack(annos, names=["Aardwolf-1", "Aardwolf-2", "Aardwolf-4"])
    assert report.checked == 2 and report.expected == 3
    assert report.counts() == {"missing sequence": 1, "absent flags vs 0,0,0,0 rows": 1}
    full = verify_vasttrack(annos)
    assert full.counts()["missing sequence"] == 3498 and "DIFFERS" in full.summary()


def test_plugin_metadata():
    assert VASTTRACK.splits == ("test", "train") and VASTTRACK.official_protocol == "vasttrack-matlab"
    assert VASTTRACK.attributes == VASTTRACK_ATTRIBUTES


REAL = os.environ.get("NLBENCH_VASTTRACK_ANNOS")  # HengLan/VastTrack's MatlabEvaluationToolkit/ (or its annos/)


@pytest.mark.skipif(not REAL, reason="set NLBENCH_VASTTRACK_ANNOS to the VastTrack toolkit's annos folder")
def test_real_test_ground_truth_facts():
    seqs = load_vasttrack(Path(REAL), with_frames=False)
    report = verify_vasttrack(Path(REAL))
    assert report.ok and report.list_sha256 == report.official_sha256, report.summary()
    # spec §3.1-§3.2, computed from the same files
    assert len(seqs) == 3500 and sum(len(s) for s in seqs) == 372_133
    assert sum(int((~s.visible).sum()) for s in seqs) == 21_999 and sum(not s.visible.all() for s in seqs) == 1570
    assert all(s.visible[0] for s in seqs)
    odd = {s.name: int(np.sum(s.visible & ((s.gt[:, 0] <= 0) | (s.gt[:, 1] <= 0)))) for s in seqs}
    assert {k: v for k, v in odd.items() if v} == {"Horse-5": 87}
