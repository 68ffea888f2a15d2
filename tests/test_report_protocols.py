"""The report's Protocols section (matrix + rule walk to the official protocol), first-frame grounding and provenance."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.report.protocols import official_protocol
from tests.fixtures_eval import build

RUN_A = {"tracker": "jointnlt", "mode": "nl", "checkpoint_sha256": {"tracker": "ab" * 32}, "command": "nlbench run a"}
RUN_B = {"tracker": "vltvg+stark", "mode": "nl", "checkpoint_sha256": {"grounder": "cd" * 32}, "command": "nlbench run b"}
GROUNDED = "30\t40\t24\t18\n"  # = GT frame 0 of the first fixture sequence (IoU 1), 306/594 and 180/756 of the others


def _text(html: str, start: str, end: str | None = None) -> str:
    part = html[html.index(start) :]
    if end:
        part = part[: part.index(end)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))


@pytest.fixture
def stored(tmp_path):
    root, names, dirs = build(tmp_path, "tnl2k")
    (dirs["A"] / "run.json").write_text(json.dumps(RUN_A))
    (dirs["B"] / "run.json").write_text(json.dumps(RUN_B))
    for tracker in ("A", "B"):
        for name in names:
            (dirs[tracker] / f"{name}_ground.txt").write_text(GROUNDED)
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names),
                                    *(a for t, d in dirs.items() for a in ("--results", f"{t}={d}")),
                                    "--store", str(tmp_path / "store"), "--json", str(tmp_path / "eval.json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    return tmp_path, root, names, dirs


def test_official_protocols_come_from_the_dataset_plugins():
    assert [official_protocol(d) for d in ("lasot", "lasot_ext", "tnl2k", "otb99", "synth")] == [
        "lasot-matlab", "lasot-matlab", "tnl2k-matlab", "otb-matlab", None]  # fmt: skip


def test_report_shows_matrix_walk_first_frame_grounding_and_provenance(stored):
    tmp_path, root, names, dirs = stored
    res = CliRunner().invoke(main, ["report", "--dataset", "tnl2k", "--root", str(root), "--evaluated",
                                    "--store", str(tmp_path / "store"), "--out", str(tmp_path / "rep")],
                             catch_exceptions=False)  # fmt: skip
    assert res.exit_code == 0, res.output
    html = (tmp_path / "rep" / "index.html").read_text()

    matrix = _text(html, "Protocols", "From jointnlt to tnl2k-matlab")
    # each cell is a plain `nlbench eval` under that protocol (the same numbers as test_eval_matrix checks)
    for protocol in ("jointnlt", "tnl2k-matlab", "got10k"):
        res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names),
                                        "--results", f"A={dirs['A']}", "--protocol", protocol, "--no-store",
                                        "--json", str(tmp_path / "p.json")])  # fmt: skip
        a = json.loads((tmp_path / "p.json").read_text())["trackers"]["A"]
        assert f"{a['auc']:.1f} {a['precision']:.1f} {a['norm_precision']:.1f}" in matrix
    assert "tnl2k-matlab (official)" in matrix
    assert "refused: tracker Short, sequence Assian_video_Z03_done: the result has 10 rows" in matrix

    walk = _text(html, "From jointnlt to tnl2k-matlab", "Provenance")
    assert "4. validity rule (validity: &#39;wh&#39; -&gt; &#39;xywh&#39;) 58.1 88.9 72.2 -3.97 -8.33 +8.33" in walk
    assert "end: tnl2k-matlab (total change) 58.1 97.2 69.4 -3.97 +0.00 +5.56" in walk
    assert "&#39;short results&#39; is one step for short_result, short_result_lasot" in walk

    grounding = _text(html, "Grounding on the first frame", "Protocols")
    # IoUs 1, 306/594, 180/756 -> mean 58.4 %; > 0.5 and >= 0.5 both 2 of 3
    assert "A B (grounder vltvg)" in grounding
    assert "all sequences 3 58.4 66.7 66.7 3 58.4 66.7 66.7" in grounding

    provenance = _text(html, "Provenance", "</section>")
    assert "ab" * 8 in provenance and "cd" * 8 in provenance and "nlbench run a" in provenance
    assert " A 0.1.0 jointnlt 3 " in provenance  # version, protocol, sequence count of the stored evaluation


def test_several_protocol_json_gives_the_matrix_without_a_walk(stored):
    tmp_path, root, names, dirs = stored
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names),
                                    "--results", f"A={dirs['A']}", "--results", f"Short={dirs['Short']}",
                                    "--protocol", "all", "--no-store", "--json", str(tmp_path / "all.json")])  # fmt: skip
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["report", "--eval-json", str(tmp_path / "all.json"), "--protocol", "pytracking",
                                    "--out", str(tmp_path / "rep2")], catch_exceptions=False)  # fmt: skip
    assert res.exit_code == 0, res.output
    html = (tmp_path / "rep2" / "index.html").read_text()
    data = json.loads((tmp_path / "all.json").read_text())["protocols"]
    measured = _text(html, "Measured trackers", "Protocols")
    pyt = data["pytracking"]["trackers"]["A"]
    assert f"{pyt['precision']:.1f}" in measured and "pytracking" in measured
    matrix = _text(html, "Protocols", "Provenance")
    assert "refused: tracker Short" in matrix and "From jointnlt" not in matrix


@pytest.mark.slow
def test_a_real_browser_renders_the_new_sections(stored):
    from tests.cdp import CHROMIUM, MISSING, run_headless

    if CHROMIUM is None:
        pytest.skip(MISSING)
    tmp_path, root, _, _ = stored
    res = CliRunner().invoke(main, ["report", "--dataset", "tnl2k", "--root", str(root), "--evaluated",
                                    "--store", str(tmp_path / "store"), "--out", str(tmp_path / "rep")])  # fmt: skip
    assert res.exit_code == 0, res.output
    dom = run_headless(tmp_path / "profile", "--dump-dom", (tmp_path / "rep" / "index.html").resolve().as_uri()).stdout
    for text in ("Grounding on the first frame", "tnl2k-matlab (official)", "From jointnlt to tnl2k-matlab", "Provenance"):
        assert text in dom
    assert "<script" not in dom.lower()


def test_a_tracker_without_its_folder_or_matrix_is_named_in_a_note(stored):
    tmp_path, root, names, dirs = stored
    common = ["eval", "--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names), "--no-store"]
    CliRunner().invoke(main, [*common, "--results", f"A={dirs['A']}", "--protocol", "all", "--json", str(tmp_path / "a.json")])
    CliRunner().invoke(main, [*common, "--results", f"B={dirs['B']}", "--json", str(tmp_path / "b.json")])
    res = CliRunner().invoke(main, ["report", "--eval-json", str(tmp_path / "a.json"), "--eval-json", str(tmp_path / "b.json"),
                                    "--out", str(tmp_path / "rep3")], catch_exceptions=False)  # fmt: skip
    assert res.exit_code == 0, res.output
    matrix = _text((tmp_path / "rep3" / "index.html").read_text(), "Protocols", "Provenance")
    assert "B: only its jointnlt scores are known here (no result folder)" in matrix
    assert " A 62.0 97.2 63.9 58.1 88.9 72.2 " in matrix  # A's row: jointnlt, then pytracking
