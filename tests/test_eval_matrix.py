"""``nlbench eval --protocol all``: every cell equals a separate ``eval`` under that protocol, refusals in their cell."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import EvaluationError
from nlbench.eval.matrix import parse_protocols
from nlbench.eval.protocols import PROTOCOLS
from tests.fixtures_eval import DATASETS, build


def _eval(*args: str):
    return CliRunner().invoke(main, ["eval", *args, "--no-store"], catch_exceptions=False)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_protocol_of_all_equals_a_separate_eval(tmp_path, dataset):
    root, names, dirs = build(tmp_path, dataset)
    common = ["--dataset", dataset, "--root", str(root), "--sequences", ",".join(names)]
    results = [arg for t, d in dirs.items() for arg in ("--results", f"{t}={d}")]
    res = _eval(*common, *results, "--protocol", "all", "--json", str(tmp_path / "all.json"))
    assert res.exit_code == 0, res.output
    matrix = json.loads((tmp_path / "all.json").read_text())
    assert matrix["dataset"] == dataset and list(matrix["protocols"]) == list(PROTOCOLS)
    refused = 0
    for protocol, cells in matrix["protocols"].items():
        assert list(cells["trackers"]) == list(dirs)
        accepted = [t for t, cell in cells["trackers"].items() if "error" not in cell]
        for tracker in set(dirs) - set(accepted):
            refused += 1
            alone = _eval(*common, "--results", f"{tracker}={dirs[tracker]}", "--protocol", protocol)
            assert alone.exit_code == 2
            assert cells["trackers"][tracker] == {"error": alone.output.strip().removeprefix("error: ")}
            reason = cells["trackers"][tracker]["error"]
            assert "rejects short results" in reason or (PROTOCOLS[protocol].clip_to_image and "size is unknown" in reason)
        if not accepted:  # every tracker refused (a protocol that clips to the frame, on a root without frames)
            continue
        out = tmp_path / f"{protocol}.json"
        single = _eval(*common, *(a for t in accepted for a in ("--results", f"{t}={dirs[t]}")),
                       "--protocol", protocol, "--json", str(out))  # fmt: skip
        assert single.exit_code == 0, single.output
        assert json.loads(out.read_text())["trackers"] == {t: cells["trackers"][t] for t in accepted}
    # the toolkits that refuse short results refuse the one short result (the reference's rules on LaSOT only);
    # a protocol that clips to the frame refuses every tracker here (these roots have no frames)
    expected = sum(len(dirs) if r.clip_to_image else int(r.short_rule(dataset == "lasot") == "raise")
                   for r in PROTOCOLS.values())  # fmt: skip
    assert refused == expected
    table = res.output
    assert "refused [1]" in table and "AUC" in table and "NP@0.20" in table and "tnl2k-matlab" in table


def test_comma_list_keeps_its_order_and_one_protocol_keeps_the_old_json(tmp_path):
    root, names, dirs = build(tmp_path, "tnl2k")
    common = ["--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names), "--results", f"A={dirs['A']}"]
    res = _eval(*common, "--protocol", "tnl2k-matlab,jointnlt", "--json", str(tmp_path / "two.json"))
    assert res.exit_code == 0, res.output
    assert list(json.loads((tmp_path / "two.json").read_text())["protocols"]) == ["tnl2k-matlab", "jointnlt"]
    res = _eval(*common, "--protocol", "got10k", "--json", str(tmp_path / "one.json"))
    one = json.loads((tmp_path / "one.json").read_text())
    assert one["protocol"] == "got10k" and "protocols" not in one and set(one["trackers"]) == {"A"}


def test_protocol_lists_are_checked():
    assert [p.name for p in parse_protocols("all")] == list(PROTOCOLS)
    assert [p.name for p in parse_protocols(" got10k , jointnlt")] == ["got10k", "jointnlt"]
    with pytest.raises(EvaluationError, match="unknown protocol 'matlab'"):
        parse_protocols("jointnlt,matlab")
    with pytest.raises(EvaluationError, match="listed twice"):
        parse_protocols("jointnlt,jointnlt")


def test_a_tracker_every_protocol_refuses_is_an_error(tmp_path):
    root, names, dirs = build(tmp_path, "tnl2k")
    (tmp_path / "empty").mkdir()
    res = CliRunner().invoke(main, ["eval", "--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names),
                                    "--results", f"A={dirs['A']}", "--results", f"Nothing={tmp_path / 'empty'}",
                                    "--protocol", "all", "--no-store"])  # fmt: skip
    assert res.exit_code == 2 and "tracker Nothing" in res.output and "result not found" in res.output
