"""The separated pipeline ``GROUNDER+TRACKER``: ground the first frame, then track from that box.

This is the paper's "separated" baseline (VLTVG followed by STARK or OSTrack)
and works with any registered grounder and box tracker, e.g.
``jointnlt-tiny+csrt`` on the embedded benchmark or ``jointnlt+ostrack-384`` to
isolate the tracker's share.  Like the joint tracker, ``initialize`` returns the
grounded box, which the runner writes to ``<seq>_ground.txt``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from nlbench.core.errors import CheckpointError, NlbenchError, PluginError
from nlbench.core.types import SlotStart, TrackerPlugin

ROLES = ("grounder", "tracker")


def guard_min_size(box: np.ndarray, min_size: float) -> np.ndarray:
    """Grow a degenerate grounding around its centre: STARK/OSTrack crops fail on zero-area boxes
    (baselines-spec §5), and VLTVG returns one when it clamps a prediction lying outside the image."""
    x, y, w, h = np.asarray(box, dtype=np.float64)
    new_w, new_h = max(w, min_size), max(h, min_size)
    return np.array([x + (w - new_w) / 2, y + (h - new_h) / 2, new_w, new_h])


class SeparatedTracker:
    def __init__(self, grounder: Any, tracker: Any, min_box_size: float = 1.0) -> None:
        self.grounder = grounder
        self.tracker = tracker
        self.min_box_size = float(min_box_size)

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        if not text:
            raise NlbenchError("a separated GROUNDER+TRACKER pipeline needs a sentence (mode nl)")
        grounded = np.asarray(self.grounder.ground(frame, text), dtype=np.float64)
        self.tracker.initialize(frame, None, guard_min_size(grounded, self.min_box_size))
        return grounded

    def track(self, frame: np.ndarray) -> np.ndarray:
        return self.tracker.track(frame)

    def ground(self, frame: np.ndarray, text: str) -> np.ndarray:
        return self.grounder.ground(frame, text)


class BatchedSeparated:
    """``GROUNDER+TRACKER`` over B slots: the new slots are grounded together (``ground_many`` when the grounder
    has it, else one by one), then the batched box tracker starts from the grounded boxes and tracks."""

    def __init__(self, grounder: Any, tracker: Any, min_box_size: float = 1.0) -> None:
        self.grounder = grounder
        self.tracker = tracker
        self.capacity = tracker.capacity
        self.min_box_size = float(min_box_size)

    @property
    def crop_map(self) -> Any:
        return getattr(self.tracker, "crop_map", map)

    @crop_map.setter
    def crop_map(self, value: Any) -> None:
        if hasattr(self.tracker, "crop_map"):
            self.tracker.crop_map = value

    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        if not starts:
            return {}
        order = sorted(starts)
        if any(not starts[s].text for s in order):
            raise NlbenchError("a separated GROUNDER+TRACKER pipeline needs a sentence (mode nl)")
        frames, texts = [starts[s].frame for s in order], [starts[s].text for s in order]
        if hasattr(self.grounder, "ground_many"):
            boxes = self.grounder.ground_many(frames, texts)
        else:
            boxes = [self.grounder.ground(f, t) for f, t in zip(frames, texts)]
        grounded = {s: np.asarray(b, dtype=np.float64) for s, b in zip(order, boxes)}
        self.tracker.start({s: SlotStart(starts[s].frame, None, guard_min_size(grounded[s], self.min_box_size))
                            for s in order})
        return grounded

    def step(self, frames: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        return self.tracker.step(frames)

    def release(self, slot: int) -> None:
        self.tracker.release(slot)


def split_options(options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``grounder.x=1`` goes to the grounder only, ``tracker.y=2`` to the tracker, plain keys to both."""
    parts: dict[str, dict[str, Any]] = {role: {} for role in ROLES}
    for key, value in options.items():
        role, dot, rest = key.partition(".")
        if dot and role in parts:
            parts[role][rest] = value
        else:
            for part in parts.values():
                part[key] = value
    return parts


def compose_plugin(grounder: TrackerPlugin, tracker: TrackerPlugin) -> TrackerPlugin:
    if not grounder.grounder:
        raise PluginError(f"'{grounder.name}' is not a grounder, so it cannot start '{grounder.name}+{tracker.name}'")
    if "bb" not in tracker.modes:
        raise PluginError(f"'{tracker.name}' cannot be initialised from a box, so it cannot follow a grounder")
    name = f"{grounder.name}+{tracker.name}"

    def build(checkpoint: str | dict[str, str] | None = None, device: str = "cpu", **options: Any) -> SeparatedTracker:
        return build_parts(checkpoint, device, options, None)

    def build_batched(batch_size: int, checkpoint: str | dict[str, str] | None = None, device: str = "cpu",
                      **options: Any) -> BatchedSeparated:
        return build_parts(checkpoint, device, options, batch_size)

    def build_parts(checkpoint: Any, device: str, options: dict[str, Any], batch_size: int | None) -> Any:
        if isinstance(checkpoint, (str, bytes)) or hasattr(checkpoint, "__fspath__"):
            needing = [p.name for p in (grounder, tracker) if p.needs_checkpoint]
            if len(needing) != 1:
                raise CheckpointError(
                    f"'{name}' has two parts; give each its weights: "
                    f"--checkpoint grounder=PATH --checkpoint tracker=PATH"
                )
            checkpoint = {"grounder" if grounder.needs_checkpoint else "tracker": checkpoint}
        checkpoint = checkpoint or {}
        min_box_size = options.pop("min_box_size", 1.0)
        parts = split_options(options)
        built = {}
        for role, plugin in (("grounder", grounder), ("tracker", tracker)):
            try:
                if role == "tracker" and batch_size is not None:
                    built[role] = plugin.build_batched(batch_size=batch_size, checkpoint=checkpoint.get(role),
                                                       device=device, **parts[role])
                else:
                    built[role] = plugin.build(checkpoint=checkpoint.get(role), device=device, **parts[role])
            except CheckpointError as exc:  # say how to pass it to this part of the pipeline
                raise CheckpointError(f"{exc} In '{name}' pass it as --checkpoint {role}=PATH.") from exc
        if batch_size is not None:
            return BatchedSeparated(built["grounder"], built["tracker"], min_box_size=min_box_size)
        return SeparatedTracker(built["grounder"], built["tracker"], min_box_size=min_box_size)

    def profile(**options: Any):
        from nlbench.profile.spec import compose

        if grounder.profile is None or tracker.profile is None:
            raise PluginError(f"'{name}': both parts must support profiling")
        return compose(grounder.profile(**options), tracker.profile(**options))

    return TrackerPlugin(
        name=name,
        description=f"Separated pipeline: {grounder.name} grounds the first frame, {tracker.name} tracks from it.",
        build=build,
        modes=("nl",),
        grounder=True,
        needs_checkpoint=grounder.needs_checkpoint or tracker.needs_checkpoint,
        checkpoint_help="; ".join(h for h in (grounder.checkpoint_help, tracker.checkpoint_help) if h),
        default_mode="nl",
        profile=profile,
        build_batched=build_batched if tracker.build_batched is not None else None,
        default_checkpoint={
            role: part.default_checkpoint
            for role, part in (("grounder", grounder), ("tracker", tracker))
            if part.default_checkpoint is not None and not isinstance(part.default_checkpoint, dict)
        } or None,
    )
