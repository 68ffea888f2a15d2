"""TNL2K loader and the shared TNL2K-layout reader (eval-spec §3.3, §2.2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlbench.datasets.base import names_sha256, read_name_list
from nlbench.datasets.tnl2k import (
    TNL2K,
    TNL2K_ATTRIBUTES,
    frame_sort_key,
    load_tnl2k,
    read_tnl2k_sequences,
)
from nlbench.core.errors import DatasetError
from tests.fixtures_datasets import make_tnl2k_sequence, write_text

OFFICIAL = read_name_list("tnl2k_test.txt")
GT3 = [[10, 20, 30, 40], [11, 21, 30, 40], [0, 0, 0, 0]]


def test_official_list_is_the_spec_list():
    assert len(OFFICIAL) == 700
    assert sum(n.startswith("advSamp_") for n in OFFICIAL) == 100
    # eval-spec §3.3
    assert names_sha256(OFFICIAL) == "8dbee773c2c7056dcea20904db05bd65c84e1f8ed9b434f763da05630950aafa"


def test_frame_sort_key_orders_mixed_names_by_leading_integer():
    names = ["00010.jpg", "9.png", "00000492.png", "1.jpg", "cover.jpg", "0002.jpg"]
    assert sorted(names, key=frame_sort_key) == ["1.jpg", "0002.jpg", "9.png", "00010.jpg", "00000492.png", "cover.jpg"]


def test_reader_handles_quirks(tmp_path: Path):
    # mixed jpg/png, varying zero padding, CRLF, no final newline, a sentence with commas and '#'
    make_tnl2k_sequence(
        tmp_path,
        "seqB",
        GT3,
        sentence="the girl, in white #2, running",
        frame_names=["10.png", "00002.jpg", "1.jpg", "notes.txt"],
        crlf=True,
        final_newline=False,
        attributes=[1, 0] + [0] * 15,
        attributes_sep="\n",
    )
    make_tnl2k_sequence(tmp_path, "seqA", GT3[:2], sentence="", attributes=[0] * 16 + [1])
    seqs = read_tnl2k_sequences(tmp_path)
    assert [s.name for s in seqs] == ["seqA", "seqB"]  # names=None -> sorted subfolders
    a, b = seqs
    assert b.language == "the girl, in white #2, running"
    assert b.language_path == tmp_path / "seqB" / "language.txt"
    assert [f.name for f in b.frames] == ["1.jpg", "00002.jpg", "10.png"]
    np.testing.assert_array_equal(b.gt, np.array(GT3, dtype=np.float64))
    assert b.gt.dtype == np.float64 and b.visible is None and b.dataset == "tnl2k"
    assert b.attributes == {n: n == "CM" for n in TNL2K_ATTRIBUTES}
    assert a.language == "" and a.attributes["MS"] and not a.attributes["CM"]


def test_reader_custom_dataset_and_attribute_names(tmp_path: Path):
    make_tnl2k_sequence(tmp_path, "s1", GT3, attributes=[1, 0, 1])
    make_tnl2k_sequence(tmp_path, "s2", GT3)
    seqs = read_tnl2k_sequences(tmp_path, names=["s2", "s1"], dataset="synth", attribute_names=("X", "Y", "Z"))
    assert [s.name for s in seqs] == ["s2", "s1"]
    assert seqs[1].attributes == {"X": True, "Y": False, "Z": True}
    assert seqs[0].attributes == {} and seqs[0].dataset == "synth"
    with pytest.raises(DatasetError, match=r"'synth': 1 of 1 sequences missing.*NLBENCH_SYNTH_ROOT") as err:
        read_tnl2k_sequences(tmp_path, names=["s3"], dataset="synth")
    assert "TNL2K" not in str(err.value)


def test_reader_errors_name_the_file_and_line(tmp_path: Path):
    make_tnl2k_sequence(tmp_path, "s1", GT3)
    write_text(tmp_path / "s1" / "groundtruth.txt", ["1,2,3,4", "1,2,3"])
    with pytest.raises(DatasetError, match=r"s1[/\\]groundtruth.txt:2: expected 4 numbers"):
        read_tnl2k_sequences(tmp_path)
    write_text(tmp_path / "s1" / "groundtruth.txt", ["1,2,3,4", "1,2,x,4"])
    with pytest.raises(DatasetError, match=r"groundtruth.txt:2: not a number"):
        read_tnl2k_sequences(tmp_path)
    make_tnl2k_sequence(tmp_path, "s2", GT3, attributes=[1, 0])
    with pytest.raises(DatasetError, match=r"s2[/\\]attributes.txt: expected 17 attribute flags"):
        read_tnl2k_sequences(tmp_path, names=["s2"])
    (tmp_path / "s2" / "language.txt").unlink()
    with pytest.raises(DatasetError, match=r"language.txt: sentence file of sequence 's2' is missing"):
        read_tnl2k_sequences(tmp_path, names=["s2"])


def test_reader_missing_sequences_lists_first_names_and_count(tmp_path: Path):
    make_tnl2k_sequence(tmp_path, "s1", GT3)
    wanted = ["s1"] + [f"gone{i}" for i in range(7)]
    with pytest.raises(DatasetError) as err:
        read_tnl2k_sequences(tmp_path, names=wanted)
    msg = str(err.value)
    assert "7 of 8 sequences missing" in msg and "gone0, gone1, gone2, gone3, gone4 and 2 more" in msg


def test_load_official_split_uses_bundled_attributes_and_names(tmp_path: Path):
    adv, plain = "advSamp_Baseball_game_002-Done", OFFICIAL[0]
    assert adv in OFFICIAL
    make_tnl2k_sequence(tmp_path, adv, GT3)
    make_tnl2k_sequence(tmp_path, plain, GT3)
    seqs = load_tnl2k(tmp_path, names=[adv, plain])
    assert [s.name for s in seqs] == [plain, adv]  # official (sorted) order
    assert seqs[1].attributes["AS"] is True and seqs[0].attributes["AS"] is False
    assert list(seqs[0].attributes) == list(TNL2K_ATTRIBUTES)
    # the whole split: 698 absent sequences are listed with the count
    with pytest.raises(DatasetError, match=r"698 of 700 sequences missing .* and 693 more.*NLBENCH_TNL2K_ROOT"):
        load_tnl2k(tmp_path)


def test_load_accepts_parent_folder_and_ttk_attribute_dir(tmp_path: Path):
    name = OFFICIAL[3]
    make_tnl2k_sequence(tmp_path / "TNL2K_test", name, GT3)
    att = tmp_path / "annos" / "att"
    write_text(att / f"{name}_attribute.txt", ["1 "] * 17, crlf=True, final_newline=False)
    (seq,) = load_tnl2k(tmp_path, names=[name], attributes_dir=att)
    assert all(seq.attributes.values()) and len(seq.attributes) == 17


def test_bundled_attribute_counts_match_spec():
    # eval-spec §2.2 TNL2K-test counts
    expected = dict(CM=228, ROT=310, DEF=174, FOC=97, IV=82, OV=234, POC=376, VC=310, SV=406, BC=420, MB=49,
                    ARC=241, LR=74, FM=168, AS=100, TC=24, MS=21)  # fmt: skip
    from nlbench.datasets.base import bundled_attributes

    table = bundled_attributes("tnl2k_test_attributes.csv", TNL2K_ATTRIBUTES)
    assert set(table) == set(OFFICIAL)
    assert {a: sum(t[a] for t in table.values()) for a in TNL2K_ATTRIBUTES} == expected
    assert all(t["AS"] == n.startswith("advSamp_") for n, t in table.items())


def test_plugin_fields():
    assert TNL2K.env_var == "NLBENCH_TNL2K_ROOT" and TNL2K.kind == "tracking" and "TNL2K" in TNL2K.source
