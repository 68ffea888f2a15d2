"""TNLLT (ReasoningTrack, Wang et al. 2025): the long-term NL tracking benchmark, 50 test sequences (spec §2).

Two layouts are read:

- the dataset download, ``<root>/<seq>/{imgs/00001.png ..., groundtruth.txt, absent_label.txt,
  attributes.txt, language.txt}`` (frames listed and sorted by number, spec §6.4);
- the MATLAB toolkit's annotations, ``annos/<seq>.txt``, ``annos/absent/<seq>.txt``, ``annos/att/<seq>.txt``
  (``--root`` at the toolkit folder or at ``annos/``): enough to evaluate, no frames and no sentences.

**The absent file is a visibility flag: 1 = visible.**  The toolkit's ``calc_seq_err_robust.m`` removes the
frames where it is 0 (``absent_idx = absent_anno == 0``; LaSOT's removes those where it is 1) and the
official Python loader sets ``target_visible = absent_label``.  So ``Sequence.visible`` is the flag as
read; a file in LaSOT's polarity (mostly 0) reads as "no frame visible", which is refused with a message
saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from nlbench.core.errors import NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence
from nlbench.datasets.base import (
    ToolkitAnnos,
    VerifyReport,
    check_official_set,
    check_split,
    count_images,
    missing_frames_error,
    missing_sequences_error,
    read_attribute_file,
    read_boxes,
    read_flag_column,
    read_name_list,
    read_sentence,
    require_root,
    require_some_visible,
    toolkit_annos,
    select_names,
)
from nlbench.datasets.tnl2k import list_frames

#: SHA-256 of the official sequence list(s): sorted names joined by "\n" with a final "\n"
#: (``base.names_sha256``, eval-spec §3). Computed from the list in data/ (TNLLT testing_set.txt).
OFFICIAL_LIST_SHA256: dict[str, str] = {
    "tnllt": "385326d58674117052f773ddb46c558a79bd41df1cc0816978f7fcea5a013b5a",
}

#: run_tracker_performance_evaluation.m ``att_fig_name`` order (spec §2.2)
TNLLT_ATTRIBUTES: tuple[str, ...] = (
    "CM", "ROT", "DEF", "FOC", "IV", "OV", "POC", "VC", "SV", "BC", "MB", "ARC", "LR", "FM", "AS",
)  # fmt: skip

TNLLT_SOURCE = (
    "the TNLLT benchmark (ReasoningTrack, Wang et al., arXiv 2508.05221), https://github.com/Event-AHU/Open_VLTrack "
    "(frames: the README's Baidu/Dropbox tarballs; toolkit ground truth: annos.zip; "
    "TNLLT_Evaluation_Toolkit/sequence_evaluation_config/testing_set.txt lists the 50 test sequences)"
)
TNLLT_ENV = "NLBENCH_TNLLT_ROOT"
_POLARITY = "absent_label.txt: 1 = visible, 0 = absent"


@dataclass(frozen=True)
class _Files:
    """Where one sequence's files are, in either layout."""

    gt: Path
    visible: Path
    attributes: Path
    language: Path | None
    frames: Path | None


def _files(root: Path, annos: ToolkitAnnos | None, name: str) -> _Files:
    if annos is not None:
        return _Files(annos.gt(name), annos.flags(name), annos.att(name), None, None)
    folder = root / name
    return _Files(
        folder / "groundtruth.txt", folder / "absent_label.txt", folder / "attributes.txt",
        folder / "language.txt", folder / "imgs",
    )  # fmt: skip


def read_visible(path: Path, name: str, n_rows: int) -> np.ndarray:
    """``Sequence.visible`` from TNLLT's inverted absent file (1 = visible), refusing an all-absent reading."""
    flags = read_flag_column(path, name, n_rows, "absent-label file (1 = visible)")
    return require_some_visible(flags, name, str(path), _POLARITY)


def _read(root: Path, annos: ToolkitAnnos | None, name: str, with_frames: bool) -> Sequence:
    files = _files(root, annos, name)
    gt = read_boxes(files.gt, name)
    language = read_sentence(files.language, name) if files.language is not None and files.language.is_file() else ""
    return Sequence(
        name=name,
        dataset="tnllt",
        frames=list_frames(files.frames, name) if with_frames and files.frames is not None else (),
        gt=gt,
        language=language.split("\n", 1)[0],  # the loader reads the first line
        visible=read_visible(files.visible, name, len(gt)),
        attributes=read_attribute_file(files.attributes, TNLLT_ATTRIBUTES, name) if files.attributes.is_file() else {},
        language_path=files.language if language else None,
    )


def load_tnllt(
    root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True
) -> list[Sequence]:
    """TNLLT test in the official ``testing_set.txt`` order (either layout, see the module docstring)."""
    check_split("tnllt", split, TNLLT.splits)
    root = require_root("tnllt", Path(root), TNLLT_SOURCE, TNLLT_ENV)
    annos = toolkit_annos(root)
    wanted = select_names(read_name_list("tnllt_test.txt"), names)
    missing = [n for n in wanted if not _files(root, annos, n).gt.is_file()]
    if missing:
        where = "<root>/annos/<sequence>.txt" if annos is not None else "<root>/<sequence>/groundtruth.txt"
        raise missing_sequences_error("tnllt", root, missing, len(wanted), TNLLT_SOURCE, TNLLT_ENV, where)
    if with_frames:
        no_frames = [(n, f.frames or f.gt) for n in wanted if (f := _files(root, annos, n)).frames is None or not f.frames.is_dir()]
        if no_frames:
            raise missing_frames_error("tnllt", no_frames, len(wanted))
    return [_read(root, annos, n, with_frames) for n in wanted]


def verify_tnllt(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    """Check a TNLLT root against the official test list and the per-sequence files."""
    root = Path(root)
    report = VerifyReport("tnllt", root, official_sha256=OFFICIAL_LIST_SHA256["tnllt"])
    official = read_name_list("tnllt_test.txt")
    annos = toolkit_annos(root) if root.is_dir() else None
    present = [n for n in official if root.is_dir() and _files(root, annos, n).gt.is_file()]
    for name in check_official_set(report, official, present, names):
        report.checked += 1
        files = _files(root, annos, name)
        try:
            gt = read_boxes(files.gt, name)
        except NlbenchError as exc:
            report.add("unparseable ground truth", name, str(exc))
            continue
        if not files.visible.is_file():
            report.add("missing file", name, f"{files.visible} (visibility flags, 1 = visible) does not exist")
        else:
            try:
                read_visible(files.visible, name, len(gt))
            except NlbenchError as exc:
                report.add("visibility flags", name, str(exc))
        if not files.attributes.is_file():
            report.add("missing file", name, f"{files.attributes} does not exist")
        if files.frames is not None:
            images = count_images(files.frames)
            if images is None:
                report.add("missing file", name, f"{files.frames} (frame folder) does not exist")
            elif images != len(gt):
                report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but {images} images in imgs/")
        if files.language is not None and (not files.language.is_file() or not read_sentence(files.language, name).strip()):
            report.add("empty sentence", name, f"{files.language} is missing or empty")
    return report


TNLLT = DatasetPlugin(
    name="tnllt",
    description="TNLLT test (50 long-term sequences, a sentence each), ReasoningTrack, Wang et al. 2025",
    load=load_tnllt,
    env_var=TNLLT_ENV,
    source=TNLLT_SOURCE,
    kind="tracking",
    splits=("test",),
    default_split="test",
    verify=verify_tnllt,
    attributes=TNLLT_ATTRIBUTES,
    display_name="TNLLT",
    official_protocol="tnllt-matlab",
)
