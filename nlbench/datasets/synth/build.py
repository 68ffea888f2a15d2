"""Generate the synth benchmark on disk, in the TNL2K layout, deterministically and atomically.

Layout under the root::

    synth.json                                  what generated the tree (version, seed, split sizes)
    <split>/<seq>/imgs/00000001.jpg ...         frames (JPEG, quality fixed)
    <split>/<seq>/groundtruth.txt               x,y,w,h per line, integers; absent frames are 0,0,0,0
    <split>/<seq>/language.txt                  one sentence
    <split>/<seq>/attributes.txt                SYNTH_ATTRIBUTES flags, comma-separated 0/1
    <split>/<seq>/absent.txt                    one 0/1 per frame (1 = absent)
    grounding/<split>.json                      grounding samples (see GROUNDING_FORMAT)
    grounding/<split>/000001.jpg ...            their images

A split is generated into a temporary folder beside its final place and renamed when complete, so a
reader never sees half a split; two processes generating at once both finish and one rename wins.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from nlbench.datasets.synth.render import background, render_frame, target_track
from nlbench.datasets.synth.scene import (
    FAST_MOTION_FRACTION,
    OCCLUSION_VISIBLE_FRACTION,
    SCALE_VARIATION_RATIO,
    SYNTH_ATTRIBUTES,
    Scene,
    SceneOptions,
    make_scene,
)
from nlbench.core.io import atomic_write_json

GENERATOR_VERSION = 2  # 2: rims and boxes of 2026-11-25 04:06 (a v1 cache holds the older pixels)
DEFAULT_SEED = 2023
JPEG_QUALITY = 92
#: Sequences per split and grounding samples per split written by default.
SPLIT_SIZES = {"test": 40, "train": 60}
GROUNDING_SIZES = {"test": 300, "train": 300}
#: Stream ids mixed into the seed so that splits (and the in-memory training stream) never share scenes.
STREAMS = {"test": 1, "train": 2, "grounding-test": 3, "grounding-train": 4, "train-stream": 5}

GROUNDING_FORMAT = (
    "grounding/<split>.json: {'version', 'split', 'samples': [{'id', 'image' (relative to the root), "
    "'sentence', 'box' [x, y, w, h] pixels, 'ambiguous' bool, 'kind', 'width', 'height'}]}"
)


@dataclass(frozen=True)
class SynthSequence:
    """A generated sequence before it is written: the scene and the ground truth it implies."""

    name: str
    scene: Scene
    gt: np.ndarray  # (N, 4) xywh, 0,0,0,0 where absent
    visible: np.ndarray  # (N,) bool
    attributes: dict[str, bool]


def scene_rng(seed: int, stream: str, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), STREAMS[stream], int(index)])


def sequence_attributes(scene: Scene, gt: np.ndarray, visible: np.ndarray, fraction: np.ndarray,
                        in_view: np.ndarray) -> dict[str, bool]:
    """The per-sequence flags; definitions use only the generated ground truth and the scene."""
    target = scene.target
    sizes = np.sqrt(gt[visible, 2] * gt[visible, 3])
    full = visible & (in_view > 0.999)  # boxes not cut by the border
    full_sizes = np.sqrt(gt[full, 2] * gt[full, 3])
    scale = bool(len(full_sizes) and full_sizes.max() / max(full_sizes.min(), 1.0) > SCALE_VARIATION_RATIO)
    both = visible[1:] & visible[:-1]
    centres = gt[:, :2] + gt[:, 2:] / 2
    step = np.hypot(*(centres[1:] - centres[:-1]).T)
    fast = bool(np.any(both & (step > FAST_MOTION_FRACTION * np.sqrt(gt[:-1, 2] * gt[:-1, 3]))))
    occluded = in_view - fraction
    return {
        "occlusion": bool(np.any(occluded >= OCCLUSION_VISIBLE_FRACTION)),
        "out_of_view": bool(np.any(in_view < 0.5)),
        "scale_variation": scale,
        "fast_motion": fast,
        "similar_distractor": any(o.colour == target.colour or o.shape == target.shape for o in scene.objects[1:]),
        "ambiguous": scene.ambiguous,
        "relational_sentence": scene.sentence_kind == "relational",
        "motion_sentence": scene.sentence_kind == "motion",
    } if len(sizes) else dict.fromkeys(SYNTH_ATTRIBUTES, False)


def generate_sequence(seed: int, split: str, index: int, options: SceneOptions = SceneOptions()) -> SynthSequence:
    """Sequence ``index`` of ``split``; resampled until frame 0 shows the target (the init box must exist)."""
    rng = scene_rng(seed, split, index)
    while True:
        scene = make_scene(rng, options)
        gt, visible, fraction, in_view = target_track(scene)
        if visible[0] and in_view[0] > 0.999 and fraction[0] > 0.9:
            break
    attrs = sequence_attributes(scene, gt, visible, fraction, in_view)
    return SynthSequence(f"synth_{split}_{index + 1:04d}", scene, gt, visible, attrs)


def _encode_jpeg(rgb: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY, cv2.IMWRITE_JPEG_OPTIMIZE, 0])
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def write_sequence(folder: Path, seq: SynthSequence) -> None:
    (folder / "imgs").mkdir(parents=True)
    bg = background(seq.scene)
    for t in range(seq.scene.num_frames):
        (folder / "imgs" / f"{t + 1:08d}.jpg").write_bytes(_encode_jpeg(render_frame(seq.scene, t, bg)))
    rows = "".join(f"{int(x)},{int(y)},{int(w)},{int(h)}\n" for x, y, w, h in seq.gt)
    (folder / "groundtruth.txt").write_text(rows, encoding="utf-8")
    (folder / "language.txt").write_text(seq.scene.sentence + "\n", encoding="utf-8")
    (folder / "attributes.txt").write_text(
        ",".join(str(int(seq.attributes[a])) for a in SYNTH_ATTRIBUTES) + "\n", encoding="utf-8")
    (folder / "absent.txt").write_text("".join(f"{int(not v)}\n" for v in seq.visible), encoding="utf-8")


def _publish(tmp: Path, final: Path) -> None:
    try:
        os.rename(tmp, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)  # another process published the same split first


def generate_split(root: Path, split: str, seed: int = DEFAULT_SEED, count: int | None = None,
                   options: SceneOptions = SceneOptions(), progress: bool = False) -> Path:
    """Write ``<root>/<split>/`` (no-op when it exists); returns its path."""
    final = Path(root) / split
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    n = SPLIT_SIZES.get(split, 40) if count is None else count
    tmp = Path(tempfile.mkdtemp(prefix=f".{split}.", dir=final.parent))
    try:
        indices = range(n)
        if progress:
            from tqdm.auto import tqdm

            indices = tqdm(indices, desc=f"synth {split}", unit="seq", leave=False)
        for i in indices:
            seq = generate_sequence(seed, split, i, options)
            write_sequence(tmp / seq.name, seq)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(tmp, final)
    return final


def grounding_sample(seed: int, split: str, index: int) -> tuple[Scene, np.ndarray]:
    """One still scene and its target box for the grounding split."""
    rng = scene_rng(seed, f"grounding-{split}", index)
    while True:
        scene = make_scene(rng, SceneOptions(), still=True)
        gt, visible, fraction, in_view = target_track(scene)
        if visible[0] and in_view[0] > 0.999 and fraction[0] > 0.9:
            return scene, gt[0]


def generate_grounding(root: Path, split: str, seed: int = DEFAULT_SEED, count: int | None = None) -> Path:
    """Write ``<root>/grounding/<split>.json`` and its images (no-op when present); returns the JSON path."""
    base = Path(root) / "grounding"
    final_json = base / f"{split}.json"
    if final_json.is_file():
        return final_json
    base.mkdir(parents=True, exist_ok=True)
    n = GROUNDING_SIZES.get(split, 200) if count is None else count
    tmp = Path(tempfile.mkdtemp(prefix=f".{split}.", dir=base))
    samples = []
    try:
        for i in range(n):
            scene, box = grounding_sample(seed, split, i)
            name = f"{i + 1:06d}.jpg"
            (tmp / name).write_bytes(_encode_jpeg(render_frame(scene, 0)))
            samples.append({
                "id": i + 1, "image": f"grounding/{split}/{name}", "sentence": scene.sentence,
                "box": [int(v) for v in box], "ambiguous": scene.ambiguous, "kind": scene.sentence_kind,
                "width": scene.width, "height": scene.height,
            })
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(tmp, base / split)
    atomic_write_json(final_json, {"version": GENERATOR_VERSION, "seed": seed, "split": split, "samples": samples})
    return final_json


def write_marker(root: Path, seed: int) -> None:
    marker = Path(root) / "synth.json"
    if not marker.is_file():
        atomic_write_json(marker, {
            "generator": "nlbench.datasets.synth", "version": GENERATOR_VERSION, "seed": seed,
            "split_sizes": SPLIT_SIZES, "grounding_sizes": GROUNDING_SIZES, "attributes": list(SYNTH_ATTRIBUTES),
        })


def read_marker(root: Path) -> dict | None:
    marker = Path(root) / "synth.json"
    if not marker.is_file():
        return None
    return json.loads(marker.read_text(encoding="utf-8"))
