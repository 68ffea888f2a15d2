"""The synth benchmark: determinism, the flags it writes, and the loader round trip."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from nlbench.core.config import resolve_root
from nlbench.datasets.synth import SYNTH, SYNTH_ATTRIBUTES, ensure_synth, is_ambiguous, load_synth, load_synth_grounding
from nlbench.datasets.synth.build import generate_grounding, generate_sequence, generate_split, write_marker
from nlbench.datasets.synth.render import render_frame, target_track
from nlbench.datasets.synth.scene import COLOURS, SceneOptions, make_scene
from nlbench.core.errors import DatasetError

TINY = SceneOptions(num_frames=24)


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    write_marker(root, 7)
    generate_split(root, "test", seed=7, count=6, options=TINY)
    generate_grounding(root, "test", seed=7, count=40)
    return root


def test_same_seed_gives_byte_identical_files(tiny_root, tmp_path):
    again = tmp_path / "again"
    write_marker(again, 7)
    generate_split(again, "test", seed=7, count=6, options=TINY)
    generate_grounding(again, "test", seed=7, count=40)
    first, second = _tree_digest(tiny_root), _tree_digest(again)
    assert len(first) == 6 * (24 + 4) + 40 + 2  # frames + 4 text files per sequence, grounding images + json, marker
    assert first == second


def test_another_seed_gives_other_scenes(tmp_path):
    generate_split(tmp_path / "a", "test", seed=1, count=2, options=TINY)
    generate_split(tmp_path / "b", "test", seed=2, count=2, options=TINY)
    a = (tmp_path / "a/test/synth_test_0001/groundtruth.txt").read_text()
    b = (tmp_path / "b/test/synth_test_0001/groundtruth.txt").read_text()
    assert a != b


def test_loader_round_trip(tiny_root):
    sequences = load_synth(tiny_root, "test")
    assert [s.name for s in sequences] == [f"synth_test_{i:04d}" for i in range(1, 7)]
    for index, seq in enumerate(sequences):
        made = generate_sequence(7, "test", index, TINY)
        assert seq.dataset == "synth"
        assert len(seq.frames) == len(seq) == 24
        np.testing.assert_array_equal(seq.gt, made.gt)
        np.testing.assert_array_equal(seq.visible, made.visible)
        assert seq.language == made.scene.sentence
        assert dict(seq.attributes) == made.attributes
        assert list(seq.attributes) == list(SYNTH_ATTRIBUTES)


def test_absent_frames_have_zero_boxes_and_present_frames_lie_in_the_image(tiny_root):
    for seq in load_synth(tiny_root, "test"):
        absent = ~seq.visible
        assert np.all(seq.gt[absent] == 0)
        present = seq.gt[seq.visible]
        assert np.all(present[:, 2:] > 0)
        assert np.all(present[:, 0] >= 0) and np.all(present[:, 1] >= 0)
        assert np.all(present[:, 0] + present[:, 2] <= 256) and np.all(present[:, 1] + present[:, 3] <= 192)
        assert seq.visible[0], "frame 0 must show the target (it is the init box)"


def test_gt_box_covers_the_target_colour_in_the_frame():
    seq = generate_sequence(3, "test", 0, TINY)
    target = seq.scene.target
    for t in (0, 10):
        if not seq.visible[t]:
            continue
        frame = render_frame(seq.scene, t).astype(int)
        x, y, w, h = seq.gt[t].astype(int)
        body = np.all(np.abs(frame - np.array(COLOURS[target.colour])) <= 3, axis=2)
        cx, cy = target.centres[t]
        assert body[int(round(cy)), int(round(cx))] or not (0 <= cx < 256 and 0 <= cy < 192)
        assert body[y: y + h, x: x + w].sum() > 0.5 * body[max(y - 8, 0): y + h + 8, max(x - 8, 0): x + w + 8].sum()


def test_attributes_agree_with_the_generated_motion():
    """Re-derive each flag from the ground truth of many sequences; each flag occurs at least once."""
    seen = dict.fromkeys(SYNTH_ATTRIBUTES, False)
    for i in range(40):
        seq = generate_sequence(11, "test", i, SceneOptions(num_frames=60))
        gt, vis = seq.gt, seq.visible
        a = seq.attributes
        for k, v in a.items():
            seen[k] |= v
        # out of view: some frame with less than half the target in the frame; always true when frames are
        # absent without an occluder on the path
        covered = any(o.z > seq.scene.target.z for o in seq.scene.objects[1:])
        if (~vis).any() and not seq.scene.occluders and not covered:
            assert a["out_of_view"]
        centres = gt[:, :2] + gt[:, 2:] / 2
        steps = [np.hypot(*(centres[t] - centres[t - 1])) / np.sqrt(gt[t - 1, 2] * gt[t - 1, 3])
                 for t in range(1, len(gt)) if vis[t] and vis[t - 1]]
        assert a["fast_motion"] == (max(steps, default=0) > 0.4)
        assert a["ambiguous"] == seq.scene.ambiguous
        assert a["relational_sentence"] == (" of the " in seq.scene.sentence or " above the " in seq.scene.sentence
                                            or " below the " in seq.scene.sentence)
        assert a["similar_distractor"] == any(
            o.colour == seq.scene.target.colour or o.shape == seq.scene.target.shape for o in seq.scene.objects[1:])
    assert all(seen[k] for k in ("occlusion", "out_of_view", "scale_variation", "fast_motion", "ambiguous"))


def test_ambiguous_sentences_fit_two_objects_and_others_fit_one():
    rng = np.random.default_rng(5)
    n_amb = 0
    for _ in range(150):
        scene = make_scene(rng, TINY)
        if scene.sentence_kind != "attribute":
            continue
        words = scene.sentence.split()
        fits = [o for o in scene.objects if o.colour in words and o.shape in words
                and (o.size_class in words or not {"small", "large"} & set(words))]
        assert scene.objects[0] in fits
        assert (len(fits) > 1) == scene.ambiguous, scene.sentence
        n_amb += scene.ambiguous
    assert n_amb > 0


def test_grounding_split(tiny_root):
    samples = load_synth_grounding(tiny_root, "test")
    assert len(samples) == 40
    assert [s.ref_id for s in samples] == list(range(1, 41))
    assert any(is_ambiguous(s) for s in samples) and not all(is_ambiguous(s) for s in samples)
    for s in samples:
        assert s.image.is_file() and s.width == 256 and s.height == 192
        x, y, w, h = s.box
        assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= 256 and y + h <= 192


def test_default_root_generates_into_the_cache_and_resolve_root_finds_it(monkeypatch, tmp_path):
    monkeypatch.setenv("NLBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NLBENCH_SYNTH_ROOT", raising=False)
    import nlbench.datasets.synth as synth

    calls = []
    monkeypatch.setattr(synth, "generate_split", lambda root, split, seed, progress=False: calls.append(split)
                        or generate_split(root, split, seed, count=2, options=TINY))
    monkeypatch.setattr(synth, "generate_grounding", lambda root, split, seed: generate_grounding(root, split, seed, 4))
    root = resolve_root(SYNTH)
    assert root == tmp_path / "cache" / "synth-v2"
    assert len(SYNTH.load(root, "test")) == 2
    assert len(SYNTH.load(root, "train")) == 2  # generated on first load of a managed cache
    assert calls == ["test", "train"]


def test_unknown_split_and_foreign_root_are_user_errors(tmp_path, tiny_root):
    with pytest.raises(DatasetError, match="unknown split 'val'"):
        load_synth(tiny_root, "val")
    with pytest.raises(DatasetError, match="not a synth folder"):
        load_synth(tmp_path, "test")
    with pytest.raises(DatasetError, match="seed 7"):
        ensure_synth(tiny_root, ("test",), seed=8)


def test_target_track_marks_out_of_view_frames_absent():
    scene = make_scene(np.random.default_rng(0), TINY)
    moved = scene.target.centres.copy()
    moved[5:] = [-100.0, -100.0]  # far outside the frame
    target = type(scene.target)(scene.target.shape, scene.target.colour, scene.target.size_class, moved,
                                scene.target.radii, scene.target.angle, scene.target.z)
    scene = type(scene)(**{**scene.__dict__, "objects": (target,) + scene.objects[1:], "occluders": ()})
    gt, visible, fraction, in_view = target_track(scene)
    assert not visible[5:].any() and np.all(gt[5:] == 0) and np.all(in_view[5:] == 0)
