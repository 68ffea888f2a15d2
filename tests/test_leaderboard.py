"""``nlbench leaderboard``: reported + measured rows, sorting, JSON/CSV schema, protocol choice."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import NlbenchError
from nlbench.report.leaderboard import build_leaderboard


def _store_tracker(store, dataset, protocol, name, auc, precision, norm_precision, init):
    path = store / dataset / protocol / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    obj = {
        "dataset": dataset,
        "protocol": protocol,
        "name": name,
        "init": init,
        "results_dir": f"results/raw/{name}",
        "auc": auc,
        "precision": precision,
        "norm_precision": norm_precision,
        "op50": 50.0,
        "op75": 20.0,
        "success_curve": [0.5] * 21,
        "precision_curve": [0.5] * 51,
        "norm_precision_curve": [0.5] * 51,
        "sequences": {},
        "attributes": {},
    }
    path.write_text(json.dumps(obj), encoding="utf-8")


@pytest.fixture()
def store(tmp_path):
    store = tmp_path / "evaluated"
    _store_tracker(store, "tnl2k", "jointnlt", "jointnlt", 55.01, 56.2, 60.3, "nl")
    _store_tracker(store, "tnl2k", "jointnlt", "csrt", 30.5, None, 31.0, "BB")
    _store_tracker(store, "tnl2k", "got10k", "jointnlt", 54.0, 55.0, 58.0, "NL")  # same run, other protocol
    _store_tracker(store, "tnl2k", "jointnlt", "static", None, None, None, "BB")
    _store_tracker(store, "lasot", "jointnlt", "jointnlt", 56.0, 58.0, 64.0, "NL")
    return store


def test_measured_rows_sorted_by_auc_missing_last(store):
    board = build_leaderboard("tnl2k", source="measured", store=store)
    assert [(e.tracker, e.init, e.auc) for e in board.entries] == [
        ("JointNLT", "NL", 55.01),  # registry name → canonical name; jointnlt preferred over got10k
        ("csrt", "BB", 30.5),
        ("static", "BB", None),
    ]
    assert board.entries[0].source == "measured (jointnlt)"


def test_protocol_filter(store):
    board = build_leaderboard("tnl2k", source="measured", protocol="got10k", store=store)
    assert [(e.tracker, e.auc, e.source) for e in board.entries] == [("JointNLT", 54.0, "measured (got10k)")]


def test_all_merges_reported_and_measured(store):
    board = build_leaderboard("tnl2k", source="all", store=store)
    rows = [(e.tracker, e.init, e.source.split(":")[0].split(" ")[0]) for e in board.entries]
    # reported JointNLT NL+BB 56.9 > reported OSTrack-384 55.9 > measured JointNLT NL 55.01 > reported 54.6
    assert rows[:4] == [
        ("JointNLT", "NL+BB", "reported"),
        ("OSTrack-384", "BB", "reported"),
        ("JointNLT", "NL", "measured"),
        ("JointNLT", "NL", "reported"),
    ]
    assert rows[-1] == ("static", "BB", "measured")
    aucs = [e.auc for e in board.entries if e.auc is not None]
    assert aucs == sorted(aucs, reverse=True)


def test_ties_are_ordered_by_name():
    entries = build_leaderboard("lasot", source="reported").entries
    tied = [e.tracker for e in entries if e.auc == pytest.approx(67.1)]
    assert tied == ["KeepTrack", "STARK"]


LEGACY_KEYS = ["tracker", "init", "auc", "precision", "norm_precision", "source"]
EXTENDED_KEYS = [
    "kind", "protocol", "family", "rank", "source_class", "paper", "venue", "reference", "url", "note", "check",
    "conflicts", "deltas",
]  # fmt: skip


@pytest.fixture()
def papers_only(tmp_path, monkeypatch):
    """A reported folder with the JointNLT paper only (no literature/), so the expected rows stay those of the paper."""
    import shutil

    from nlbench.store.reported import default_dir

    folder = tmp_path / "reported"
    folder.mkdir()
    for name in ("jointnlt_cvpr2023.csv", "aliases.csv"):
        shutil.copy(default_dir() / name, folder / name)
    monkeypatch.setenv("NLBENCH_REPORTED_DIR", str(folder))
    return folder


def test_json_schema_is_exact(store, tmp_path, papers_only):
    out = tmp_path / "board.json"
    result = CliRunner().invoke(
        main, ["leaderboard", "--dataset", "tnl2k", "--source", "all", "--store", str(store), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert set(data) == {"dataset", "entries"} and data["dataset"] == "tnl2k"
    for entry in data["entries"]:
        # the first leaderboard's keys first and in order; schema 2 appends provenance
        assert list(entry) == LEGACY_KEYS + EXTENDED_KEYS
        assert entry["init"] in ("BB", "NL", "NL+BB")
        for key in ("auc", "precision", "norm_precision"):
            assert entry[key] is None or 0.0 <= entry[key] <= 100.0
    assert {k: data["entries"][0][k] for k in LEGACY_KEYS} == {
        "tracker": "JointNLT",
        "init": "NL+BB",
        "auc": 56.9,
        "precision": 58.1,
        "norm_precision": None,
        "source": "reported: JointNLT CVPR 2023, Table 3",
    }
    assert "JointNLT" in result.output and "wrote" in result.output


def test_csv_output(store, tmp_path):
    out = tmp_path / "board.csv"
    result = CliRunner().invoke(
        main, ["leaderboard", "--dataset", "tnl2k", "--source", "measured", "--store", str(store), "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {k: rows[0][k] for k in LEGACY_KEYS} == {
        "tracker": "JointNLT",
        "init": "NL",
        "auc": "55.0100",
        "precision": "56.2000",
        "norm_precision": "60.3000",
        "source": "measured (jointnlt)",
    }
    assert rows[-1]["auc"] == ""


def test_refcocog_json_carries_accuracy(tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main, ["leaderboard", "--dataset", "refcocog", "--source", "reported", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text())["entries"][0]
    assert first["tracker"] == "VLTVG" and first["accuracy"] == pytest.approx(72.98) and first["auc"] is None


def test_unknown_dataset_and_bad_store_file(tmp_path):
    with pytest.raises(NlbenchError, match="unknown dataset"):
        build_leaderboard("got10k")
    bad = tmp_path / "ev" / "lasot" / "jointnlt" / "x.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json")
    result = CliRunner().invoke(main, ["leaderboard", "--dataset", "lasot", "--store", str(tmp_path / "ev")])
    assert result.exit_code == 2
    assert "x.json" in result.output and "not valid JSON" in result.output
