"""The run-side verbs as requests: request -> to_argv -> CLI parse gives the request back; an experiment is the
list of requests its dry run prints; the stages' doctests."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import nlbench.datasets.stages
import nlbench.profile.stages
import nlbench.run.runner
import nlbench.run.stages
import nlbench.run.text
from nlbench.cli.options import parse_request
from nlbench.datasets.stages import DatasetsRequest, DatasetsVerifyRequest
from nlbench.experiment import load_experiment, make_plan
from nlbench.profile.stages import ProfileRequest
from nlbench.run.stages import GroundRequest, RunRequest, SentencesRequest, TrackersRequest, TrainRequest

REPO = Path(__file__).resolve().parents[1]


def _requests(tmp_path: Path) -> list:
    saved = tmp_path / "pred.csv"
    saved.write_text("")
    return [
        RunRequest(tracker="static", dataset="synth"),
        RunRequest(tracker="jointnlt-tiny+kcf", dataset="tnl2k", root=Path("/data/T"), split="test",
                   sequences=("a", "b c"), mode="nl", checkpoint={"grounder": "g.pt", "tracker": "t.pt"},
                   device="cuda:1", out=Path("runs/x"), workers=3, batch_size=8, sentences=Path("s.csv"),
                   options={"verbatim_text": True, "scale": 1.5, "steps": 2, "name": "a b"}, shard="2/4",
                   executor="ray", ray_address="auto", quiet=True),
        RunRequest(tracker="jointnlt", dataset="lasot", checkpoint="JointNLT_ep0300.pth.tar", mode="nl+bb"),
        GroundRequest(grounder="jointnlt-tiny"),
        GroundRequest(grounder="vltvg", dataset="refcocog", root=Path("/data/coco"), split_by="umd", split="test",
                      unit="expression", rule="standard", checkpoint=Path("v.pth"), device="cuda", limit=5,
                      batch_size=4, predictions=Path("p.jsonl"), json_out=Path("g.json"), quiet=True),
        GroundRequest(rescore=saved, rule="standard"),
        ProfileRequest(tracker="jointnlt"),
        ProfileRequest(tracker="vltvg+stark-st101", iterations=0, warmup=1, device="cuda", dtype="bf16", seed=3,
                       json_out=Path("p.json")),
        SentencesRequest(dataset="synth", out=Path("s.csv")),
        SentencesRequest(dataset="tnl2k", root=Path("/data/T"), split="test", variant="distractor", out=Path("d.json")),
        TrainRequest(),
        TrainRequest(tracker="jointnlt-tiny", dataset="synth", steps=3, batch_size=2, seed=4, device="cuda",
                     threads=1, out=Path("runs/t"), quiet=True),
        TrackersRequest(),
        DatasetsRequest(),
        DatasetsVerifyRequest(dataset="lasot"),
        DatasetsVerifyRequest(dataset="otb99", root=Path("/data/OTB"), sequences=("Biker", "Bird1"), examples=1,
                              json_out=Path("v.json")),
    ]


def test_every_run_side_request_survives_its_command_line(tmp_path):
    for request in _requests(tmp_path):
        assert parse_request(request.to_argv(), type(request)) == request, request.shell_line()


def test_a_run_command_line_parses_into_the_request_it_names():
    argv = ["run", "-t", "kcf", "-d", "tnl2k", "--sequences", "s1, s2", "--mode", "BB", "-o", "note=yes",
            "-o", "scale-factor=2", "--batch-size", " 4", "-c", "k.pt"]
    assert parse_request(argv, RunRequest) == RunRequest(
        tracker="kcf", dataset="tnl2k", sequences=("s1", "s2"), mode="bb", options={"note": True, "scale_factor": 2},
        batch_size=4, checkpoint="k.pt")
    # the defaults are the CLI's; --workers is always spelled out, as experiment plans print it
    assert RunRequest(tracker="kcf", dataset="d").to_argv() == ["run", "--tracker", "kcf", "--dataset", "d",
                                                                "--workers", "1"]
    assert RunRequest(tracker="k", dataset="d", checkpoint=Path("w.pt")).checkpoint == "w.pt"


@pytest.mark.parametrize("name", ["demo.toml", "jointnlt-cvpr2023.toml", "separated-vs-joint.toml"])
def test_an_experiment_is_the_requests_its_dry_run_prints(name, tmp_path, monkeypatch):
    """What `--dry-run` prints parses back into exactly the requests `execute` hands to the stages."""
    from nlbench.cli.experiment import load_plan

    monkeypatch.chdir(tmp_path)
    plan = load_plan(REPO / "experiments" / name, results=tmp_path / "res", reports=tmp_path / "rep")
    for step in [*plan.before_runs, *plan.after_runs]:  # the report reads these; they exist once the steps ran
        if step.produces is not None and step.produces.suffix == ".json":
            step.produces.parent.mkdir(parents=True, exist_ok=True)
            step.produces.write_text("{}")
    assert plan.chain() == [request.to_argv() for request in plan.requests]
    verbs = {type(request).__name__ for request in plan.requests}
    assert {"RunRequest", "EvalRequest", "ReportRequest", "ProfileRequest"} <= verbs
    for request in plan.requests:
        assert parse_request(request.to_argv(), type(request)) == request, request.shell_line()


def test_the_demo_plan_as_requests():
    plan = make_plan(load_experiment(REPO / "experiments" / "demo.toml"))
    first = plan.runs[0].request
    assert (first.tracker, first.mode, first.workers, first.batch_size, first.quiet) == ("jointnlt-tiny", "nl", 2, 8, True)
    assert [s.verb for s in plan.after_runs] == ["eval", "ground", "profile", "report"]
    ground = plan.groundings[0].request
    assert (ground.dataset, ground.split, ground.batch_size, ground.split_by, ground.unit) == ("synth", "test", 16,
                                                                                              None, None)
    report = plan.report.request
    assert (report.qualitative, report.qualitative_pick, report.scale) == (3, "lost", "percent")
    assert [r.split("=")[0] for r in report.results] == ["JointNLT-tiny@nl", "JointNLT-tiny@nl+bb",
                                                         "JointNLT-tiny+KCF@nl", "KCF@bb", "Static@bb"]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


# nlbench.experiment re-exports the function execute under its module's name: the module by its path
EXECUTE = importlib.import_module("nlbench.experiment.execute")


@pytest.mark.parametrize("module", [nlbench.run.runner, nlbench.run.stages, nlbench.run.text,
                                    nlbench.profile.stages, nlbench.datasets.stages, EXECUTE],
                         ids=lambda m: m.__name__)
def test_doctests(module, tmp_path, monkeypatch, shared_cache):
    monkeypatch.chdir(tmp_path)  # the examples write into temporary folders only
    monkeypatch.setenv("NLBENCH_CACHE", str(shared_cache))  # synth is built once for the module
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
