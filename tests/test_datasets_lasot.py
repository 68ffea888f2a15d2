"""LaSOT / LaSOT-extension loaders (eval-spec §3.1–§3.2, §2.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlbench.datasets.base import bundled_attributes, names_sha256, read_name_list
from nlbench.datasets.lasot import LASOT, LASOT_ATTRIBUTES, LASOT_EXT, load_lasot, load_lasot_ext
from nlbench.core.errors import DatasetError
from tests.fixtures_datasets import make_lasot_sequence, write_text

GT = [[1, 2, 30, 40], [0, 0, 0, 0], [3, 4, 30, 40], [1, 1, 0, 0]]


def test_official_lists_match_spec_digests():
    test, ext = read_name_list("lasot_test.txt"), read_name_list("lasot_ext_test.txt")
    assert len(test) == 280 and len(ext) == 150
    assert names_sha256(test) == "bd1b390c17fcc19bd6d0b7e738b56a3854e1f38489008f8ee361339646c1da2c"  # eval-spec §3.1
    assert test[:5] == ("airplane-1", "airplane-9", "airplane-13", "airplane-15", "basketball-1")
    assert "rubicCube-1" in test
    assert ext[:3] == ("atv-1", "atv-2", "atv-3") and ext[-1] == "wingsuit-10"


def test_bundled_attribute_counts_match_spec():
    # eval-spec §2.1 LaSOT-test counts per attribute
    expected = dict(IV=47, POC=187, DEF=142, MB=89, CM=86, ROT=175, BC=100, VC=33, SV=273, FOC=118, FM=53,
                    OV=104, LR=141, ARC=249)  # fmt: skip
    table = bundled_attributes("lasot_test_attributes.csv", LASOT_ATTRIBUTES)
    assert set(table) == set(read_name_list("lasot_test.txt"))
    assert {a: sum(t[a] for t in table.values()) for a in LASOT_ATTRIBUTES} == expected


@pytest.mark.parametrize("crlf,final_newline", [(False, True), (True, False)], ids=["lf", "crlf-no-final-newline"])
def test_load_sequence_with_quirks(tmp_path: Path, crlf: bool, final_newline: bool):
    # monkey-17 style: more images than GT rows; one-line flag files; nlp.txt without final newline
    make_lasot_sequence(
        tmp_path, "monkey-17", GT, "brown monkey on the left", occlusion=[0, 1, 0, 0], out_of_view=[0, 0, 0, 1],
        n_images=6, crlf=crlf, final_newline=final_newline,
    )  # fmt: skip
    (seq,) = load_lasot(tmp_path, names=["monkey-17"])
    assert seq.name == "monkey-17" and seq.dataset == "lasot" and len(seq) == 4
    np.testing.assert_array_equal(seq.gt, np.asarray(GT, dtype=np.float64))
    np.testing.assert_array_equal(seq.visible, [True, False, True, False])
    assert [f.name for f in seq.frames] == ["00000001.jpg", "00000002.jpg", "00000003.jpg", "00000004.jpg"]
    assert seq.frames[0].parent == tmp_path / "monkey" / "monkey-17" / "img"
    assert seq.language == "brown monkey on the left"
    assert seq.language_path == tmp_path / "monkey" / "monkey-17" / "nlp.txt"
    # bundled official attributes (monkey-17 is a test sequence)
    assert list(seq.attributes) == list(LASOT_ATTRIBUTES)
    assert seq.attributes == bundled_attributes("lasot_test_attributes.csv", LASOT_ATTRIBUTES)["monkey-17"]


def test_flat_layout_rubiccube_and_attribute_sources(tmp_path: Path):
    flat = make_lasot_sequence(tmp_path / "x", "rubicCube-1", GT[:2], "a cube, with colours")
    flat.rename(tmp_path / "rubicCube-1")
    write_text(tmp_path / "rubicCube-1" / "attributes.txt", [",".join(["1"] * 14)])
    (seq,) = load_lasot(tmp_path, names=["rubicCube-1"])
    assert seq.language == "a cube, with colours" and all(seq.attributes.values())
    att = tmp_path / "att"
    write_text(att / "rubicCube-1.txt", [",".join(["0"] * 13 + ["1"])], final_newline=False)
    (seq,) = load_lasot(tmp_path, names=["rubicCube-1"], attributes_dir=att)
    assert [k for k, v in seq.attributes.items() if v] == ["ARC"]


def test_official_order_and_missing_sequences(tmp_path: Path):
    for name in ("zebra-10", "airplane-9"):
        make_lasot_sequence(tmp_path, name, GT)
    seqs = load_lasot(tmp_path, names=["zebra-10", "airplane-9"])
    assert [s.name for s in seqs] == ["airplane-9", "zebra-10"]
    with pytest.raises(DatasetError) as err:
        load_lasot(tmp_path)
    msg = str(err.value)
    assert "278 of 280 sequences missing" in msg and "airplane-1, airplane-13, airplane-15, basketball-1" in msg
    assert "and 273 more" in msg and "NLBENCH_LASOT_ROOT" in msg and "lasot" in msg


def test_bad_files_name_file_and_line(tmp_path: Path):
    folder = make_lasot_sequence(tmp_path, "cat-1", GT)
    write_text(folder / "out_of_view.txt", ["0,0,1"])
    with pytest.raises(DatasetError, match=r"out_of_view.txt: 3 flags but groundtruth.txt has 4 rows"):
        load_lasot(tmp_path, names=["cat-1"])
    write_text(folder / "out_of_view.txt", ["0,0,2,0"])
    with pytest.raises(DatasetError, match=r"out_of_view.txt:1: expected 0/1 flags, found '2'"):
        load_lasot(tmp_path, names=["cat-1"])
    write_text(folder / "groundtruth.txt", ["1,2,3,4", "1,2,3,4,5"])
    with pytest.raises(DatasetError, match=r"cat-1[/\\]groundtruth.txt:2: expected 4 numbers"):
        load_lasot(tmp_path, names=["cat-1"])
    (folder / "groundtruth.txt").unlink()
    with pytest.raises(DatasetError, match=r"groundtruth.txt: ground-truth file of sequence 'cat-1' is missing"):
        load_lasot(tmp_path, names=["cat-1"])


def test_lasot_ext(tmp_path: Path):
    make_lasot_sequence(tmp_path, "atv-3", GT, "a quad bike")
    (seq,) = load_lasot_ext(tmp_path, names=["atv-3"])
    assert seq.dataset == "lasot_ext" and seq.attributes == {} and seq.visible.tolist() == [True] * 4
    with pytest.raises(DatasetError, match="has no split 'train'"):
        load_lasot_ext(tmp_path, split="train")


def test_plugins():
    assert LASOT.env_var == "NLBENCH_LASOT_ROOT" and LASOT_EXT.env_var == "NLBENCH_LASOT_EXT_ROOT"
    assert LASOT.load is load_lasot and LASOT.verify is not None


@pytest.mark.parametrize("dataset", ["lasot", "lasot_ext", "tnl2k", "otb99"])
def test_absent_root_names_source_and_env_var(tmp_path: Path, dataset: str):
    from nlbench.core.registry import get_dataset

    plugin = get_dataset(dataset)
    with pytest.raises(DatasetError, match=rf"root .*nowhere does not exist.*{plugin.env_var}"):
        plugin.load(tmp_path / "nowhere")


def test_numbered_frames_behave_like_a_tuple_of_paths(tmp_path: Path):
    import pickle

    from nlbench.datasets.base import NumberedFrames

    frames = NumberedFrames(tmp_path / "img", range(247, 251), 4, "jpg")
    expected = tuple(tmp_path / "img" / f"{i:04d}.jpg" for i in range(247, 251))
    assert len(frames) == 4 and frames[0] == expected[0] and frames[-1] == expected[-1]
    assert tuple(frames) == expected and frames == expected and list(frames) == list(expected)
    assert frames[1:] == expected[1:] and isinstance(frames[1:], NumberedFrames) and frames[::2] == expected[::2]
    assert frames != expected[:3] and pickle.loads(pickle.dumps(frames)) == frames
    assert frames + (tmp_path / "x.jpg",) == expected + (tmp_path / "x.jpg",)
    with pytest.raises(IndexError):
        frames[4]
