"""Named sentence variants of the synth sequences, derived from the scene (what is where at frame 0).

The generator knows every object, so each sequence gets, beside its ``original`` sentence:

- ``paraphrase``: the same referent and the same facts in other words and another order;
- ``minimal``: the shortest description that fits the target alone at frame 0;
- ``ambiguous``: a description that fits the target and at least one other object;
- ``distractor``: the shortest unambiguous description of another object of the first frame;
- ``relational``: the target named by its position relative to another, uniquely described object.

Variants are rules over the scene -- no random draw -- so they are the same on every machine and do
not touch the generator's streams: the pixels and ground truth of synth are unchanged.  They avoid
commas and ``#`` (JointNLT's numpy reading of a sentence would split on them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence as SequenceOf

import numpy as np

from nlbench.datasets.synth.build import DEFAULT_SEED, scene_rng
from nlbench.datasets.synth.render import target_track
from nlbench.datasets.synth.scene import COLOURS, SHAPES, SIZE_RANGES, Scene, SceneObject, SceneOptions, \
    _relation, make_scene

VARIANTS = ("original", "paraphrase", "minimal", "ambiguous", "distractor", "relational")

_NAME = re.compile(r"^synth_(?P<split>[a-z]+)_(?P<index>\d{4})$")


def first_frame_scene(seed: int, split: str, index: int, options: SceneOptions = SceneOptions()) -> Scene:
    """The scene of sequence ``index`` of ``split``, as :func:`~nlbench.datasets.synth.build.generate_sequence`
    accepts it, checking only frame 0 (the acceptance rule looks at frame 0 alone; no pixels are written)."""
    rng = scene_rng(seed, split, index)
    while True:
        scene = make_scene(rng, options)
        _, visible, fraction, in_view = target_track(scene, frames=[0])
        if visible[0] and in_view[0] > 0.999 and fraction[0] > 0.9:
            return scene


def sequence_index(name: str) -> tuple[str, int]:
    """``synth_test_0007`` -> ("test", 6)."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"'{name}' is not a synth sequence name (synth_<split>_NNNN)")
    return match["split"], int(match["index"]) - 1


# ------------------------------------------------------------------------------------------------ descriptions


def _words(obj: SceneObject, size: bool, colour: bool, shape: bool) -> str:
    parts = [obj.size_class] * size + [obj.colour] * colour + [obj.shape if shape else "shape"]
    return " ".join(parts)


def _fits(obj: SceneObject, other: SceneObject, size: bool, colour: bool, shape: bool) -> bool:
    return ((not size or obj.size_class == other.size_class) and (not colour or obj.colour == other.colour)
            and (not shape or obj.shape == other.shape))

#: which attributes a description uses, shortest first (shape alone, colour alone, then pairs, then all three)
_KEYS = ((False, False, True), (False, True, False), (False, True, True), (True, False, True), (True, True, False),
         (True, True, True))


def _matches(objects: SequenceOf[SceneObject], obj: SceneObject, key: tuple[bool, bool, bool]) -> list[SceneObject]:
    return [o for o in objects if _fits(obj, o, *key)]


def _position_word(obj: SceneObject, twins: list[SceneObject]) -> str:
    """Where ``obj`` lies among look-alikes at frame 0, on the axis that separates them most."""
    xs = np.array([o.centres[0][0] for o in twins])
    ys = np.array([o.centres[0][1] for o in twins])
    x, y = obj.centres[0]
    if np.ptp(xs) >= np.ptp(ys):
        return "on the left" if x == xs.min() else "on the right" if x == xs.max() else "in the middle"
    return "at the top" if y == ys.min() else "at the bottom" if y == ys.max() else "in the middle"


def unique_description(objects: SequenceOf[SceneObject], obj: SceneObject) -> str:
    """The shortest ``[size] [colour] shape`` that fits ``obj`` alone at frame 0 (else with its position)."""
    for key in _KEYS:
        if len(_matches(objects, obj, key)) == 1:
            return _words(obj, *key)
    return f"{_words(obj, True, True, True)} {_position_word(obj, _matches(objects, obj, (True, True, True)))}"


def _ambiguous(objects: SequenceOf[SceneObject]) -> str:
    target = objects[0]
    for key in _KEYS[:2] + ((True, False, False),):  # shape, colour, then size alone
        if len(_matches(objects, target, key)) > 1:
            return f"the {_words(target, *key)}"
    return "the shape"  # nothing shared: a word that fits every object


def _distractor(objects: SequenceOf[SceneObject]) -> str:
    """Another object of frame 0, preferring one that differs from the target in colour and shape."""
    target, others = objects[0], list(objects[1:])
    described = [(unique_description(objects, o), o) for o in others]
    # most unlike the target first, then the shortest description
    ranked = sorted(described, key=lambda d: (-((d[1].colour != target.colour) + (d[1].shape != target.shape)),
                                              len(d[0].split())))
    return f"the {ranked[0][0]}"


def _relational(objects: SequenceOf[SceneObject]) -> str:
    """``the <target> <relation> the <anchor>``: the anchor described uniquely, the relation true of the target
    alone among the objects the target's words fit."""
    target = objects[0]
    anchors = list(objects[1:])
    for key in _KEYS:
        look_alikes = [o for o in _matches(objects, target, key) if o is not target]
        for anchor in anchors:
            rel = _relation(target.centres[0], anchor.centres[0])
            if rel is None or any(_relation(o.centres[0], anchor.centres[0]) == rel for o in look_alikes if o is not anchor):
                continue
            return f"the {_words(target, *key)} {rel} the {unique_description(objects, anchor)}"
    # no clean relation: the dominant axis to the nearest object, with the target's full description
    anchor = min(anchors, key=lambda o: float(np.hypot(*(o.centres[0] - target.centres[0]))))
    d = target.centres[0] - anchor.centres[0]
    rel = ("right of" if d[0] > 0 else "left of") if abs(d[0]) >= abs(d[1]) else ("below" if d[1] > 0 else "above")
    return f"the {unique_description(objects, target)} {rel} the {unique_description(objects, anchor)}"


def _paraphrase(scene: Scene, index: int) -> str:
    """The original's facts (words of the generator's grammar) in another wording and order."""
    words = scene.sentence.split()
    if scene.sentence_kind == "relational":  # "the <shape> <rel> the <colour> <shape>"
        rel = " ".join(words[2:-3])
        anchor = " ".join(words[-2:])
        return f"look at the {anchor} and take the {words[1]} {rel} it"
    size = next((w for w in words if w in SIZE_RANGES), None)
    colour = next(w for w in words if w in COLOURS)
    shape = next(w for w in words if w in SHAPES)
    direction = words[words.index("moving") + 1] if "moving" in words else None
    if index % 2 == 0:
        text = f"the {shape} that is {colour}" + (f" and {size}" if size else "")
        return text + (f" going {direction}" if direction else "")
    text = f"follow the {colour} {shape}" + (f" of {size} size" if size else "")
    return text + (f" as it moves {direction}" if direction else "")


def sentence_variant(scene: Scene, variant: str, index: int = 0) -> str:
    """Sentence ``variant`` (see :data:`VARIANTS`) of a scene; ``index`` picks the paraphrase's wording."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown sentence variant '{variant}'; choose one of {', '.join(VARIANTS)}")
    objects = scene.objects
    if variant == "original":
        return scene.sentence
    if variant == "paraphrase":
        return _paraphrase(scene, index)
    if variant == "minimal":
        return f"the {unique_description(objects, objects[0])}"
    if variant == "ambiguous":
        return _ambiguous(objects)
    if variant == "distractor":
        return _distractor(objects)
    return _relational(objects)


def synth_variants(names: SequenceOf[str], variant: str, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """``{sequence: sentence}`` of ``variant`` for synth sequences (by name), in the given order."""
    out = {}
    for name in names:
        split, index = sequence_index(name)
        out[name] = sentence_variant(first_frame_scene(seed, split, index), variant, index)
    return out
