"""Pixels of the synth benchmark: textured backgrounds, shapes, occluders, and the ground truth they imply.

Drawing uses OpenCV with integer (fixed-point) coordinates only, so the same scene renders to the same
bytes.  The ground-truth box is the target's full (unoccluded) extent clipped to the frame; a frame where
less than :data:`~nlbench.datasets.synth.scene.ABSENT_VISIBLE_FRACTION` of the target is visible (occluded
or outside the view) is absent and gets ``0,0,0,0`` as in TNL2K.
"""

from __future__ import annotations

import cv2
import numpy as np

from nlbench.datasets.synth.scene import ABSENT_VISIBLE_FRACTION, COLOURS, Scene, SceneObject

_SHIFT = 4  # fixed-point bits for sub-pixel polygon vertices
_SCALE = 1 << _SHIFT


def background(scene: Scene) -> np.ndarray:
    """A desaturated, low-frequency texture with stripes (RGB uint8), a function of the scene's seed."""
    rng = np.random.default_rng(scene.background_seed)
    h, w = scene.height, scene.width
    base = rng.uniform(80, 170)
    coarse = rng.normal(0, 22, size=(4, 5)).astype(np.float32)
    mid = rng.normal(0, 12, size=(12, 16)).astype(np.float32)
    fine = rng.normal(0, 6, size=(48, 64)).astype(np.float32)
    lum = (
        base
        + cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
        + cv2.resize(mid, (w, h), interpolation=cv2.INTER_CUBIC)
        + cv2.resize(fine, (w, h), interpolation=cv2.INTER_LINEAR)
    )
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, np.pi)
    period = rng.uniform(10, 40)
    lum += rng.uniform(4, 14) * np.sin((xx * np.cos(theta) + yy * np.sin(theta)) * (2 * np.pi / period))
    tint = np.asarray(scene.background_tint, dtype=np.float32)
    img = lum[..., None] + tint[None, None, :]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _polygon(obj: SceneObject, t: int) -> np.ndarray | None:
    """Fixed-point vertices of the shape at frame t (None for circles)."""
    cx, cy = obj.centres[t]
    r = obj.radii[t]
    if obj.shape == "circle":
        return None
    if obj.shape == "square":
        angles = np.deg2rad(np.array([45, 135, 225, 315]) + obj.angle * 0.5)
        radius = np.full(4, r * np.sqrt(2))
    elif obj.shape == "diamond":
        angles = np.deg2rad(np.array([0, 90, 180, 270]))
        radius = np.array([r * 0.8, r * 1.1, r * 0.8, r * 1.1])
    elif obj.shape == "triangle":
        angles = np.deg2rad(np.array([-90, 30, 150]) + obj.angle * 0.5)
        radius = np.full(3, r * 1.2)
    elif obj.shape == "star":
        angles = np.deg2rad(np.arange(10) * 36.0 - 90 + obj.angle)
        radius = np.where(np.arange(10) % 2 == 0, r * 1.25, r * 0.5)
    else:  # pragma: no cover - SHAPES is closed
        raise ValueError(obj.shape)
    pts = np.stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)], axis=1)
    return np.rint(pts * _SCALE).astype(np.int32)


def _draw(canvas: np.ndarray, obj: SceneObject, t: int, colour: tuple[int, ...], aa: bool) -> None:
    line = cv2.LINE_AA if aa else cv2.LINE_8
    poly = _polygon(obj, t)
    if poly is None:
        centre = tuple(int(v) for v in np.rint(obj.centres[t] * _SCALE))
        cv2.circle(canvas, centre, int(round(obj.radii[t] * _SCALE)), colour, -1, line, _SHIFT)
    else:
        cv2.fillPoly(canvas, [poly], colour, line, _SHIFT)


def object_mask(obj: SceneObject, t: int, width: int, height: int, pad: int = 0) -> np.ndarray:
    """Binary mask of the full shape on a canvas extended by ``pad`` pixels on every side."""
    mask = np.zeros((height + 2 * pad, width + 2 * pad), np.uint8)
    shifted = SceneObject(obj.shape, obj.colour, obj.size_class, obj.centres + pad, obj.radii, obj.angle, obj.z)
    _draw(mask, shifted, t, (1,), aa=False)
    return mask


def render_frame(scene: Scene, t: int, bg: np.ndarray | None = None) -> np.ndarray:
    """Frame t as RGB uint8 (H, W, 3)."""
    frame = (background(scene) if bg is None else bg).copy()
    for obj in sorted(scene.objects, key=lambda o: o.z):
        colour = COLOURS[obj.colour]
        # darker rim first, then the body: edges stay visible on any background
        rim = SceneObject(obj.shape, obj.colour, obj.size_class, obj.centres, obj.radii + 1.2, obj.angle, obj.z)
        _draw(frame, rim, t, tuple(int(c * 0.55) for c in colour), aa=True)
        _draw(frame, obj, t, colour, aa=True)
    for occ in scene.occluders:
        cv2.rectangle(frame, (occ.x, occ.y), (occ.x + occ.w - 1, occ.y + occ.h - 1), (occ.shade,) * 3, -1)
        cv2.rectangle(frame, (occ.x, occ.y), (occ.x + occ.w - 1, occ.y + occ.h - 1), (occ.shade // 2,) * 3, 1)
    return frame


def target_track(
    scene: Scene, frames: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: GT box (xywh, integers, ``0,0,0,0`` when absent), visible flag, visible and in-view fractions.

    The visible fraction counts target pixels inside the frame and not covered by an occluder or by an
    object drawn above the target; the in-view fraction counts target pixels inside the frame.
    ``frames`` restricts the work to some frames (the others stay absent), for training samplers.
    """
    w, h, n = scene.width, scene.height, scene.num_frames
    target = scene.target
    above = [o for o in scene.objects[1:] if o.z > target.z]
    pad = int(np.ceil(max(target.radii.max(), max((o.radii.max() for o in above), default=0)) * 3)) + 4
    occl = np.zeros((h, w), bool)
    for occ in scene.occluders:
        occl[max(occ.y, 0): occ.y + occ.h, max(occ.x, 0): occ.x + occ.w] = True

    gt = np.zeros((n, 4), np.float64)
    visible = np.zeros(n, bool)
    fraction = np.zeros(n)
    in_view = np.zeros(n)
    for t in range(n) if frames is None else frames:
        cx, cy = target.centres[t]
        if cx < -pad + 2 or cy < -pad + 2 or cx > w + pad - 2 or cy > h + pad - 2:
            continue  # far outside: nothing visible
        full = object_mask(target, t, w, h, pad).astype(bool)
        total = int(full.sum())
        if total == 0:
            continue
        inside = full[pad: pad + h, pad: pad + w]
        vis = inside & ~occl
        for obj in above:
            vis &= ~object_mask(obj, t, w, h, pad)[pad: pad + h, pad: pad + w].astype(bool)
        fraction[t] = vis.sum() / total
        in_view[t] = inside.sum() / total
        if fraction[t] < ABSENT_VISIBLE_FRACTION or not inside.any():
            continue
        ys, xs = np.nonzero(inside)
        x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        gt[t] = (x1, y1, x2 - x1, y2 - y1)
        visible[t] = True
    return gt, visible, fraction, in_view


def full_boxes(scene: Scene, t: int) -> np.ndarray:
    """Unclipped xywh box of every object at frame t (for training crops and spatial words)."""
    boxes = np.zeros((len(scene.objects), 4))
    for i, obj in enumerate(scene.objects):
        pad = int(np.ceil(obj.radii[t] * 3)) + 4
        m = object_mask(obj, t, scene.width, scene.height, pad)
        ys, xs = np.nonzero(m)
        if len(xs):
            boxes[i] = (xs.min() - pad, ys.min() - pad, xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min())
    return boxes
