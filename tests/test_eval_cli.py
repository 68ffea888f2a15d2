"""``nlbench eval`` / ``nlbench compare``: the exact interface and JSON, bad inputs as one line, the store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.eval import load_evaluated
from nlbench.eval.protocols import DEFAULT_PROTOCOL

GT = [[10, 10, 20, 20]] * 4
GOOD = "10\t10\t20\t20\n" * 4
HALF = "10\t10\t20\t20\n12\t10\t20\t20\n10\t10\t20\t20\n40\t40\t5\t5\n"


def tnl2k_tree(root, names=("seqA", "seqB"), gt=GT):
    """A TNL2K-format tree: <root>/<seq>/{groundtruth.txt, language.txt, imgs/*.jpg}."""
    for name in names:
        folder = root / name
        (folder / "imgs").mkdir(parents=True)
        (folder / "groundtruth.txt").write_text("".join(",".join(map(str, r)) + "\n" for r in gt))
        (folder / "language.txt").write_text("the dog on the left\n")
        for i in range(len(gt)):
            (folder / "imgs" / f"{i + 1:08d}.jpg").write_bytes(b"")
    return root


def lasot_tree(root, name="airplane-1", n=5):
    folder = root / name.split("-")[0] / name
    (folder / "img").mkdir(parents=True)
    (folder / "groundtruth.txt").write_text("100,100,20,20\n" * n)
    (folder / "full_occlusion.txt").write_text(",".join("0" * n) + "\n")
    (folder / "out_of_view.txt").write_text(",".join("0" * n) + "\n")
    (folder / "nlp.txt").write_text("white airplane")
    return root


def results(directory, files):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / f"{name}.txt").write_text(text)
    return directory


def run(*args, cwd=None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tnl2k_tree(tmp_path / "TNL2K")
    a = results(tmp_path / "A", {"seqA": HALF, "seqB": HALF})
    (a / "run.json").write_text(json.dumps({"tracker": "x", "mode": "nl+bb"}))
    b = results(tmp_path / "B", {"seqA": GOOD.replace("\t", ","), "seqB": GOOD.replace("\t", "  ")})
    return tmp_path, root, a, b


def test_eval_json_matches_the_interface(setup):
    tmp_path, root, a, b = setup
    # A was run with a sentence file for seqB (run.json records it); B has no run.json: the dataset's sentences
    (a / "run.json").write_text(json.dumps({"tracker": "x", "mode": "nl+bb", "sentences": {"seqB": "the <cat> & co"}}))
    out = tmp_path / "out.json"
    res = run("eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"A={a}", "--results", f"B={b}",
              "--sequences", "seqA,seqB", "--json", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    for column in ("tracker", "AUC", "OP50", "OP75", "Prec", "NormPrec", "#seq"):
        assert column in res.output
    data = json.loads(out.read_text())
    assert data["dataset"] == "tnl2k" and data["protocol"] == "jointnlt"
    assert list(data["trackers"]) == ["A", "B"]
    b_scores = data["trackers"]["B"]
    assert b_scores["auc"] == pytest.approx(2000 / 21)
    assert b_scores["precision"] == b_scores["norm_precision"] == b_scores["op50"] == b_scores["op75"] == 100.0
    a_scores = data["trackers"]["A"]
    # seqA: frame 1 IoU 0.818, frame 3 far away -> success 0.75 up to tau 0.80, then 0.5
    assert a_scores["success_curve"] == [0.75] * 17 + [0.5, 0.5, 0.5, 0.0]
    assert a_scores["auc"] == pytest.approx((17 * 0.75 + 3 * 0.5) / 21 * 100)
    for key, n in (("success_curve", 21), ("precision_curve", 51), ("norm_precision_curve", 51)):
        assert len(a_scores[key]) == n and all(isinstance(v, float) for v in a_scores[key])
    for key in ("auc", "precision", "norm_precision", "op50", "op75"):
        assert isinstance(a_scores[key], float)
    assert set(a_scores["sequences"]) == {"seqA", "seqB"}
    assert set(a_scores["sequences"]["seqA"]) == {"auc", "precision", "norm_precision", "sentence"}
    assert [a_scores["sequences"][n]["sentence"] for n in ("seqA", "seqB")] == ["the dog on the left", "the <cat> & co"]
    assert [b_scores["sequences"][n]["sentence"] for n in ("seqA", "seqB")] == ["the dog on the left"] * 2
    assert isinstance(a_scores["attributes"], dict)
    low, high = a_scores["auc_ci95"]
    assert low <= a_scores["auc"] <= high


def test_eval_stores_entries_for_the_leaderboard(setup):
    tmp_path, root, a, b = setup
    res = run("eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"A={a}", "--results", f"B={b}",
              "--sequences", "seqA,seqB", "--protocol", "pytracking")  # fmt: skip
    assert res.exit_code == 0, res.output
    entries = load_evaluated("tnl2k", "pytracking")  # default store, relative to the cwd
    assert [e["name"] for e in entries] == ["A", "B"]
    assert entries[0]["init"] == "NL+BB" and entries[1]["init"] is None
    assert entries[0]["dataset"] == "tnl2k" and entries[0]["protocol"] == "pytracking"
    assert entries[0]["results_dir"] == str(a.resolve())
    assert entries[1]["auc"] == pytest.approx(2000 / 21)
    assert load_evaluated("tnl2k", "jointnlt") == []
    res = run("eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"C={b}", "--sequences", "seqA",
              "--store", str(tmp_path / "elsewhere"))  # fmt: skip
    assert res.exit_code == 0
    assert [e["name"] for e in load_evaluated("tnl2k", DEFAULT_PROTOCOL, store=tmp_path / "elsewhere")] == ["C"]
    run("eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"D={b}", "--sequences", "seqA", "--no-store")
    assert "D" not in [e["name"] for e in load_evaluated("tnl2k", DEFAULT_PROTOCOL)]


BAD = {
    "nan": ("10\t10\t20\t20\nnan\t10\t20\t20\n10\t10\t20\t20\n10\t10\t20\t20\n", "NaN"),
    "negative-size": ("10\t10\t20\t20\n10\t10\t-3\t20\n10\t10\t20\t20\n10\t10\t20\t20\n", "negative width or height"),
    "columns": ("10\t10\t20\t20\n10\t10\t20\n10\t10\t20\t20\n10\t10\t20\t20\n", "line 2: expected 4 numbers"),
    "missing": (None, "result not found"),
}


@pytest.mark.parametrize("case", BAD, ids=BAD)
def test_bad_results_end_with_one_line(setup, case):
    tmp_path, root, a, _ = setup
    text, message = BAD[case]
    bad = results(tmp_path / "bad", {"seqA": GOOD} | ({"seqB": text} if text else {}))
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"A={a}",
                                    "--results", f"Bad={bad}", "--sequences", "seqA,seqB", "--no-store"])  # fmt: skip
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "tracker Bad" in lines[0] and "sequence seqB" in lines[0] and message in lines[0]


def test_short_lasot_result_is_rejected_but_padded_elsewhere(tmp_path):
    root = lasot_tree(tmp_path / "LaSOT")
    short = results(tmp_path / "R", {"airplane-1": "100,100,20,20\n" * 3})
    res = CliRunner().invoke(main, ["eval", "--dataset", "lasot", "--root", str(root), "--results", f"X={short}",
                                    "--sequences", "airplane-1", "--no-store"])  # fmt: skip
    assert res.exit_code == 2
    assert "tracker X, sequence airplane-1" in res.output and "3 rows but the ground truth has 5" in res.output
    res = run("eval", "--dataset", "lasot_ext", "--root", str(root), "--results", f"X={short}",
              "--sequences", "airplane-1", "--no-store", "--json", str(tmp_path / "o.json"))  # fmt: skip
    assert res.exit_code == 0
    assert json.loads((tmp_path / "o.json").read_text())["trackers"]["X"]["auc"] == pytest.approx(20 * 0.6 / 21 * 100)


def test_skip_missing_reports_coverage(setup):
    tmp_path, root, a, _ = setup
    partial = results(tmp_path / "P", {"seqA": GOOD})
    out = tmp_path / "o.json"
    res = run("eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"A={a}", "--results", f"P={partial}",
              "--sequences", "seqA,seqB", "--skip-missing", "--no-store", "--json", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "over 1 / 2 sequences" in res.output
    data = json.loads(out.read_text())
    assert set(data["trackers"]["A"]["sequences"]) == {"seqA"}
    assert data["skipped"] == {"seqB": ["P"]}


def test_whole_split_requires_every_sequence(setup):
    _, root, a, _ = setup
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"A={a}", "--no-store"])
    assert res.exit_code == 2
    assert "missing" in res.output and "Traceback" not in res.output


def test_unknown_sequence_is_an_error(setup):
    _, root, a, _ = setup
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"A={a}",
                                    "--sequences", "seqA,nope", "--no-store"])  # fmt: skip
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_strict_reference_option(setup):
    tmp_path, root, _, b = setup  # B uses comma and double spaces
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"B={b}",
                                    "--sequences", "seqA,seqB", "--strict-reference", "--no-store"])  # fmt: skip
    assert res.exit_code == 2
    assert "sequence seqB" in res.output and "strict-reference" in res.output


def test_compare_says_whether_significant(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = [f"s{i:02d}" for i in range(12)]
    root = tnl2k_tree(tmp_path / "T", names)
    good = results(tmp_path / "good", {n: GOOD for n in names})
    worse = results(tmp_path / "worse", {n: HALF for n in names})
    out = tmp_path / "cmp.json"
    res = run("compare", "--dataset", "tnl2k", "--root", str(root), "--results", f"good={good}",
              "--results", f"worse={worse}", "--sequences", ",".join(names), "--json", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert ": significant at alpha=0.05" in res.output
    data = json.loads(out.read_text())
    assert data["significant"] is True and data["mean_difference"] > 0 and data["wilcoxon_p"] < 0.05
    res = run("compare", "--dataset", "tnl2k", "--root", str(root), "--results", f"a={good}",
              "--results", f"b={good}", "--sequences", ",".join(names))  # fmt: skip
    assert "not significant" in res.output


def test_help_has_examples():
    res = run("eval", "--help")
    assert res.exit_code == 0 and "nlbench eval --dataset" in res.output and "--skip-missing" in res.output
    assert "NAME=DIR" in res.output and "--bootstrap / --no-bootstrap" in res.output
