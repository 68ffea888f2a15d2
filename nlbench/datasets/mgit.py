"""MGIT (Hu et al., NeurIPS 2023 D&B): the VideoCube-Tiny films with text at three grains (spec §1).

Splits (VCT ``mgit/datasets/mgit.json``, key ``tiny``): val 15 sequences, scored locally; test 30, whose ground
truth is withheld (results go to the evaluation server).  Layout (VCT ``mgit.py``)::

    <root>/data/<split>/<seq>/frame_<seq>/000000.jpg ...        frames, 6 digits from 0
    <root>/attribute/groundtruth/<seq>.txt                      x,y,w,h
    <root>/attribute/{absent,shotcut,restart}/<seq>.txt         one 0/1 per line
    <root>/VideoCube_NL/02-activity&story/<seq>.xlsx            the text (or mgit_nlp/<seq>.xlsx, VCT's copy)

The frame folder differs between loaders (``data/<split>/<seq>/`` in MVLM, ``<seq>/frame_<seq>`` in DUTrack):
every one is probed and frames are sorted by number (spec §6.4).

Visibility: a frame counts only where the target is present **and** the frame is no shot cut
(``absent == 0 and shotcut == 0``, spec §1.4); the official protocol drops the other frames from numerator
and denominator.  The frame size (``Sequence.image_size``, read from the first frame's header) is what the
toolkit clips predictions to; a root without frames leaves it unknown.

The sentence is the story's (the xlsx's last row, column ``description``), as VCT's loader gives it; the
segment texts of the three granularities are read by :func:`read_text_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from nlbench.core.errors import DatasetError, NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence
from nlbench.datasets.base import (
    VerifyReport,
    check_official_set,
    check_split,
    count_images,
    first_existing,
    image_size,
    missing_frames_error,
    missing_sequences_error,
    read_boxes,
    read_flag_column,
    read_name_list,
    require_root,
    require_some_visible,
    select_names,
)
from nlbench.datasets.tnl2k import frame_sort_key, list_frames

#: SHA-256 of the official sequence list(s): sorted names joined by "\n" with a final "\n"
#: (``base.names_sha256``, eval-spec §3). Computed from the lists in data/ (VCT mgit.json "tiny").
OFFICIAL_LIST_SHA256: dict[str, str] = {
    "mgit_val": "f94523010d604e1b8fe3367a372ed248734457cd6d57053051946be5fa8d8d50",
    "mgit_test": "74ec760a501e37ad4fd0fd86e2f9c5d9519ae6eba32a232f29aad93c4fcb69e2",
}

MGIT_SOURCE = (
    "the MGIT benchmark (Hu et al., NeurIPS 2023), http://videocube.aitestunion.com (VideoCube-Tiny frames, "
    "MGIT-Info attribute/ files and VideoCube_NL text); splits and toolkit: "
    "https://github.com/huuuuusy/videocube-toolkit (mgit/)"
)
MGIT_ENV = "NLBENCH_MGIT_ROOT"
#: the xlsx header (spec §1.2); ``description`` holds each row's sentence
XLSX_COLUMNS = (
    "level", "number", "start_frame", "end_frame", "length", "object_class", "appearance", "action_1", "prep_1",
    "3rd_object_1", "action_2", "prep_2", "3rd_object_2", "scene", "description",
)  # fmt: skip
_TEXT_DIRS = ("VideoCube_NL/02-activity&story", "mgit_nlp", "MGIT/VideoCube_NL/02-activity&story")


def _base(root: Path) -> Path:
    """Accept the folder holding ``MGIT/`` as well as ``MGIT/`` itself."""
    if not (root / "attribute").is_dir() and (root / "MGIT" / "attribute").is_dir():
        return root / "MGIT"
    return root


@dataclass(frozen=True)
class MgitFiles:
    root: Path
    split: str
    name: str

    def attribute(self, kind: str) -> Path:
        return self.root / "attribute" / kind / f"{self.name}.txt"

    @property
    def gt(self) -> Path:
        return self.attribute("groundtruth")

    def frame_dir(self) -> Path | None:
        s, n = self.split, self.name
        return first_existing(
            (
                self.root / "data" / s / n / f"frame_{n}",
                self.root / "data" / s / n,
                self.root / n / f"frame_{n}",
                self.root / s / n / f"frame_{n}",
            )
        )

    def text(self) -> Path | None:
        for folder in _TEXT_DIRS:
            path = self.root / folder / f"{self.name}.xlsx"
            if path.is_file():
                return path
        return None


def read_text_table(path: Path) -> list[dict[str, Any]]:
    """The rows of one MGIT xlsx (first sheet, header row), trailing empty rows dropped, as dicts."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise DatasetError(f"{path}: reading MGIT's xlsx needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException alike for a bad file
        raise DatasetError(f"{path}: not a readable xlsx ({type(exc).__name__}: {exc})") from None
    try:
        rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise DatasetError(f"{path}: the first sheet is empty")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in XLSX_COLUMNS if c not in header]
    if missing:
        raise DatasetError(f"{path}: the header lacks the column(s) {', '.join(missing)} (MGIT's 15 columns, spec §1.2)")
    body = rows[1:]
    while body and all(v is None or str(v).strip() == "" for v in body[-1]):
        body.pop()
    return [dict(zip(header, row)) for row in body]


def story_sentence(path: Path) -> str:
    """The sentence VCT's loader returns: the ``description`` of the last row (the story)."""
    rows = read_text_table(path)
    if not rows or rows[-1].get("description") in (None, ""):
        raise DatasetError(f"{path}: the last row has no description (the story sentence)")
    return str(rows[-1]["description"]).strip()


def read_visible(files: MgitFiles, n_rows: int) -> np.ndarray | None:
    """``absent == 0 and shotcut == 0`` per frame; None when neither file exists (the test split)."""
    paths = [files.attribute(k) for k in ("absent", "shotcut")]
    if not any(p.is_file() for p in paths):
        return None
    masked = np.zeros(n_rows, dtype=bool)
    for path in paths:
        if not path.is_file():
            raise DatasetError(f"{path}: missing (sequence '{files.name}'); MGIT scores only frames flagged 0 in both absent/ and shotcut/")
        masked |= read_flag_column(path, files.name, n_rows, f"{path.parent.name} file")
    return require_some_visible(~masked, files.name, str(paths[0].parent.parent), "absent or shotcut 1 = not scored")


def _read(files: MgitFiles, with_frames: bool) -> Sequence:
    gt = read_boxes(files.gt, files.name)
    frame_dir = files.frame_dir()
    frames = list_frames(frame_dir, files.name) if with_frames and frame_dir is not None else ()
    size = None
    if frame_dir is not None:
        first = frames[0] if frames else _first_frame(frame_dir)
        size = image_size(first) if first is not None else None
    text = files.text()
    return Sequence(
        name=files.name,
        dataset="mgit",
        frames=frames,
        gt=gt,
        language=story_sentence(text) if text is not None else "",
        visible=read_visible(files, len(gt)),
        language_path=text,
        image_size=size,
    )


def _first_frame(folder: Path) -> Path | None:
    names = [e.name for e in folder.iterdir() if e.suffix.lower() in (".jpg", ".png")]
    return folder / min(names, key=frame_sort_key) if names else None


def load_mgit(
    root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True
) -> list[Sequence]:
    """MGIT val (scored here) or test (for the server), in the mgit.json order."""
    split = check_split("mgit", split, MGIT.splits)
    root = _base(require_root("mgit", Path(root), MGIT_SOURCE, MGIT_ENV))
    wanted = select_names(read_name_list(f"mgit_{split}.txt"), names)
    files = {n: MgitFiles(root, split, n) for n in wanted}
    missing = [n for n, f in files.items() if not f.gt.is_file()]
    if missing:
        raise missing_sequences_error("mgit", root, missing, len(wanted), MGIT_SOURCE, MGIT_ENV, "<root>/attribute/groundtruth/<seq>.txt")
    if with_frames:
        no_frames = [(n, root / "data" / split / n / f"frame_{n}") for n, f in files.items() if f.frame_dir() is None]
        if no_frames:
            raise missing_frames_error("mgit", no_frames, len(wanted))
        no_text = [n for n, f in files.items() if f.text() is None]
        if no_text:
            raise DatasetError(
                f"dataset 'mgit': no text for {len(no_text)} sequence(s) ({', '.join(no_text[:5])}): expected "
                f"{root / _TEXT_DIRS[0]}/<seq>.xlsx (or {_TEXT_DIRS[1]}/). The text comes from {MGIT_SOURCE}."
            )
    return [_read(f, with_frames) for f in files.values()]


def verify_mgit(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    """Check the val split (the one with ground truth) and the test split's frames and text."""
    root = _base(Path(root))
    report = VerifyReport("mgit", root, official_sha256=OFFICIAL_LIST_SHA256["mgit_val"])
    val = read_name_list("mgit_val.txt")
    present = [n for n in val if MgitFiles(root, "val", n).gt.is_file()]
    for name in check_official_set(report, val, present, names):
        report.checked += 1
        _check(MgitFiles(root, "val", name), report, scored=True)
    test = read_name_list("mgit_test.txt")
    wanted_test = select_names(test, None) if names is None else [n for n in names if n in test]
    for name in wanted_test:
        files = MgitFiles(root, "test", name)
        if files.frame_dir() is None:
            report.add("missing test frames", name, f"{root / 'data' / 'test' / name / f'frame_{name}'} does not exist")
        if files.text() is None:
            report.add("missing file", name, f"text {root / _TEXT_DIRS[0] / f'{name}.xlsx'} does not exist")
    report.notes.append(f"val: {len(present)} of {len(val)} sequences with ground truth; test: {len(test)} for the server")
    return report


def _check(files: MgitFiles, report: VerifyReport, scored: bool) -> None:
    name = files.name
    try:
        gt = read_boxes(files.gt, name)
    except NlbenchError as exc:
        report.add("unparseable ground truth", name, str(exc))
        return
    if scored:
        for kind in ("absent", "shotcut"):
            path = files.attribute(kind)
            if not path.is_file():
                report.add("missing file", name, f"{path} does not exist")
                continue
            try:
                read_flag_column(path, name, len(gt), f"{kind} file")
            except NlbenchError as exc:
                report.add("flags vs GT rows", name, str(exc))
    frame_dir = files.frame_dir()
    images = count_images(frame_dir) if frame_dir is not None else None
    if images is None:
        report.add("missing file", name, f"frame folder of {name} not found under {files.root / 'data' / files.split}")
    elif images != len(gt):
        report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but {images} images in {frame_dir}")
    text = files.text()
    if text is None:
        report.add("missing file", name, f"text {files.root / _TEXT_DIRS[0] / f'{name}.xlsx'} does not exist")
    else:
        try:
            story_sentence(text)
        except NlbenchError as exc:
            report.add("bad text table", name, str(exc))


MGIT = DatasetPlugin(
    name="mgit",
    description="MGIT (VideoCube-Tiny with action/activity/story text): val 15 scored here, test 30 for the server",
    load=load_mgit,
    env_var=MGIT_ENV,
    source=MGIT_SOURCE,
    kind="tracking",
    splits=("val", "test"),
    default_split="val",
    verify=verify_mgit,
    attributes=(),  # MGIT's attributes are per-frame values (difficult-frame selection), not sequence flags
    display_name="MGIT",
    official_protocol="mgit-official",
)
