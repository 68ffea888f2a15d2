"""Pictures of results: decoded MP4 (codec, size, frame count, box colour in place), GIF and PNG strip read
back, per-frame IoU and grounded box, the picking rules on hand-made IoUs, bad input, the report figure."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from nlbench.cli import main
from nlbench.core.errors import VisualizationError
from nlbench.report.viz import load_scene, visualize
from nlbench.report.viz.draw import GAP, layout_for
from nlbench.report.viz.palette import OKABE_ITO, tracker_colours
from nlbench.report.viz.pick import longest_run, pick
from nlbench.report.viz.render import keyframe_indices, parse_frames
from tests.fixtures_viz import HEIGHT, N_FRAMES, WIDTH, gt_boxes, make_vizfix, use_vizfix  # noqa: F401

pytestmark = pytest.mark.usefixtures("use_vizfix")


@pytest.fixture()
def vizfix(tmp_path):
    return make_vizfix(tmp_path)


def _decode(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec, pix_fmt = stream.codec_context.name, stream.codec_context.pix_fmt
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return codec, pix_fmt, frames


def _near(pixel, colour, tolerance=40) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(colour)) <= tolerance))


def test_mp4_is_h264_with_every_frame_and_even_size(vizfix, tmp_path):
    root, folders = vizfix
    out = tmp_path / "walk.mp4"
    [written] = visualize("vizfix", folders, out, sequence="walk_01", root=root, frames="2:10", progress=False)
    assert written.path == out and written.frames == range(2, 10)
    codec, pix_fmt, frames = _decode(out)
    assert codec == "h264" and pix_fmt == "yuv420p"
    assert len(frames) == 8
    height, width = frames[0].shape[:2]
    # the 129-pixel-wide frame is padded to 130 (H.264 4:2:0 needs even sizes); the panel adds rows below
    assert width == WIDTH + 1 and height % 2 == 0 and height > HEIGHT


def test_mp4_shows_each_tracker_colour_on_its_box_edge(vizfix, tmp_path):
    root, folders = vizfix
    out = tmp_path / "walk.mp4"
    visualize("vizfix", folders, out, sequence="walk_01", root=root, progress=False)
    _, _, frames = _decode(out)
    colours = tracker_colours(list(folders))
    assert colours["A"] == OKABE_ITO[0] and colours["NL"] == OKABE_ITO[2]
    for index in (1, 5, 11):
        frame = frames[index]
        x, y, w, h = gt_boxes()[index] + [4, 0, 0, 0]  # tracker A: the GT shifted 4 px right
        right = int(x + w - 1)
        middle = int(y + h // 2)
        # the right edge of A's box (4 px right of the GT's): A's orange, allowing for 4:2:0 chroma and the codec
        assert _near(frame[middle, right], colours["A"]), (index, frame[middle, right - 2 : right + 3])
        # well inside the box and far outside it: the flat grey of the frame
        assert _near(frame[middle, right - 8], (128, 128, 128), 12)
        assert _near(frame[middle, right + 12], (128, 128, 128), 12)
    # jump_03, frame 3: NL is lost at (100, 70, 8, 8), far from the others; its left edge in bluish green
    visualize("vizfix", folders, out, sequence="jump_03", root=root, progress=False)
    frame = _decode(out)[2][3]
    assert _near(frame[74, 100], colours["NL"]) and _near(frame[74, 92], (128, 128, 128), 12)


def test_gif_and_png_strip_read_back(vizfix, tmp_path):
    root, folders = vizfix
    gif = tmp_path / "walk.gif"
    visualize("vizfix", folders, gif, sequence="walk_02", root=root, frames="0:6", progress=False)
    with Image.open(gif) as image:
        assert image.n_frames == 6
        assert image.size[0] == WIDTH + 1
        image.seek(3)
        assert image.convert("RGB").getpixel((60, 5)) == (128, 128, 128)  # flat frame above the boxes

    strip = tmp_path / "walk.png"
    visualize("vizfix", folders, strip, sequence="walk_02", root=root, keyframes=4, width=200, progress=False)
    image = cv2.cvtColor(cv2.imread(str(strip)), cv2.COLOR_BGR2RGB)
    layout = layout_for((HEIGHT, WIDTH, 3), 3, 200)
    assert layout.width == 200 and layout.height == round(HEIGHT * 200 / WIDTH)
    assert image.shape[1] == 4 * 200 + 3 * GAP
    # between the tiles: the dark gap column; inside a tile's frame area: the grey frame (scaled)
    for k in range(1, 4):
        gap_x = k * 200 + (k - 1) * GAP + 1
        assert _near(image[40, gap_x], (24, 24, 24), 2)
    assert _near(image[layout.height - 3, 5], (128, 128, 128), 2)


def test_keyframes_spread_over_the_range():
    assert keyframe_indices(range(0, 100), 5) == [0, 25, 50, 74, 99]
    assert keyframe_indices(range(10, 13), 5) == [10, 11, 12]
    assert parse_frames("5:", 12, "s") == range(5, 12)
    assert parse_frames("-3:", 12, "s") == range(9, 12)
    with pytest.raises(VisualizationError, match="no frames of sequence s"):
        parse_frames("20:30", 12, "s")


def test_ious_and_grounded_first_frame(vizfix):
    root, folders = vizfix
    scene = load_scene("vizfix", folders, "walk_01", root=root)
    a, b, nl = scene.tracks
    # A = GT shifted 4 px on 24x24 boxes: overlap 20*24, union 2*576 - 480 → 480/672
    np.testing.assert_allclose(a.ious[1:], 480 / 672)
    assert a.ious[0] == 1.0 and b.grounded is None and not b.is_nl
    # NL: row 0 of its file is the GT, but its own first-frame box is the grounded one (+6 px): 432/720
    assert nl.is_nl and nl.mode == "nl"
    np.testing.assert_array_equal(nl.grounded, gt_boxes()[0] + [6, 0, 0, 0])
    np.testing.assert_array_equal(nl.boxes[0], nl.grounded)
    assert nl.ious[0] == pytest.approx(18 * 24 / (2 * 576 - 18 * 24))


def test_longest_run_skips_frames_without_ground_truth():
    condition = np.array([1, 1, 0, 1, 1, 1, 0, 1], dtype=bool)
    valid = np.array([1, 1, 1, 1, 0, 1, 1, 1], dtype=bool)
    # frame 4 has no GT: the run 3..5 counts frames 3 and 5 only, so 0..1 (two frames) ties and wins first
    assert longest_run(condition, valid) == (0, 2)
    valid[0] = False
    assert longest_run(condition, valid) == (3, 6)
    assert longest_run(np.zeros(8, bool), valid) is None


def test_pick_rules_on_hand_made_ious():
    nan = np.nan
    ious = {
        "A": {"s1": np.array([1, 0.9, 0.8, 0.7]), "s2": np.array([1, 0.2, 0.1, 0.6]), "s3": np.array([1, 0.0, 0.0, 0.0])},
        "B": {"s1": np.array([1, 0.1, 0.0, nan]), "s2": np.array([1, 0.2, 0.3, 0.6]), "s3": np.array([1, 0.5, 0.6, 0.7])},
    }
    auc = {"A": {"s1": 80.0, "s2": 30.0, "s3": 20.0}, "B": {"s1": 25.0, "s2": 35.0, "s3": 60.0}}
    worst = pick("worst", ["s1", "s2", "s3"], ious, 2, context=1, auc=auc)
    assert [(p.sequence, p.tracker) for p in worst] == [("s3", "A"), ("s1", "B")]
    assert worst[0].span == (1, 4) and (worst[0].start, worst[0].stop) == (0, 4)
    assert worst[1].span == (1, 3)  # frame 3 has no GT box
    # spread per frame: s1 (0, .8, .8) mean .533; s2 (0, 0, .2, 0) .05; s3 (0, .5, .6, .7) .45
    disagree = pick("disagree", ["s1", "s2", "s3"], ious, 3, context=0)
    assert [p.sequence for p in disagree] == ["s1", "s3", "s2"]
    assert disagree[0].score == pytest.approx(1.6 / 3) and disagree[0].span == (1, 3)
    assert disagree[2].span == (2, 3)  # no spread >= 0.5: the frame of the largest spread
    lost = pick("lost", ["s1", "s2", "s3"], ious, 5, context=0, nl_trackers=["A", "B"])
    assert [(p.sequence, p.tracker, p.score) for p in lost] == [("s3", "A", 3), ("s1", "B", 1)]
    with pytest.raises(VisualizationError, match="none of A, B is an NL run"):
        pick("lost", ["s1"], ious, 1)
    with pytest.raises(VisualizationError, match="at least two"):
        pick("disagree", ["s1"], {"A": ious["A"]}, 1)


def test_pick_from_folders_finds_the_lost_streak(vizfix, tmp_path):
    root, folders = vizfix
    out = tmp_path / "lost.png"
    [written] = visualize("vizfix", folders, out, pick_rule="lost", root=root, context=1, progress=False)
    # only NL is an NL run (run.json and _ground.txt); it loses jump_03 on frames 2..5
    assert written.sequence == "jump_03" and written.pick.span == (2, 6) and written.frames == range(1, 7)
    assert out.is_file()
    written = visualize("vizfix", folders, tmp_path / "w.png", pick_rule="worst", count=2, root=root, progress=False)
    assert written[0].sequence == "walk_02" and written[0].pick.tracker == "B"  # B is off for frames 3..8
    assert [w.path.name for w in written] == ["w-1-walk_02.png", f"w-2-{written[1].sequence}.png"]


def _cli(*args):
    return CliRunner().invoke(main, ["visualize", *args], catch_exceptions=False)


def test_unknown_sequence_suggests_close_names(vizfix, tmp_path):
    root, folders = vizfix
    res = _cli("-d", "vizfix", "--root", str(root), "--results", f"A={folders['A']}", "-s", "walk_1",
               "--out", str(tmp_path / "x.mp4"))
    assert res.exit_code == 2
    assert "no sequence named 'walk_1'" in res.output and "did you mean walk_01, walk_02" in res.output


def test_results_folder_without_the_sequence_is_named(vizfix, tmp_path):
    root, folders = vizfix
    (folders["B"] / "walk_01.txt").unlink()
    res = _cli("-d", "vizfix", "--root", str(root), "--results", f"A={folders['A']}", "--results",
               f"B={folders['B']}", "-s", "walk_01", "--out", str(tmp_path / "x.mp4"))
    assert res.exit_code == 2
    assert f"folder {folders['B']} has no result for sequence walk_01" in res.output
    assert not (tmp_path / "x.mp4").exists()


def test_unsupported_extension_lists_the_supported_ones(vizfix, tmp_path):
    root, folders = vizfix
    res = _cli("-d", "vizfix", "--root", str(root), "--results", f"A={folders['A']}", "-s", "walk_01",
               "--out", str(tmp_path / "x.avi"))
    assert res.exit_code == 2
    assert "unsupported extension '.avi'; use one of .mp4, .gif, .png" in res.output


def test_sequence_and_pick_are_exclusive(vizfix, tmp_path):
    root, folders = vizfix
    with pytest.raises(VisualizationError, match="either --sequence S or --pick"):
        visualize("vizfix", folders, tmp_path / "x.png", root=root)
    with pytest.raises(VisualizationError, match="--frames chooses frames of one --sequence"):
        visualize("vizfix", folders, tmp_path / "x.png", pick_rule="worst", frames="0:3", root=root)


def test_report_embeds_the_qualitative_figure(vizfix, tmp_path):
    from nlbench.report import write_report

    root, folders = vizfix
    results = [f"A@bb={folders['A']}", f"B@bb={folders['B']}", f"NL<x>@nl={folders['NL']}"]
    paths = write_report(tmp_path / "rep", ["vizfix"], results=results, root=root, qualitative=2,
                         qualitative_pick="disagree")
    html = paths.index_html.read_text()
    assert html.count("<video ") == 2 and html.count('class="strip"') == 2
    assert 'src="qualitative/1-walk_02.mp4"' in html and 'src="qualitative/1-walk_02.png"' in html
    assert "NL&lt;x&gt;" in html and "NL<x>" not in html  # tracker names are escaped
    for rel in ("qualitative/1-walk_02.mp4", "qualitative/1-walk_02.png", "plots/qualitative.png"):
        assert (paths.out / rel).is_file(), rel
    codec, _, frames = _decode(paths.out / "qualitative/1-walk_02.mp4")
    assert codec == "h264" and frames[0].shape[1] == 384  # the report renders frames 384 px wide
