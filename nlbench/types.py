"""Core records and plugin protocols shared by the harness and the plugins."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence as SequenceOf, runtime_checkable

import numpy as np

#: Initialisation protocols: by box (BB), by sentence only (NL), by both (NL+BB).
MODES = ("bb", "nl", "nl+bb")


@dataclass(frozen=True, eq=False)
class Sequence:
    """One tracking sequence. Frames are paths: images are decoded only when a tracker runs."""

    name: str
    dataset: str
    frames: SequenceOf[Path]  # a tuple, or a lazy numbered list (LaSOT/OTB) that behaves like one
    gt: np.ndarray  # (N, 4) float64 xywh
    language: str = ""  # the sentence, verbatim (line endings stripped)
    visible: np.ndarray | None = None  # (N,) bool, None where the dataset has no flags
    attributes: Mapping[str, bool] = field(default_factory=dict)
    language_path: Path | None = None  # the file the sentence came from, for quirk-faithful readers

    def __len__(self) -> int:
        return len(self.gt)

    @property
    def init_box(self) -> np.ndarray:
        return self.gt[0]


@dataclass(frozen=True, eq=False)
class GroundingSample:
    """One (image, sentence, box) grounding sample; for RefCOCOg the ids trace it back to the refs."""

    image: Path
    sentence: str
    box: np.ndarray  # (4,) float64 xywh, image pixels
    ref_id: int | None = None
    ann_id: int | None = None
    image_id: int | None = None
    split: str = ""
    sentences: tuple[str, ...] = ()  # every sentence of the ref (all kept)
    width: int | None = None
    height: int | None = None


@runtime_checkable
class Tracker(Protocol):
    """Test-time tracker. Frames are RGB uint8 arrays (H, W, 3); boxes are (4,) float64 xywh."""

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        """Start a sequence; returns the first-frame box (the grounded box in NL mode)."""
        ...

    def track(self, frame: np.ndarray) -> np.ndarray:
        """Return the box for the next frame."""
        ...


@runtime_checkable
class Grounder(Protocol):
    def ground(self, frame: np.ndarray, text: str) -> np.ndarray:
        """Return the box the sentence refers to, xywh in image pixels."""
        ...


@dataclass(frozen=True)
class TrackerPlugin:
    """What a ``nlbench.trackers`` entry point resolves to.

    ``build(checkpoint, device, options)`` returns a Tracker (and/or Grounder).
    ``modes`` lists the initialisation protocols the tracker supports; ``grounder``
    says whether the built object also implements ``ground``.
    """

    name: str
    description: str
    build: Callable[..., Any]
    modes: tuple[str, ...] = ("bb",)
    grounder: bool = False
    needs_checkpoint: bool = False
    checkpoint_help: str = ""  # where the official weights come from and how to pass them
    default_mode: str | None = None
    #: weights used when no checkpoint is given (shipped with the plugin); recorded in run.json with their SHA-256
    default_checkpoint: Any = None  # Path, or {role: Path} for a composed pipeline
    #: ``profile(**options)`` -> the profiling description of nlbench.profile (phases, inputs, counting rules)
    profile: Callable[..., Any] | None = None


@dataclass(frozen=True)
class DatasetPlugin:
    """What a ``nlbench.datasets`` entry point resolves to.

    ``load(root, split)`` returns the sequences of a tracking dataset (or the
    grounding samples of a grounding dataset) in the official order.
    """

    name: str
    description: str
    load: Callable[..., Any]
    env_var: str
    source: str  # where the data comes from, shown in errors
    kind: str = "tracking"  # or "grounding"
    splits: tuple[str, ...] = ("test",)
    default_split: str = "test"
    default_root: Callable[[], Path] | None = None  # datasets that can build themselves (synth)
    verify: Callable[..., Any] | None = None
    #: a tracking dataset that also has a grounding split: ``load_grounding(root, split) -> list[GroundingSample]``
    load_grounding: Callable[..., Any] | None = None
    #: named sentence variants the dataset can generate (``nlbench sentences``), and
    #: ``sentence_variants(root, split, variant) -> {sequence: sentence}``
    variants: tuple[str, ...] = ()
    sentence_variants: Callable[..., Any] | None = None
