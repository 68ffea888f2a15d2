"""Sentences in the report: per-sequence table (HTML + tables.tex), the sensitivity section, escaping, pdflatex."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from nlbench.core.errors import ReportInputError
from nlbench.eval.sensitivity import sensitivity
from nlbench.datasets import load_sequences
from nlbench.report import write_report
from tests.test_report_fixtures import eval_json, tracker_block
from tests.test_sensitivity import NAMES, runs  # noqa: F401  (the hand-built runs fixture)

EVIL = "<script>alert(1)</script> &_%$#{}~^\\"
EVIL_HTML = "&lt;script&gt;alert(1)&lt;/script&gt; &amp;_%$#{}~^\\"
EVIL_TEX = (r"\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{} "
            r"\&\_\%\$\#\{\}\textasciitilde{}\textasciicircum{}\textbackslash{}")


@pytest.fixture()
def report(tmp_path, runs):  # noqa: F811
    a, b = tracker_block(0.8, "NL"), tracker_block(0.6, "NL")
    for block, other in ((a, "plain words"), (b, "other words")):
        block["sequences"]["seq0"]["sentence"] = EVIL
        block["sequences"]["seq1"]["sentence"] = other
    path = eval_json(tmp_path / "eval.json", "tnl2k", {"A": a, "B": b})
    root, base, variant = runs
    manifest = json.loads((variant / "run.json").read_text())
    manifest["sentences"]["seq_03"] = EVIL
    (variant / "run.json").write_text(json.dumps(manifest))
    sens = sensitivity(load_sequences("tnl2k", root, None, NAMES, with_frames=False), ("original", base), [("distractor", variant)],
                       dataset="tnl2k")
    return write_report(tmp_path / "out", eval_json=[path], sensitivity=[sens.to_json()])


def test_sentences_are_shown_and_escaped_in_html(report):
    html = report.index_html.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert f'<td class="sentence">{EVIL_HTML}</td>' in html  # per-sequence table (A and B agree)
    # runs that differ show each sentence with its trackers
    assert '<td class="sentence">plain words (A) / other words (B)</td>' in html
    assert "Sensitivity to the sentence" in html and "4 / 6" in html  # flipped count of the variant
    assert EVIL_HTML in html.split("Flipped with distractor")[1]  # the flipped sequence's variant sentence


def test_sentences_are_escaped_in_tables_tex(report):
    tex = report.tables_tex.read_text(encoding="utf-8")
    assert "<script>" not in tex
    assert f"seq0 & {EVIL_TEX} & 80.0 & 60.0 \\\\" in tex
    assert r"\begin{longtable}" in tex and r"\label{tab:sensitivity}" in tex
    assert "distractor & 52.38 & 55.00 & 33.33 & $-42.86$" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_tables_with_sentences_compile(report):
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", report.tables_preview_tex.name],
        cwd=report.out, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (report.out / "tables_preview.pdf").stat().st_size > 1000


def test_a_report_of_a_sensitivity_alone(tmp_path, runs):  # noqa: F811
    root, base, variant = runs
    sens = sensitivity(load_sequences("tnl2k", root, None, NAMES, with_frames=False), ("original", base), [("distractor", variant)],
                       dataset="tnl2k")
    path = tmp_path / "sens.json"
    path.write_text(json.dumps(sens.to_json()))
    paths = write_report(tmp_path / "alone", sensitivity=[path])
    html = paths.index_html.read_text(encoding="utf-8")
    assert "Sensitivity to the sentence" in html and (tmp_path / "alone" / "plots" / "sensitivity_1.png").is_file()
    assert r"\label{tab:sensitivity}" in paths.tables_tex.read_text()
    with pytest.raises(ReportInputError, match="not written by `nlbench sensitivity --json`"):
        write_report(tmp_path / "bad", sensitivity=[{"kind": "eval"}])
