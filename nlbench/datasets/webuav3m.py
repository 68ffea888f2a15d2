"""WebUAV-3M (Zhang et al., TPAMI 2023): UAV videos with a sentence each; test 780, val 200 (spec §4).

Layout: ``<root>/{Test,Val,Train}/<video>/{img/000001.jpg ..., groundtruth_rect.txt, absent.txt,
attributes.txt, scenario.txt, language.txt}``; ``--root`` may also be the split folder itself, or the
evaluation toolkit's annotation folder ``annotations/Test_Set/`` (the same per-video files, no frames).
Frames are listed and sorted by number (spec §6.4).

**No official name list is published** (neither the dataset repo, the MMOT toolkit nor All-in-One holds
one): the toolkit evaluates every folder that holds ``groundtruth_rect.txt``, sorted by name, and so does
this loader.  A root with fewer folders than the published split size is refused unless sequences are
named, because its numbers would not be the benchmark's.

Visibility: absent frames are the ``0,0,0,0`` GT rows (the toolkit derives "exist" from them;
``absent.txt`` is not read by any official code, its polarity is unconfirmed, so it is only compared in
``datasets verify``).  The official protocol scores absent frames as failures (``webuav3m-mmot``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import numpy as np

from nlbench.core.errors import DatasetError, NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence
from nlbench.datasets.base import (
    VerifyReport,
    check_split,
    count_images,
    missing_frames_error,
    missing_sequences_error,
    names_sha256,
    read_boxes,
    read_flag_column,
    read_sentence,
    read_text,
    require_root,
    require_some_visible,
    zero_rows,
)
from nlbench.datasets.tnl2k import list_frames

log = logging.getLogger(__name__)

#: attributes.txt: 14 binary flags (MMOT ``att_dict`` 0-13), then complexity, size and length coded 0/1/2,
#: which the toolkit splits into three subsets each (spec §4.2; att_dict 14-22).
_BINARY = ("LR", "POC", "FOC", "OV", "FM", "CM", "VC", "ROT", "DEF", "BC", "SV", "ARV", "IV", "MB")
_GRADED = (
    ("Complexity_easy", "Complexity_medium", "Complexity_hard"),
    ("Size_small", "Size_medium", "Size_large"),
    ("Length_short", "Length_medium", "Length_long"),
)
WEBUAV3M_ATTRIBUTES: tuple[str, ...] = _BINARY + tuple(n for grade in _GRADED for n in grade)

WEBUAV3M_SOURCE = (
    "the WebUAV-3M benchmark (Zhang et al., TPAMI 2023), https://github.com/983632847/WebUAV-3M (Train/Val/Test "
    "from ScienceDB, Baidu or the Google form in its README; test annotations with the MMOT evaluation toolkit, "
    "https://github.com/983632847/Awesome-Multimodal-Object-Tracking)"
)
WEBUAV3M_ENV = "NLBENCH_WEBUAV3M_ROOT"

#: split -> (folder names that hold it, sequences the README publishes)
_SPLITS = {
    "test": (("Test", "annotations/Test_Set", "Test_Set"), 780),
    "val": (("Val", "annotations/Val_Set", "Val_Set"), 200),
    "train": (("Train",), 3520),
}
_GT = "groundtruth_rect.txt"


def split_folder(root: Path, split: str) -> Path:
    """The folder holding the split's videos: a named child of ``root``, else ``root`` itself."""
    for child in _SPLITS[split][0]:
        if (root / child).is_dir():
            return root / child
    return root


def video_names(folder: Path) -> list[str]:
    """Every sub-folder holding ``groundtruth_rect.txt``, sorted (the MMOT toolkit's sequence list)."""
    if not folder.is_dir():
        return []
    return sorted(e.name for e in folder.iterdir() if e.is_dir() and (e / _GT).is_file())


def read_attributes(path: Path, name: str) -> dict[str, bool]:
    """The 14 flags and the 9 graded subsets of one ``attributes.txt``."""
    tokens = [t for t in read_text(path, "attribute file", name).replace("\n", ",").split(",") if t.strip()]
    try:
        values = [int(float(t)) for t in tokens]
    except ValueError:
        raise DatasetError(f"{path}: expected 17 comma-separated integers (sequence '{name}')") from None
    if len(values) != 17 or any(v not in (0, 1) for v in values[:14]) or any(v not in (0, 1, 2) for v in values[14:]):
        raise DatasetError(f"{path}: expected 14 flags (0/1) then 3 grades (0/1/2), found {tokens} (sequence '{name}')")
    out = {a: bool(v) for a, v in zip(_BINARY, values)}
    for grade, value in zip(_GRADED, values[14:]):
        out.update({label: i == value for i, label in enumerate(grade)})
    return out


def _read(folder: Path, name: str, with_frames: bool) -> Sequence:
    video = folder / name
    gt = read_boxes(video / _GT, name)
    visible = require_some_visible(~zero_rows(gt), name, str(video / _GT), "a 0,0,0,0 row = absent")
    language = video / "language.txt"
    return Sequence(
        name=name,
        dataset="webuav3m",
        frames=list_frames(video / "img", name) if with_frames else (),
        gt=gt,
        language=read_sentence(language, name) if language.is_file() else "",
        visible=visible,
        attributes=read_attributes(video / "attributes.txt", name) if (video / "attributes.txt").is_file() else {},
        language_path=language if language.is_file() else None,
    )


def load_webuav3m(
    root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True
) -> list[Sequence]:
    """WebUAV-3M test or val: every video folder, sorted by name (``names``: just those, in that order)."""
    split = check_split("webuav3m", split, WEBUAV3M.splits)
    root = require_root("webuav3m", Path(root), WEBUAV3M_SOURCE, WEBUAV3M_ENV)
    folder = split_folder(root, split)
    found = video_names(folder)
    expected = _SPLITS[split][1]
    if names is None:
        if len(found) < expected:
            raise DatasetError(
                f"dataset 'webuav3m': {len(found)} of the {expected} {split} videos found under {folder} (expected "
                f"<root>/{_SPLITS[split][0][0]}/<video>/{_GT}). No official name list is published, so the missing "
                f"ones cannot be named. The dataset comes from {WEBUAV3M_SOURCE}. Point --root (or {WEBUAV3M_ENV}) "
                "at a complete copy, or name the videos to use with --sequences."
            )
        if len(found) > expected:
            log.warning("webuav3m %s: %d video folders under %s, the README publishes %d", split, len(found), folder, expected)
        wanted = found
    else:
        wanted = list(dict.fromkeys(names))
        missing = [n for n in wanted if not (folder / n / _GT).is_file()]
        if missing:
            raise missing_sequences_error(
                "webuav3m", folder, missing, len(wanted), WEBUAV3M_SOURCE, WEBUAV3M_ENV, f"<root>/<video>/{_GT}"
            )
    if with_frames:
        no_frames = [(n, folder / n / "img") for n in wanted if not (folder / n / "img").is_dir()]
        if no_frames:
            raise missing_frames_error("webuav3m", no_frames, len(wanted))
    return [_read(folder, n, with_frames) for n in wanted]


def verify_webuav3m(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    """Check the test videos: count against the README's, per-video files, absent.txt against 0,0,0,0 rows."""
    root = Path(root)
    folder = split_folder(root, "test")
    found = video_names(folder)
    wanted = found if names is None else list(dict.fromkeys(names))
    report = VerifyReport("webuav3m", folder, expected=_SPLITS["test"][1] if names is None else len(wanted))
    report.list_sha256 = names_sha256(found)
    report.notes.append("WebUAV-3M publishes no name list: only the number of test videos (780) can be checked")
    if names is None and len(found) != _SPLITS["test"][1]:
        report.add("sequence count", "", f"{len(found)} video folders with {_GT} under {folder}, the README says 780")
    present = set(found)
    for name in wanted:
        if name not in present:
            report.add("missing sequence", name, f"{folder / name / _GT} does not exist")
            continue
        report.checked += 1
        _check_video(folder / name, name, report)
    return report


def _check_video(video: Path, name: str, report: VerifyReport) -> None:
    try:
        gt = read_boxes(video / _GT, name)
    except NlbenchError as exc:
        report.add("unparseable ground truth", name, str(exc))
        return
    images = count_images(video / "img", (".jpg",))
    if images is not None and images != len(gt):
        report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but {images} images in img/")
    if (video / "absent.txt").is_file():
        try:
            absent = read_flag_column(video / "absent.txt", name, len(gt), "absent file")
        except NlbenchError as exc:
            report.add("flags vs GT rows", name, str(exc))
        else:
            disagree = int(np.sum(absent != zero_rows(gt)))
            if disagree:
                report.add("absent.txt vs 0,0,0,0 rows", name, f"{disagree} frames where absent.txt (1 = absent) disagrees")
    for file in ("attributes.txt", "language.txt"):
        if not (video / file).is_file():
            report.add("missing file", name, f"{video / file} does not exist")
    if (video / "attributes.txt").is_file():
        try:
            read_attributes(video / "attributes.txt", name)
        except NlbenchError as exc:
            report.add("bad attribute file", name, str(exc))


WEBUAV3M = DatasetPlugin(
    name="webuav3m",
    description="WebUAV-3M test (780 UAV videos, a sentence each; val 200), Zhang et al. TPAMI 2023",
    load=load_webuav3m,
    env_var=WEBUAV3M_ENV,
    source=WEBUAV3M_SOURCE,
    kind="tracking",
    splits=("test", "val", "train"),
    default_split="test",
    verify=verify_webuav3m,
    attributes=WEBUAV3M_ATTRIBUTES,
    display_name="WebUAV-3M",
    official_protocol="webuav3m-mmot",
)
