"""UVLTrack in the published numbers and in the report's joint-vs-separated (cost) table."""

from __future__ import annotations

from nlbench.report.tables import JOINT, SEPARATED, build_cost_table
from nlbench.store.reported import load_literature


def _profile(tracker: str, phases: dict) -> dict:
    return {"tracker": tracker, "device": "cpu", "dtype": "fp32", "params": {"total": 1, "paper": 2_000_000},
            "phases": {name: {"macs_paper": macs, "flops": 2 * macs, "latency_ms": {"median": ms},
                              "params_paper": 2_000_000} for name, (macs, ms) in phases.items()}}


def test_both_tnl2k_tables_of_the_readme_are_filed_and_labelled() -> None:
    # OpenSpaceAI/UVLTrack@6ca3405 README: the paper table and the released (retrained) checkpoint's table
    rows = {(v.table, v.init, v.metric): float(v.value) for v in load_literature()
            if v.tracker == "UVLTrack-B" and v.dataset == "tnl2k" and v.source_class == "P"}
    paper, released = "Strong Performance (paper table)", "Checkpoints (released checkpoint)"
    assert [rows[(paper, i, "auc")] for i in ("NL", "BB", "NL+BB")] == [55.7, 62.7, 63.1]
    assert [rows[(released, i, "auc")] for i in ("NL", "BB", "NL+BB")] == [55.0, 63.0, 62.9]
    assert [rows[(released, i, "precision")] for i in ("NL", "BB", "NL+BB")] == [56.8, 66.3, 66.5]


def test_cost_table_shows_both_joint_designs() -> None:
    jointnlt = _profile("jointnlt", {"grounding": (34.9e9, 30.0), "tracking": (42.0e9, 25.0)})
    uvltrack = _profile("uvltrack-b", {"grounding": (33.07e9, 20.0), "tracking": (33.06e9, 16.0),
                                       "prompt_update": (14.2e6, 0.5)})
    pipeline = _profile("uvltrack-b+ostrack-256", {"grounding": (33.07e9, 20.0), "tracking": (21.5e9, 7.0)})
    table = build_cost_table([jointnlt, uvltrack, pipeline])
    by = {(c.name, c.measured): c for c in table.columns}
    assert by[("JointNLT", False)].design == by[("UVLTrack-B", True)].design == JOINT
    assert by[("VLTVG+STARK", False)].design == by[("uvltrack-b+ostrack-256", True)].design == SEPARATED
    published = by[("UVLTrack-B", False)]  # the authors' NL AUC beside Table 2's, their costs not reported
    assert published.cells["auc_tnl2k"] == 55.7 and published.cells["flops_tracking"] is None
    assert "costs not reported" in published.note
    assert by[("UVLTrack-B", True)].cells["flops_prompt_update"] == 14.2e6 / 1e9
    assert ("time_prompt_update", "Time, prompt update (ms)") in table.rows
    assert by[("JointNLT", True)].cells["flops_prompt_update"] is None


def test_prompt_update_rows_only_when_a_profile_has_the_phase() -> None:
    table = build_cost_table([_profile("jointnlt", {"grounding": (1e9, 1.0), "tracking": (1e9, 1.0)})])
    assert all(key != "flops_prompt_update" for key, _ in table.rows)
    assert all(c.name != "UVLTrack-B" for c in table.columns)
