"""Provenance: every evaluation JSON, stored evaluation and grounding JSON says what produced its numbers."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.datasets.base import names_sha256
from nlbench.eval import load_evaluated
from nlbench.eval.protocols import PROTOCOLS, Protocol
from tests.fixtures_eval import build

RUN = {"tracker": "jointnlt", "mode": "nl", "checkpoint_sha256": {"tracker": "ab" * 32}, "command": "nlbench run x",
       "dataset": "tnl2k", "sequences": {}}  # fmt: skip


def _rebuilt(rules: dict) -> Protocol:
    return Protocol(**{k: tuple(v) if isinstance(v, list) else v for k, v in rules.items()})


def test_eval_json_store_and_matrix_carry_provenance(tmp_path, monkeypatch):
    from nlbench import __version__

    monkeypatch.chdir(tmp_path)
    root, names, dirs = build(tmp_path, "tnl2k")
    (dirs["A"] / "run.json").write_text(json.dumps(RUN))
    common = ["eval", "--dataset", "tnl2k", "--root", str(root), "--sequences", ",".join(names),
              "--results", f"A={dirs['A']}", "--results", f"B={dirs['B']}"]  # fmt: skip
    res = CliRunner().invoke(main, [*common, "--protocol", "tnl2k-matlab", "--json", "one.json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    provenance = json.loads((tmp_path / "one.json").read_text())["provenance"]
    assert provenance["nlbench"] == __version__
    assert _rebuilt(provenance["protocol"]) == PROTOCOLS["tnl2k-matlab"]  # every rule value, exactly
    assert provenance["sequences"] == {"n": 3, "sha256": names_sha256(names)}
    assert provenance["runs"] == {"A": {k: RUN[k] for k in ("tracker", "mode", "checkpoint_sha256", "command")}, "B": None}
    (stored,) = [e for e in load_evaluated("tnl2k", "tnl2k-matlab") if e["name"] == "A"]
    assert stored["provenance"]["run"]["checkpoint_sha256"] == RUN["checkpoint_sha256"]
    assert _rebuilt(stored["provenance"]["protocol"]) == PROTOCOLS["tnl2k-matlab"]
    assert stored["provenance"]["sequences"]["sha256"] == names_sha256(names)
    res = CliRunner().invoke(main, [*common, "--protocol", "all", "--json", "all.json", "--no-store"])
    matrix = json.loads((tmp_path / "all.json").read_text())["provenance"]
    assert {p: _rebuilt(r) for p, r in matrix["protocols"].items()} == PROTOCOLS
    assert matrix["runs"]["A"]["mode"] == "nl" and matrix["nlbench"] == __version__


def test_grounding_json_carries_the_rule_and_the_samples_digest(tmp_path):
    from nlbench.store.grounding import save_predictions
    from nlbench.core.types import GroundingRecord

    records = [GroundingRecord(index=i, sentence="s", pred=np.array([0.0, 0, 10, 10]), gt=np.array([0.0, 0, 10, 20]),
                               ref_id=i, split="google/val") for i in range(2)]  # fmt: skip
    path = save_predictions(tmp_path / "p.csv", records)
    res = CliRunner().invoke(main, ["ground", "--rescore", str(path), "--json", str(tmp_path / "g.json")])
    assert res.exit_code == 0, res.output
    provenance = json.loads((tmp_path / "g.json").read_text())["provenance"]
    assert provenance["rule"]["comparison"] == ">" and provenance["rule"]["thresholds"] == [0.25, 0.5, 0.75]
    assert provenance["samples"]["n"] == 2 and len(provenance["samples"]["sha256"]) == 64
    assert provenance["run"] is None  # a rescore knows no grounder
