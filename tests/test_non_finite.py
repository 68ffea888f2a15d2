"""inf / nan in result files: an error naming file and line by default; the reference's rules with --allow-non-finite."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import EvaluationError, ResultFormatError
from nlbench.eval import evaluate
from nlbench.store.parse_cache import clear_cache, read_result_file, read_result_files
from nlbench.core.types import Sequence

from .test_eval_cli import GOOD, results, tnl2k_tree

ROW = "10\t10\t20\t20\n"
SPELLINGS = ["inf", "-inf", "Inf", "Infinity", "+inf", "nan", "NaN", "-nan"]


@pytest.mark.parametrize("token", SPELLINGS)
def test_default_is_an_error_naming_file_and_line(tmp_path, token):
    # line 4 of the file (a blank line counts), the 3rd box
    directory = results(tmp_path / "R", {"s": ROW + ROW + "\n" + f"10\t{token}\t20\t20\n" + ROW})
    path = directory / "s.txt"
    with pytest.raises(ResultFormatError) as info:
        read_result_file(path)
    message = str(info.value)
    assert str(path) in message and "line 4" in message and "non-finite" in message and token in message
    clear_cache()
    with pytest.raises(ResultFormatError, match="line 4"):
        read_result_files([path], disk_cache=False)
    # the option reads it as numpy.loadtxt does
    values = read_result_file(path, allow_non_finite=True)
    expected = float(token)
    assert values.shape == (4, 4) and (np.isnan(values[2, 1]) if np.isnan(expected) else values[2, 1] == expected)


def test_cached_parse_is_still_checked(tmp_path):
    path = results(tmp_path / "R", {"s": ROW + "1 2 inf 4\n"}) / "s.txt"
    assert read_result_files([path], allow_non_finite=True)[0][1, 2] == np.inf  # now cached in memory and on disk
    with pytest.raises(ResultFormatError, match="line 2"):
        read_result_files([path])
    clear_cache()
    with pytest.raises(ResultFormatError, match="line 2"):
        read_result_file(path)


def _cli(tmp_path, text, *extra):
    root = tnl2k_tree(tmp_path / "TNL2K", names=("seqA",))
    bad = results(tmp_path / "Bad", {"seqA": text})
    out = tmp_path / "o.json"
    res = CliRunner().invoke(
        main,
        ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"Bad={bad}", "--sequences", "seqA", "--no-store", "--json", str(out), *extra],
    )
    return res, out


def test_cli_default_is_one_line_naming_file_and_line(tmp_path):
    res, _ = _cli(tmp_path, ROW + ROW + "inf\t10\t20\t20\n" + ROW)
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "tracker Bad, sequence seqA" in lines[0] and "seqA.txt, line 3" in lines[0] and "--allow-non-finite" in lines[0]


# GT = 4 x (10,10,20,20), hand-computed under the jointnlt protocol (eval-spec §1.8).
CASES = {
    # +inf x on frame 2: IoU 0, errors infinite -> 3 of 4 frames: AUC = 0.75*20/21, others 75
    "inf-x-fails": (ROW + ROW + "inf\t10\t20\t20\n" + ROW, 75.0 * 20 / 21, 75.0, 75.0),
    "inf-width-fails": (ROW + ROW + "10\t10\tinf\t20\n" + ROW, 75.0 * 20 / 21, 75.0, 75.0),
    "-inf-y-fails": (ROW + "10\t-inf\t20\t20\n" + ROW + ROW, 75.0 * 20 / 21, 75.0, 75.0),
    # frame 1 is replaced by the ground truth
    "inf-first-frame": ("inf\tinf\tinf\tinf\n" + ROW * 3, 100.0 * 20 / 21, 100.0, 100.0),
    # zero height: carried forward from the previous box, whatever the other values
    "inf-zero-height-carried": (ROW + ROW + "inf\t10\t20\t0\n" + ROW, 100.0 * 20 / 21, 100.0, 100.0),
}


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_allow_non_finite_scores_as_the_reference(tmp_path, case):
    text, auc, precision, norm_precision = CASES[case]
    res, out = _cli(tmp_path, text, "--allow-non-finite", "--no-bootstrap")
    assert res.exit_code == 0, res.output
    scores = json.loads(out.read_text())["trackers"]["Bad"]
    assert scores["auc"] == pytest.approx(auc, abs=1e-9)
    assert scores["precision"] == pytest.approx(precision, abs=1e-9)
    assert scores["norm_precision"] == pytest.approx(norm_precision, abs=1e-9)


ABORTS = {
    "nan": (ROW + "nan\t10\t20\t20\n" + ROW + ROW, "NaN in row(s) 2"),
    "-inf-width": (ROW + ROW + "10\t10\t-inf\t20\n" + ROW, "negative width or height in row(s) 3"),
    "nan-overlap": (ROW + ROW + ROW + "-inf\t10\tinf\t20\n", "overlap is NaN at frame(s) 4"),
}


@pytest.mark.parametrize("case", ABORTS, ids=ABORTS)
def test_allow_non_finite_aborts_where_the_reference_does(tmp_path, case):
    text, message = ABORTS[case]
    res, _ = _cli(tmp_path, text, "--allow-non-finite")
    assert res.exit_code == 2 and message in res.output and "tracker Bad" in res.output


def test_nan_overlap_on_an_invalid_frame_is_not_an_error():
    # The reference sets the overlap of invalid GT frames to -1 before its NaN check.
    gt = np.array([[10, 10, 20, 20]] * 3 + [[0, 0, 0, 0]], float)
    pred = gt.copy()
    pred[3] = [-np.inf, 10, np.inf, 20]
    seq = Sequence(name="s", dataset="tnl2k", frames=(), gt=gt)
    result = evaluate([seq], {"T": {"s": pred}}, dataset="tnl2k", bootstrap=False)
    assert result.trackers["T"].auc == pytest.approx(75.0 * 20 / 21)
    assert result.trackers["T"].norm_precision == pytest.approx(100.0)  # invalid frame: the e~ = -1 quirk
    valid = Sequence(name="s", dataset="tnl2k", frames=(), gt=gt[[0, 1, 2, 0]])
    with pytest.raises(EvaluationError, match="overlap is NaN at frame"):
        evaluate([valid], {"T": {"s": pred}}, dataset="tnl2k", bootstrap=False)


@pytest.mark.parametrize("verb", ["eval", "compare", "report"])
def test_every_reading_verb_has_the_option_and_says_what_it_does(verb):
    res = CliRunner().invoke(main, [verb, "--help"], terminal_width=200)
    assert res.exit_code == 0 and "--allow-non-finite" in res.output
    if verb != "report":
        text = " ".join(res.output.split())
        assert "numpy.loadtxt" in text and "Error: Invalid results" in text and "Nans in calculated overlap" in text


def test_library_default_matches_cli(tmp_path):
    root = tnl2k_tree(tmp_path / "TNL2K", names=("seqA",))
    bad = results(tmp_path / "Bad", {"seqA": GOOD.replace("20\n", "inf\n", 1)})
    from nlbench.datasets import load_sequences

    seqs = load_sequences("tnl2k", root, names=["seqA"], with_frames=False)
    with pytest.raises(ResultFormatError, match="seqA.txt, line 1"):
        evaluate(seqs, {"Bad": bad}, dataset="tnl2k", cache=False)
    # row 0 is replaced by the ground truth: perfect
    assert evaluate(seqs, {"Bad": bad}, dataset="tnl2k", cache=False, allow_non_finite=True, bootstrap=False).trackers[
        "Bad"
    ].auc == pytest.approx(100.0 * 20 / 21)
