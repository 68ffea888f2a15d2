"""Result importer: every separator and layout of eval-spec §4.4, bad rows named by file and line, the cache."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlbench.core.errors import ResultFormatError
from nlbench.core.registry import get_dataset
from nlbench.store.importer import (
    clear_cache,
    find_result_files,
    parse_result_bytes,
    read_result_file,
)

ROWS = np.array([[1, 2, 30, 40], [5.5, -6.25, 70, 80], [0, 0, 0, 0]], dtype=np.float64)

LAYOUTS = {
    "tab": "1\t2\t30\t40\n5.5\t-6.25\t70\t80\n0\t0\t0\t0\n",
    "comma": "1,2,30,40\n5.5,-6.25,70,80\n0,0,0,0\n",
    "spaces": "1 2 30 40\n5.5  -6.25   70 80\n0 0 0 0\n",
    "mixed": "1, 2\t30 ,40\n5.5 ,\t-6.25,70   80\n0\t0,0 0\n",
    "trailing-separator": "1,2,30,40,\n5.5,-6.25,70,80,\n0,0,0,0,\n",
    "trailing-tab": "1\t2\t30\t40\t\n5.5\t-6.25\t70\t80\t\n0\t0\t0\t0\t\n",
    "crlf": "1,2,30,40\r\n5.5,-6.25,70,80\r\n0,0,0,0\r\n",
    "blank-lines": "\n1,2,30,40\n\n\r\n5.5,-6.25,70,80\n   \n0,0,0,0\n\n",
    "no-final-newline": "1\t2\t30\t40\n5.5\t-6.25\t70\t80\n0\t0\t0\t0",
    "leading-space": "  1 2 30 40\n\t5.5 -6.25 70 80\n 0 0 0 0\n",
    "exponents": "1e0,2E0,3.0e1,4e+1\n5.5,-625e-2,7e1,8.0E1\n0,0,0e0,-0\n",
    "decimals-4": "1.0000\t2.0000\t30.0000\t40.0000\n5.5000\t-6.2500\t70.0000\t80.0000\n0.0000\t0.0000\t0.0000\t0.0000\n",
    "plus-signs": "+1,+2,+30,+40\n+5.5,-6.25,70,80\n0,0,0,0\n",
    "byte-order-mark": "\ufeff1,2,30,40\n5.5,-6.25,70,80\n0,0,0,0\n",
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_every_layout_gives_the_same_boxes(text):
    values = parse_result_bytes(text.encode())
    assert values.dtype == np.float64 and values.shape == (3, 4)
    np.testing.assert_array_equal(values, ROWS)


def test_nan_and_inf_are_read():
    values = parse_result_bytes(b"1,nan,3,4\nNaN\t2\t3\t4\n1 2 inf -inf\n")
    assert np.isnan(values[0, 1]) and np.isnan(values[1, 0])
    assert values[2, 2] == np.inf and values[2, 3] == -np.inf


@pytest.mark.parametrize("text", ["1,2,3,4", "1\t2\t3\t4\n", "\n 1 2 3 4 \r\n\n"], ids=["bare", "tab", "padded"])
def test_one_row_files_are_1x4(text):
    np.testing.assert_array_equal(parse_result_bytes(text.encode()), [[1, 2, 3, 4]])


@pytest.mark.parametrize(
    "text, line, what",
    [
        ("1,2,3,4\n1,2,3\n", 2, "found 3"),
        ("1,2,3,4\n\n1,2,3,4,5\n", 3, "found 5"),
        ("1 2 3 4\n1 2 x 4\n", 2, "not a number"),
        ("1 2 3 4\n1 2 - 4\n", 2, "not a number"),
        ("1 2 1.2.3 4\n", 1, "not a number"),
        ("1 2 3 4\n1 2 3 4-\n", 2, "not a number"),
        ("1,2\n3,4\n", 1, "found 2"),  # 4 numbers in total is not enough: 4 per row
        ("1 + 2 3 4\n", 1, "found 5"),
    ],
    ids=["three", "five", "letter", "lone-minus", "two-dots", "minus-inside", "split-row", "lone-plus"],
)
def test_bad_rows_name_file_and_line(tmp_path, text, line, what):
    path = tmp_path / "seq.txt"
    path.write_text(text)
    with pytest.raises(ResultFormatError) as info:
        read_result_file(path)
    message = str(info.value)
    assert str(path) in message and f"line {line}" in message and what in message


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ResultFormatError, match="no boxes"):
        read_result_file(tmp_path / "empty.txt")
    with pytest.raises(ResultFormatError, match="not found"):
        read_result_file(tmp_path / "absent.txt")


def test_strict_reference_switch(tmp_path):
    assert read_result_file(_write(tmp_path / "t.txt", LAYOUTS["tab"]), strict=True).tolist() == ROWS.tolist()
    assert read_result_file(_write(tmp_path / "c.txt", LAYOUTS["comma"]), strict=True).tolist() == ROWS.tolist()
    assert read_result_file(_write(tmp_path / "crlf.txt", LAYOUTS["crlf"]), strict=True).tolist() == ROWS.tolist()
    assert read_result_file(_write(tmp_path / "one.txt", "1\t2\t3\t4\n"), strict=True).shape == (1, 4)
    for name in ("spaces", "mixed"):
        path = _write(tmp_path / f"{name}.txt", LAYOUTS[name])
        with pytest.raises(ResultFormatError, match="strict-reference") as info:
            read_result_file(path, strict=True)
        assert "line 1" in str(info.value)
        assert read_result_file(path).tolist() == ROWS.tolist()  # the default reader takes it
    with pytest.raises(ResultFormatError, match="columns"):
        read_result_file(_write(tmp_path / "five.txt", "1\t2\t3\t4\t5\n"), strict=True)


def _write(path, text):
    path.write_bytes(text.encode())
    return path


NUMBER = st.one_of(
    st.integers(-99999, 99999).map(str),
    st.floats(-1e5, 1e5, allow_nan=False).map(lambda v: f"{v:.4f}"),
    st.floats(-1e5, 1e5, allow_nan=False).map(lambda v: f"{v:.3f}"),
    st.floats(-1e5, 1e5, allow_nan=False).map(repr),
    st.floats(0, 1e4, allow_nan=False).map(lambda v: f"{v:.6e}"),
    st.sampled_from(["0", "-0", ".5", "5.", "-.25", "007", "123456789012345"]),
)
SEP = st.sampled_from([",", "\t", " ", "  ", ", ", "\t,", " \t "])


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(NUMBER, min_size=4, max_size=4), min_size=1, max_size=12), sep=SEP, end=st.sampled_from(["\n", "\r\n"]), trailing=st.booleans())
def test_fast_reader_equals_python_float(rows, sep, end, trailing):
    text = "".join(sep.join(r) + (sep if trailing else "") + end for r in rows)
    expected = np.array([[float(v) for v in r] for r in rows])
    np.testing.assert_array_equal(parse_result_bytes(text.encode()), expected)


def test_cache_follows_size_and_mtime(tmp_path):
    clear_cache()
    path = _write(tmp_path / "s.txt", "1 2 3 4\n")
    first = read_result_file(path)
    assert read_result_file(path) is first  # cached
    assert not first.flags.writeable
    _write(path, "5 6 7 8\n9 9 9 9\n")
    os.utime(path, ns=(1, 1_000_000_000))
    assert read_result_file(path).tolist() == [[5, 6, 7, 8], [9, 9, 9, 9]]


# ------------------------------------------------------------------------------------------- layouts


def _results(directory, names, text="1 2 3 4\n"):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / f"{name}.txt").write_text(text)
    return directory


def test_flat_layout_and_side_files(tmp_path):
    root = _results(tmp_path / "r", ["a", "b"])
    (root / "a_time.txt").write_text("0.1\n")
    (root / "c_time.txt").write_text("0.1\n")
    (root / "c_ground.txt").write_text("1 2 3 4\n")
    (root / "a_all_boxes.txt").write_text("1 2 3 4\n")
    found = find_result_files(root, ["a", "b", "c"])
    assert found == {"a": [root / "a.txt"], "b": [root / "b.txt"], "c": []}
    assert sorted(find_result_files(root, None)) == ["a", "b"]


@pytest.mark.parametrize(
    "sub",
    ["JointNLT", "jointnlt/swin_b_ep300", "OSTrack_tracking_result", "got10k_tracker"],
    ids=["tracker", "tracker-param", "matlab", "got10k"],
)
def test_nested_layouts(tmp_path, sub):
    run = _results(tmp_path / "r" / sub, ["a", "b"])
    if sub == "got10k_tracker":
        _results(run / "times", ["a_time"])
    assert find_result_files(tmp_path / "r", ["a", "b"]) == {"a": [run / "a.txt"], "b": [run / "b.txt"]}


@pytest.mark.parametrize("runs", [["param_0", "param_1", "param_2"], ["param_000", "param_001"]], ids=["jointnlt", "pytracking"])
def test_run_ids_are_all_returned(tmp_path, runs):
    for run in runs:
        _results(tmp_path / "r" / "tracker" / run, ["a"])
    found = find_result_files(tmp_path / "r", ["a"])
    assert found["a"] == [tmp_path / "r" / "tracker" / run / "a.txt" for run in runs]


def test_different_configurations_are_ambiguous(tmp_path):
    _results(tmp_path / "r" / "jointnlt" / "swin_b_ep300", ["a"])
    _results(tmp_path / "r" / "jointnlt" / "swin_b_ep300_track", ["a"])
    with pytest.raises(ResultFormatError, match="several result folders"):
        find_result_files(tmp_path / "r", ["a"])


def test_missing_directory(tmp_path):
    with pytest.raises(ResultFormatError, match="not found"):
        find_result_files(tmp_path / "nope", ["a"])


def test_otb_aliases(tmp_path):
    root = _results(tmp_path / "r", ["Skating3", "Skating2_1", "Human4_2", "Jogging.1", "Biker"])
    aliases = get_dataset("otb99").sequence_aliases()  # the table lives with the dataset plugin
    assert "Skating3" in aliases["Skating2-2"] and "Skating2-2" in aliases["Skating3"]
    found = find_result_files(root, ["Skating2-1", "Skating2-2", "Human4", "Jogging-1", "Biker", "Bird1"], aliases)
    assert found["Skating2-2"] == [root / "Skating3.txt"]
    assert found["Skating2-1"] == [root / "Skating2_1.txt"]
    assert found["Human4"] == [root / "Human4_2.txt"]
    assert found["Jogging-1"] == [root / "Jogging.1.txt"]
    assert found["Biker"] == [root / "Biker.txt"] and found["Bird1"] == []
    # case-sensitive names elsewhere
    assert find_result_files(root, ["biker"]) == {"biker": []}


def test_disk_cache_serves_a_new_process(tmp_path, monkeypatch):
    from nlbench.store import parse_cache as importer

    root = _results(tmp_path / "r", ["a", "b"], text="1\t2\t3\t4\n5\t6\t7\t8\n")
    paths = [root / "a.txt", root / "b.txt"]
    first = importer.read_result_files(paths)
    clear_cache()  # as a fresh process: nothing in memory

    def no_parsing(path, strict):
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(importer, "_parse_path", no_parsing)
    monkeypatch.setattr(importer, "_parse_paths_grouped", lambda paths: no_parsing(paths, False))
    again = importer.read_result_files(paths)
    assert [a.tolist() for a in again] == [f.tolist() for f in first]
    monkeypatch.undo()
    # a rewritten file is parsed again, the other still comes from the bundle
    (root / "b.txt").write_text("9 9 9 9\n")
    os.utime(root / "b.txt", ns=(5, 5_000_000_000))
    clear_cache()
    assert importer.read_result_files(paths)[1].tolist() == [[9, 9, 9, 9]]
    assert len(importer._load_bundle(root)) == 2  # the stale parse of b.txt was dropped
    # strict and default parses are cached separately
    clear_cache()
    assert importer.read_result_files(paths[:1], strict=True)[0].tolist() == first[0].tolist()
    clear_cache(disk=True)
    assert not any(importer._bundle_dir().glob("*"))


def test_grouped_parsing_equals_file_by_file(tmp_path):
    from nlbench.core.boxtext import parse_boxes_fast, parse_boxes_fast_many

    blobs = [b"1 2 3 4\n5 6 7 8", b"\n\n", b"1,2,3,4\r\n", b"9 9 9 9\n1 2 3", b"1e3 2 3 4\n", b"-1.5\t2 3 4", b"7 7 7 7"]
    for group_bytes in (1, 20, 1 << 20):
        grouped = parse_boxes_fast_many(blobs, group_bytes=group_bytes)
        single = [parse_boxes_fast(b) for b in blobs]
        assert [None if v is None else v.tolist() for v in grouped] == [None if v is None else v.tolist() for v in single]
    assert grouped[3] is None and grouped[1].shape == (0, 4)


def test_many_files_in_threads_keep_order(tmp_path):
    from nlbench.store import importer

    root = tmp_path / "r"
    root.mkdir()
    for i in range(40):
        (root / f"s{i}.txt").write_text(f"{i} 0 1 1\n" * (i + 1))
    values = importer.read_result_files([root / f"s{i}.txt" for i in range(40)], disk_cache=False, workers=3)
    assert [v.shape[0] for v in values] == list(range(1, 41))
    assert [v[0, 0] for v in values] == list(range(40))
