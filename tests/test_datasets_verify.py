"""``nlbench datasets verify``: missing sequences, short GT files and wrong lists are each reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.datasets.base import read_name_list
from nlbench.datasets.verify import verify_dataset
from nlbench.core.errors import DatasetError
from tests.fixtures_datasets import (
    make_lasot_sequence,
    make_otb_query,
    make_otb_target,
    make_ref,
    make_refcocog,
    make_tnl2k_sequence,
    write_text,
)

TNL = read_name_list("tnl2k_test.txt")
GT = [[1, 2, 3, 4]] * 3


def test_tnl2k_clean_subset_passes(tmp_path: Path):
    for name in TNL[:2]:
        make_tnl2k_sequence(tmp_path, name, GT)
    report = verify_dataset("tnl2k", tmp_path, names=TNL[:2])
    assert report.ok and report.checked == 2 and report.expected == 2
    out = CliRunner().invoke(main, ["datasets", "verify", "-d", "tnl2k", "--root", str(tmp_path), "--sequences", ",".join(TNL[:2])])
    assert out.exit_code == 0, out.output
    assert "OK" in out.output


def test_tnl2k_problems_each_reported(tmp_path: Path):
    make_tnl2k_sequence(tmp_path, TNL[0], GT[:2], frame_names=["1.jpg", "2.jpg", "3.png"])  # short GT
    make_tnl2k_sequence(tmp_path, TNL[1], GT, sentence="", attributes=[0] * 14 + [1, 0, 0])  # empty sentence, AS=1
    make_tnl2k_sequence(tmp_path, TNL[2], GT)
    write_text(tmp_path / TNL[2] / "groundtruth.txt", ["1,2,3,4", "oops"])  # unparseable
    report = verify_dataset("tnl2k", tmp_path, names=TNL[:4])  # TNL[3] missing
    assert report.counts() == {
        "missing sequence": 1, "GT rows vs frames": 1, "empty sentence": 1, "attribute AS vs name": 1,
        "unparseable ground truth": 1,
    }  # fmt: skip
    by_kind = {p.kind: p for p in report.problems}
    assert by_kind["missing sequence"].sequence == TNL[3]
    assert by_kind["GT rows vs frames"].detail == "2 ground-truth rows but 3 images in imgs/"
    assert "groundtruth.txt:2:" in by_kind["unparseable ground truth"].detail


def test_tnl2k_wrong_list_reported(tmp_path: Path):
    make_tnl2k_sequence(tmp_path, TNL[0], GT)
    make_tnl2k_sequence(tmp_path, "my_own_video", GT)
    report = verify_dataset("tnl2k", tmp_path)
    counts = report.counts()
    assert counts["missing sequence"] == 699 and counts["unexpected sequence"] == 1
    assert report.list_sha256 != report.official_sha256
    text = report.summary()
    assert "DIFFERS from the official" in text and "missing sequence" in text and "my_own_video" in text


def test_cli_exit_code_table_and_json(tmp_path: Path):
    make_lasot_sequence(tmp_path, "airplane-1", GT)
    folder = make_lasot_sequence(tmp_path, "airplane-9", GT)
    write_text(folder / "groundtruth.txt", ["1,2,3,4", "1,2,3,4"])  # short GT: 2 rows, 3 flags
    json_path = tmp_path / "r.json"
    out = CliRunner().invoke(
        main,
        ["datasets", "verify", "--dataset", "lasot", "--root", str(tmp_path), "--sequences",
         "airplane-1,airplane-9,airplane-13", "--json", str(json_path)],
    )  # fmt: skip
    assert out.exit_code == 1, out.output
    lines = out.output.splitlines()
    assert lines[0].endswith("3 problem(s)")
    assert any(ln.split() == ["missing", "sequence", "1"] for ln in lines)
    assert any(ln.split() == ["flags", "vs", "GT", "rows", "2"] for ln in lines)
    assert "[flags vs GT rows] airplane-9: full_occlusion.txt: 3 flags for 2 ground-truth rows" in out.output
    data = json.loads(json_path.read_text())
    assert data["ok"] is False and data["counts"] == {"missing sequence": 1, "flags vs GT rows": 2}


def test_lasot_fewer_images_than_rows_and_missing_files(tmp_path: Path):
    folder = make_lasot_sequence(tmp_path, "bear-2", GT, n_images=2)
    (folder / "nlp.txt").unlink()
    report = verify_dataset("lasot", tmp_path, names=["bear-2"])
    assert report.counts() == {"GT rows vs frames": 1, "missing file": 1}
    make_lasot_sequence(tmp_path, "bear-4", GT, n_images=5)  # more images than rows is fine (monkey-17)
    assert verify_dataset("lasot", tmp_path, names=["bear-4"]).ok


def test_otb_and_refcocog(tmp_path: Path):
    make_otb_target(tmp_path, "Biker", ["1,1,5,5", "1,1,5,5"], n_images=1)
    make_otb_query(tmp_path, "test", "Biker", "")
    report = verify_dataset("otb99", tmp_path, names=["Biker", "Bird1"])
    assert report.counts() == {"GT rows vs frames": 1, "empty sentence": 1, "missing sequence": 1}
    coco = tmp_path / "coco"
    make_refcocog(coco, [make_ref(1, 10, 1, "val", ["a cat"])], [{"id": 1, "width": 8, "height": 8}],
                  [{"id": 10, "image_id": 1, "bbox": [0, 0, 4, 4]}])  # fmt: skip
    report = verify_dataset("refcocog", coco)
    assert report.counts() == {"missing file": 1}  # refs(umd).p
    assert any("google: train 0 refs, val 1 refs" in n for n in report.notes)


def test_no_root_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("NLBENCH_TNL2K_ROOT", raising=False)
    with pytest.raises(DatasetError, match="NLBENCH_TNL2K_ROOT"):
        verify_dataset("tnl2k")
    out = CliRunner().invoke(main, ["datasets", "verify", "--dataset", "tnl2k"])
    assert out.exit_code == 2 and "NLBENCH_TNL2K_ROOT" in out.output
