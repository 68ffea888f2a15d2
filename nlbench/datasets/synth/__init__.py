"""``synth``: the embedded natural-language tracking benchmark, generated locally (no download).

Procedural scenes (textured backgrounds, shapes of several colours and sizes, distractors that share the
target's colour or shape, occluders, targets that leave the view), deterministic from a seed, written
once in the TNL2K layout so that every loader, evaluator and report path is the real one.  See
:mod:`nlbench.datasets.synth.build` for the layout and :data:`SYNTH_ATTRIBUTES` for the per-sequence flags.

With no ``--root`` the benchmark lives in ``nlbench.core.config.cache_dir()/synth-v2/`` and is generated on
first use (the test split and its grounding samples take a few seconds); other splits of that cache are
generated when first loaded.

Grounding samples (``load_grounding``) come from ``grounding/<split>.json``; a sample whose sentence fits
two objects has ``split == "<split>-ambiguous"`` (see :func:`is_ambiguous`).

Sentence variants (``nlbench sentences --dataset synth --variant V --out FILE``, then ``nlbench run
--sentences FILE``): the generator knows every object of every scene, so each sequence has, derived from
its frame-0 layout by fixed rules (no random draw; pixels and ground truth untouched), see
:mod:`nlbench.datasets.synth.variants`:

==============  ==============================================================  ===============================
variant         what it says                                                    synth_test_0001
==============  ==============================================================  ===============================
``original``    the generated sentence (``language.txt``)                       a large purple square
``paraphrase``  the same facts (colour, shape, size, motion, relation) in       the square that is purple and
                other words and another order                                   large
``minimal``     the shortest ``[size] [colour] shape`` fitting the target       the large square
                alone (a position word when it has an identical twin)
``ambiguous``   shape, colour or size alone, fitting the target and another     the square
                object ("the shape" when nothing is shared)
``distractor``  the shortest unique description of another object of frame      the star
                0, preferring one unlike the target in colour and shape
``relational``  the target by its relation (left of, right of, above, below)    the square right of the small
                to a uniquely described object                                  square
==============  ==============================================================  ===============================

None of them holds a comma or ``#`` (JointNLT's numpy reading of a sentence would split there).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from nlbench.datasets.synth.build import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    GROUNDING_FORMAT,
    generate_grounding,
    generate_split,
    read_marker,
    write_marker,
)
from nlbench.datasets.synth.scene import SYNTH_ATTRIBUTES
from nlbench.datasets.synth.variants import VARIANTS, synth_variants
from nlbench.datasets.tnl2k import read_tnl2k_sequences
from nlbench.core.errors import DatasetError
from nlbench.core.types import DatasetPlugin, GroundingSample, Sequence

SYNTH_SPLITS = ("train", "test")
SYNTH_ENV = "NLBENCH_SYNTH_ROOT"
SYNTH_SOURCE = "generated locally by nlbench (no download)"
AMBIGUOUS_SUFFIX = "-ambiguous"

__all__ = [
    "SYNTH",
    "SYNTH_ATTRIBUTES",
    "default_synth_root",
    "ensure_synth",
    "is_ambiguous",
    "load_synth",
    "load_synth_grounding",
]


def ensure_synth(root: Path, splits: tuple[str, ...] = ("test",), seed: int = DEFAULT_SEED,
                 progress: bool = False) -> Path:
    """Generate the given splits (sequences and grounding samples) under ``root`` if missing; returns root."""
    root = Path(root)
    marker = read_marker(root)
    if marker is not None and int(marker.get("seed", seed)) != seed:
        raise DatasetError(
            f"{root}: holds synth data generated with seed {marker['seed']}, not {seed}; use another folder"
        )
    root.mkdir(parents=True, exist_ok=True)
    write_marker(root, seed)
    for split in splits:
        _check_split(split, root)
        generate_split(root, split, seed, progress=progress)
        generate_grounding(root, split, seed)
    return root


def default_synth_root() -> Path:
    """``cache_dir()/synth-v<version>``, with the test split generated on first use."""
    from nlbench.core.config import cache_dir

    return ensure_synth(cache_dir() / f"synth-v{GENERATOR_VERSION}", ("test",), progress=True)


def _check_split(split: str, root: Path) -> None:
    if split not in SYNTH_SPLITS:
        raise DatasetError(
            f"dataset 'synth' ({root}): unknown split '{split}'; choose one of {', '.join(SYNTH_SPLITS)}"
        )


def _split_folder(root: Path, split: str) -> Path:
    """``<root>/<split>``, generating it when ``root`` is a generator-managed synth folder."""
    _check_split(split, root)
    folder = root / split
    if not folder.is_dir():
        marker = read_marker(root)
        if marker is None:
            raise DatasetError(
                f"dataset 'synth': {folder} does not exist and {root} is not a synth folder (no synth.json). "
                f"Point --root at a folder made by nlbench (or leave --root out to use the cache)."
            )
        ensure_synth(root, (split,), int(marker.get("seed", DEFAULT_SEED)), progress=True)
    return folder


def _read_absent(folder: Path, n: int) -> np.ndarray | None:
    path = folder / "absent.txt"
    if not path.is_file():
        return None
    flags = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(flags) != n or any(f not in ("0", "1") for f in flags):
        raise DatasetError(f"{path}: expected {n} lines of 0/1 (one per ground-truth row), found {len(flags)}")
    return np.array([f == "0" for f in flags])


def load_synth(
    root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True
) -> list[Sequence]:
    """The sequences of a synth split (default ``test``), sorted by name, with visibility from absent.txt.

    ``names``: only those sequences, in the order given (duplicates dropped).
    ``with_frames=False``: annotations only (no ``imgs/`` needed; evaluation).
    """
    root = Path(root)
    folder = _split_folder(root, split or "test")
    wanted = list(dict.fromkeys(names)) if names is not None else None
    sequences = read_tnl2k_sequences(
        folder, wanted, dataset="synth", attribute_names=SYNTH_ATTRIBUTES, with_frames=with_frames
    )
    return [dataclasses.replace(s, visible=_read_absent(folder / s.name, len(s))) for s in sequences]


def is_ambiguous(sample: GroundingSample) -> bool:
    """Whether a synth grounding sample's sentence fits more than one object."""
    return sample.split.endswith(AMBIGUOUS_SUFFIX)


def load_synth_grounding(root: Path, split: str | None = None) -> list[GroundingSample]:
    """Grounding samples of a split (default ``test``), in id order; ambiguous ones flagged in ``split``."""
    root = Path(root)
    split = split or "test"
    _check_split(split, root)
    path = root / "grounding" / f"{split}.json"
    if not path.is_file():
        if read_marker(root) is None:
            raise DatasetError(f"dataset 'synth': {path} is missing ({GROUNDING_FORMAT})")
        _split_folder(root, split)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        samples = []
        for item in data["samples"]:
            samples.append(GroundingSample(
                image=root / item["image"],
                sentence=item["sentence"],
                box=np.asarray(item["box"], dtype=np.float64),
                ref_id=int(item["id"]),
                image_id=int(item["id"]),
                split=split + (AMBIGUOUS_SUFFIX if item["ambiguous"] else ""),
                sentences=(item["sentence"],),
                width=int(item["width"]),
                height=int(item["height"]),
            ))
    except (KeyError, TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: not a synth grounding file ({exc}); expected {GROUNDING_FORMAT}") from exc
    return samples


def _sentence_variants(root: Path, split: str, variant: str) -> dict[str, str]:
    """The ``DatasetPlugin.sentence_variants`` hook: ``variant`` for every sequence of ``split`` under ``root``."""
    marker = read_marker(Path(root)) or {}
    names = [s.name for s in load_synth(Path(root), split)]
    return synth_variants(names, variant, int(marker.get("seed", DEFAULT_SEED)))


SYNTH = DatasetPlugin(
    name="synth",
    description="embedded synthetic NL-tracking benchmark (40 test sequences, TNL2K layout, generated on first use)",
    load=load_synth,
    env_var=SYNTH_ENV,
    source=SYNTH_SOURCE,
    kind="tracking",
    splits=SYNTH_SPLITS,
    default_split="test",
    default_root=default_synth_root,
    load_grounding=load_synth_grounding,
    variants=VARIANTS,
    sentence_variants=_sentence_variants,
    attributes=SYNTH_ATTRIBUTES,
    display_name="Synth",
    table_position=4,
)
