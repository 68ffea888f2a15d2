"""The report page in a real browser: headless Chromium renders it (screenshot) and runs no injected script."""

from __future__ import annotations

import subprocess

import pytest

from nlbench.report import write_report
from tests.test_report_fixtures import eval_json, tracker_block, two_measured_sets
from tests.cdp import CHROMIUM, MISSING, run_headless

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason=MISSING),
]


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return run_headless(tmp_path / "profile", *args)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    evil = eval_json(tmp / "evil.json", "lasot", {"<script>alert(1)</script>": tracker_block(0.7, "NL+BB")})
    return write_report(
        tmp / "out", ["otb99", "lasot", "tnl2k"], eval_json=[*two_measured_sets(tmp), evil], include_reported=True
    )


def test_screenshot(report, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    result = _chromium(
        tmp_path, f"--screenshot={shot}", "--window-size=1400,2400", report.index_html.resolve().as_uri()
    )
    assert shot.exists(), result.stderr[-2000:]
    image = Image.open(shot).convert("L")
    assert image.size == (1400, 2400)
    # Not a blank page: the header text and table rules put dark pixels on a light background.
    histogram = image.histogram()
    dark = sum(histogram[:100]) / (1400 * 2400)
    light = sum(histogram[200:]) / (1400 * 2400)
    assert 0.002 < dark < 0.3 and light > 0.5


def test_dom_has_no_injected_script(report, tmp_path):
    result = _chromium(tmp_path, "--dump-dom", report.index_html.resolve().as_uri())
    dom = result.stdout
    assert "<table" in dom and "OSTrack-384" in dom
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
