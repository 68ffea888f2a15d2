"""VastTrack (Peng et al., NeurIPS 2024): 3,500 test sequences with one sentence each (spec §3).

Two layouts are read:

- the dataset download, ``<root>/<class>/<class>-<k>/{imgs/, Groundtruth.txt, nlp.txt}`` (a flat
  ``<root>/<class>-<k>/`` too; ``img/`` as the Python toolkit names it; frames are listed and sorted by
  number, spec §6.4);
- the MATLAB toolkit's annotations, ``annos/<seq>.txt``, ``annos/absent/<seq>.txt``, ``annos/att/<seq>.txt``
  (``--root`` at ``MatlabEvaluationToolkit/`` or at ``annos/``): the public test ground truth, enough to
  evaluate; it has no sentences and no frames.

Visibility: a target is absent where its GT row is ``0,0,0,0`` (the Python toolkit's rule) or its absent
flag is 1 (the MATLAB toolkit's, which cuts the flags to the GT length); on the test GT both agree
(spec §3.2).  The class of a sequence is ``'-'.join(name.split('-')[:-1])``; 2,120 test names hold spaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from nlbench.core.errors import NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence
from nlbench.datasets.base import (
    ToolkitAnnos,
    VerifyReport,
    bundled_attributes,
    check_official_set,
    check_split,
    count_images,
    first_existing,
    missing_frames_error,
    missing_sequences_error,
    read_attribute_file,
    read_boxes,
    read_flag_column,
    read_name_list,
    read_sentence,
    require_root,
    require_some_visible,
    select_names,
    toolkit_annos,
    zero_rows,
)
from nlbench.datasets.tnl2k import list_frames

#: SHA-256 of the official sequence list(s): sorted names joined by "\n" with a final "\n"
#: (``base.names_sha256``, eval-spec §3). The nl-benchmarks-formats spec's §3.1 digest.
OFFICIAL_LIST_SHA256: dict[str, str] = {
    "vasttrack": "37d54a3e0a19566ea7f85cdb51b34844115f4450c477cfbc7ca5f393597c127e",
}

#: run_tracker_performance_evaluation.m ``att_fig_name`` order = the annos/att/<seq>.txt columns (spec §3.2)
VASTTRACK_ATTRIBUTES: tuple[str, ...] = ("LR", "SV", "FM", "ARC", "IV", "INV", "DEF", "ROT", "BC", "MB")

VASTTRACK_SOURCE = (
    "the VastTrack benchmark (Peng et al., NeurIPS 2024), https://github.com/HengLan/VastTrack (test frames: "
    "15 zips listed in its README; the test ground truth ships in the repository as "
    "MatlabEvaluationToolkit/annos/)"
)
VASTTRACK_ENV = "NLBENCH_VASTTRACK_ROOT"

_FRAME_DIRS = ("imgs", "img")
_GT_FILES = ("Groundtruth.txt", "groundtruth.txt")


def class_of(name: str) -> str:
    """``Aerial Drones In Flight-16`` -> ``Aerial Drones In Flight`` (the toolkits' rule)."""
    return "-".join(name.split("-")[:-1])


def sequence_folder(root: Path, name: str) -> Path:
    """``<root>/<class>/<name>`` (the download), else a flat ``<root>/<name>``."""
    nested = root / class_of(name) / name
    if nested.is_dir() or not (root / name).is_dir():
        return nested
    return root / name


def _gt_file(folder: Path) -> Path:
    return next((folder / f for f in _GT_FILES if (folder / f).is_file()), folder / _GT_FILES[0])


def _visibility(gt: np.ndarray, absent_file: Path | None, name: str, source: Path) -> np.ndarray:
    absent = zero_rows(gt)
    if absent_file is not None and absent_file.is_file():
        absent = absent | read_flag_column(absent_file, name, len(gt), "absent-flag file", allow_longer=True)
    return require_some_visible(~absent, name, str(source), "a 0,0,0,0 row or absent flag 1 = absent")


def _attributes(name: str, att_file: Path | None) -> dict[str, bool]:
    if att_file is not None and att_file.is_file():
        return read_attribute_file(att_file, VASTTRACK_ATTRIBUTES, name)
    table = bundled_attributes("vasttrack_test_attributes.csv", VASTTRACK_ATTRIBUTES)
    return dict(table.get(name, {}))


def _from_annos(annos: ToolkitAnnos, name: str) -> Sequence:
    gt = read_boxes(annos.gt(name), name)
    return Sequence(
        name=name,
        dataset="vasttrack",
        frames=(),
        gt=gt,
        visible=_visibility(gt, annos.flags(name), name, annos.gt(name)),
        attributes=_attributes(name, annos.att(name)),
    )


def _from_download(root: Path, name: str, with_frames: bool) -> Sequence:
    folder = sequence_folder(root, name)
    gt_path = _gt_file(folder)
    gt = read_boxes(gt_path, name)
    language_path = folder / "nlp.txt"
    frames_dir = first_existing(folder / d for d in _FRAME_DIRS)
    return Sequence(
        name=name,
        dataset="vasttrack",
        frames=list_frames(frames_dir, name) if with_frames and frames_dir is not None else (),
        gt=gt,
        language=read_sentence(language_path, name) if language_path.is_file() else "",
        visible=_visibility(gt, None, name, gt_path),
        attributes=_attributes(name, None),
        language_path=language_path if language_path.is_file() else None,
    )


def _train_names(root: Path) -> list[str]:
    """Every ``<class>/<class>-<k>`` folder (no official train list is published: 82 zips of classes)."""
    return sorted(
        seq.name
        for cls in root.iterdir()
        if cls.is_dir() and not cls.name.startswith(".")
        for seq in cls.iterdir()
        if seq.is_dir() and class_of(seq.name) == cls.name
    )


def load_vasttrack(
    root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True
) -> list[Sequence]:
    """VastTrack test (official ``testing_set.txt`` order) or train (every sequence folder, sorted by name)."""
    split = check_split("vasttrack", split, VASTTRACK.splits)
    root = require_root("vasttrack", Path(root), VASTTRACK_SOURCE, VASTTRACK_ENV)
    annos = toolkit_annos(root)
    if split == "train":
        official: tuple[str, ...] = tuple(_train_names(root)) if annos is None else ()
    else:
        official = read_name_list("vasttrack_test.txt")
    wanted = select_names(official, names)
    if annos is not None:
        missing = [n for n in wanted if not annos.gt(n).is_file()]
        where = "<root>/annos/<sequence>.txt with absent/ and att/ beside it"
    else:
        missing = [n for n in wanted if not sequence_folder(root, n).is_dir()]
        where = "<root>/<class>/<class>-<k>/ with Groundtruth.txt, nlp.txt and imgs/"
    if missing:
        raise missing_sequences_error("vasttrack", root, missing, len(wanted), VASTTRACK_SOURCE, VASTTRACK_ENV, where)
    if with_frames:
        if annos is not None:
            raise missing_frames_error("vasttrack", [(n, annos.folder / n) for n in wanted], len(wanted))
        no_frames = [n for n in wanted if first_existing(sequence_folder(root, n) / d for d in _FRAME_DIRS) is None]
        if no_frames:
            raise missing_frames_error("vasttrack", [(n, sequence_folder(root, n) / "imgs") for n in no_frames], len(wanted))
    if annos is not None:
        return [_from_annos(annos, n) for n in wanted]
    return [_from_download(root, n, with_frames) for n in wanted]


def verify_vasttrack(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    """Check a VastTrack test root (either layout) against the official list and the per-sequence files."""
    root = Path(root)
    report = VerifyReport("vasttrack", root, official_sha256=OFFICIAL_LIST_SHA256["vasttrack"])
    official = read_name_list("vasttrack_test.txt")
    annos = toolkit_annos(root) if root.is_dir() else None
    if annos is not None:
        present = [n for n in official if annos.gt(n).is_file()]
        report.notes.append(f"toolkit layout at {annos.folder}: annotations only (no frames, no sentences)")
    else:
        present = [n for n in official if root.is_dir() and sequence_folder(root, n).is_dir()]
    for name in check_official_set(report, official, present, names):
        report.checked += 1
        _check_sequence(root, annos, name, report)
    return report


def _check_sequence(root: Path, annos: ToolkitAnnos | None, name: str, report: VerifyReport) -> None:
    folder = sequence_folder(root, name) if annos is None else None
    gt_path = annos.gt(name) if annos is not None else _gt_file(folder)
    try:
        gt = read_boxes(gt_path, name)
    except NlbenchError as exc:
        report.add("missing file" if not gt_path.is_file() else "unparseable ground truth", name, str(exc))
        return
    if annos is not None:
        for path, what in ((annos.flags(name), "absent flags"), (annos.att(name), "attributes")):
            if not path.is_file():
                report.add("missing file", name, f"{path} ({what}) does not exist")
        if annos.flags(name).is_file():
            try:
                flags = read_flag_column(annos.flags(name), name, len(gt), "absent-flag file", allow_longer=True)
            except NlbenchError as exc:
                report.add("flags vs GT rows", name, str(exc))
            else:
                disagree = int(np.sum(flags != zero_rows(gt)))
                if disagree:  # none on the public test GT (spec §3.2)
                    report.add("absent flags vs 0,0,0,0 rows", name, f"{disagree} frames where the two disagree")
        return
    frames_dir = first_existing(folder / d for d in _FRAME_DIRS)
    images = count_images(frames_dir) if frames_dir is not None else None
    if images is None:
        report.add("missing file", name, f"{folder / 'imgs'} (frame folder) does not exist")
    elif images != len(gt):
        report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but {images} images in {frames_dir.name}/")
    if not (folder / "nlp.txt").is_file():
        report.add("missing file", name, f"{folder / 'nlp.txt'} does not exist")
    elif not read_sentence(folder / "nlp.txt", name).strip():
        report.add("empty sentence", name, f"{folder / 'nlp.txt'} is empty")


VASTTRACK = DatasetPlugin(
    name="vasttrack",
    description="VastTrack test (3,500 sequences, 2,115 classes, a sentence each), Peng et al. NeurIPS 2024",
    load=load_vasttrack,
    env_var=VASTTRACK_ENV,
    source=VASTTRACK_SOURCE,
    kind="tracking",
    splits=("test", "train"),
    default_split="test",
    verify=verify_vasttrack,
    attributes=VASTTRACK_ATTRIBUTES,
    display_name="VastTrack",
    official_protocol="vasttrack-matlab",
)
