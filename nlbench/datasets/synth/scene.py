"""Procedural scenes of the synth benchmark: objects, trajectories and the sentence that names the target.

Everything here is pure numpy driven by one ``numpy.random.Generator``, so a scene is a function of its
seed.  Rendering (pixels) lives in :mod:`nlbench.datasets.synth.render`; this module only decides what is
where, and what the sentence says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FRAME_WIDTH = 256
FRAME_HEIGHT = 192

SHAPES = ("circle", "square", "triangle", "star", "diamond")
#: RGB; saturated so that colour words are visible against the desaturated backgrounds.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (40, 90, 235),
    "yellow": (240, 215, 40),
    "purple": (150, 60, 205),
    "orange": (250, 140, 30),
}
#: Half-size ("radius") ranges in pixels at frame 0.
SIZE_RANGES = {"small": (9.0, 12.0), "large": (17.0, 22.0)}
DIRECTIONS = ("left", "right", "up", "down")
RELATIONS = ("left of", "right of", "above", "below")

#: Per-sequence attribute flags, in the order of ``attributes.txt`` (TNL2K style, one 0/1 per name).
SYNTH_ATTRIBUTES = (
    "occlusion",
    "out_of_view",
    "scale_variation",
    "fast_motion",
    "similar_distractor",
    "ambiguous",
    "relational_sentence",
    "motion_sentence",
)

#: A frame counts as absent (GT ``0,0,0,0``) when less than this fraction of the target is visible.
ABSENT_VISIBLE_FRACTION = 0.15
#: Attribute thresholds (computed from the generated GT, so tests can re-derive them).
OCCLUSION_VISIBLE_FRACTION = 0.5  # some frame with the target in view but less than half visible
SCALE_VARIATION_RATIO = 1.5  # max/min of sqrt(area) of the visible boxes
FAST_MOTION_FRACTION = 0.4  # some frame-to-frame centre move larger than 0.4 × the target's size (sqrt area)


@dataclass(frozen=True)
class SceneObject:
    shape: str
    colour: str
    size_class: str
    centres: np.ndarray  # (T, 2) float64 centre per frame, pixels
    radii: np.ndarray  # (T,) float64 half-size per frame
    angle: float  # fixed rotation in degrees (squares, triangles, stars)
    z: int  # drawing order among objects (higher is drawn later, i.e. on top)


@dataclass(frozen=True)
class Occluder:
    """A static grey bar drawn above every object."""

    x: int
    y: int
    w: int
    h: int
    shade: int


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    num_frames: int
    objects: tuple[SceneObject, ...]  # objects[0] is the target
    occluders: tuple[Occluder, ...]
    sentence: str
    sentence_kind: str  # "attribute", "relational" or "motion"
    ambiguous: bool
    background_seed: int
    background_tint: tuple[int, int, int]
    extras: dict = field(default_factory=dict)

    @property
    def target(self) -> SceneObject:
        return self.objects[0]


@dataclass(frozen=True)
class SceneOptions:
    """Knobs of the generator; the probabilities are per sequence."""

    num_frames: int = 100
    width: int = FRAME_WIDTH
    height: int = FRAME_HEIGHT
    p_ambiguous: float = 0.1
    p_relational: float = 0.2
    p_motion_sentence: float = 0.12
    p_occluder: float = 0.35
    p_out_of_view: float = 0.25
    p_fast: float = 0.2
    p_scale: float = 0.35
    min_distractors: int = 2
    max_distractors: int = 4


# ----------------------------------------------------------------------------------------------- trajectories


def _smooth_path(rng: np.random.Generator, waypoints: np.ndarray, num_frames: int) -> np.ndarray:
    """Cosine-eased interpolation through waypoints placed at increasing frame indices."""
    knots = np.linspace(0, num_frames - 1, len(waypoints))
    t = np.arange(num_frames, dtype=np.float64)
    seg = np.clip(np.searchsorted(knots, t, side="right") - 1, 0, len(knots) - 2)
    u = (t - knots[seg]) / (knots[seg + 1] - knots[seg])
    ease = 0.5 - 0.5 * np.cos(np.pi * u)
    return waypoints[seg] + (waypoints[seg + 1] - waypoints[seg]) * ease[:, None]


def _waypoints(
    rng: np.random.Generator, n: int, width: int, height: int, margin: float, step: float, start: np.ndarray | None
) -> np.ndarray:
    """A random walk of ``n`` points that stays inside the frame (reflected at ``margin``)."""
    points = np.empty((n, 2))
    points[0] = start if start is not None else rng.uniform([margin, margin], [width - margin, height - margin])
    for i in range(1, n):
        angle = rng.uniform(0, 2 * np.pi)
        p = points[i - 1] + step * rng.uniform(0.5, 1.0) * np.array([np.cos(angle), np.sin(angle)])
        for axis, hi in ((0, width - margin), (1, height - margin)):
            if p[axis] < margin:
                p[axis] = 2 * margin - p[axis]
            if p[axis] > hi:
                p[axis] = 2 * hi - p[axis]
            p[axis] = min(max(p[axis], margin), hi)
        points[i] = p
    return points


def _exit_point(rng: np.random.Generator, near: np.ndarray, width: int, height: int, radius: float) -> np.ndarray:
    """A point fully outside the frame, past the border nearest to ``near``."""
    gaps = [near[0], width - near[0], near[1], height - near[1]]
    side = int(np.argmin(gaps))
    out = near.copy()
    beyond = radius * 2.5 + rng.uniform(5, 20)
    if side == 0:
        out[0] = -beyond
    elif side == 1:
        out[0] = width + beyond
    elif side == 2:
        out[1] = -beyond
    else:
        out[1] = height + beyond
    return out


def _radius_track(rng: np.random.Generator, r0: float, num_frames: int, scale_change: bool) -> np.ndarray:
    if not scale_change:
        return np.full(num_frames, r0) * (1 + 0.05 * np.sin(np.linspace(0, rng.uniform(1, 3), num_frames)))
    ratio = rng.uniform(1.7, 2.3) ** rng.choice([-1.0, 1.0])
    phase = np.linspace(0, 1, num_frames)
    # grow or shrink, part of the way back at the end
    profile = np.sin(np.pi * phase * rng.uniform(0.5, 1.0))
    return r0 * ratio ** (profile / profile.max())


def _dominant_direction(centres: np.ndarray, horizon: int = 30) -> str | None:
    d = centres[min(horizon, len(centres) - 1)] - centres[0]
    if max(abs(d[0]), abs(d[1])) < 12:
        return None
    if abs(d[0]) >= abs(d[1]):
        return "right" if d[0] > 0 else "left"
    return "down" if d[1] > 0 else "up"


# ------------------------------------------------------------------------------------------------- the scene


def _relation(of: np.ndarray, to: np.ndarray) -> str | None:
    """How ``of`` lies relative to ``to`` when one axis clearly dominates (image y grows downwards)."""
    d = of - to
    if abs(d[0]) > 1.2 * abs(d[1]) and abs(d[0]) > 20:
        return "right of" if d[0] > 0 else "left of"
    if abs(d[1]) > 1.2 * abs(d[0]) and abs(d[1]) > 20:
        return "below" if d[1] > 0 else "above"
    return None


def _pick_other(rng: np.random.Generator, values: tuple[str, ...], exclude: str) -> str:
    return str(rng.choice([v for v in values if v != exclude]))


def make_scene(rng: np.random.Generator, options: SceneOptions = SceneOptions(), still: bool = False) -> Scene:
    """One random scene: the target (``objects[0]``), distractors, occluders and the sentence.

    ``still`` makes a one-frame scene for the grounding split (no motion words).
    """
    w, h, n = options.width, options.height, (1 if still else options.num_frames)
    ambiguous = bool(rng.random() < options.p_ambiguous)
    kind_draw = rng.random()
    kind = "attribute"
    if not ambiguous and kind_draw < options.p_relational:
        kind = "relational"
    elif not ambiguous and not still and kind_draw < options.p_relational + options.p_motion_sentence:
        kind = "motion"

    t_shape = str(rng.choice(SHAPES))
    t_colour = str(rng.choice(list(COLOURS)))
    t_size = str(rng.choice(list(SIZE_RANGES)))

    # distractor specs (shape, colour, size) chosen so that the sentence is needed
    specs: list[tuple[str, str, str]] = []
    n_distractors = int(rng.integers(options.min_distractors, options.max_distractors + 1))
    if ambiguous or kind == "motion":
        specs.append((t_shape, t_colour, t_size))  # a twin: only motion (or nothing) tells them apart
    if kind == "relational":
        specs.append((t_shape, _pick_other(rng, tuple(COLOURS), t_colour), str(rng.choice(list(SIZE_RANGES)))))
    while len(specs) < n_distractors:
        r = rng.random()
        if r < 0.3:
            specs.append((_pick_other(rng, SHAPES, t_shape), t_colour, str(rng.choice(list(SIZE_RANGES)))))
        elif r < 0.6:
            specs.append((t_shape, _pick_other(rng, tuple(COLOURS), t_colour), str(rng.choice(list(SIZE_RANGES)))))
        elif r < 0.75 and kind == "attribute" and not ambiguous:
            other_size = "small" if t_size == "large" else "large"
            specs.append((t_shape, t_colour, other_size))
        else:
            specs.append((_pick_other(rng, SHAPES, t_shape), _pick_other(rng, tuple(COLOURS), t_colour),
                          str(rng.choice(list(SIZE_RANGES)))))

    fast = (not still) and bool(rng.random() < options.p_fast)
    out_of_view = (not still) and bool(rng.random() < options.p_out_of_view)
    scale_change = (not still) and bool(rng.random() < options.p_scale)
    step = 90.0 if fast else 35.0
    n_way = max(2, n // (10 if fast else 25) + 1)

    objects: list[SceneObject] = []
    all_specs = [(t_shape, t_colour, t_size)] + specs
    placed: list[np.ndarray] = []
    for index, (shape, colour, size_class) in enumerate(all_specs):
        lo, hi = SIZE_RANGES[size_class]
        r0 = float(rng.uniform(lo, hi))
        margin = r0 + 4
        # start positions kept apart so that frame 0 shows every object
        start = None
        for _ in range(30):
            cand = rng.uniform([margin, margin], [w - margin, h - margin])
            if all(np.hypot(*(cand - p)) > 2.2 * max(r0, 14) for p in placed):
                start = cand
                break
        if start is None:
            start = rng.uniform([margin, margin], [w - margin, h - margin])
        placed.append(start)
        if n == 1:
            centres = start[None, :]
        else:
            way = _waypoints(rng, n_way, w, h, margin, step if index == 0 else 35.0, start)
            if index == 0 and out_of_view:
                k = int(rng.integers(1, n_way - 1)) if n_way > 2 else 1
                way[k] = _exit_point(rng, way[k], w, h, r0)
            centres = _smooth_path(rng, way, n)
        radii = np.array([r0]) if n == 1 else _radius_track(rng, r0, n, scale_change and index == 0)
        objects.append(SceneObject(shape, colour, size_class, centres, radii, float(rng.uniform(-20, 20)), 0))

    # z-order: random permutation, so the target is sometimes behind a distractor
    order = rng.permutation(len(objects))
    objects = [SceneObject(o.shape, o.colour, o.size_class, o.centres, o.radii, o.angle, int(z))
               for o, z in zip(objects, order)]

    occluders: list[Occluder] = []
    if not still and rng.random() < options.p_occluder:
        # a bar across the target's path, at a frame where the target is well inside the view
        t_mid = int(rng.integers(n // 4, 3 * n // 4))
        c = objects[0].centres[t_mid]
        r = objects[0].radii[t_mid]
        vertical = bool(rng.random() < 0.5)
        thick = int(rng.uniform(2.4, 3.4) * r)
        if vertical:
            occluders.append(Occluder(int(c[0] - thick / 2), 0, thick, h, int(rng.integers(90, 170))))
        else:
            occluders.append(Occluder(0, int(c[1] - thick / 2), w, thick, int(rng.integers(90, 170))))

    sentence, kind, matches = sentence_for(rng, objects, kind, still)
    ambiguous = matches > 1  # a motion sentence that fell back to attributes can leave two candidates
    return Scene(
        width=w, height=h, num_frames=n, objects=tuple(objects), occluders=tuple(occluders),
        sentence=sentence, sentence_kind=kind, ambiguous=ambiguous,
        background_seed=int(rng.integers(0, 2**31 - 1)),
        background_tint=tuple(int(v) for v in rng.integers(-8, 9, size=3)),  # type: ignore[arg-type]
        extras={"fast": fast, "out_of_view_path": out_of_view, "scale_change": scale_change},
    )


def _describe(obj: SceneObject, with_size: bool) -> str:
    return f"{obj.size_class} {obj.colour} {obj.shape}" if with_size else f"{obj.colour} {obj.shape}"


def sentence_for(rng: np.random.Generator, objects: "list[SceneObject] | tuple[SceneObject, ...]", kind: str,
                 still: bool) -> tuple[str, str, int]:
    """The sentence, its kind, and how many objects it fits at frame 0 (more than one: ambiguous)."""
    target, others = objects[0], objects[1:]
    twin_colour_shape = [o for o in others if o.colour == target.colour and o.shape == target.shape]
    needs_size = any(o.size_class != target.size_class for o in twin_colour_shape)
    lead = str(rng.choice(["the", "the", "the", "track the", "a"]))

    if kind == "relational":
        anchors = [o for o in others if sum(p.colour == o.colour and p.shape == o.shape for p in objects) == 1
                   and o.shape != target.shape]
        rng.shuffle(anchors)  # type: ignore[arg-type]
        same_shape = [o for o in others if o.shape == target.shape]
        for anchor in anchors:
            rel = _relation(target.centres[0], anchor.centres[0])
            if rel is None:
                continue
            if any(_relation(o.centres[0], anchor.centres[0]) == rel for o in same_shape):
                continue
            return f"the {target.shape} {rel} the {anchor.colour} {anchor.shape}", "relational", 1
        kind = "attribute"  # no clean relation in this layout: fall back

    if kind == "motion":
        direction = _dominant_direction(target.centres)
        twin_dirs = [_dominant_direction(o.centres) for o in twin_colour_shape]
        if direction is not None and direction not in twin_dirs:
            return f"{lead} {_describe(target, needs_size)} moving {direction}", "motion", 1
        kind = "attribute"

    with_size = needs_size or bool(rng.random() < 0.2)
    text = f"{lead} {_describe(target, with_size)}"
    matches = 1 + sum(o.size_class == target.size_class or not with_size for o in twin_colour_shape)
    if not still and rng.random() < 0.2:
        direction = _dominant_direction(target.centres)
        if direction is not None:
            text += f" moving {direction}"  # descriptive only: colour/shape already decide
    return text, "attribute", matches
