"""Sentence files (``run --sentences``): parsing, checks before anything runs, run.json, resume, the tracker's text."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import NlbenchError, SentenceFileError
from nlbench.run.stages import RunRequest, RunSummary, run_stage
from nlbench.run.sentences import apply_sentences, check_names, read_sentence_file, write_sentence_file
from nlbench.store.manifest import sha256_file
from tests.fixtures_frames import make_moving_square_sequence

NAMES = [f"seq_{i:02d}" for i in range(3)]


def run_tnl2k(tracker: str, **fields) -> RunSummary:
    """``nlbench run --tracker TRACKER --dataset tnl2k --quiet`` with these fields."""
    return run_stage(RunRequest(tracker=tracker, dataset="tnl2k", quiet=True, **fields))


@pytest.fixture()
def tnl2k_root(tmp_path):
    root = tmp_path / "TNL2K_test"
    for i, name in enumerate(NAMES):
        make_moving_square_sequence(root, name, n_frames=6, seed=i)
    return root


def _write(path, data: bytes | str):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# --- parsing -------------------------------------------------------------------------------------------------


def test_csv_and_json_give_the_same_sentences(tmp_path):
    csv_file = _write(tmp_path / "s.csv", 'sequence,sentence\nseq_00,"the red car, left"\r\nseq_01,a # b\n\n')
    json_file = _write(tmp_path / "s.json", json.dumps({"seq_00": "the red car, left", "seq_01": "a # b"}))
    a, b = read_sentence_file(csv_file), read_sentence_file(json_file)
    assert a.sentences == b.sentences == {"seq_00": "the red car, left", "seq_01": "a # b"}
    assert a.sha256 == sha256_file(csv_file) and a.sha256 != b.sha256


def test_writer_round_trips_both_formats(tmp_path):
    sentences = {"s1": 'say "hi", then <go>', "s2": "naïve café ✓"}
    for name in ("out.csv", "out.json"):
        assert read_sentence_file(write_sentence_file(tmp_path / name, sentences)).sentences == sentences


@pytest.mark.parametrize(
    "content, message",
    [
        (b"seq_00,hello\n", r"s\.csv:1: CSV without the header 'sequence,sentence'"),
        (b"", r"s\.csv:1: CSV without the header"),
        (b"sequence,sentence\nseq_00,ok\nseq_01,caf\xe9\n", r"s\.csv:3: not valid UTF-8"),
        (b"sequence,sentence\nseq_00,\n", r"sentence of sequence 'seq_00' is empty"),
        (b"sequence,sentence\nseq_00,  \n", r"sentence of sequence 'seq_00' is empty"),
        (b"sequence,sentence\nseq_00,a,b\n", r"s\.csv:2: expected 2 fields"),
        (b"sequence,sentence\nseq_00,a\nseq_00,b\n", r"s\.csv:3: sequence 'seq_00' is listed twice"),
        (b'{"seq_00": "a",\n "seq_01": 3}', r"sentence of sequence 'seq_01' is not a string"),
        (b'{"seq_00": "a",\n "seq_01" "b"}', r"s\.csv:2: not valid JSON"),
        (b'{"seq_00": ""}', r"sentence of sequence 'seq_00' is empty"),
    ],
    ids=["no-header", "empty-file", "latin-1", "empty-sentence", "blank-sentence", "three-fields", "duplicate",
         "json-not-string", "json-syntax", "json-empty-sentence"],
)
def test_bad_files_name_the_file_line_or_sequence(tmp_path, content, message):
    with pytest.raises(SentenceFileError, match=message):
        read_sentence_file(_write(tmp_path / "s.csv", content))


def test_unknown_name_is_named_with_close_suggestions(tmp_path):
    sf = read_sentence_file(_write(tmp_path / "s.csv", "sequence,sentence\nseq_01x,x\n"))
    with pytest.raises(SentenceFileError, match=r"sequence 'seq_01x' is not in dataset tnl2k; did you mean 'seq_01'"):
        check_names(sf, NAMES, "tnl2k")


def test_apply_replaces_only_listed_sequences():
    from nlbench.core.types import Sequence

    seqs = [Sequence(n, "x", (), np.zeros((1, 4)), language=f"dataset {n}") for n in NAMES]
    out = apply_sentences(seqs, {"seq_01": "new"})
    assert [s.language for s in out] == ["dataset seq_00", "new", "dataset seq_02"]
    assert out[0] is seqs[0] and out[1].gt is seqs[1].gt


# --- the runner ------------------------------------------------------------------------------------------------


def test_bad_file_stops_the_run_before_any_output(tnl2k_root, tmp_path):
    bad = _write(tmp_path / "s.csv", "sequence,sentence\nseq_00,ok\nnope_99,x\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "-t", "static", "-d", "tnl2k", "--root", str(tnl2k_root), "--mode", "bb",
                                       "--sequences", "seq_00", "--sentences", str(bad), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"error: {bad}: sequence 'nope_99' is not in dataset tnl2k (names are case-sensitive)"]
    assert not out.exists()


def test_run_json_records_the_file_and_every_effective_sentence(tnl2k_root, tmp_path):
    sentences = _write(tmp_path / "s.json", json.dumps({"seq_01": "the other square", "seq_02": "unused here"}))
    out = tmp_path / "out"
    # seq_02 lies outside --sequences but is a sequence of the dataset: accepted
    run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out, sentences=sentences)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["sentence_file"] == str(sentences)
    assert manifest["sentence_file_sha256"] == sha256_file(sentences)
    dataset_sentence = (tnl2k_root / "seq_00" / "language.txt").read_text().strip("\n")
    assert manifest["sentences"] == {"seq_00": dataset_sentence, "seq_01": "the other square"}


def test_resume_is_refused_when_the_sentence_file_changes(tnl2k_root, tmp_path):
    sentences = _write(tmp_path / "s.csv", "sequence,sentence\nseq_00,first words\n")
    out = tmp_path / "out"
    run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:1], mode="bb", out=out, sentences=sentences)
    # the same file resumes
    again = run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:2], mode="bb", out=out, sentences=sentences)
    assert again.done == ["seq_01"]
    with pytest.raises(NlbenchError, match=rf"sentence file {sentences} -> none"):
        run_tnl2k("static", root=tnl2k_root, sequences=NAMES, mode="bb", out=out)
    other = _write(tmp_path / "s.csv", "sequence,sentence\nseq_00,other words\n")  # same path, new content
    with pytest.raises(NlbenchError, match=r"different run \(sentence_file_sha256"):
        run_tnl2k("static", root=tnl2k_root, sequences=NAMES, mode="bb", out=out, sentences=other)
    plain = tmp_path / "plain"
    run_tnl2k("static", root=tnl2k_root, sequences=NAMES[:1], mode="bb", out=plain)
    with pytest.raises(NlbenchError, match=rf"sentence file none -> {other}"):
        run_tnl2k("static", root=tnl2k_root, sequences=NAMES, mode="bb", out=plain, sentences=other)
    assert not (out / "seq_02.txt").exists() and not (plain / "seq_01.txt").exists()  # nothing ran after a refusal


def test_the_tracker_receives_the_sentence_as_a_dataset_sentence(tnl2k_root, tmp_path, monkeypatch):
    """A sentence from a file and the same text in language.txt reach the tracker identically."""
    import nlbench.run.runner as runner
    from nlbench.core.types import TrackerPlugin

    seen: list[str | None] = []

    class Recorder:
        def initialize(self, frame, text, box):
            seen.append(text)
            return np.array([1.0, 2.0, 3.0, 4.0])

        def track(self, frame):
            return np.array([1.0, 2.0, 3.0, 4.0])

    plugin = TrackerPlugin("recorder", "records texts", lambda **kw: Recorder(), modes=("nl",))
    monkeypatch.setattr(runner, "get_tracker", lambda name: plugin)
    text = "the white airplane, flying # low"
    sentences = _write(tmp_path / "s.csv", f'sequence,sentence\nseq_00,"{text}"\r\n')
    run_tnl2k("recorder", root=tnl2k_root, sequences=NAMES[:1], mode="nl", out=tmp_path / "a", sentences=sentences)
    (tnl2k_root / "seq_00" / "language.txt").write_text(text + "\r\n", encoding="utf-8")
    run_tnl2k("recorder", root=tnl2k_root, sequences=NAMES[:1], mode="nl", out=tmp_path / "b")
    assert seen == [text, text]


def test_jointnlt_keeps_its_numpy_reading_quirk_on_file_sentences():
    """JointNLT tokenizes what numpy.loadtxt makes of the sentence, wherever the sentence came from (spec §8.9)."""
    from nlbench_trackers.jointnlt.preprocess import query_as_original_reads_it

    assert query_as_original_reads_it("the white airplane, flying # low") == "['the white airplane' ' flying ']"


@pytest.mark.slow
def test_jointnlt_tiny_gives_identical_results_from_file_and_dataset_sentence(tnl2k_root, tmp_path):
    text = "the black square, moving # right"
    sentences = _write(tmp_path / "s.json", json.dumps({"seq_00": text}))
    run_tnl2k("jointnlt-tiny", root=tnl2k_root, sequences=NAMES[:1], mode="nl", out=tmp_path / "a", sentences=sentences)
    (tnl2k_root / "seq_00" / "language.txt").write_text(text + "\n", encoding="utf-8")
    run_tnl2k("jointnlt-tiny", root=tnl2k_root, sequences=NAMES[:1], mode="nl", out=tmp_path / "b")
    for name in ("seq_00.txt", "seq_00_ground.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
