"""Small dataset trees in each real on-disk format (eval-spec §3), with the quirks the real files have.

Images are empty placeholder files unless a test needs pixels (loaders never decode frames).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Iterable
from typing import Sequence as Seq

import numpy as np


def write_text(path: Path, lines: Iterable[str], crlf: bool = False, final_newline: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    eol = "\r\n" if crlf else "\n"
    body = eol.join(lines)
    if final_newline and body:
        body += eol
    path.write_bytes(body.encode("utf-8"))
    return path


def touch_images(folder: Path, names: Iterable[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")


def box_lines(rows: Seq[Seq[float]], sep: str = ",") -> list[str]:
    return [sep.join(f"{v:g}" for v in row) for row in rows]


# ------------------------------------------------------------------------------------------------- LaSOT


def make_lasot_sequence(
    root: Path,
    name: str,
    gt: Seq[Seq[float]],
    sentence: str = "a small object moving",
    occlusion: Seq[int] | None = None,
    out_of_view: Seq[int] | None = None,
    n_images: int | None = None,
    crlf: bool = False,
    final_newline: bool = True,
) -> Path:
    """``<root>/<class>/<name>/`` with one-line flag files and ``nlp.txt`` without a final newline (LTK)."""
    folder = root / name.split("-")[0] / name
    n = len(gt)
    write_text(folder / "groundtruth.txt", box_lines(gt), crlf=crlf, final_newline=final_newline)
    occ = occlusion if occlusion is not None else [0] * n
    oov = out_of_view if out_of_view is not None else [0] * n
    write_text(folder / "full_occlusion.txt", [",".join(str(v) for v in occ)], crlf=crlf, final_newline=final_newline)
    write_text(folder / "out_of_view.txt", [",".join(str(v) for v in oov)], crlf=crlf, final_newline=final_newline)
    write_text(folder / "nlp.txt", [sentence], final_newline=False)
    touch_images(folder / "img", [f"{i:08d}.jpg" for i in range(1, (n if n_images is None else n_images) + 1)])
    return folder


# ------------------------------------------------------------------------------------------------- TNL2K


def make_tnl2k_sequence(
    root: Path,
    name: str,
    gt: Seq[Seq[float]],
    sentence: str = "the man in a red coat",
    frame_names: Seq[str] | None = None,
    crlf: bool = False,
    final_newline: bool = True,
    attributes: Seq[int] | None = None,
    attributes_sep: str = ",",
) -> Path:
    folder = root / name
    names = frame_names if frame_names is not None else [f"{i:05d}.jpg" for i in range(1, len(gt) + 1)]
    touch_images(folder / "imgs", names)
    write_text(folder / "groundtruth.txt", box_lines(gt), crlf=crlf, final_newline=final_newline)
    write_text(folder / "language.txt", [sentence] if sentence else [], crlf=crlf, final_newline=final_newline)
    if attributes is not None:
        if attributes_sep == "\n":
            write_text(folder / "attributes.txt", [str(v) for v in attributes], crlf=crlf)
        else:
            write_text(folder / "attributes.txt", [attributes_sep.join(str(v) for v in attributes)])
    return folder


# --------------------------------------------------------------------------------------------------- OTB


def make_otb_target(
    root: Path,
    folder: str,
    gt_lines: Seq[str],
    gt_file: str = "groundtruth_rect.txt",
    start: int = 1,
    digits: int = 4,
    n_images: int | None = None,
    crlf: bool = False,
) -> Path:
    """``<root>/OTB_videos/<folder>/{img/, <gt_file>}``; GT lines given verbatim (separator mixtures)."""
    target = root / "OTB_videos" / folder
    write_text(target / gt_file, gt_lines, crlf=crlf)
    count = n_images if n_images is not None else len(gt_lines)
    touch_images(target / "img", [f"{i:0{digits}d}.jpg" for i in range(start, start + count)])
    return target


def make_otb_query(root: Path, split: str, name: str, sentence: str, crlf: bool = False) -> Path:
    return write_text(root / f"OTB_query_{split}" / f"{name}.txt", [sentence], crlf=crlf)


# ---------------------------------------------------------------------------------------------- RefCOCOg


def py2_pickle(obj) -> bytes:
    """Protocol-2 pickle as Python 2 writes it: ``str`` values become byte strings (SHORT_BINSTRING).

    Python 3's pickler cannot produce this (it writes bytes through a ``_codecs.encode`` global), and
    the real ``refs(google).p`` files are Python-2 pickles, so the fixture writes the opcodes itself.
    """
    out = bytearray(b"\x80\x02")

    def emit(value) -> None:
        if isinstance(value, dict):
            out.extend(b"}(")
            for k, v in value.items():
                emit(k)
                emit(v)
            out.extend(b"u")
        elif isinstance(value, list):
            out.extend(b"](")
            for v in value:
                emit(v)
            out.extend(b"e")
        elif isinstance(value, tuple):
            out.extend(b"(")
            for v in value:
                emit(v)
            out.extend(b"t")
        elif isinstance(value, bool):
            out.extend(b"\x88" if value else b"\x89")
        elif isinstance(value, int):
            out.extend(b"J" + struct.pack("<i", value))
        elif isinstance(value, float):
            out.extend(b"G" + struct.pack(">d", value))
        elif isinstance(value, str):
            data = value.encode("latin-1")
            if len(data) < 256:
                out.extend(b"U" + bytes([len(data)]) + data)
            else:
                out.extend(b"T" + struct.pack("<i", len(data)) + data)
        elif value is None:
            out.extend(b"N")
        else:
            raise TypeError(type(value))

    emit(obj)
    out.extend(b".")
    return bytes(out)


def make_ref(ref_id: int, ann_id: int, image_id: int, split: str, sentences: Seq[str], first_sent_id: int = 0) -> dict:
    sents = [
        {"sent_id": first_sent_id + i, "raw": s.capitalize(), "sent": s, "tokens": s.split()}
        for i, s in enumerate(sentences)
    ]
    return {
        "ref_id": ref_id,
        "ann_id": ann_id,
        "image_id": image_id,
        "category_id": 1,
        "split": split,
        "sent_ids": [s["sent_id"] for s in sents],
        "sentences": sents,
        "file_name": f"COCO_train2014_{image_id:012d}_{ann_id}.jpg",
    }


def make_refcocog(
    root: Path,
    refs: Seq[dict],
    images: Seq[dict],
    annotations: Seq[dict],
    split_by: str = "google",
    pixels: bool = False,
    folder_name: str = "refcocog",
) -> Path:
    """``<root>/refcocog/{instances.json, refs(<split_by>).p}`` and ``images/mscoco/images/train2014/``.

    ``images``: dicts with id, width, height; ``annotations``: id, image_id, bbox, iscrowd.
    With ``pixels`` each image is a real (black) JPEG of its size, for tests that run a grounder.
    """
    folder = root / folder_name  # refcocog, refcoco or refcoco+ (REFER's data/ layout)
    folder.mkdir(parents=True, exist_ok=True)
    coco_images = [
        {"id": im["id"], "file_name": f"COCO_train2014_{im['id']:012d}.jpg", "width": im["width"], "height": im["height"]}
        for im in images
    ]
    coco_anns = [
        {
            "id": a["id"],
            "image_id": a["image_id"],
            "category_id": 1,
            "bbox": list(a["bbox"]),
            "area": float(a["bbox"][2] * a["bbox"][3]),
            "iscrowd": a.get("iscrowd", 0),
            "segmentation": [],
        }
        for a in annotations
    ]
    instances = {"images": coco_images, "annotations": coco_anns, "categories": [{"id": 1, "name": "person"}]}
    (folder / "instances.json").write_text(json.dumps(instances))
    (folder / f"refs({split_by}).p").write_bytes(py2_pickle(list(refs)))
    image_dir = root / "images" / "mscoco" / "images" / "train2014"
    image_dir.mkdir(parents=True, exist_ok=True)
    for im in coco_images:
        path = image_dir / im["file_name"]
        if pixels:
            import cv2

            cv2.imwrite(str(path), np.zeros((im["height"], im["width"], 3), dtype=np.uint8))
        else:
            path.write_bytes(b"")
    return root


# --------------------------------------------------------------- VastTrack, TNLLT, WebUAV-3M, MGIT (spec)


def flag_lines(flags: Seq[int]) -> list[str]:
    return [str(int(v)) for v in flags]


def make_vasttrack_sequence(
    root: Path, name: str, gt: Seq[Seq[float]], sentence: str = "a brown aardwolf", frames: str = "imgs",
    digits: int = 5, crlf: bool = False,
) -> Path:  # fmt: skip
    """``<root>/<class>/<name>/{imgs/00001.jpg, Groundtruth.txt, nlp.txt}`` (the download, spec §3.2)."""
    folder = root / "-".join(name.split("-")[:-1]) / name
    write_text(folder / "Groundtruth.txt", box_lines(gt), crlf=crlf)
    write_text(folder / "nlp.txt", [sentence], final_newline=False)
    touch_images(folder / frames, [f"{i:0{digits}d}.jpg" for i in range(1, len(gt) + 1)])
    return folder


def make_toolkit_annos(
    root: Path, name: str, gt: Seq[Seq[float]], flags: Seq[int], attributes: Seq[int] | None = None
) -> Path:
    """The MATLAB toolkits' ``annos/<seq>.txt``, ``annos/absent/<seq>.txt`` (one per line), ``annos/att/<seq>.txt``."""
    annos = root / "annos"
    write_text(annos / f"{name}.txt", box_lines(gt))
    write_text(annos / "absent" / f"{name}.txt", flag_lines(flags))
    if attributes is not None:
        write_text(annos / "att" / f"{name}.txt", [",".join(str(v) for v in attributes)])
    else:
        (annos / "att").mkdir(parents=True, exist_ok=True)
    return annos


def make_tnllt_sequence(
    root: Path, name: str, gt: Seq[Seq[float]], visible: Seq[int] | None = None, sentence: str = "the man in black",
    attributes: Seq[int] | None = None, frames: bool = True,
) -> Path:  # fmt: skip
    """``<root>/<seq>/{imgs/00001.png, groundtruth.txt, absent_label.txt (1 = visible), attributes.txt, language.txt}``."""
    folder = root / name
    write_text(folder / "groundtruth.txt", box_lines(gt))
    write_text(folder / "absent_label.txt", flag_lines(visible if visible is not None else [1] * len(gt)))
    write_text(folder / "attributes.txt", [",".join(str(v) for v in (attributes or [0] * 15))])
    write_text(folder / "language.txt", [sentence, "a second line nobody reads"])
    if frames:
        touch_images(folder / "imgs", [f"{i:05d}.png" for i in range(1, len(gt) + 1)])
    return folder


def make_webuav3m_video(
    root: Path, name: str, gt: Seq[Seq[float]], split: str = "Test", sentence: str = "the white car",
    attributes: Seq[int] | None = None, absent: Seq[int] | None = None, frames: bool = True,
) -> Path:  # fmt: skip
    """``<root>/<Split>/<video>/{img/000001.jpg, groundtruth_rect.txt, absent.txt, attributes.txt, language.txt}``."""
    folder = root / split / name
    write_text(folder / "groundtruth_rect.txt", box_lines(gt))
    zero = [int(all(v == 0 for v in row)) for row in gt]
    write_text(folder / "absent.txt", flag_lines(absent if absent is not None else zero))
    write_text(folder / "attributes.txt", [",".join(str(v) for v in (attributes or [0] * 17))])
    write_text(folder / "language.txt", [sentence])
    if frames:
        touch_images(folder / "img", [f"{i:06d}.jpg" for i in range(1, len(gt) + 1)])
    return folder


def write_mgit_xlsx(path: Path, rows: Seq[Seq], header: Seq[str] | None = None) -> Path:
    """An MGIT text table (spec §1.2: 15 columns, a header row), written with openpyxl."""
    import openpyxl

    from nlbench.datasets.mgit import XLSX_COLUMNS

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header if header is not None else XLSX_COLUMNS))
    for row in rows:
        sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def mgit_row(level: str, number: int, start: int | None, end: int | None, description: str) -> list:
    length = None if start is None or end is None else end - start + 1
    return [level, number, start, end, length] + [None] * 9 + [description]


def make_mgit_sequence(
    root: Path, name: str, gt: Seq[Seq[float]], split: str = "val", absent: Seq[int] | None = None,
    shotcut: Seq[int] | None = None, frames: tuple[int, int] | None = (64, 48), story: str = "a man walks, then runs",
) -> Path:  # fmt: skip
    """``<root>/attribute/{groundtruth,absent,shotcut}/<seq>.txt``, ``data/<split>/<seq>/frame_<seq>/000000.jpg``
    (real JPEGs of size ``frames`` = (width, height); None: no frames) and ``VideoCube_NL/02-activity&story/<seq>.xlsx``."""
    n = len(gt)
    write_text(root / "attribute" / "groundtruth" / f"{name}.txt", box_lines(gt))
    write_text(root / "attribute" / "absent" / f"{name}.txt", flag_lines(absent if absent is not None else [0] * n))
    write_text(root / "attribute" / "shotcut" / f"{name}.txt", flag_lines(shotcut if shotcut is not None else [0] * n))
    write_mgit_xlsx(
        root / "VideoCube_NL" / "02-activity&story" / f"{name}.xlsx",
        [mgit_row("action", 1, 0, n // 2, "a man walks"), mgit_row("action", 2, n // 2 + 1, n - 1, "a man runs"),
         mgit_row("activity", 1, 0, n - 1, "a man walks and runs"), mgit_row("story", 1, 0, n - 1, story)],
    )  # fmt: skip
    if frames is not None:
        import cv2

        folder = root / "data" / split / name / f"frame_{name}"
        folder.mkdir(parents=True, exist_ok=True)
        image = np.zeros((frames[1], frames[0], 3), dtype=np.uint8)
        for i in range(n):
            cv2.imwrite(str(folder / f"{i:06d}.jpg"), image)
    return root


# ------------------------------------------------------------------------------------ annotations only

#: Two sequences per tracking dataset, with names from its official list (synth: any names).
ANNOTATION_ONLY_NAMES: dict[str, tuple[str, str]] = {
    "lasot": ("airplane-1", "basketball-1"),
    "lasot_ext": ("atv-1", "atv-2"),
    "tnl2k": ("Assian_video_Z03_done", "BF5_Blade_video_01-Done"),
    "otb99": ("Biker", "Bird1"),
    "synth": ("synth_test_0001", "synth_test_0002"),
    "vasttrack": ("Aardwolf-1", "Aerial Drones In Flight-16"),
    "tnllt": ("JE_Weapon_ChangeGUN_video_Z07", "JE_CrashCar_video_10"),
    "webuav3m": ("uav_video_0001", "uav_video_0002"),
    "mgit": ("005", "029"),
}


def strip_frames(root: Path) -> Path:
    """Delete every frame folder under ``root`` (``img/``, ``imgs/``, RefCOCOg's ``images/``): annotations only."""
    import shutil

    for folder in sorted({p for name in ("img", "imgs", "images") for p in root.rglob(name) if p.is_dir()}, reverse=True):
        shutil.rmtree(folder, ignore_errors=True)
    return root


def make_annotations_only(dataset: str, root: Path, gt: Seq[Seq[float]]) -> tuple[Path, tuple[str, str]]:
    """A root of ``dataset`` holding its two sequences' annotation files (``gt`` each) and no frame folder."""
    names = ANNOTATION_ONLY_NAMES[dataset]
    for name in names:
        if dataset in ("lasot", "lasot_ext"):
            make_lasot_sequence(root, name, gt)
        elif dataset == "tnl2k":
            make_tnl2k_sequence(root, name, gt)
        elif dataset == "otb99":
            make_otb_target(root, name, box_lines(gt))
            make_otb_query(root, "test", name, "the cyclist on the road")
        elif dataset == "synth":
            folder = make_tnl2k_sequence(root / "test", name, gt, sentence="the red circle")
            write_text(folder / "absent.txt", ["0"] * len(gt))
        elif dataset == "vasttrack":
            make_vasttrack_sequence(root, name, gt)
        elif dataset == "tnllt":
            make_tnllt_sequence(root, name, gt)
        elif dataset == "webuav3m":
            make_webuav3m_video(root, name, gt)
        elif dataset == "mgit":
            make_mgit_sequence(root, name, gt, frames=None)
        else:
            raise ValueError(dataset)
    return strip_frames(root), names
