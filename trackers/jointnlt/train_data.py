"""Training samples for JointNLT on the synth benchmark, drawn from the generator in memory.

One sample follows the paper's ``grounding`` sampler (spec §7): a grounding frame (frame 0, the frame the
sentence describes), two search frames drawn with replacement among the visible later frames, the sentence.
Crops use the test-time preprocessing (whole-frame resize for grounding, ``sample_target`` for template and
search) so that training and testing see the same pixels; search crops are jittered as STARK/JointNLT do
(centre jitter 4.5, scale jitter 0.5).

Deviations from the original augmentation, on purpose: no horizontal flip (it contradicts "left of"/"moving
right") and no grayscale (it erases the colour words the synth sentences depend on).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from nlbench.datasets.synth.build import DEFAULT_SEED, scene_rng
from nlbench.datasets.synth.render import background, render_frame, target_track
from nlbench.datasets.synth.scene import Scene, SceneOptions, make_scene, sentence_for

from nlbench_trackers.common.normalize import Normalizer

from .config import JointNLTConfig

from .preprocess import grounding_resize, sample_target

#: Search-crop jitter of the original training config (STARK/JointNLT ``DATA.SEARCH``).
CENTER_JITTER = 4.5
SCALE_JITTER = 0.5
BRIGHTNESS_JITTER = 0.2
TRAIN_SCENE = SceneOptions(num_frames=60)


@dataclass
class Clip:
    """Decoded frames and boxes of one training sample (before cropping)."""

    sentence: str
    frames: list[np.ndarray]  # [grounding frame, search 1, search 2], RGB uint8
    boxes: np.ndarray  # (3, 4) xywh GT of those frames


@dataclass
class Batch:
    sentences: list[str]
    ground_img: torch.Tensor  # (B, 3, S, S) normalised
    ground_mask: torch.Tensor  # (B, S, S) bool, True on padding
    ground_box: torch.Tensor  # (B, 4) xyxy normalised to the grounding image
    ground_scale: np.ndarray  # (B,) image pixels per grounding-image pixel
    clips: list[Clip]
    search_img: torch.Tensor  # (B, 2, 3, S, S)
    search_mask: torch.Tensor  # (B, 2, S, S)
    search_box: torch.Tensor  # (B, 2, 4) xyxy normalised to the search crop


def make_clip(rng: np.random.Generator, options: SceneOptions = TRAIN_SCENE, max_gap: int = 50) -> Clip:
    """A scene whose frame 0 shows the whole target, and two visible search frames after it."""
    while True:
        scene = make_scene(rng, options)
        candidates = list(range(1, min(options.num_frames, max_gap + 1)))
        picks = [0] + [int(v) for v in rng.choice(candidates, size=6, replace=True)]
        gt, visible, fraction, in_view = target_track(scene, sorted(set(picks)))
        if not (visible[0] and in_view[0] > 0.999 and fraction[0] > 0.9):
            continue
        search = [t for t in picks[1:] if visible[t]]
        if not search:
            continue
        s1, s2 = search[0], search[min(1, len(search) - 1)]
        bg = background(scene)
        frames = [render_frame(scene, t, bg) for t in (0, s1, s2)]
        return Clip(scene.sentence, frames, gt[[0, s1, s2]].copy())


def normalise(images: np.ndarray, cfg: JointNLTConfig) -> torch.Tensor:
    """(B, S, S, 3) uint8 RGB → (B, 3, S, S) float, ImageNet mean/std (spec §1)."""
    return Normalizer(cfg.mean, cfg.std).image(images)


def crop_box(box: np.ndarray, crop_on: np.ndarray, factor: float, out: int) -> tuple[np.ndarray, float]:
    """Where ``box`` (xywh, image) lands in ``sample_target(frame, crop_on, factor, out)``, normalised xyxy.

    Uses the same crop size and (rounded) origin as ``sample_target``.
    """
    x, y, w, h = crop_on
    crop_sz = int(np.ceil(np.sqrt(w * h) * factor))
    x1 = round(x + 0.5 * w - crop_sz * 0.5)
    y1 = round(y + 0.5 * h - crop_sz * 0.5)
    rf = out / crop_sz
    xyxy = np.array([box[0] - x1, box[1] - y1, box[0] + box[2] - x1, box[1] + box[3] - y1]) * rf / out
    return np.clip(xyxy, 0.0, 1.0), rf


def jitter_box(rng: np.random.Generator, box: np.ndarray, center_jitter: float = CENTER_JITTER,
               scale_jitter: float = SCALE_JITTER) -> np.ndarray:
    """STARK's ``_get_jittered_box``: log-normal size jitter, uniform centre offset of ±center_jitter/2·size."""
    size = box[2:] * np.exp(rng.standard_normal(2) * scale_jitter)
    max_offset = np.sqrt(size.prod()) * center_jitter
    centre = box[:2] + 0.5 * box[2:] + max_offset * (rng.random(2) - 0.5)
    return np.concatenate([centre - 0.5 * size, size])


def brightness(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    factor = rng.uniform(1 - BRIGHTNESS_JITTER, 1 + BRIGHTNESS_JITTER)
    return np.clip(img.astype(np.float32) * factor, 0, 255).astype(np.uint8)


def ground_inputs(frame: np.ndarray, box: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Grounding image, its padding mask, the GT as normalised xyxy, and image pixels per resized pixel."""
    img, mask, new_w, new_h = grounding_resize(frame, size)
    h, w = frame.shape[:2]
    sx, sy = new_w / w, new_h / h
    xyxy = np.array([box[0] * sx, box[1] * sy, (box[0] + box[2]) * sx, (box[1] + box[3]) * sy]) / size
    return img, mask, np.clip(xyxy, 0.0, 1.0), w / new_w


def make_batch(rng: np.random.Generator, cfg: JointNLTConfig, batch_size: int,
               options: SceneOptions = TRAIN_SCENE, center_jitter: float = CENTER_JITTER,
               scale_jitter: float = SCALE_JITTER) -> Batch:
    s = cfg.search_size
    clips = [make_clip(rng, options) for _ in range(batch_size)]
    g_img, g_mask, g_box, g_scale = [], [], [], []
    s_img, s_mask, s_box = [], [], []
    for clip in clips:
        img, mask, box, scale = ground_inputs(brightness(rng, clip.frames[0]), clip.boxes[0], cfg.grounding_size)
        g_img.append(img), g_mask.append(mask), g_box.append(box), g_scale.append(scale)
        for k in (1, 2):
            crop_on = jitter_box(rng, clip.boxes[k], center_jitter, scale_jitter)
            crop, _, cmask = sample_target(brightness(rng, clip.frames[k]), crop_on, cfg.search_factor, s)
            xyxy, _ = crop_box(clip.boxes[k], crop_on, cfg.search_factor, s)
            s_img.append(crop), s_mask.append(cmask), s_box.append(xyxy)
    b = batch_size
    return Batch(
        sentences=[c.sentence for c in clips],
        ground_img=normalise(np.stack(g_img), cfg),
        ground_mask=torch.from_numpy(np.stack(g_mask).astype(bool)),
        ground_box=torch.tensor(np.stack(g_box), dtype=torch.float32),
        ground_scale=np.array(g_scale),
        clips=clips,
        search_img=normalise(np.stack(s_img), cfg).view(b, 2, 3, s, s),
        search_mask=torch.from_numpy(np.stack(s_mask).astype(bool)).view(b, 2, s, s),
        search_box=torch.tensor(np.stack(s_box), dtype=torch.float32).view(b, 2, 4),
    )


def template_batch(rng: np.random.Generator, cfg: JointNLTConfig, clips: list[Clip],
                   boxes: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Templates cropped from ``boxes`` (xywh, image pixels) of each clip's grounding frame."""
    imgs, masks = [], []
    for clip, box in zip(clips, boxes):
        crop, _, mask = sample_target(brightness(rng, clip.frames[0]), box, cfg.template_factor, cfg.template_size)
        imgs.append(crop), masks.append(mask)
    return normalise(np.stack(imgs), cfg), torch.from_numpy(np.stack(masks).astype(bool))


@dataclass
class StillBatch:
    """Image-only grounding samples (one-frame scenes), the analogue of RefCOCOg in the original's data mix."""

    sentences: list[str]
    ground_img: torch.Tensor
    ground_mask: torch.Tensor
    ground_box: torch.Tensor


def retarget(rng: np.random.Generator, scene: Scene) -> Scene | None:
    """The same one-frame scene with a random other object as the target and a sentence that names it alone,
    or None when no other object can be named unambiguously."""
    order = list(rng.permutation(np.arange(1, len(scene.objects))))
    for index in order:
        objects = (scene.objects[index],) + tuple(o for k, o in enumerate(scene.objects) if k != index)
        kind = "relational" if rng.random() < 0.2 else "attribute"
        text, kind, matches = sentence_for(rng, objects, kind, still=True)
        if matches == 1:
            return replace(scene, objects=objects, sentence=text, sentence_kind=kind, ambiguous=False)
    return None


def make_still_batch(rng: np.random.Generator, cfg: JointNLTConfig, batch_size: int,
                     options: SceneOptions = TRAIN_SCENE, retarget_fraction: float = 0.0) -> StillBatch:
    """One-frame grounding samples. With probability ``retarget_fraction`` a rendered scene also yields a
    second sample: the same pixels, another object named by its own sentence (the image alone then cannot
    tell which object is meant; only the words can)."""
    imgs, masks, boxes, sentences = [], [], [], []
    while len(imgs) < batch_size:
        scene = make_scene(rng, options, still=True)
        views = [scene]
        if len(scene.objects) > 1 and rng.random() < retarget_fraction:
            other = retarget(rng, scene)
            if other is not None:
                views.append(other)
        frame = None
        for view in views[: batch_size - len(imgs)]:
            gt, visible, fraction, in_view = target_track(view, [0])
            if not (visible[0] and in_view[0] > 0.999 and fraction[0] > 0.9):
                continue
            if frame is None:
                frame = render_frame(scene, 0)
            img, mask, box, _ = ground_inputs(brightness(rng, frame), gt[0], cfg.grounding_size)
            imgs.append(img), masks.append(mask), boxes.append(box), sentences.append(view.sentence)
    return StillBatch(sentences, normalise(np.stack(imgs), cfg), torch.from_numpy(np.stack(masks).astype(bool)),
                      torch.tensor(np.stack(boxes), dtype=torch.float32))


def curriculum_options(progress: float, ramp: float) -> SceneOptions:
    """Scenes with fewer distractors early on: 0 at the start, the full 2-4 from ``progress >= ramp``.

    From scratch, a grounding head facing several objects first learns to predict their mean position (the
    L1 optimum without word-object binding) and stays there; with the target alone it learns to localise
    first, and the distractors then make the sentence necessary.
    """
    full = TRAIN_SCENE
    if ramp <= 0 or progress >= ramp:
        return full
    cap = int(np.floor((full.max_distractors + 1) * progress / ramp))
    return SceneOptions(**{**full.__dict__, "min_distractors": min(full.min_distractors, cap), "max_distractors": cap})


def training_rng(seed: int) -> np.random.Generator:
    """The training stream: disjoint from the written splits (another stream id of the synth seeds)."""
    return scene_rng(DEFAULT_SEED + seed, "train-stream", 0)
