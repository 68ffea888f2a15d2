"""Released raw results (pytracking-style ``<seq>.txt``) → ``nlbench eval`` → the leaderboard's Δ per protocol."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from tests.test_eval_cli import tnl2k_tree

# Released result files: x,y,w,h per frame, comma or tab separated (UVLTrack/OSTrack-style).
GT = [[10, 10, 20, 20], [12, 10, 20, 20], [14, 10, 20, 20], [16, 10, 20, 20]]
RELEASED = {
    "seqA": "10,10,20,20\n12,10,20,20\n24,10,20,20\n40,40,5,5\n",
    "seqB": "10\t10\t20\t20\n12\t10\t20\t20\n14\t10\t20\t20\n16\t10\t20\t20\n",
}
PROTOCOLS = ("jointnlt", "tnl2k-matlab")


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """``nlbench eval`` of a released folder under two protocols, then the leaderboard with every source."""
    tmp_path = tmp_path_factory.mktemp("import")
    root = tnl2k_tree(tmp_path / "TNL2K", gt=GT)
    released = tmp_path / "uvltrack_b_tnl2k"  # the folder as downloaded: no run.json, so the init is unknown
    released.mkdir()
    for name, text in RELEASED.items():
        (released / f"{name}.txt").write_text(text)
    store = tmp_path / "evaluated"
    measured = {}
    for protocol in PROTOCOLS:
        out = tmp_path / f"{protocol}.json"
        _invoke("eval", "--dataset", "tnl2k", "--root", str(root), "--results", f"uvltrack_b={released}",
                "--sequences", "seqA,seqB", "--protocol", protocol, "--store", str(store), "--json", str(out), "--no-bootstrap")  # fmt: skip
        measured[protocol] = json.loads(out.read_text())["trackers"]["uvltrack_b"]
    board = tmp_path / "board.json"
    text = _invoke("leaderboard", "--dataset", "tnl2k", "--sources", "all", "--store", str(store), "--json", str(board))
    return measured, json.loads(board.read_text())["entries"], text


def test_released_results_appear_under_every_protocol_with_deltas(imported):
    measured, entries, _ = imported
    rows = [e for e in entries if e["kind"] == "measured"]
    # the folder was named uvltrack_b: matched to the published UVLTrack-B (case- and punctuation-blind)
    assert {(e["tracker"], e["protocol"], e["family"]) for e in rows} == {
        ("UVLTrack-B", "jointnlt", "py-analysis"),
        ("UVLTrack-B", "tnl2k-matlab", "matlab"),
    }
    published = [e for e in entries if e["tracker"] == "UVLTrack-B" and e["kind"] == "reported"]
    # the paper table and the released-checkpoint table, NL / BB / NL+BB each (the authors' README)
    assert len(published) == 6
    for row in rows:
        scores = measured[row["protocol"]]
        assert row["auc"] == pytest.approx(scores["auc"]) and row["init"] is None
        deltas = {(d["metric"], d["init"], d["source"]): d for d in row["deltas"]}
        assert len(deltas) == 12  # unknown init: compared with every published init, AUC and P
        for entry in published:
            for metric in ("auc", "precision"):
                delta = deltas[(metric, entry["init"], entry["source"])]
                assert delta["reported"] == pytest.approx(entry[metric])
                assert delta["delta"] == pytest.approx(scores[metric] - entry[metric])
                assert delta["protocol"] == "py-analysis"


def test_reported_rows_point_back_to_nothing_measured(imported):
    _, entries, _ = imported
    assert all(not e["deltas"] for e in entries if e["kind"] == "reported")


def test_text_shows_the_delta_lines(imported):
    measured, _, text = imported
    auc = measured["tnl2k-matlab"]["auc"]
    line = f"Δ AUC {auc - 63.1:+.1f} vs 63.1 (NL+BB, py-analysis) reported: [P] OpenSpaceAI/UVLTrack@6ca3405 README.md"
    assert line in text
    assert "tnl2k-matlab" in text and "jointnlt" in text
