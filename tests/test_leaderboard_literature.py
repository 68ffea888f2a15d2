"""The field's numbers since JointNLT (results/reported/literature/) read back through ``nlbench leaderboard``.

The expected numbers are parsed from the committed copy of the research notes
(results/reported/literature/nl-trackers-reported.md) by tests/research_notes.py, not from the CSV files.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.store.reported import ReportedDataError, canonical_name, load_literature, load_reported
from tests.research_notes import parse_conflicts, parse_notes, parse_source_keys

DATASETS = ("otb99", "lasot", "lasot_ext", "tnl2k")
NOTES = parse_notes()
KEYS = parse_source_keys()
#: How each authors' repository says it scored (the notes' protocol column and "Protocol" paragraph).
PROTOCOL_OF_SOURCE = {
    "SOTS": "pysot",
    "MMT": "py-analysis",
    "AIO": "py-analysis",
    "DUT": "py-analysis",
    "MVLM": "py-analysis",
    "UVL": "py-analysis",
    "SEQ2": "matlab",  # "official toolkit"
    "SUT": "unknown",  # "protocol not stated"
}


def _init(cell: str) -> str:
    cell = cell.replace("**", "").strip()
    if cell.startswith("?"):
        return "unknown"
    for known in ("NL+BB", "NL", "BB"):
        if cell == known or cell.startswith(known + " ") or cell == f"listed as {known}":
            return known
    raise AssertionError(f"unexpected init cell {cell!r}")


def _tracker(row) -> str:
    if row.tracker == "UVLTrack" and row.source.startswith("ZT"):
        return "UVLTrack-L"  # ZT's UVLTrack equals UVLTrack-L (the notes' TNL2K check and conflict list)
    return canonical_name(row.tracker)


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    """``nlbench leaderboard --json`` of every dataset, default sources ([P]) and ``--sources all``."""
    tmp = tmp_path_factory.mktemp("boards")
    out = {}
    for classes in ("primary", "all"):
        for dataset in DATASETS:
            path = tmp / f"{dataset}-{classes}.json"
            result = CliRunner().invoke(
                main,
                ["leaderboard", "--dataset", dataset, "--sources", classes, "--store", str(tmp / "none"),
                 "--json", str(path)],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            out[(dataset, classes)] = json.loads(path.read_text())["entries"]
    return out


def _matches(entries, row, **extra):
    want, tracker, init = float(row.percent), _tracker(row), _init(row.init)
    return [
        e
        for e in entries
        if e["tracker"] == tracker
        and e["init"] == init
        and e.get(row.metric) is not None
        and abs(e[row.metric] - want) < 1e-9
        and all(e[k] == v for k, v in extra.items())
    ]


def test_the_notes_parse_to_the_expected_counts():
    counts = Counter(r.source_class for r in NOTES)
    assert counts == {"P": 88, "S": 253, "T": 12}
    assert len({r.dataset for r in NOTES}) == 4
    # spot checks written by hand from the notes
    by = {(r.dataset, r.tracker, r.init, r.metric, r.qualifier): r.value for r in NOTES if r.source_class == "P"}
    assert by[("otb99", "VLT_SCAR", "NL+BB", "auc", "")] == "0.739"
    assert by[("tnl2k", "UVLTrack-L", "BB", "precision", "paper table")] == "68.8"
    assert by[("tnl2k", "UVLTrack-B", "NL", "auc", "released checkpoint")] == "55.0"
    assert by[("tnl2k", "SeqTrackv2-L256", "NL+BB", "auc", "")] == "62.7"
    assert by[("lasot_ext", "DUTrack-256", "NL+BB", "auc", "")] == "50.5"


@pytest.mark.parametrize("row", [r for r in NOTES if r.source_class == "P"], ids=lambda r: f"{r.line}-{r.tracker}-{r.init}-{r.metric}")
def test_every_primary_number_is_on_the_default_leaderboard(boards, row):
    key = row.source.split()[0]
    repo, files = KEYS[key]
    found = _matches(boards[(row.dataset, "primary")], row, source_class="P", kind="reported")
    found = [e for e in found if e["reference"].startswith(repo + " ")]
    found = [e for e in found if not row.qualifier or row.qualifier in e["source"]]
    assert len(found) == 1, (row, found)
    entry = found[0]
    assert entry["reference"].split(" ", 1)[1] in files  # README.md or MODEL_ZOO.md, as the notes name it
    assert entry["url"] == f"https://github.com/{repo.replace('@', '/blob/')}/{entry['reference'].split(' ', 1)[1]}"
    assert entry["protocol"] == PROTOCOL_OF_SOURCE[key]
    assert entry["source"].startswith("reported: [P] ")
    assert entry["paper"] and entry["venue"]


@pytest.mark.parametrize("row", [r for r in NOTES if r.source_class in "ST" and r.tracker != "JointNLT"], ids=lambda r: f"{r.line}-{r.tracker}-{r.metric}")
def test_every_secondary_and_tertiary_number_is_marked_with_sources_all(boards, row):
    assert not _matches(boards[(row.dataset, "primary")], row, source_class=row.source_class)
    found = _matches(boards[(row.dataset, "all")], row, source_class=row.source_class)
    assert found, row
    assert all(e["source"].startswith(f"reported: [{row.source_class}] ") for e in found)


def test_jointnlt_numbers_are_typed_once():
    """The notes repeat JointNLT's paper numbers from [S] sources: they are the paper file's rows, not new ones."""
    assert not [v for v in load_literature() if canonical_name(v.tracker) == "JointNLT"]
    paper = {(v.init, v.dataset, v.metric): v.percent_decimal for v in load_reported() if v.tracker == "JointNLT"}
    cited = [r for r in NOTES if r.tracker == "JointNLT"]
    assert len(cited) == 19
    for row in cited:
        init = _init(row.init)
        inits = ("NL", "NL+BB") if init == "unknown" else (init,)
        assert any(paper.get((i, row.dataset, row.metric)) == row.percent for i in inits), row
    # and the check column of the paper file says who cites it
    cites = {(v.init, v.dataset, v.metric): v.check for v in load_reported() if v.tracker == "JointNLT"}
    assert "MVLM README" in cites[("NL", "otb99", "auc")] and "ZT" in cites[("NL+BB", "tnl2k", "auc")]


def test_no_number_is_stored_twice_by_one_source():
    keys = [(v.reference, v.table, v.tracker, v.init, v.dataset, v.metric) for v in load_literature()]
    assert len(keys) == len(set(keys))
    # every number of the notes except JointNLT's is stored exactly once
    assert len(load_literature()) == len([r for r in NOTES if r.tracker != "JointNLT"])


def test_values_keep_their_digits():
    stored = {(v.tracker, v.dataset, v.reference.split("@")[0]): v.value for v in load_literature() if v.metric == "auc"}
    assert stored[("VLT_SCAR", "otb99", "JudasDie/SOTS")] == Decimal("73.9")  # 0.739 in the SOTS README
    assert stored[("VLTTT", "lasot_ext", "JudasDie/SOTS")] == Decimal("48.4")
    assert str(stored[("MMTrack", "tnl2k", "Azong-HQU/MMTrack")]) == "58.6"


def _conflicts(entries, tracker, metric, value):
    rows = [e for e in entries if e["tracker"] == tracker and e[metric] == pytest.approx(value)]
    assert rows, (tracker, metric, value)
    return {c["value"] for e in rows for c in e["conflicts"] if c["metric"] == metric}


# (dataset, tracker, metric, one value, the other value): every conflict the notes list.
LISTED_CONFLICTS = [
    ("otb99", "VLTTT", "auc", 76.4, 74.0),
    ("tnl2k", "VLTTT", "auc", 53.1, 54.7),
    ("lasot", "All-in-One", "auc", 72.8, 71.7),
    ("lasot_ext", "All-in-One", "auc", 55.8, 54.5),
    ("tnl2k", "All-in-One", "auc", 55.9, 55.3),
    ("tnl2k", "UVLTrack-B", "auc", 55.7, 55.0),
    ("tnl2k", "UVLTrack-B", "precision", 57.2, 56.8),
    ("lasot", "UVLTrack-L", "auc", 71.4, 71.3),
]


def test_the_notes_list_four_conflicts():
    conflicts = parse_conflicts()
    assert [c.split(":")[0] for c in conflicts] == ["VLT_TT", "All-in-One", "UVLTrack", "SUTrack LaSOT/LaSOT-ext"]


@pytest.mark.parametrize("dataset, tracker, metric, a, b", LISTED_CONFLICTS, ids=lambda x: str(x))
def test_listed_conflicts_show_both_values(boards, dataset, tracker, metric, a, b):
    entries = boards[(dataset, "all")]
    assert b in _conflicts(entries, tracker, metric, a)
    assert a in _conflicts(entries, tracker, metric, b)


def test_uvltrack_paper_and_checkpoint_conflict_by_default(boards):
    """Both tables are the authors' own: the default view already shows them side by side."""
    assert 55.0 in _conflicts(boards[("tnl2k", "primary")], "UVLTrack-B", "auc", 55.7)


def test_sutrack_lasot_shows_both_settings(boards):
    rows = [e for e in boards[("lasot", "all")] if e["tracker"] == "SUTrack-B224" and e["auc"] == pytest.approx(73.2)]
    assert {(e["init"], e["source_class"]) for e in rows} == {("BB", "P"), ("NL+BB", "S")}
    assert any("RGB-only" in (e["check"] + e["note"]) for e in rows if e["source_class"] == "S")


def test_a_compilation_without_init_that_copies_one_setting_is_no_conflict(boards):
    """ZT's MambaVLT 72.2 (no init) equals MVLM's NL+BB 72.2, so it does not conflict with NL 58.9."""
    assert _conflicts(boards[("otb99", "all")], "MambaVLT", "auc", 72.2) == set()


@pytest.mark.parametrize("dataset", DATASETS)
def test_ranks_count_within_one_protocol_family(boards, dataset):
    entries = boards[(dataset, "all")]
    families = {e["family"] for e in entries}
    assert {"unknown", "py-analysis"} <= families or dataset == "lasot_ext"
    for family in families:
        ranked = [e for e in entries if e["family"] == family and e["rank"] is not None]
        assert [e["rank"] for e in ranked] == list(range(1, len(ranked) + 1))
        assert [e["auc"] for e in ranked] == sorted((e["auc"] for e in ranked), reverse=True)


def test_text_output_marks_classes_and_conflicts(tmp_path):
    default = CliRunner().invoke(main, ["leaderboard", "--dataset", "otb99", "--store", str(tmp_path)])
    everything = CliRunner().invoke(main, ["leaderboard", "--dataset", "otb99", "--sources", "all", "--store", str(tmp_path)])
    assert default.exit_code == 0 and everything.exit_code == 0
    assert "[P] JudasDie/SOTS@09117aa README.md" in default.output and "reported: [S]" not in default.output
    assert "[S] Zhangyong-Tang/" in everything.output and "[T] " in everything.output
    assert "≠ AUC 74.0 (unknown) reported: [S] Azong-HQU/MMTrack@4a67d54 README.md" in everything.output
    assert "protocol" in default.output.splitlines()[0]


HEADER = "tracker,init,dataset,metric,value,unit,paper,venue,table,protocol,source_class,source,check,mark,note\n"
GOOD = "X,NL,tnl2k,auc,55.0,percent,X,CVPR 2024,README,py-analysis,P,a/b@1234567 README.md,,,\n"


@pytest.mark.parametrize(
    "row, message",
    [
        (GOOD.replace("CVPR 2024", ""), "venue"),
        (GOOD.replace("py-analysis", "python"), "protocol 'python'"),
        (GOOD.replace(",P,", ",Q,"), "source_class 'Q'"),
        (GOOD.replace("a/b@1234567 README.md", ""), "source"),
        (GOOD.replace("55.0", "155.0"), "out of range"),
        (GOOD.replace(",NL,", ",box,"), "init 'box'"),
        (GOOD.replace(",auc,", ",flops_tracking,"), "metric 'flops_tracking'"),
        (GOOD + GOOD, "duplicate"),
    ],
    ids=["no-venue", "bad-protocol", "bad-class", "no-source", "out-of-range", "bad-init", "cost-metric", "duplicate"],
)
def test_malformed_literature_files_name_file_and_line(tmp_path, row, message):
    folder = tmp_path / "rep"
    (folder / "literature").mkdir(parents=True)
    (folder / "literature" / "src.csv").write_text(HEADER + row, encoding="utf-8")
    with pytest.raises(ReportedDataError, match=message) as info:
        load_literature(folder)
    assert "src.csv:2" in str(info.value) or "src.csv:3" in str(info.value)


def test_unknown_init_is_for_literature_only(tmp_path):
    folder = tmp_path / "rep"
    (folder / "literature").mkdir(parents=True)
    (folder / "literature" / "src.csv").write_text(HEADER + GOOD.replace(",NL,", ",unknown,"), encoding="utf-8")
    (folder / "paper.csv").write_text(HEADER + GOOD.replace(",NL,", ",unknown,"), encoding="utf-8")
    assert load_literature(folder)[0].init == "unknown"
    with pytest.raises(ReportedDataError, match="paper.csv:2: init 'unknown'"):
        load_reported(folder)
