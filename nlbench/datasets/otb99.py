"""OTB99-lang (Li et al., CVPR'17): 48 test / 51 train targets of OTB-100 with one sentence each (eval-spec §3.4).

Layout (JointNLT's ``OTB_sentences/``): ``OTB_query_{test,train}/<seq>.txt`` and
``OTB_videos/<seq>/{img/, groundtruth_rect.txt}``.  Copies in the wild disagree on names
(``Skating2-1`` / ``Skating2`` / ``Skating2_1`` / ``Skating2.1``) and on whether the videos keep the
OTB-100 folders (``Skating2/groundtruth_rect.1.txt``, ``Board/img/00001.jpg``, ``BlurCar1`` starting at
``0247.jpg``) or were renumbered from ``0001``; the loader accepts all of them and names every target
by its canonical LANG name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from nlbench.datasets.base import (
    NumberedFrames,
    VerifyReport,
    bundled_attributes,
    check_split,
    missing_sequences_error,
    names_sha256,
    read_boxes,
    read_bundled_table,
    read_sentence,
    require_root,
    select_names,
)
from nlbench.core.errors import DatasetError, NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence

#: SHA-256 of the official sequence list(s): sorted names joined by "\n" with a final "\n"
#: (``base.names_sha256``, eval-spec §3). The spec's digest (the test list).
OFFICIAL_LIST_SHA256: dict[str, str] = {
    "otb99": "a5aa295282c1836f71f6814fb048b144d466b8512f17f8b0db970279cf7494bd",
}

OTB99_SOURCE = (
    "OTB99-lang (Li et al., CVPR 2017, https://github.com/QUVA-Lab/lang-tracker: the 'Sentences' archive, "
    "OTB_query_train/ and OTB_query_test/) with the OTB-100 videos (Wu et al., TPAMI 2015, "
    "http://cvlab.hanyang.ac.kr/tracker_benchmark/datasets.html) under OTB_videos/"
)
OTB99_ENV = "NLBENCH_OTB99_ROOT"

#: OTB-100's 11 attributes (pytracking otb_attributes.json order); OTB99-lang adds none (eval-spec §2.3).
OTB_ATTRIBUTES: tuple[str, ...] = ("IV", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OPR", "OV", "BC", "LR")

#: JointNLT calls the two Skating2 targets Skating2 and Skating3; which is which is unverified (eval-spec §3.4).
_JOINTNLT_SKATING = {"Skating2": "Skating2-1", "Skating3": "Skating2-2"}


@dataclass(frozen=True)
class OtbTarget:
    """One OTB99-lang target and where the OTB-100 release keeps it."""

    name: str  # canonical (LANG)
    split: str
    jointnlt: str
    pytracking: str
    got10k: str
    otb100_folder: str
    gt_file: str
    start_frame: int
    frames: int  # GT rows in OTB-100
    digits: int
    ext: str
    init_omit: int  # pytracking skips these first frames (Tiger1); JointNLT does not

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name, self.pytracking, self.got10k, self.jointnlt)))


@lru_cache(maxsize=None)
def otb_targets() -> tuple[OtbTarget, ...]:
    """All 99 targets: the 48 test targets in LANG's order, then the 51 train targets."""
    header, rows = read_bundled_table("otb99_sequences.csv")
    targets = []
    for row in rows.values():
        rec = dict(zip(header, row))
        targets.append(
            OtbTarget(
                **{k: rec[k] for k in ("name", "split", "jointnlt", "pytracking", "got10k", "otb100_folder", "gt_file", "ext")},
                **{k: int(rec[k]) for k in ("start_frame", "frames", "digits", "init_omit")},
            )
        )
    return tuple(targets)


@lru_cache(maxsize=None)
def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for t in otb_targets():
        for alias in t.aliases:
            table.setdefault(alias, t.name)
    return table


def canonical_otb_name(name: str) -> str | None:
    """The LANG name of an OTB99-lang target from any naming in use (JointNLT, pytracking, got10k); None if unknown.

    ``Skating2``/``Skating3`` map by JointNLT's unverified convention; the loader resolves them by content.
    """
    return _alias_table().get(name)


@lru_cache(maxsize=None)
def result_aliases() -> dict[str, tuple[str, ...]]:
    """Target name -> the other spellings to try for its result file (JointNLT, pytracking, got10k; eval-spec §3.4).

    Each group maps both ways, so results named after JointNLT's list are found for LANG names and vice versa.
    """
    table: dict[str, tuple[str, ...]] = {}
    for target in otb_targets():
        spellings = target.aliases  # canonical first
        for name in spellings:
            table.setdefault(name, tuple(s for s in spellings if s != name))
    return table


def split_names(split: str) -> tuple[str, ...]:
    return tuple(t.name for t in otb_targets() if t.split == split)


def _layout(root: Path) -> tuple[Path, list[Path]]:
    videos = root / "OTB_videos" if (root / "OTB_videos").is_dir() else root
    return videos, [root / "OTB_query_test", root / "OTB_query_train"]


def _first_row(path: Path) -> np.ndarray | None:
    try:
        return read_boxes(path)[0]
    except NlbenchError:
        return None


def skating_assignment(videos: Path) -> dict[str, str]:
    """JointNLT folder name -> canonical target, decided by the first GT row where OTB-100's files exist."""
    assignment = dict(_JOINTNLT_SKATING)
    refs = {
        "Skating2-1": _first_row(videos / "Skating2" / "groundtruth_rect.1.txt"),
        "Skating2-2": _first_row(videos / "Skating2" / "groundtruth_rect.2.txt"),
    }
    if any(r is None for r in refs.values()):
        return assignment
    for folder in _JOINTNLT_SKATING:
        row = _first_row(videos / folder / "groundtruth_rect.txt")
        if row is None:
            continue
        matches = [name for name, ref in refs.items() if np.array_equal(ref, row)]
        if len(matches) == 1:
            assignment[folder] = matches[0]
    return assignment


def _names_for(target: OtbTarget, skating: dict[str, str]) -> list[str]:
    """Folder / query-file names that may hold ``target`` in a copy of the dataset."""
    names = [a for a in target.aliases if a not in _JOINTNLT_SKATING]
    names += [folder for folder, canonical in skating.items() if canonical == target.name]
    return names


def locate_ground_truth(target: OtbTarget, videos: Path, skating: dict[str, str]) -> Path | None:
    for alias in _names_for(target, skating):
        path = videos / alias / "groundtruth_rect.txt"
        if path.is_file():
            return path
    path = videos / target.otb100_folder / target.gt_file
    return path if path.is_file() else None


def locate_query(target: OtbTarget, query_dirs: list[Path], skating: dict[str, str]) -> Path | None:
    for folder in query_dirs:
        for alias in _names_for(target, skating):
            if (folder / f"{alias}.txt").is_file():
                return folder / f"{alias}.txt"
    return None


def frame_paths(target: OtbTarget, images: Path, n_rows: int) -> NumberedFrames:
    """OTB-100 numbering (start frame, 4 or 5 digits) or a copy renumbered from 0001, by what exists."""
    layouts = [(target.start_frame, target.digits, target.ext), (target.start_frame, target.digits, "jpg"),
               (target.start_frame, target.digits, "png"), (1, 4, "jpg"), (1, 4, "png")]  # fmt: skip
    start, digits, ext = layouts[0]
    for cand in layouts:
        if (images / f"{cand[0]:0{cand[1]}d}.{cand[2]}").is_file():
            start, digits, ext = cand
            break
    return NumberedFrames(images, range(start, start + n_rows), digits, ext)


def _read_target(target: OtbTarget, root: Path, skating: dict[str, str]) -> Sequence:
    videos, query_dirs = _layout(root)
    gt_path = locate_ground_truth(target, videos, skating)
    if gt_path is None:
        raise DatasetError(
            f"OTB99-lang target '{target.name}': no ground truth under {videos} "
            f"(looked for <name>/groundtruth_rect.txt with names {', '.join(_names_for(target, skating))} "
            f"and {target.otb100_folder}/{target.gt_file})"
        )
    query = locate_query(target, query_dirs, skating)
    if query is None:
        raise DatasetError(
            f"OTB99-lang target '{target.name}': no sentence file {query_dirs[0 if target.split == 'test' else 1]}"
            f"/{target.name}.txt (or an alias: {', '.join(_names_for(target, skating)[1:]) or 'none'})"
        )
    gt = read_boxes(gt_path, target.name)
    return Sequence(
        name=target.name,
        dataset="otb99",
        frames=frame_paths(target, gt_path.parent / "img", len(gt)),
        gt=gt,
        language=read_sentence(query, target.name),
        visible=None,
        attributes=dict(bundled_attributes("otb99_attributes.csv", OTB_ATTRIBUTES).get(target.name, {})),
        language_path=query,
        init_omit=target.init_omit,
    )


def load_otb99(
    root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True
) -> list[Sequence]:
    """OTB99-lang ``test`` (48, LANG order) or ``train`` (51); ``names`` may use any alias."""
    split = check_split("otb99", split, ("test", "train"))
    root = require_root("otb99", root, OTB99_SOURCE, OTB99_ENV)
    wanted = select_names(split_names(split), _canonical_names(names))
    by_name = {t.name: t for t in otb_targets()}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise DatasetError(f"unknown OTB99-lang target(s): {', '.join(unknown)}")
    videos, _ = _layout(root)
    skating = skating_assignment(videos)
    missing = [n for n in wanted if locate_ground_truth(by_name[n], videos, skating) is None]
    if missing:
        raise missing_sequences_error(
            "otb99", root, missing, len(wanted), OTB99_SOURCE, OTB99_ENV, "OTB_videos/<seq>/groundtruth_rect.txt"
        )
    return [_read_target(by_name[n], root, skating) for n in wanted]


def _canonical_names(names: Iterable[str] | None) -> list[str] | None:
    if names is None:
        return None
    return [canonical_otb_name(n) or n for n in names]


def verify_otb99(root: Path, names: Iterable[str] | None = None, split: str = "test") -> VerifyReport:
    root = Path(root)
    wanted = select_names(split_names(split), _canonical_names(names))
    by_name = {t.name: t for t in otb_targets()}
    sha = OFFICIAL_LIST_SHA256["otb99"] if split == "test" else ""
    report = VerifyReport("otb99", root, expected=len(wanted), official_sha256=sha)
    videos, query_dirs = _layout(root)
    skating = skating_assignment(videos)
    found = []
    for name in wanted:
        target = by_name.get(name)
        if target is None:
            report.add("unknown sequence", name, "not an OTB99-lang target")
            continue
        gt_path = locate_ground_truth(target, videos, skating)
        if gt_path is None:
            report.add("missing sequence", name, f"no ground truth for it under {videos}")
            continue
        found.append(name)
        report.checked += 1
        try:
            gt = read_boxes(gt_path, name)
        except NlbenchError as exc:
            report.add("unparseable ground truth", name, str(exc))
            gt = None
        if gt is not None:
            frames = frame_paths(target, gt_path.parent / "img", len(gt))
            absent = [f for f in (frames[0], frames[-1]) if not f.is_file()]
            if absent:
                report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but {absent[-1]} does not exist")
        query = locate_query(target, query_dirs, skating)
        if query is None:
            report.add("missing file", name, f"no sentence file {name}.txt in {query_dirs[0].name}/ or {query_dirs[1].name}/")
        elif not read_sentence(query, name).strip():
            report.add("empty sentence", name, f"{query} is empty")
    report.list_sha256 = names_sha256(found)
    return report


OTB99 = DatasetPlugin(
    name="otb99",
    description="OTB99-lang (48 test / 51 train OTB-100 targets with sentences), Li et al. CVPR 2017",
    load=load_otb99,
    env_var=OTB99_ENV,
    source=OTB99_SOURCE,
    kind="tracking",
    splits=("test", "train"),
    default_split="test",
    verify=verify_otb99,
    attributes=OTB_ATTRIBUTES,
    sequence_aliases=result_aliases,
    display_name="OTB99",
    table_position=0,
    official_protocol="otb-matlab",
)
