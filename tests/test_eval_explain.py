"""``nlbench explain``: the rule walk starts on P1, ends on P2 exactly, and each step changes one rule."""

from __future__ import annotations

import itertools
import json
from dataclasses import fields

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.eval import evaluate
from nlbench.eval.explain import RULES, explain, rule_steps
from nlbench.eval.matrix import evaluate_cells
from nlbench.eval.protocols import PROTOCOLS, Protocol
from nlbench.datasets import load_sequences
from tests.fixtures_eval import build

# pairs whose rules differ (vasttrack-matlab and tnllt-matlab are LaSOT's toolkit under other names: no step)
PAIRS = [(a, b) for a, b in itertools.permutations(PROTOCOLS, 2) if rule_steps(PROTOCOLS[a], PROTOCOLS[b])]
SCORES = ("auc", "precision", "norm_precision")


def test_every_protocol_field_belongs_to_exactly_one_rule():
    placed = [f for rule in RULES for f in rule.fields]
    assert len(placed) == len(set(placed))
    assert set(placed) == {f.name for f in fields(Protocol)} - {"name", "description", "family"}
    assert all(rule.together for rule in RULES if len(rule.fields) > 1)  # grouped fields say why


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_each_step_changes_one_rule_and_the_walk_ends_on_the_target(pair):
    start, end = PROTOCOLS[pair[0]], PROTOCOLS[pair[1]]
    steps = rule_steps(start, end)
    assert steps and steps[-1].protocol is end
    previous = start
    for step in steps:
        changed = {f.name for f in fields(Protocol) if getattr(previous, f.name) != getattr(step.protocol, f.name)}
        assert changed - {"name", "description", "family"} <= set(step.rule.fields)
        assert all(getattr(step.protocol, f) == getattr(end, f) for f in step.rule.fields)
        previous = step.protocol
    assert rule_steps(start, start) == []


def _plain(cells):
    return {t: ({"error": c.reason} if hasattr(c, "reason") else {k: getattr(c, k) for k in SCORES}) for t, c in cells.items()}


@pytest.mark.parametrize("dataset", ["lasot", "tnl2k", "otb99"])
def test_start_and_end_equal_plain_evaluations_for_every_pair(tmp_path, dataset):
    root, names, dirs = build(tmp_path, dataset)
    sequences = load_sequences(dataset, root, None, names, with_frames=False)
    sources = {t: str(d) for t, d in dirs.items()}
    # a plain evaluation under each protocol: what `nlbench eval --protocol P` prints (refusals per tracker)
    plain = {p: _plain(evaluate_cells(sequences, sources, dataset, p, bootstrap=False)[0]) for p in PROTOCOLS}
    for a, b in PAIRS:
        walk = explain(sequences, sources, dataset, a, b).to_json()
        assert walk["from"] == a and walk["to"] == b and list(walk["trackers"]) == list(dirs)
        for tracker, data in walk["trackers"].items():
            start, end = data["start"], data["end"]
            assert start == plain[a][tracker]
            assert end == plain[b][tracker]
            assert data["steps"][-1] == {"rule": data["steps"][-1]["rule"], **end}
            if all("error" not in s for s in (start, end, *data["steps"])):  # a step between may refuse
                total = sum(s["auc"] - p["auc"] for p, s in zip([start, *data["steps"][:-1]], data["steps"]))
                assert total == pytest.approx(end["auc"] - start["auc"], abs=1e-9)


def test_cli_json_shape_and_plain_eval(tmp_path):
    root, names, dirs = build(tmp_path, "tnl2k")
    common = ["--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names), "--results", f"A={dirs['A']}"]
    res = CliRunner().invoke(main, ["explain", *common, "--from", "jointnlt", "--to", "tnl2k-matlab", "--json",
                                    str(tmp_path / "walk.json")], catch_exceptions=False)  # fmt: skip
    assert res.exit_code == 0, res.output
    walk = json.loads((tmp_path / "walk.json").read_text())
    assert set(walk) == {"from", "to", "trackers"} and set(walk["trackers"]["A"]) == {"start", "steps", "end"}
    assert all(set(step) == {"rule", *SCORES} for step in walk["trackers"]["A"]["steps"])
    assert any(step["rule"].startswith("validity rule (validity: 'wh' -> 'xywh')") for step in walk["trackers"]["A"]["steps"])
    for protocol, key in (("jointnlt", "start"), ("tnl2k-matlab", "end")):
        CliRunner().invoke(main, ["eval", *common, "--protocol", protocol, "--json", str(tmp_path / "e.json"), "--no-store"])
        scores = json.loads((tmp_path / "e.json").read_text())["trackers"]["A"]
        assert walk["trackers"]["A"][key] == {k: scores[k] for k in SCORES}
    assert "validity rule" in res.output and "total change" in res.output and "note: 'absent frames'" in res.output
    # the validity step moves the sequences whose GT has an x = 0 box: every one here
    assert all(name in res.output for name in names)


def test_library_evaluate_is_what_explain_calls(tmp_path):
    root, names, dirs = build(tmp_path, "otb99")
    sequences = load_sequences("otb99", root, None, names, with_frames=False)
    walk = explain(sequences, {"B": str(dirs["B"])}, "otb99", "got10k", "otb-matlab")
    plain = evaluate(sequences, {"B": str(dirs["B"])}, "otb99", protocol="otb-matlab", bootstrap=False).trackers["B"]
    assert walk.trackers["B"].end.auc == plain.auc and walk.trackers["B"].end.precision == plain.precision
