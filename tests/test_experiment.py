"""Experiment files: checking (every bad input named by file, line and key), planning, resume, re-run on change."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.core.errors import ExperimentError
from nlbench.experiment import LOCK_NAME, execute, load_experiment, make_plan, read_lock

REPO = Path(__file__).resolve().parents[1]
SEQS = ["synth_test_0001", "synth_test_0002", "synth_test_0003"]


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory) -> Path:
    """A small synth root (8 sequences of 40 frames) so runs take a fraction of a second each."""
    from nlbench.datasets.synth.build import generate_split, write_marker
    from nlbench.datasets.synth.scene import SceneOptions

    root = tmp_path_factory.mktemp("synth")
    write_marker(root, 7)
    generate_split(root, "test", seed=7, count=8, options=SceneOptions(num_frames=40))
    return root


def good(root: Path) -> str:
    return GOOD.replace('split = "test"', f'split = "test"\nroot = "{root}"', 1)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """The eval step keeps its results in ./results/evaluated: keep that out of the checkout."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ExperimentError) as info:
        plan = make_plan(load_experiment(path))
        execute(plan, progress=False)
    return str(info.value)


GOOD = """
[experiment]
name = "t"
results = "res"
reports = "rep"

[datasets.synth]
split = "test"
sequences = ["synth_test_0001", "synth_test_0002", "synth_test_0003"]

[entries.static]
tracker = "static"
name = "Static"
modes = ["bb"]

[entries.kcf]
tracker = "kcf"
name = "KCF"
modes = ["bb"]
"""


# -- bad input: one clear error naming the file, the line and the key -------------------------------------------

@pytest.mark.parametrize(
    "text, line, expected",
    [
        (GOOD.replace('name = "KCF"', 'nmae = "KCF"'), 18, "entries.kcf.nmae: unknown key 'nmae'; did you mean 'name'?"),
        (GOOD.replace('tracker = "kcf"', 'tracker = "kfc"'), 17, "entries.kcf.tracker: unknown tracker 'kfc'. Did you mean 'kcf'?"),
        (GOOD.replace("[datasets.synth]", "[datasets.synht]"), 7, "datasets.synht: unknown dataset 'synht'. Did you mean 'synth'?"),
        (GOOD.replace('name = "KCF"', 'name = "Static"'), 18, "entries.kcf.name: display name 'Static' is already used by entries.static"),
        (GOOD.replace('modes = ["bb"]\n\n[entries.kcf]', 'modes = ["nl"]\n\n[entries.kcf]'), 14,
         "entries.static.modes: tracker 'static' does not support mode 'nl' (it supports bb, nl+bb)"),
        (GOOD + "\n[report]\nprotocols = ['jointnlt', 'pytraking']\n", 22, "report.protocols: unknown protocol 'pytraking'; did you mean 'pytracking'?"),
        (GOOD.replace("[experiment]", "[experimnt]"), 2, "experimnt: unknown key 'experimnt'; did you mean 'experiment'?"),
    ],
    ids=["unknown-key", "unknown-tracker", "unknown-dataset", "duplicate-name", "unsupported-mode", "unknown-protocol",
         "unknown-section"],
)
def test_bad_input_names_file_line_and_key(tmp_path, text, line, expected):
    path = write(tmp_path, text)
    message = error_of(path)
    assert message.startswith(f"{path.resolve()}:{line}: "), message
    assert expected in message


def test_malformed_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace('tracker = "kcf"', 'tracker = "kcf'))
    message = error_of(path)
    assert message.startswith(f"{path}:17: malformed TOML: "), message


def test_missing_checkpoint_is_named_before_anything_runs(tmp_path):
    path = write(tmp_path, GOOD + '\n[entries.joint]\ntracker = "jointnlt-tiny"\nmodes = ["nl"]\ncheckpoint = "${CKPT}/tiny.pt"\n\n'
                 '[vars]\nCKPT = "weights"\n')
    message = error_of(path)
    assert "1 input(s) missing, nothing was run" in message
    assert f"entries.joint on synth: checkpoint {tmp_path / 'weights' / 'tiny.pt'} not found" in message
    assert not (tmp_path / "res").exists()


def test_variables_and_relative_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("NLBENCH_TEST_RESULTS", "from-env")
    path = write(tmp_path, GOOD.replace('results = "res"', 'results = "${NLBENCH_TEST_RESULTS}/${SUB}"') + '\n[vars]\nSUB = "x"\n')
    exp = load_experiment(path)
    assert exp.results == tmp_path / "from-env" / "x"
    assert exp.reports == tmp_path / "rep"


# -- planning -----------------------------------------------------------------------------------------------------

def test_plan_grid_and_chain(tmp_path):
    exp = load_experiment(write(tmp_path, GOOD + "\n[report]\ntitle = 'T'\n"))
    plan = make_plan(exp)
    assert [r.key for r in plan.runs] == ["static/synth/bb", "kcf/synth/bb"]
    assert [r.out_dir for r in plan.runs] == [tmp_path / "res" / "synth" / "static-bb", tmp_path / "res" / "synth" / "kcf-bb"]
    chain = plan.chain()
    assert [argv[0] for argv in chain] == ["run", "run", "eval", "report"]
    assert chain[0][chain[0].index("--sequences") + 1] == ",".join(SEQS)
    assert "Static@bb=" in " ".join(chain[2]) and "KCF@bb=" in " ".join(chain[3])
    assert plan.missing == []


def test_plan_sentence_study_and_qualitative(tmp_path):
    """[report] sensitivity: a sentence file per variant first, a run with each, then `nlbench sensitivity`."""
    text = GOOD.replace('[entries.static]', '[entries.joint]\ntracker = "jointnlt-tiny"\nname = "J"\nmodes = ["nl"]\n\n[entries.static]')
    text += "\n[report]\nqualitative = 2\nqualitative_pick = 'lost'\nsensitivity = { entry = 'joint', variants = ['paraphrase', 'distractor'] }\n"
    plan = make_plan(load_experiment(write(tmp_path, text)))
    chain = plan.chain()
    assert [argv[0] for argv in chain] == ["sentences", "sentences", "run", "run", "run", "run", "run", "eval", "sensitivity", "report"]
    assert chain[1][-3:] == ["distractor", "--out", "rep/sentences/synth-distractor.csv"]
    variant = chain[5]
    assert variant[variant.index("--out") + 1] == "res/synth/joint-paraphrase-nl"
    assert variant[variant.index("--sentences") + 1] == "rep/sentences/synth-paraphrase.csv"
    assert chain[8][chain[8].index("--base") + 1] == "J=res/synth/joint-nl"
    assert "paraphrase=res/synth/joint-paraphrase-nl" in chain[8] and "distractor=res/synth/joint-distractor-nl" in chain[8]
    report = " ".join(chain[9])
    assert "--sensitivity rep/sensitivity-joint.json" in report and "--qualitative 2 --qualitative-pick lost" in report
    assert "joint-paraphrase" not in report and "joint-paraphrase" not in " ".join(chain[7])  # variants stay out of the main tables
    assert plan.missing == []


def test_demo_alias_is_the_demo_file(tmp_path):
    """`nlbench demo` and `nlbench experiment experiments/demo.toml` plan the same chain."""
    from nlbench.cli.demo import demo_file
    from nlbench.cli.experiment import load_plan

    assert demo_file() == REPO / "experiments" / "demo.toml"
    alias = load_plan(demo_file(), results=tmp_path / "r", reports=tmp_path / "o", workers=2)
    direct = make_plan(load_experiment(REPO / "experiments" / "demo.toml"))
    assert [r.key for r in alias.runs] == [r.key for r in direct.runs]
    assert [r.request.tracker for r in alias.runs] == ["jointnlt-tiny", "jointnlt-tiny", "jointnlt-tiny+kcf", "kcf", "static"]
    assert [s.verb for s in alias.after_runs] == [s.verb for s in direct.after_runs] == ["eval", "ground", "profile", "report"]
    # the demo report: jointnlt-tiny's cost table and the qualitative figure (issue 17)
    report = " ".join(direct.after_runs[-1].request.to_argv())
    assert "--profile" in report and "--qualitative 3 --qualitative-pick lost" in report


@pytest.mark.parametrize("name", ["demo.toml", "jointnlt-cvpr2023.toml", "separated-vs-joint.toml"])
def test_shipped_experiments_parse(name):
    plan = make_plan(load_experiment(REPO / "experiments" / name))
    assert plan.runs


def test_paper_dry_run_without_data_lists_chain_and_missing(tmp_path, monkeypatch):
    for var in ("NLBENCH_LASOT_ROOT", "NLBENCH_TNL2K_ROOT", "NLBENCH_OTB99_ROOT", "NLBENCH_REFCOCOG_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no config file with roots
    result = CliRunner().invoke(main, ["experiment", str(REPO / "experiments" / "jointnlt-cvpr2023.toml"), "--dry-run"])
    assert result.exit_code == 2
    out = result.output
    runs = [line for line in out.splitlines() if line.startswith("  nlbench run ")]
    assert len(runs) == 12  # JointNLT NL and NL+BB, the two separated pipelines (NL): 3 datasets each
    assert sum("JointNLT_ep0200.pth.tar" in line for line in runs) == 2  # OTB99's epoch-200 weights, both modes
    assert "nlbench ground --grounder jointnlt" in out and "nlbench profile --tracker jointnlt" in out
    assert "nlbench report " in out
    for dataset in ("lasot", "tnl2k", "otb99", "refcocog"):
        assert f"no root given for dataset '{dataset}'" in out or f"dataset '{dataset}'" in out
    assert "JointNLT_ep0300.pth.tar not found" in out
    assert "input(s) missing" in out


# -- running, resume, change -----------------------------------------------------------------------------------------

def _boxes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.txt")) if not p.name.endswith("_time.txt")}


def test_second_call_runs_nothing_and_a_changed_entry_reruns_alone(tmp_path, synth_root):
    path = write(tmp_path, good(synth_root))
    first = execute(make_plan(load_experiment(path)), progress=False)
    assert first.ran == ["static/synth/bb", "kcf/synth/bb"]
    lock = read_lock(tmp_path / "res")
    assert set(lock["runs"]) == {"static/synth/bb", "kcf/synth/bb"}
    assert lock["runs"]["kcf/synth/bb"]["identity"]["tracker"] == "kcf" and "finished" in lock["runs"]["kcf/synth/bb"]
    assert (tmp_path / "rep" / "eval-synth.json").is_file()
    boxes = _boxes(tmp_path / "res")

    second = execute(make_plan(load_experiment(path)), progress=False)
    assert second.ran == [] and second.up_to_date == ["static/synth/bb", "kcf/synth/bb"]
    assert second.steps == ["eval"]

    write(tmp_path, good(synth_root).replace('name = "Static"', 'name = "Static"\noptions = { note = 1 }'))
    third = execute(make_plan(load_experiment(path)), progress=False)
    assert third.rerun == ["static/synth/bb"] and third.ran == ["static/synth/bb"]
    assert third.up_to_date == ["kcf/synth/bb"]
    assert _boxes(tmp_path / "res" / "synth") == {k: v for k, v in boxes.items()}  # same boxes: the option is inert
    assert len(list((tmp_path / "res" / ".superseded").iterdir())) == 1
    assert read_lock(tmp_path / "res")["runs"]["static/synth/bb"]["identity"]["options"] == {"note": 1}


def test_killed_mid_grid_finishes_identically(tmp_path, synth_root):
    text = good(synth_root).replace('sequences = ["synth_test_0001", "synth_test_0002", "synth_test_0003"]\n', "")
    reference = tmp_path / "ref"
    reference.mkdir()
    execute(make_plan(load_experiment(write(reference, text))), progress=False)

    killed = tmp_path / "killed"
    killed.mkdir()
    path = write(killed, text)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "nlbench.cli", "experiment", str(path), "--quiet"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kcf = killed / "res" / "synth" / "kcf-bb"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (kcf.is_dir() and any(p.suffix == ".txt" for p in kcf.iterdir())):
        if process.poll() is not None:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    interrupted = len([p for p in kcf.glob("synth_test_*.txt") if p.stem.count("_") == 2]) if kcf.is_dir() else 0
    assert interrupted < 8, "the kill came after the grid finished; the test did not interrupt anything"

    outcome = execute(make_plan(load_experiment(path)), progress=False)
    assert "kcf/synth/bb" in outcome.ran and "static/synth/bb" in outcome.up_to_date
    assert _boxes(killed / "res") == _boxes(reference / "res")
    lock = json.loads((killed / "res" / LOCK_NAME).read_text())
    assert lock["runs"]["kcf/synth/bb"]["identity"] == read_lock(reference / "res")["runs"]["kcf/synth/bb"]["identity"]


def test_only_runs_that_entry(tmp_path, synth_root):
    path = write(tmp_path, good(synth_root))
    outcome = execute(make_plan(load_experiment(path)), only=("kcf",), progress=False)
    assert outcome.ran == ["kcf/synth/bb"]
    with pytest.raises(ExperimentError, match="--only kfc: no such entry"):
        execute(make_plan(load_experiment(path)), only=("kfc",), progress=False)


def test_nothing_below_the_cli_imports_it():
    """Experiments call the stage functions; no library module (deferred imports included) reaches nlbench.cli."""
    from tests.import_graph import import_edges

    upward = [f"{e.path}:{e.line} imports {e.target}" for e in import_edges()
              if e.target.split(".")[:2] == ["nlbench", "cli"] and e.source.split(".")[:2] != ["nlbench", "cli"]]
    assert upward == []


def test_execute_runs_the_plan_s_requests_through_their_stages(tmp_path, synth_root, monkeypatch):
    """Every step after the runs goes to its stage function with exactly the request the dry run prints."""
    import importlib

    execute_module = importlib.import_module("nlbench.experiment.execute")
    plan = make_plan(load_experiment(write(tmp_path, good(synth_root) + "\n[report]\ntitle = 'T'\n")))
    seen = []
    real = execute_module.run_step
    monkeypatch.setattr(execute_module, "run_step", lambda request: seen.append(request) or real(request))
    outcome = execute(plan, progress=False)
    assert outcome.steps == ["eval", "report"]
    assert seen == [step.request for step in plan.after_runs]
    assert [r.to_argv() for r in seen] == plan.chain()[-2:]
    assert (tmp_path / "rep" / "index.html").is_file() and (tmp_path / "rep" / "eval-synth.json").is_file()
