"""A run of a few sequences is reported as it is: report, compare, leaderboard, visualize, sensitivity with --sequences.

The synth root holds six sequences; the result folders hold only three (``SUBSET``).  Each verb's numbers are
checked against ``nlbench eval`` on the same three sequences.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.datasets.synth import load_synth
from nlbench.datasets.synth.build import generate_split, write_marker
from nlbench.datasets.synth.scene import SceneOptions
from nlbench.store.writer import format_boxes

SUBSET = ("synth_test_0002", "synth_test_0003", "synth_test_0005")
OTHER = "synth_test_0001"  # in the root, in no result folder


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """A six-sequence synth root (frames rendered) and folders X (shifted boxes), Y (exact) for SUBSET only."""
    tmp = tmp_path_factory.mktemp("subset")
    root = tmp / "synth"
    write_marker(root, 7)
    generate_split(root, "test", seed=7, count=6, options=SceneOptions(num_frames=12))
    x, y = tmp / "X", tmp / "Y"
    for folder in (x, y):
        folder.mkdir()
    for seq in load_synth(root, "test", list(SUBSET), with_frames=False):
        shifted = seq.gt + np.array([3.0, 2.0, 0.0, 0.0])
        shifted[0] = seq.gt[0]  # row 0 is the init box, as the runner writes it
        (x / f"{seq.name}.txt").write_text(format_boxes(shifted))
        (y / f"{seq.name}.txt").write_text(format_boxes(seq.gt))
    return root, x, y


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _eval(tmp_path, root, *results, sequences=SUBSET):
    out = tmp_path / "eval.json"
    res = invoke("eval", "--dataset", "synth", "--root", root, "--sequences", ",".join(sequences),
                 *(w for r in results for w in ("--results", r)), "--no-store", "--json", out)
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())["trackers"]


def test_report_of_a_subset_folder(synth, tmp_path):
    root, x, _ = synth
    auc = _eval(tmp_path, root, f"X={x}")["X"]["auc"]
    res = invoke("report", "--dataset", "synth", "--root", root, "--sequences", ",".join(SUBSET),
                 "--results", f"X@bb={x}", "--out", tmp_path / "rep")
    assert res.exit_code == 0, res.output
    html = (tmp_path / "rep" / "index.html").read_text()
    assert f"{auc / 100:.3f}" in html  # the comparison table, on the paper's fraction scale
    assert OTHER not in html and all(name in html for name in SUBSET)  # the per-sequence table: the three only
    # the whole split: the folder lacks three sequences, and says so in one line
    res = invoke("report", "--dataset", "synth", "--root", root, "--results", f"X@bb={x}", "--out", tmp_path / "r2")
    assert res.exit_code == 2 and "sequence synth_test_0001: result not found" in res.output
    # --skip-missing over the whole split: the same three sequences, the same number
    res = invoke("report", "--dataset", "synth", "--root", root, "--skip-missing", "--results", f"X@bb={x}",
                 "--out", tmp_path / "r3")
    assert res.exit_code == 0, res.output
    assert f"{auc / 100:.3f}" in (tmp_path / "r3" / "index.html").read_text()


def test_compare_of_a_subset_folder(synth, tmp_path):
    root, x, y = synth
    scores = _eval(tmp_path, root, f"X={x}", f"Y={y}")
    res = invoke("compare", "--dataset", "synth", "--root", root, "--sequences", ",".join(SUBSET),
                 "--results", f"Y={y}", "--results", f"X={x}", "--json", tmp_path / "c.json")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "c.json").read_text())
    # sequences weigh equally: the mean paired difference is the difference of the dataset AUCs
    assert data["mean_difference"] == pytest.approx(scores["Y"]["auc"] - scores["X"]["auc"])
    res = invoke("compare", "--dataset", "synth", "--root", root, "--sequences", f"{OTHER},{SUBSET[0]}",
                 "--skip-missing", "--results", f"Y={y}", "--results", f"X={x}")
    assert res.exit_code == 0 and "evaluated over 1 / 2 sequences" in res.output


def test_leaderboard_ranks_a_subset_folder(synth, tmp_path):
    root, x, y = synth
    scores = _eval(tmp_path, root, f"X={x}", f"Y={y}")
    res = invoke("leaderboard", "--dataset", "synth", "--root", root, "--sequences", ",".join(SUBSET),
                 "--results", f"X@bb={x}", "--results", f"Y@nl={y}", "--source", "measured",
                 "--store", tmp_path / "empty", "--json", tmp_path / "l.json")
    assert res.exit_code == 0, res.output
    entries = json.loads((tmp_path / "l.json").read_text())["entries"]
    assert [(e["tracker"], e["init"], e["rank"]) for e in entries] == [("Y", "NL", 1), ("X", "BB", 2)]
    assert [e["auc"] for e in entries] == pytest.approx([scores["Y"]["auc"], scores["X"]["auc"]])
    assert f"wrote {tmp_path / 'l.json'}" in res.output
    res = invoke("leaderboard", "--dataset", "synth", "--results", f"X={x}", "--source", "reported")
    assert res.exit_code == 2 and "--source reported" in res.output


def test_visualize_picks_from_the_subset(synth, tmp_path):
    root, x, y = synth
    res = invoke("visualize", "-d", "synth", "--root", root, "--sequences", ",".join(SUBSET), "--results", f"X={x}",
                 "--results", f"Y={y}", "--pick", "worst", "--count", "3", "--out", tmp_path / "v.png", "--quiet")
    assert res.exit_code == 0, res.output
    picked = [line.split(": ")[1].split(" ")[0] for line in res.output.splitlines()]
    assert sorted(picked) == sorted(SUBSET)
    assert all((tmp_path / f"v-{rank}-{name}.png").is_file() for rank, name in enumerate(picked, 1))
    # a named sequence the folders lack is an error, unless --skip-missing
    args = ["visualize", "-d", "synth", "--root", root, "--sequences", f"{OTHER},{SUBSET[0]}", "--results", f"X={x}",
            "--pick", "worst", "--out", tmp_path / "w.png", "--quiet"]
    res = invoke(*args)
    assert res.exit_code == 2 and f"tracker X, sequence {OTHER}: result not found" in res.output
    res = invoke(*args, "--skip-missing")
    assert res.exit_code == 0 and res.output.startswith(f"{tmp_path / 'w.png'}: {SUBSET[0]} frames")
    res = invoke("visualize", "-d", "synth", "--root", root, "--sequences", SUBSET[0], "--results", f"X={x}",
                 "-s", SUBSET[0], "--out", tmp_path / "s.png")
    assert res.exit_code == 2 and "--sequences chooses what --pick ranks" in res.output


def test_sensitivity_skips_what_a_variant_lacks(synth, tmp_path):
    root, x, y = synth
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in SUBSET[:2]:
        (partial / f"{name}.txt").write_text((x / f"{name}.txt").read_text())
    args = ["sensitivity", "-d", "synth", "--root", root, "--sequences", ",".join(SUBSET), "--base", f"base={y}",
            "--variant", f"other={partial}", "--json", tmp_path / "s.json"]
    res = invoke(*args)
    assert res.exit_code == 2 and f"sequence {SUBSET[2]}: result not found" in res.output
    res = invoke(*args, "--skip-missing")
    assert res.exit_code == 0, res.output
    assert f"evaluated over 2 / 3 sequences (skipped for missing results: {SUBSET[2]})" in res.output
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["n_sequences"] == 2 and data["skipped"] == {SUBSET[2]: ["other"]}
    scores = _eval(tmp_path, root, f"X={x}", sequences=SUBSET[:2])
    assert data["variants"][0]["auc"] == pytest.approx(scores["X"]["auc"])
