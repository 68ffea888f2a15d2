"""RefCOCOg loader and the restricted refs-pickle reader (eval-spec §3.5)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from nlbench.datasets.pickle_safe import loads_plain
from nlbench.datasets.refcocog import REFCOCOG, load_refcocog, parse_split
from nlbench.core.errors import DatasetError
from tests.fixtures_datasets import make_ref, make_refcocog, py2_pickle

IMAGES = [{"id": 1, "width": 100, "height": 80}, {"id": 2, "width": 64, "height": 48}]
ANNS = [
    {"id": 100, "image_id": 1, "bbox": [10.5, 10.25, 40, 20]},
    {"id": 101, "image_id": 1, "bbox": [0, 0, 20, 20]},
    {"id": 102, "image_id": 2, "bbox": [5, 5, 10, 10], "iscrowd": 1},
    {"id": 103, "image_id": 2, "bbox": [1, 2, 3, 4]},
]
REFS = [
    make_ref(7, 101, 1, "val", ["the right one"], first_sent_id=10),
    make_ref(3, 100, 1, "val", ["a dog, brown", "the dog on the left"], first_sent_id=20),
    make_ref(5, 102, 2, "val", ["a crowd"], first_sent_id=30),
    make_ref(9, 103, 2, "train", ["the cup"], first_sent_id=40),
]


def build(tmp_path: Path, split_by: str = "google", refs=REFS) -> Path:
    return make_refcocog(tmp_path, refs, IMAGES, ANNS, split_by=split_by)


def test_google_val_per_ref_like_jointnlt(tmp_path: Path):
    build(tmp_path)
    samples = load_refcocog(tmp_path)  # defaults: google / val / ref
    # pickle order, crowd ref 5 dropped, last sentence, all sentences kept
    assert [s.ref_id for s in samples] == [7, 3]
    second = samples[1]
    assert second.sentence == "the dog on the left" and second.sentences == ("a dog, brown", "the dog on the left")
    np.testing.assert_array_equal(second.box, [10.5, 10.25, 40, 20])
    assert (second.ann_id, second.image_id, second.width, second.height) == (100, 1, 100, 80)
    assert second.split == "google/val"
    assert second.image == (tmp_path / "images/mscoco/images/train2014/COCO_train2014_000000000001.jpg").resolve()


def test_units_crowd_and_splits(tmp_path: Path):
    build(tmp_path, "umd", refs=REFS + [make_ref(11, 103, 2, "test", ["cup", "the cup"], first_sent_id=50)])
    per_expression = load_refcocog(tmp_path, "val", split_by="umd", unit="expression")
    assert [(s.ref_id, s.sentence) for s in per_expression] == [(7, "the right one"), (3, "a dog, brown"), (3, "the dog on the left")]
    with_crowd = load_refcocog(tmp_path, "umd/val", drop_crowd=False)
    assert [s.ref_id for s in with_crowd] == [7, 3, 5]
    assert [s.sentence for s in load_refcocog(tmp_path, "umd:test")] == ["the cup"]
    assert [s.ref_id for s in load_refcocog(tmp_path, "train", split_by="umd")] == [9]


def test_split_errors(tmp_path: Path):
    with pytest.raises(DatasetError, match="google' has no split 'test'"):
        parse_split("test", "google")
    with pytest.raises(DatasetError, match="unknown split-by 'unc'"):
        parse_split("val", "unc")
    with pytest.raises(DatasetError, match=r"refcocog[/\\]instances.json is missing.*lichengunc/refer"):
        load_refcocog(tmp_path)
    build(tmp_path)
    with pytest.raises(DatasetError, match=r"refs\(umd\).p: file is missing"):
        load_refcocog(tmp_path, split_by="umd")


def test_refcocog_folder_itself_is_accepted(tmp_path: Path):
    build(tmp_path)
    assert [s.ref_id for s in load_refcocog(tmp_path / "refcocog")] == [7, 3]


def test_python2_pickle_strings_decode_and_python3_pickle_loads():
    ref = make_ref(1, 2, 3, "val", ["caf\xe9 table"])
    assert loads_plain(py2_pickle([ref])) == [ref]
    assert loads_plain(pickle.dumps([ref], protocol=4)) == [ref]


def _proto0_os_system(cmd: bytes) -> bytes:
    return b"cos\nsystem\n(S'" + cmd + b"'\ntR."  # GLOBAL os.system, REDUCE


def _proto2_posix_system(cmd: bytes) -> bytes:
    return b"\x80\x02cposix\nsystem\nq\x00U" + bytes([len(cmd)]) + cmd + b"\x85R."


def _proto4_stack_global_eval(cmd: bytes) -> bytes:
    code = b"__import__('os').system('" + cmd + b"')"
    return (b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c" + bytes([len(code)]) + code + b"\x85R.")


@pytest.mark.parametrize(
    "make_payload", [_proto0_os_system, _proto2_posix_system, _proto4_stack_global_eval],
    ids=["os.system-proto0", "posix.system-proto2", "builtins.eval-proto4"],
)  # fmt: skip
def test_pickle_with_a_global_is_refused_without_running(tmp_path: Path, make_payload):
    marker = tmp_path / "pwned"
    data = make_payload(f"touch {marker}".encode())
    with pytest.raises(DatasetError, match="unsafe pickle: it refuses global .*Nothing in it was executed"):
        loads_plain(data, "refs(google).p")
    assert not marker.exists()
    # the standard unpickler really runs this stream (so the refusal above is what protects us)
    pickle.loads(data)
    assert marker.exists()


def test_tampered_refs_file_is_refused(tmp_path: Path):
    build(tmp_path)
    (tmp_path / "refcocog" / "refs(google).p").write_bytes(b"cos\nsystem\n(S'true'\ntR.")
    with pytest.raises(DatasetError, match=r"refs\(google\).p: unsafe pickle"):
        load_refcocog(tmp_path)


def test_plugin():
    assert REFCOCOG.kind == "grounding" and REFCOCOG.env_var == "NLBENCH_REFCOCOG_ROOT"
    assert REFCOCOG.default_split == "val"


def test_broken_instances_json_names_file_and_line(tmp_path: Path):
    build(tmp_path)
    (tmp_path / "refcocog" / "instances.json").write_text('{"images": [],\n "annotations": [,]}')
    with pytest.raises(DatasetError, match=r"instances.json:2: not valid JSON"):
        load_refcocog(tmp_path)
