"""The qualitative section in a real browser: the <video> plays (non-zero duration), the strips load.

Headless Chromium driven through the DevTools protocol over a pipe (tests/cdp.py); a screenshot of the
section is kept in the test's tmp folder (path printed) to be looked at.
"""

from __future__ import annotations


import pytest

from tests.cdp import CHROMIUM, MISSING
from tests.fixtures_viz import make_vizfix, use_vizfix  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason=MISSING),
    pytest.mark.usefixtures("use_vizfix"),
]

MEDIA_STATE = """(async () => {
  const videos = [...document.querySelectorAll('video')];
  await Promise.all(videos.map(v => v.readyState >= 1 ? null : new Promise(done => {
    v.addEventListener('loadedmetadata', done); v.addEventListener('error', done); setTimeout(done, 30000);
  })));
  const strips = [...document.querySelectorAll('img.strip')];
  await Promise.all(strips.map(i => i.complete ? null : new Promise(done => { i.onload = done; i.onerror = done; })));
  document.querySelector('#qualitative').scrollIntoView();
  return {
    videos: videos.map(v => ({duration: v.duration, width: v.videoWidth, height: v.videoHeight,
                              error: v.error ? v.error.code : null, src: v.currentSrc})),
    strips: strips.map(i => ({natural: i.naturalWidth, shown: i.getBoundingClientRect().width})),
  };
})()"""


def test_report_video_plays_and_strips_show(tmp_path):
    from PIL import Image

    from nlbench.report import write_report
    from tests.cdp import Browser

    root, folders = make_vizfix(tmp_path)
    results = [f"A@bb={folders['A']}", f"B@bb={folders['B']}", f"NL@nl={folders['NL']}"]
    report = write_report(tmp_path / "report", ["vizfix"], results=results, root=root, qualitative=2)
    browser = Browser(CHROMIUM, tmp_path / "profile")
    try:
        browser.open(report.index_html.resolve().as_uri())
        state = browser.evaluate(MEDIA_STATE)
        shot = browser.screenshot(tmp_path / "qualitative.png")
    finally:
        browser.close()
    print(f"screenshot: {shot}")
    assert len(state["videos"]) == 2 and len(state["strips"]) == 2
    for video in state["videos"]:
        assert video["error"] is None, video
        # 12 frames at 25 fps
        assert video["duration"] == pytest.approx(12 / 25, abs=0.05), video
        assert video["width"] == 384, video
    for strip in state["strips"]:
        assert strip["natural"] > 0 and strip["shown"] > 0, strip
    image = Image.open(shot).convert("L")
    # the section is on screen: the dark strips and video frames put many dark pixels on the white page
    dark = sum(image.histogram()[:60]) / (image.size[0] * image.size[1])
    assert dark > 0.05
