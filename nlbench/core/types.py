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
    #: (width, height) of the frames where a protocol needs it (predictions clipped to the image); None = unknown
    image_size: tuple[int, int] | None = None
    #: leading frames that some toolkits' runs leave out (OTB's Tiger1: 5); protocols with ``init_omit`` skip them
    init_omit: int = 0

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


@dataclass(frozen=True, eq=False)
class GroundingRecord:
    """One grounded sample: what the predictions file stores per row. Built by :meth:`of` from a sample."""

    index: int
    sentence: str
    pred: np.ndarray  # (4,) xywh, image pixels
    gt: np.ndarray  # (4,) xywh, image pixels
    width: int | None = None
    height: int | None = None
    ref_id: int | None = None
    ann_id: int | None = None
    image_id: int | None = None
    image: str = ""
    split: str = ""  # e.g. "google/val"
    unit: str = "ref"

    @classmethod
    def of(
        cls, index: int, sample: GroundingSample, pred: Any, unit: str, image_size: tuple[int, int] | None = None
    ) -> "GroundingRecord":
        """The record of ``sample`` grounded as ``pred``; ``image_size`` (w, h) fills a sample without its size."""
        width, height = sample.width, sample.height
        if image_size is not None:
            width = width if width is not None else int(image_size[0])
            height = height if height is not None else int(image_size[1])
        return cls(
            index=index,
            sentence=sample.sentence,
            pred=np.asarray(pred, dtype=np.float64).reshape(4),
            gt=np.asarray(sample.box, dtype=np.float64).reshape(4),
            width=width,
            height=height,
            ref_id=sample.ref_id,
            ann_id=sample.ann_id,
            image_id=sample.image_id,
            image=str(sample.image),
            split=sample.split,
            unit=unit,
        )


@runtime_checkable
class Tracker(Protocol):
    """Test-time tracker. Frames are RGB uint8 arrays (H, W, 3); boxes are (4,) float64 xywh."""

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        """Start a sequence; returns the first-frame box (the grounded box in NL mode)."""
        ...

    def track(self, frame: np.ndarray) -> np.ndarray:
        """Return the box for the next frame."""
        ...


@dataclass(frozen=True, eq=False)
class SlotStart:
    """What a batched tracker needs to start a sequence in a slot: its first frame and the mode's inputs."""

    frame: np.ndarray  # RGB uint8 (H, W, 3)
    text: str | None  # the sentence (NL, NL+BB); None in BB mode
    box: np.ndarray | None  # the initial xywh box (BB, NL+BB); None in NL mode


@runtime_checkable
class BatchedTracker(Protocol):
    """B slots, each tracking one sequence; one call advances every active slot by one frame.

    A slot holds everything of its sequence (template, text features, temporal memory, previous box, crop
    geometry), so frames of different sizes share one batch. The runner keeps the batch full: when a sequence
    ends it calls ``release(slot)`` and ``start`` puts the next waiting sequence into the free slot; slots
    started together share one batched grounding or template pass. Boxes equal the per-sequence tracker's
    (:class:`Tracker`) within floating-point reassociation (tested to 0.01 px).
    """

    capacity: int  # B, the most slots that can be active at once

    def start(self, starts: Mapping[int, SlotStart]) -> dict[int, np.ndarray]:
        """Start sequences in free slots; returns each one's first-frame box (the grounded box in NL mode)."""
        ...

    def step(self, frames: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        """Advance the given active slots by one frame each; returns their boxes, (4,) float64 xywh."""
        ...

    def release(self, slot: int) -> None:
        """Forget a slot's sequence (finished or failed); the slot can be started again."""
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
    #: optional ``build_batched(batch_size, checkpoint, device, **options)`` -> a :class:`BatchedTracker` whose
    #: boxes equal ``build``'s; trackers without it run per sequence whatever ``--batch-size`` says
    build_batched: Callable[..., Any] | None = None
    #: optional ``train(out_dir, dataset, steps=None, batch_size=None, seed=0, device="cpu", num_threads=None,
    #: progress=True)`` -> a JSON-able dict describing the run, its ``"weights"`` file included (``nlbench train``;
    #: None arguments: the plugin's recipe)
    train: Callable[..., dict[str, Any]] | None = None
    #: the datasets ``train`` learns from; the first is ``nlbench train``'s default
    train_datasets: tuple[str, ...] = ()


#: ``DatasetPlugin.kind`` values: sequences to track, or (image, sentence, box) samples to ground.
DATASET_KINDS = ("tracking", "grounding")
#: ``DatasetPlugin.eval_quirks`` tags (eval-spec §1.8): ``pad`` = the reference's ordinary dataset rules (a
#: short result is padded with zero boxes); ``ltk`` = its LaSOT-toolkit rules (a short result is an error,
#: invisible frames get infinite centre errors).  Only the reference's tag for LaSOT test has ``ltk``.
EVAL_QUIRKS = ("pad", "ltk")


@dataclass(frozen=True)
class DatasetPlugin:
    """What a ``nlbench.datasets`` entry point resolves to: the loader and everything the harness looks up.

    The harness (evaluation, store, reports, CLI) never branches on a dataset's name; it reads these
    fields and branches on ``kind``.

    Loader contract (fixed, the same for every dataset, built-in or third-party)::

        load(root: Path, split: str, names: list[str] | None = None, with_frames: bool = True)
            -> list[Sequence]          # kind == "tracking", official order
            -> list[GroundingSample]   # kind == "grounding"

    ``names`` restricts a tracking dataset to those sequences (a loader reads only them, in its own
    order, and raises :class:`nlbench.core.errors.DatasetError` for an absent one); ``with_frames=False``
    says frames will not be read (evaluation), so a loader may skip listing them.  Extra keyword
    options a loader accepts beyond the contract are named in ``load_options`` (RefCOCOg's
    ``split_by`` and ``unit``); nothing is guessed from the loader's signature.
    ``verify(root, names=None)`` returns a :class:`nlbench.datasets.base.VerifyReport`.
    """

    name: str
    description: str
    load: Callable[..., Any]
    env_var: str
    source: str  # where the data comes from, shown in errors
    kind: str = "tracking"  # one of DATASET_KINDS
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
    #: attribute names in the dataset's official order (per-attribute tables and plots follow it)
    attributes: tuple[str, ...] = ()
    #: ``sequence_aliases()`` -> {sequence name: other spellings of its result file}, mapping both ways
    sequence_aliases: Callable[[], Mapping[str, tuple[str, ...]]] | None = None
    #: the name shown in tables and plots (default: ``name``)
    display_name: str = ""
    #: evaluation quirk tag, one of EVAL_QUIRKS
    eval_quirks: str = "pad"
    #: the ``dataset`` column under which published numbers are filed in ``results/reported`` (default: ``name``)
    reported_as: str = ""
    #: position among datasets in comparison tables (the JointNLT paper's Table 3 order); None = after, as given
    table_position: int | None = None
    #: keyword options ``load`` accepts beyond the fixed contract (e.g. ``("split_by", "unit")``)
    load_options: tuple[str, ...] = ()
    #: the protocol of the dataset's official toolkit (``nlbench.eval.PROTOCOLS`` name), None when it has none;
    #: the report walks from ``jointnlt`` to it (``nlbench explain``)
    official_protocol: str | None = None
    #: the dataset ``nlbench ground`` reads when none is named (one installed plugin sets it)
    grounding_default: bool = False

    @property
    def label(self) -> str:
        return self.display_name or self.name

    @property
    def reported_key(self) -> str:
        return self.reported_as or self.name
