"""``nlbench report``: Table 3 LaTeX marks, a report over measured fixtures + reported rows, escaping, pdflatex."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.report import write_report
from nlbench.report.inputs import ReportInputError, parse_results_spec
from nlbench.report.latex import latex_escape
from nlbench.report.tables import rank_marks
from tests.test_report_fixtures import eval_json, tracker_block, two_measured_sets

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_TEX = "&_%$#{}~^\\"

# Table 3 as the rule marks it: the poster's marks plus TransT's underlined 0.517 (paper-results.md).
TABLE_3_LATEX = r"""
AutoMatch & BB & -- & -- & 0.583 & 0.599 & 0.472 & 0.435 \\
TrDiMP & BB & -- & -- & 0.639 & 0.663 & \underline{0.523} & \textbf{0.528} \\
TransT & BB & -- & -- & 0.649 & 0.690 & 0.507 & \underline{0.517} \\
STARK & BB & -- & -- & 0.671 & 0.712 & -- & -- \\
KeepTrack & BB & -- & -- & 0.671 & 0.702 & -- & -- \\
SwinTrack-B & BB & -- & -- & \underline{0.696} & \underline{0.741} & -- & -- \\
OSTrack-384 & BB & -- & -- & \textbf{0.711} & \textbf{0.776} & \textbf{0.559} & -- \\
\midrule
TNLS-II & NL & 0.250 & 0.290 & -- & -- & -- & -- \\
RTTNLD & NL & 0.540 & \textbf{0.780} & 0.280 & 0.280 & -- & -- \\
GTI & NL & \underline{0.581} & 0.732 & 0.478 & 0.476 & -- & -- \\
TNL2K-1 & NL & 0.190 & 0.240 & 0.510 & 0.490 & 0.110 & 0.060 \\
CTRNL & NL & 0.530 & 0.720 & \underline{0.520} & \underline{0.510} & \underline{0.140} & \underline{0.090} \\
JointNLT & NL & \textbf{0.592} & \underline{0.776} & \textbf{0.569} & \textbf{0.593} & \textbf{0.546} & \textbf{0.550} \\
\midrule
TNLS-III & NL+BB & 0.550 & 0.720 & -- & -- & -- & -- \\
RTTNLD & NL+BB & 0.610 & 0.790 & 0.350 & 0.350 & 0.250 & 0.270 \\
TNL2K-2 & NL+BB & \underline{0.680} & \underline{0.880} & 0.510 & 0.550 & 0.420 & 0.420 \\
SNLT & NL+BB & 0.666 & 0.804 & 0.540 & 0.576 & 0.276 & 0.419 \\
VLTTT & NL+BB & \textbf{0.764} & \textbf{0.931} & \textbf{0.673} & \textbf{0.721} & \underline{0.531} & \underline{0.533} \\
JointNLT & NL+BB & 0.653 & 0.856 & \underline{0.604} & \underline{0.636} & \textbf{0.569} & \textbf{0.581} \\
\bottomrule
""".strip()

PROFILE = {
    "tracker": "jointnlt",
    "device": "cpu",
    "dtype": "fp32",
    "meta": {"device_name": "Test CPU <x86>"},
    "params": {"total": 153_000_000, "paper": 153_012_345, "components": {"backbone": 100_000_000}},
    "phases": {
        "grounding": {
            "macs_paper": 34_900_000_000,
            "flops": 70_000_000_000,
            "params_paper": 120_000_000,
            "latency_ms": {"median": 120.0, "p90": 130.0, "n": 10},
        },
        "tracking": {
            "macs_paper": 42_040_000_000,
            "flops": 84_000_000_000,
            "params_paper": 150_000_000,
            "latency_ms": {"median": 90.04, "p90": 95.0, "n": 10},
        },
    },
}
# As written by `nlbench ground --json` (GroundingResult.to_dict + predictions path).
GROUNDING = {
    "accuracy": 0.7,
    "numerator": 3500,
    "denominator": 5000,
    "acc@0.25": 0.8,
    "acc@0.5": 0.7,
    "acc@0.75": 0.5,
    "mean_iou": 0.62,
    "split": "val",
    "split_by": "google",
    "unit": "ref",
    "rule": "jointnlt",
    "rule_text": "IoU >= 0.5 <xyxy>",
    "predictions": "results/grounding/refcocog/jointnlt-val-ref.csv",
}


@pytest.mark.parametrize(
    "values, decimals, marks",
    [
        ([0.5, 0.4, 0.3], 3, ["b", "u", ""]),
        ([0.5, 0.5, 0.4, 0.3], 3, ["b", "b", "u", ""]),  # tie for best: both bold, next value underlined
        ([0.5, 0.4, 0.4], 3, ["b", "u", "u"]),  # tie for second: both underlined
        ([None, 0.3, None], 3, ["", "b", ""]),  # a lone value is best, nothing is second
        ([0.5004, 0.4996, 0.1], 3, ["b", "b", "u"]),  # equal as printed (0.500) → equal marks
        ([None, None], 3, ["", ""]),
    ],
    ids=["plain", "tie-best", "tie-second", "lone", "rounding", "empty"],
)
def test_rank_marks(values, decimals, marks):
    assert rank_marks(values, decimals) == marks


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
        ("<", r"\textless{}"),
        (">", r"\textgreater{}"),
        ("a\\b_c", r"a\textbackslash{}b\_c"),
        ("OSTrack-384", "OSTrack-384"),
    ],
    ids=lambda x: repr(x),
)
def test_latex_escape(text, escaped):
    assert latex_escape(text) == escaped


def test_reported_table_3_latex_and_html(tmp_path):
    """`nlbench report --reported --dataset otb99 --dataset lasot --dataset tnl2k` reproduces Table 3."""
    out = tmp_path / "paper"
    result = CliRunner().invoke(
        main,
        ["report", "--reported", "--dataset", "tnl2k", "--dataset", "otb99", "--dataset", "lasot", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'index.html'}" in result.output
    tex = (out / "tables.tex").read_text()
    assert r"\begin{tabular}{llcccccc}" in tex and r"\toprule" in tex
    assert (
        r"Algorithm & Init & \multicolumn{2}{c}{OTB99} & \multicolumn{2}{c}{LaSOT} & \multicolumn{2}{c}{TNL2K} \\"
        in tex
    )
    body = tex[tex.index("AutoMatch") : tex.index(r"\bottomrule") + len(r"\bottomrule")]
    assert body == TABLE_3_LATEX
    html = (out / "index.html").read_text()
    comparison = html[html.index('id="comparison"') : html.index('id="ds-otb99"')]
    assert comparison.count('<tr class="reported"') == 19 and comparison.count('<tr class="measured"') == 0
    # TransT's TNL2K PRE is underlined in the HTML too; OSTrack-384 leads its group in bold.
    assert '<td class="num second">0.517</td>' in html
    assert '<td class="num best">0.711</td>' in html
    assert "http://" not in html and "https://" not in html


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    files = two_measured_sets(tmp)
    evil = eval_json(
        tmp / "evil.json", "lasot", {EVIL_SCRIPT: tracker_block(0.7, "NL+BB"), EVIL_TEX: tracker_block(0.6)}
    )
    paths = write_report(
        tmp / "out",
        ["otb99", "lasot", "tnl2k"],
        eval_json=[*files, evil],
        profiles=[PROFILE],
        grounding=[GROUNDING],
        include_reported=True,
    )
    return paths


def test_report_with_measured_sets_renders_plots(full_report):
    out = full_report.out
    for dataset in ("lasot", "tnl2k"):
        for kind in ("success", "precision", "norm_precision", "attributes"):
            for fmt in ("png", "pdf", "svg"):
                path = out / "plots" / f"{dataset}_{kind}.{fmt}"
                assert path in full_report.plots and path.stat().st_size > 1000
    assert not list((out / "plots").glob("otb99_*"))  # nothing measured on OTB99: no empty plots
    assert (out / "plots" / "lasot_success.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "plots" / "lasot_success.pdf").read_bytes()[:5] == b"%PDF-"
    html = full_report.index_html.read_text()
    assert html.count('src="data:image/png;base64,') == 8
    # self-contained: no external resources
    assert not re.search(r'(src|href)="(?!data:|#)', html)


def test_report_values_deltas_costs_and_grounding(full_report):
    html = full_report.index_html.read_text()
    # Fixture JointNLT on LaSOT: AUC = 100·(19·0.92 − 0.05·171)/21 = 42.5238…; published NL 56.9 → Δ −14.4.
    assert '<td class="num delta-neg">-14.4</td>' in html
    # P@20 = 92.0 vs 59.3 → +32.7
    assert '<td class="num delta-pos">+32.7</td>' in html
    # csrt has no published row: no Δ line for it.
    delta = html[html.index('id="delta"') : html.index('id="costs"')]
    assert "csrt" not in delta and delta.count('<td class="name">JointNLT</td>') == 2
    tex = full_report.tables_tex.read_text()
    assert r"JointNLT$^\dagger$ & NL & -- & -- & 0.425 & \textbf{0.920} & \underline{0.390} & \textbf{0.880} \\" in tex
    assert r"FLOPs, grounding (G) & 39.6 & 39.6 & 34.7 & 34.9 & 34.9 \\" in tex
    assert r"Time, tracking (ms) & 22.9 & 8.3 & 20.6 & 25.3 & 90.0 \\" in tex
    assert r"Params, total (M) & 169.8 & 214.7 & 214.4 & 153.0 & 153.0 \\" in tex
    assert r"AUC, LaSOT & 0.446 & 0.524 & 0.518 & 0.569 & 0.425 \\" in tex
    assert r"True FLOPs, tracking (G) & -- & -- & -- & -- & 84.0 \\" in tex
    assert r"Params, grounding (M) & -- & -- & -- & -- & 120.0 \\" in tex
    assert r"profiled with nlbench on Test CPU \textless{}x86\textgreater{}, fp32." in tex
    grounding = html[html.index('id="grounding"') :]
    assert '<td class="name">JointNLT</td><td>RefCOCOg</td><td>google/val</td><td>ref</td><td class="num">70.0</td>' in grounding
    # published JointNLT RefCOCOg accuracy 70.07 → Δ −0.1
    assert '<td class="num">70.1</td>' in grounding and '<td class="num delta-neg">-0.1</td>' in grounding
    assert '<td class="num">80.0</td><td class="num">50.0</td><td class="num">62.0</td>' in grounding
    assert "3500 / 5000" in grounding and "IoU &gt;= 0.5 &lt;xyxy&gt;" in grounding


def test_user_text_is_harmless_in_html(full_report):
    html = full_report.index_html.read_text()
    assert EVIL_SCRIPT not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;_%$#{}~^\\" in html
    assert "<b>seq" not in html and "&lt;b&gt;seq &amp; 2&lt;/b&gt;" in html  # sequence names too


def test_user_text_is_harmless_in_latex(full_report):
    tex = full_report.tables_tex.read_text()
    assert r"\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{}$^\dagger$" in tex
    assert r"\&\_\%\$\#\{\}\textasciitilde{}\textasciicircum{}\textbackslash{}$^\dagger$ & --" in tex
    assert "<script>" not in tex


@pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (apt-get install texlive-latex-recommended)"
)
def test_latex_compiles(full_report):
    result = subprocess.run(
        [
            "pdflatex",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            full_report.tables_preview_tex.name,
        ],
        cwd=full_report.out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (full_report.out / "tables_preview.pdf").stat().st_size > 1000


def test_results_spec_parsing():
    assert parse_results_spec("JointNLT@nl+bb=results/raw/x") == ("JointNLT", "NL+BB", Path("results/raw/x"))
    assert parse_results_spec("a=b=c") == ("a", None, Path("b=c"))
    with pytest.raises(ReportInputError, match="NAME=DIR"):
        parse_results_spec("no-equals")
    with pytest.raises(ReportInputError, match="init 'xy'"):
        parse_results_spec("T@xy=d")


def test_results_need_a_single_dataset(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--dataset",
            "lasot",
            "--dataset",
            "tnl2k",
            "--results",
            f"T={tmp_path}",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2 and "exactly one --dataset" in result.output


def test_duplicate_tracker_names_are_refused(tmp_path):
    a = eval_json(tmp_path / "a.json", "lasot", {"T": tracker_block(0.5)})
    b = eval_json(tmp_path / "b.json", "lasot", {"T": tracker_block(0.6)})
    with pytest.raises(ReportInputError, match="appears twice"):
        write_report(tmp_path / "o", eval_json=[a, b])


def test_one_name_with_two_inits(tmp_path):
    """JointNLT measured NL and NL+BB: two rows, two Δ lines, labels with the init in plots and column heads."""
    a = eval_json(tmp_path / "a.json", "tnl2k", {"JointNLT": tracker_block(0.9, "NL")})
    b = eval_json(tmp_path / "b.json", "tnl2k", {"JointNLT": tracker_block(0.8, "NL+BB")})
    paths = write_report(tmp_path / "o", eval_json=[a, b], include_reported=True)
    html = paths.index_html.read_text()
    assert '<th class="num">JointNLT [NL]</th>' in html and '<th class="num">JointNLT [NL+BB]</th>' in html
    delta = html[html.index('id="delta"') : html.index('id="costs"')]
    assert delta.count('<td class="name">JointNLT</td>') == 2 and "<td>NL+BB</td>" in delta


def test_malformed_eval_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"trackers": {}}')
    result = CliRunner().invoke(main, ["report", "--eval-json", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "bad.json" in result.output and "'dataset'" in result.output


def test_nothing_to_report(tmp_path):
    with pytest.raises(ReportInputError, match="nothing to report"):
        write_report(tmp_path / "o")


def test_committed_example_is_current(tmp_path):
    """reports/example/tables.tex is what `nlbench report --reported` writes today (regenerate it if not)."""
    example = Path(__file__).resolve().parents[1] / "reports" / "example"
    paths = write_report(tmp_path / "ex", ["otb99", "lasot", "tnl2k"], include_reported=True)
    assert paths.tables_tex.read_text() == (example / "tables.tex").read_text()


def test_styles_are_stable_per_tracker():
    from nlbench.report.plots import assign_styles

    styles = assign_styles(["b", "a", "b", *[f"t{i}" for i in range(20)]])
    assert list(styles)[:2] == ["b", "a"] and styles["b"] != styles["a"]
    assert len({(s.color, s.linestyle) for s in styles.values()}) == len(styles)  # 22 trackers, 22 styles


def test_results_folders_are_evaluated_with_nlbench_eval(tmp_path, monkeypatch):
    """--results NAME[@INIT]=DIR: folders go to nlbench.eval.evaluate; init from @INIT, else from run.json."""
    import json

    import nlbench.eval
    import nlbench.report.inputs

    nl, nlbb, bb = (tmp_path / d for d in ("nl", "nlbb", "bb"))
    for d in (nl, nlbb, bb):
        d.mkdir()
    (bb / "run.json").write_text(json.dumps({"mode": "bb"}))
    calls = {}

    def fake_evaluate(sequences, results, dataset, **kwargs):
        calls.update(sequences=sequences, results=dict(results), dataset=dataset, **kwargs)
        return {
            "dataset": dataset,
            "protocol": kwargs.get("protocol", "jointnlt"),
            "trackers": {k: tracker_block(0.5 + 0.1 * i) for i, k in enumerate(results)},
        }

    monkeypatch.setattr(nlbench.eval, "evaluate", fake_evaluate)
    monkeypatch.setattr(nlbench.report.inputs, "load_sequences", lambda dataset, root, split, names, with_frames: ["s1", "s2"])
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--dataset",
            "tnl2k",
            "--root",
            str(tmp_path),
            "--protocol",
            "pytracking",
            "--out",
            str(tmp_path / "o"),
            "--results",
            f"JointNLT@nl={nl}",
            "--results",
            f"JointNLT@nl+bb={nlbb}",
            "--results",
            f"csrt={bb}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert calls["results"] == {"JointNLT@NL": nl, "JointNLT@NL+BB": nlbb, "csrt": bb}
    assert calls["dataset"] == "tnl2k" and calls["protocol"] == "pytracking" and calls["sequences"] == ["s1", "s2"]
    tex = (tmp_path / "o" / "tables.tex").read_text()
    # csrt: init read from bb/run.json; q = 0.7 → AUC = (14·0.7 − 0.05·91)/21 = 0.250, P@20 = 0.700.
    assert r"csrt$^\dagger$ & BB & \textbf{0.250} & \textbf{0.700} \\" in tex
    assert r"JointNLT$^\dagger$ & NL & \textbf{0.131} & \textbf{0.500} \\" in tex
    assert r"JointNLT$^\dagger$ & NL+BB & \textbf{0.186} & \textbf{0.600} \\" in tex


def test_evaluated_store_feeds_the_report(tmp_path):
    import json

    entry = {**tracker_block(0.9, "NL"), "dataset": "lasot", "protocol": "jointnlt", "name": "jointnlt"}
    path = tmp_path / "ev" / "lasot" / "jointnlt" / "jointnlt.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entry))
    out = tmp_path / "o"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--dataset",
            "lasot",
            "--evaluated",
            "--store",
            str(tmp_path / "ev"),
            "--reported",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text()
    # registry name "jointnlt" matches the published JointNLT NL row: q = 0.9 → AUC = 8.55/21 = 40.71; Δ = −16.2
    assert '<td class="num delta-neg">-16.2</td>' in html
    assert (out / "plots" / "lasot_success.svg").exists()


def test_report_over_a_real_nlbench_evaluation(tmp_path):
    """The evaluator's own JSON (nlbench.eval.evaluate(...).to_json()) renders, attributes and curves included."""
    import json

    import numpy as np

    import nlbench.eval as evaluation
    from nlbench.core.types import Sequence

    gt = np.tile([[10.0, 10.0, 40.0, 30.0]], (12, 1))
    sequences = [
        Sequence(name=f"<seq{i}>", dataset="synth", frames=(), gt=gt, language="a <red> car & co",
                 attributes={"occlusion": i == 0, "fast_motion": True})
        for i in range(2)
    ]  # fmt: skip
    exact = {s.name: gt.copy() for s in sequences}
    shifted = {s.name: np.vstack([gt[:1], gt[1:] + [6.0, 0.0, 0.0, 0.0]]) for s in sequences}  # row 0 = init box
    result = evaluation.evaluate(sequences, results={"exact": exact, "shifted": shifted}, dataset="synth")
    path = tmp_path / "synth.json"
    path.write_text(json.dumps(result.to_json()))
    paths = write_report(tmp_path / "o", eval_json=[path])
    html = paths.index_html.read_text()
    assert (tmp_path / "o" / "plots" / "synth_success.png").exists()
    assert (tmp_path / "o" / "plots" / "synth_attributes.png").exists()
    assert "&lt;seq0&gt;" in html and "<seq0>" not in html
    # exact: 20/21 → 0.952 (eval-spec §1.5). shifted: frames 1-11 have IoU 34·30/(46·30) = 0.739 > τ for τ ≤ 0.70
    # (15 thresholds); frame 0 (the init box, IoU 1) also passes τ = 0.75..0.95 → (15 + 5/12)/21 = 0.734.
    # Both are within 20 px, so precision ties at 1.000 and both are bold.
    tex = paths.tables_tex.read_text()
    assert r"exact$^\dagger$ & -- & \textbf{0.952} & \textbf{1.000} \\" in tex
    assert r"shifted$^\dagger$ & -- & \underline{0.734} & \textbf{1.000} \\" in tex


def test_percent_scale(tmp_path):
    paths = write_report(tmp_path / "o", ["tnl2k"], include_reported=True, scale="percent")
    tex = paths.tables_tex.read_text()
    assert r"TransT & BB & 50.7 & \underline{51.7} \\" in tex
    assert r"OSTrack-384 & BB & \textbf{55.9} & -- \\" in tex
    assert "(scores as percent)" in tex
    with pytest.raises(ReportInputError, match="scale"):
        write_report(tmp_path / "p", ["tnl2k"], include_reported=True, scale="per mille")


def test_grounding_on_another_dataset_is_labelled_and_its_subsets_listed(tmp_path):
    from nlbench.report.writer import write_report

    result = {
        "grounder": "jointnlt-tiny", "dataset": "synth", "accuracy": 0.5, "numerator": 2, "denominator": 4,
        "acc@0.25": 0.75, "acc@0.75": 0.25, "mean_iou": 0.5, "split": "test", "split_by": "", "unit": "ref",
        "rule": "jointnlt",
        "subsets": {
            "test": {"accuracy": 2 / 3, "numerator": 2, "denominator": 3, "split": "test", "unit": "ref", "mean_iou": 0.6},
            "test-ambiguous": {"accuracy": 0.0, "numerator": 0, "denominator": 1, "split": "test-ambiguous",
                               "unit": "ref", "mean_iou": 0.2},
        },
    }
    paths = write_report(tmp_path / "r", datasets=[], grounding=[result])
    html = Path(paths.html).read_text() if hasattr(paths, "html") else (tmp_path / "r" / "index.html").read_text()
    grounding = html[html.index('id="grounding"') :]
    assert '<td>Synth</td><td>test-ambiguous</td>' in grounding and "0 / 1" in grounding and "2 / 3" in grounding
    assert 'id="refcocog"' not in html  # a synth grounding result is not a RefCOCOg leaderboard entry
