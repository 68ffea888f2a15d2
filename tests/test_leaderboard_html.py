"""``nlbench leaderboard --html``: a self-contained page; the slow tests sort and filter it in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from tests.test_leaderboard import _store_tracker
from tests.cdp import CHROMIUM, MISSING, run_headless

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The TNL2K page with every source class and three measured runs (one under a MATLAB protocol)."""
    tmp = tmp_path_factory.mktemp("html")
    store = tmp / "evaluated"
    _store_tracker(store, "tnl2k", "jointnlt", "uvltrack-b", 63.5, 66.0, 70.0, "NL+BB")
    _store_tracker(store, "tnl2k", "tnl2k-matlab", "uvltrack-b", 62.0, 64.0, 69.0, "NL+BB")
    _store_tracker(store, "tnl2k", "jointnlt", EVIL, 10.0, None, None, "BB")
    _store_tracker(store, "tnl2k", "jointnlt", "static", None, None, None, "BB")  # no AUC: sorts last both ways
    out, board = tmp / "tnl2k.html", tmp / "tnl2k.json"
    result = CliRunner().invoke(
        main,
        ["leaderboard", "--dataset", "tnl2k", "--sources", "all", "--store", str(store), "--html", str(out),
         "--json", str(board)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, json.loads(board.read_text())["entries"]


def test_page_is_self_contained_and_escaped(page):
    path, entries = page
    text = path.read_text(encoding="utf-8")
    assert "<link" not in text and " src=" not in text.replace(html.escape(EVIL, quote=True), "")
    assert not re.search(r"<script[^>]+src", text) and "@import" not in text and "fetch(" not in text
    assert EVIL not in text and html.escape(EVIL) in text
    rows = re.findall(r"<tr class=.*?</tr>", text, flags=re.S)
    assert len(rows) == len(entries)
    # every number links to its source: a GitHub file at a commit, or the page's source list
    links = re.findall(r'<td class="num"><a href="([^"]+)"', text)
    numbers = sum(e[k] is not None for e in entries for k in ("auc", "precision", "norm_precision"))
    assert len(links) == numbers
    for link in links:
        assert link.startswith("https://github.com/") and "/blob/" in link or re.fullmatch(r"#src-\d+", link)
    for anchor in {link for link in links if link.startswith("#")}:
        assert f'id="{anchor[1:]}"' in text
    assert 'data-family="matlab"' in text and 'class="measured"' in text and "Δ AUC" in text


# The probe clicks and selects like a user and records the visible rows after each step.
PROBE = """
<script>
(function () {
  var log = {};
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll('#board tbody tr'), function (r) { return !r.hidden; })
      .map(function (r) { return [r.getAttribute('data-tracker'), r.getAttribute('data-auc'),
                                  r.getAttribute('data-family'), r.getAttribute('data-class')]; });
  }
  function head(key) { return document.querySelector('#board th[data-key="' + key + '"]'); }
  head('auc').click(); log.auc_desc = visible();
  head('auc').click(); log.auc_asc = visible();
  head('tracker').click(); log.tracker_asc = visible();
  var family = document.getElementById('filter-family');
  family.value = 'matlab'; family.dispatchEvent(new Event('change')); log.matlab = visible();
  var klass = document.getElementById('filter-class');
  klass.value = 'P'; klass.dispatchEvent(new Event('change')); log.matlab_p = visible();
  klass.value = ''; klass.dispatchEvent(new Event('change'));
  head('auc').click();
  log.count = document.getElementById('count').textContent;
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(log);
  document.body.appendChild(pre);
})();
</script>
"""


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return run_headless(tmp_path / "profile", *args)


def _probed(page, tmp_path):
    path, _ = page
    probed = tmp_path / "probed.html"
    probed.write_text(path.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return probed


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=MISSING)
def test_sort_and_filter_in_a_real_browser(page, tmp_path):
    _, entries = page
    result = _chromium(tmp_path, "--dump-dom", _probed(page, tmp_path).resolve().as_uri())
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, flags=re.S)
    assert match, result.stderr[-2000:]
    log = json.loads(html.unescape(match.group(1)))

    def aucs(rows):
        return [float(r[1]) for r in rows if r[1]]

    assert len(log["auc_desc"]) == len(entries)
    assert aucs(log["auc_desc"]) == sorted(aucs(log["auc_desc"]), reverse=True)
    assert aucs(log["auc_asc"]) == sorted(aucs(log["auc_asc"]))
    assert log["auc_desc"][-1][:2] == ["static", ""] and log["auc_asc"][-1][:2] == ["static", ""]
    names = [r[0].lower() for r in log["tracker_asc"]]
    assert names == sorted(names)
    expected_matlab = sorted(e["tracker"] for e in entries if e["family"] == "matlab")
    assert sorted(r[0] for r in log["matlab"]) == expected_matlab
    assert {r[2] for r in log["matlab"]} == {"matlab"}
    assert "UVLTrack-B" in expected_matlab and "SeqTrackv2-L256" in expected_matlab  # measured beside reported
    assert sorted(r[0] for r in log["matlab_p"]) == sorted(e["tracker"] for e in entries if e["family"] == "matlab" and e["source_class"] == "P")
    assert log["count"] == f"{len(expected_matlab)} of {len(entries)} rows"
    assert "<img" not in result.stdout.split('<pre id="probe">')[0].lower()


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=MISSING)
def test_screenshot_after_sorting_and_filtering(page, tmp_path):
    from PIL import Image

    shot = tmp_path / "leaderboard.png"
    probed = _probed(page, tmp_path)
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,900", probed.resolve().as_uri())
    assert shot.exists(), result.stderr[-2000:]
    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:100]) / (1400 * 900)
    light = sum(histogram[200:]) / (1400 * 900)
    assert 0.002 < dark < 0.3 and light > 0.5  # text on a light page, not blank
