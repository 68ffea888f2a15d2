"""The analysis verbs as requests: request -> to_argv -> CLI parse gives the request back; doctests; one option set."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import nlbench.cli.options as options
import nlbench.core.request
import nlbench.eval.stages
import nlbench.eval.text
import nlbench.report.stages
import nlbench.report.text
from nlbench.cli.options import parse_request
from nlbench.core.request import comma_list, shell_line
from nlbench.eval.protocols import DEFAULT_PROTOCOL, PROTOCOLS
from nlbench.eval.stages import CompareRequest, EvalRequest, ExplainRequest, SensitivityRequest
from nlbench.report.stages import LeaderboardRequest, ReportRequest, VisualizeRequest


def _requests(tmp_path: Path) -> list:
    files = []
    for name in ("e.json", "p.json", "g.json", "s.json"):
        (tmp_path / name).write_text("{}")
        files.append(tmp_path / name)
    return [
        EvalRequest(dataset="tnl2k", results=("A=runs/a",)),
        EvalRequest(dataset="tnl2k", root=Path("/data/T"), split="test", sequences=("s1", "s 2"),
                    results=("A=runs/a", "B=runs/b"), protocol="all", skip_missing=True, no_cache=True,
                    strict_reference=True, allow_non_finite=True, json_out=Path("o.json"), bootstrap=False,
                    store=Path("elsewhere"), no_store=True),
        EvalRequest(dataset="lasot", results=("A=x",), protocol="jointnlt,tnl2k-matlab", sequences=()),
        CompareRequest(dataset="lasot", results=("A=a", "B=b"), protocol="got10k", alpha=0.1, json_out=Path("c.json"),
                       sequences=("x",), skip_missing=True),
        ExplainRequest(dataset="otb99", results=("A=a",), start="jointnlt", end="otb-matlab", top=1,
                       json_out=Path("w.json"), allow_non_finite=True),
        SensitivityRequest(dataset="synth", base="o=runs/o", variants=("d=runs/d", "p=runs/p"), sequences=("a", "b"),
                           skip_missing=True, protocol="pytracking", alpha=0.2, json_out=Path("s.json")),
        ReportRequest(out=Path("rep")),
        ReportRequest(datasets=("synth", "tnl2k"), root=Path("R"), split="test", sequences=("a", "b"),
                      skip_missing=True, results=("X@bb=d", "Y=e"), eval_json=(files[0],), protocol="got10k",
                      grounding=(files[2],), profiles=(files[1],), sensitivity=(files[3],), qualitative=2,
                      qualitative_pick="lost", reported=True, evaluated=True, store=Path("st"),
                      allow_non_finite=True, title="<t> & co", scale="percent", out=Path("rep")),
        LeaderboardRequest(dataset="tnl2k"),
        LeaderboardRequest(dataset="synth", root=Path("R"), split="test", sequences=("a",), skip_missing=True,
                           results=("X@nl=d",), allow_non_finite=True, source="measured", classes="all",
                           protocol="jointnlt", store=Path("st"), json_out=Path("l.json"), csv_out=Path("l.csv"),
                           html_out=Path("l.html")),
        VisualizeRequest(dataset="synth", results=("A=a",), sequence="s1", out=Path("v.mp4")),
        VisualizeRequest(dataset="synth", root=Path("R"), split="test", sequences=("a", "b"), skip_missing=True,
                         results=("A=a", "B=b"), pick_rule="worst", count=2, context=3, out=Path("v.png"),
                         width=200, keyframes=3, fps=10.0, quiet=True),
    ]


def test_every_request_survives_its_command_line(tmp_path):
    for request in _requests(tmp_path):
        assert parse_request(request.to_argv(), type(request)) == request, request.shell_line()


def test_a_command_line_parses_into_the_request_it_names():
    argv = ["eval", "--dataset", "tnl2k", "--results", "A=a", "--sequences", " s1, s2,,", "--no-bootstrap",
            "--json", "out.json"]
    assert parse_request(argv, EvalRequest) == EvalRequest(
        dataset="tnl2k", results=("A=a",), sequences=("s1", "s2"), bootstrap=False, json_out=Path("out.json"))
    # the defaults are the CLI's: a bare request is the bare command
    assert EvalRequest(dataset="d", results=("A=a",)).to_argv() == ["eval", "--dataset", "d", "--results", "A=a"]
    assert parse_request(["leaderboard", "--dataset", "tnl2k"], LeaderboardRequest) == LeaderboardRequest(dataset="tnl2k")


def test_spellings_are_normalised_so_equal_requests_compare_equal():
    assert EvalRequest(dataset="d", results=["A=a"], root="r", json_out="o.json") == EvalRequest(
        dataset="d", results=("A=a",), root=Path("r"), json_out=Path("o.json"))
    assert ReportRequest(out="o", eval_json=["e.json"]).eval_json == (Path("e.json"),)


def test_argv_order_is_the_one_experiment_plans_print():
    request = EvalRequest(dataset="synth", root=Path("data"), split="test", sequences=("a", "b"),
                          results=("X=runs/x", "Y=runs/y"), protocol="jointnlt,got10k", json_out=Path("e.json"))
    assert shell_line(request.to_argv()) == (
        "nlbench eval --dataset synth --root data --split test --sequences a,b --results X=runs/x --results Y=runs/y "
        "--protocol jointnlt,got10k --json e.json")
    report = ReportRequest(datasets=("synth",), root=Path("d"), results=("X=r",), protocol="got10k", qualitative=3,
                           qualitative_pick="lost", reported=True, out=Path("rep"))
    assert report.to_argv() == ["report", "--dataset", "synth", "--root", "d", "--results", "X=r", "--protocol",
                                "got10k", "--qualitative", "3", "--qualitative-pick", "lost", "--reported", "--title",
                                "nlbench report", "--scale", "fraction", "--out", "rep"]


def test_the_one_sequence_list_parser():
    assert comma_list("a,b") == ("a", "b") and comma_list(" a , ,b ") == ("a", "b")
    assert comma_list("") is None and comma_list(None) is None and comma_list(",") == ()
    assert options.CommaList().convert("x,y", None, None) == ("x", "y")


def test_the_cli_names_the_protocols_the_evaluator_has():
    assert options.PROTOCOL_NAMES == tuple(PROTOCOLS) and options.DEFAULT_PROTOCOL == DEFAULT_PROTOCOL


@pytest.mark.parametrize("module", [nlbench.core.request, nlbench.eval.stages, nlbench.eval.text,
                                    nlbench.report.stages, nlbench.report.text], ids=lambda m: m.__name__)
def test_doctests(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write into temporary folders only
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
