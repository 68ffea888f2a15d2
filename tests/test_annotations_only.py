"""Annotations are enough to evaluate: every tracking dataset, and every verb that reads results, on a root without frames.

Only ``run`` needs the frame images; on such a root it refuses with one error naming the sequences and
the frames it looked for.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.datasets import load_sequences

from .fixtures_datasets import ANNOTATION_ONLY_NAMES, make_annotations_only

GT = [[10, 10, 20, 20], [12, 10, 20, 20], [14, 12, 20, 20], [16, 14, 20, 20]]
GOOD = "".join(f"{x}\t{y}\t{w}\t{h}\n" for x, y, w, h in GT)
# frames 2 and 3 shifted by 10 px in x: IoU 10*20 / (800 - 200) = 1/3; centre error 10 px, normalized 0.5
SHIFTED = "".join(f"{x + (10 if i in (2, 3) else 0)}\t{y}\t{w}\t{h}\n" for i, (x, y, w, h) in enumerate(GT))
PERFECT_AUC = 100 * 20 / 21
SHIFTED_AUC = 100 * (0.5 * 20 + 0.5 * 7) / 21  # IoU 1/3 exceeds the thresholds 0.00 .. 0.30 (7 of 21)

DATASETS = list(ANNOTATION_ONLY_NAMES)


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


@pytest.fixture(params=DATASETS)
def tree(request, tmp_path, monkeypatch):
    dataset = request.param
    monkeypatch.chdir(tmp_path)
    root, names = make_annotations_only(dataset, tmp_path / "root", GT)
    assert not any(p.name in ("img", "imgs") for p in root.rglob("*") if p.is_dir())
    dirs = {}
    for tracker, text in (("A", GOOD), ("B", SHIFTED)):
        folder = tmp_path / "results" / tracker
        folder.mkdir(parents=True)
        for name in names:
            (folder / f"{name}.txt").write_text(text)
        dirs[tracker] = folder
    return dataset, root, names, dirs, tmp_path


def test_loaders_read_annotations_without_frames(tree):
    dataset, root, names, _, _ = tree
    seqs = load_sequences(dataset, root, names=list(names), with_frames=False)
    assert [s.name for s in seqs] == list(names)
    assert all(s.gt.tolist() == GT for s in seqs)


def test_eval_compare_report_leaderboard(tree):
    dataset, root, names, dirs, tmp_path = tree
    common = ["--dataset", dataset, "--root", root, "--sequences", ",".join(names),
              "--results", f"A={dirs['A']}", "--results", f"B={dirs['B']}"]  # fmt: skip
    res = invoke("eval", *common, "--json", tmp_path / "e.json", "--no-bootstrap", "--store", tmp_path / "store")
    assert res.exit_code == 0, res.output
    scores = json.loads((tmp_path / "e.json").read_text())["trackers"]
    assert scores["A"]["auc"] == pytest.approx(PERFECT_AUC) and scores["A"]["precision"] == 100.0
    assert scores["B"]["auc"] == pytest.approx(SHIFTED_AUC) and scores["B"]["precision"] == 100.0  # 10 px <= 20
    assert scores["B"]["norm_precision"] == pytest.approx(50.0)  # 0.5 > 0.20 on frames 2 and 3

    res = invoke("compare", *common, "--json", tmp_path / "c.json")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "c.json").read_text())["dataset"] == dataset

    res = invoke("leaderboard", "--dataset", dataset, "--source", "measured", "--store", tmp_path / "store",
                 "--json", tmp_path / "l.json")  # fmt: skip
    assert res.exit_code == 0, res.output
    entries = {e["tracker"]: e for e in json.loads((tmp_path / "l.json").read_text())["entries"]}
    assert entries["A"]["auc"] == pytest.approx(PERFECT_AUC) and entries["B"]["auc"] == pytest.approx(SHIFTED_AUC)


def test_report_evaluates_raw_results(tmp_path, monkeypatch):
    # report --results evaluates the whole split, which for synth is every sequence folder of the root
    monkeypatch.chdir(tmp_path)
    root, names = make_annotations_only("synth", tmp_path / "root", GT)
    folder = tmp_path / "B"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.txt").write_text(SHIFTED)
    res = invoke("report", "--dataset", "synth", "--root", root, "--results", f"B={folder}", "--out", tmp_path / "rep")
    assert res.exit_code == 0, res.output
    html = (tmp_path / "rep" / "index.html").read_text()
    assert f"{SHIFTED_AUC / 100:.3f}" in html  # the paper's fraction scale


def test_run_names_the_missing_frames(tree):
    dataset, root, names, _, tmp_path = tree
    res = invoke("run", "--tracker", "static", "--dataset", dataset, "--root", root, "--sequences", ",".join(names),
                 "--mode", "bb", "--out", tmp_path / "out", "--quiet")  # fmt: skip
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in res.output
    assert "frames missing for 2 of 2 sequences" in lines[0]
    assert all(name in lines[0] for name in names)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.txt"))


def test_refcocog_loads_without_images(tmp_path):
    # Grounding is scored from the annotation boxes (and saved predictions via `ground --rescore`, which
    # reads no dataset at all); only running a grounder opens the images.
    from nlbench.datasets.refcocog import load_refcocog

    from .fixtures_datasets import make_ref, make_refcocog, strip_frames

    images = [{"id": 1, "width": 100, "height": 80}]
    anns = [{"id": 100, "image_id": 1, "bbox": [10.5, 10.25, 40, 20]}]
    make_refcocog(tmp_path, [make_ref(3, 100, 1, "val", ["the dog on the left"])], images, anns)
    strip_frames(tmp_path)
    assert not (tmp_path / "images").exists()
    (sample,) = load_refcocog(tmp_path)
    assert sample.box.tolist() == [10.5, 10.25, 40, 20] and sample.sentence == "the dog on the left"
