"""RefCOCOg, RefCOCO and RefCOCO+ referring expressions (REFER API layout), eval-spec §3.5.

RefCOCOg: Mao et al. 2016 "google" split (train/val) and Nagaraja et al. 2016 "umd" split (train/val/test).
RefCOCO and RefCOCO+ (Yu et al. 2016): the "unc" split, train / val / testA (people) / testB (other objects).
The three share one loader; each is a :class:`RefSet` (folder, partitions, defaults).

Layout (REFER API / JointNLT ``coco_dir``): ``<root>/refcocog/{instances.json, refs(google).p, refs(umd).p}``,
``<root>/refcoco/{instances.json, refs(unc).p}``, ``<root>/refcoco+/{instances.json, refs(unc).p}``
and the COCO train2014 images under ``<root>/images/mscoco/images/train2014/``.  The refs files are
Python-2 pickles, read with :mod:`nlbench.datasets.pickle_safe` (plain containers only).

Samples, as JointNLT forms them (``unit="ref"``): one per ref in pickle order, refs whose
annotation is a crowd dropped, sentence = the ref's **last** processed sentence (``sent``), box =
the ``instances.json`` bbox of ``ann_id``.  ``unit="expression"`` gives one sample per sentence (the
common REC protocol).  Every sentence of the ref is kept in ``GroundingSample.sentences``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from nlbench.datasets.base import VerifyReport
from nlbench.datasets.pickle_safe import load_plain
from nlbench.core.errors import DatasetError
from nlbench.core.types import DatasetPlugin, GroundingSample

REFCOCOG_SOURCE = (
    "RefCOCOg refs (https://github.com/lichengunc/refer, data/README.md: refcocog.zip with refs(google).p, "
    "refs(umd).p and instances.json) plus the COCO train2014 images (https://cocodataset.org)"
)
REFCOCOG_ENV = "NLBENCH_REFCOCOG_ROOT"

UNITS = ("ref", "expression")


@dataclass(frozen=True)
class RefSet:
    """One REFER dataset: its folder under the COCO root and its partitions (split-by -> splits)."""

    name: str
    folder: str
    partitions: dict[str, tuple[str, ...]]
    source: str
    env_var: str
    default_split_by: str
    default_split: str = "val"
    note: str = ""  # said when a split is not in the partition

    @property
    def split_bys(self) -> tuple[str, ...]:
        return tuple(self.partitions)


REFCOCOG_SET = RefSet(
    "refcocog", "refcocog", {"google": ("train", "val"), "umd": ("train", "val", "test")}, REFCOCOG_SOURCE,
    REFCOCOG_ENV, "google", note="; google has no released test split",
)  # fmt: skip
REFCOCO_SOURCE = (
    "RefCOCO refs (https://github.com/lichengunc/refer, data/README.md: refcoco.zip with refs(unc).p and "
    "instances.json) plus the COCO train2014 images (https://cocodataset.org)"
)
REFCOCO_PLUS_SOURCE = (
    "RefCOCO+ refs (https://github.com/lichengunc/refer, data/README.md: refcoco+.zip with refs(unc).p and "
    "instances.json) plus the COCO train2014 images (https://cocodataset.org)"
)
_UNC = {"unc": ("train", "val", "testA", "testB")}
REFCOCO_SET = RefSet("refcoco", "refcoco", _UNC, REFCOCO_SOURCE, "NLBENCH_REFCOCO_ROOT", "unc")
REFCOCO_PLUS_SET = RefSet("refcoco+", "refcoco+", _UNC, REFCOCO_PLUS_SOURCE, "NLBENCH_REFCOCO_PLUS_ROOT", "unc")
#: RefCOCOg's partitions, kept for callers of the single-dataset module
SPLIT_BYS = REFCOCOG_SET.split_bys
_IMAGE_DIRS = ("images/mscoco/images/train2014", "images/train2014", "train2014", "../images/mscoco/images/train2014")


@dataclass(frozen=True)
class RefcocogFiles:
    folder: Path  # holds instances.json and the refs pickles
    images: Path  # train2014 images (may not exist: evaluation from saved predictions needs none)


def locate(root: Path, refset: RefSet = REFCOCOG_SET) -> RefcocogFiles:
    """Accept the COCO folder (``<root>/<refset folder>/``) or that folder itself."""
    root = Path(root)
    sub = refset.folder
    folder = root if (root / "instances.json").is_file() and not (root / sub).is_dir() else root / sub
    if not (folder / "instances.json").is_file():
        raise DatasetError(
            f"dataset '{refset.name}': {folder / 'instances.json'} is missing. It comes from {refset.source}. "
            f"Point --root (or {refset.env_var}) at the folder that contains {sub}/."
        )
    base = folder.parent if folder != root else root
    candidates = [base / d for d in _IMAGE_DIRS] + [folder / "images"]
    images = next((c for c in candidates if c.is_dir()), candidates[0])
    return RefcocogFiles(folder, images.resolve() if images.is_dir() else images)


def parse_split(split: str | None, split_by: str | None, refset: RefSet = REFCOCOG_SET) -> tuple[str, str]:
    """``split`` may carry the partition, ``"umd/test"`` or ``"umd:test"``; defaults: the set's (RefCOCOg: google / val, JointNLT)."""
    if split is not None and ("/" in split or ":" in split):
        split_by, split = split.replace(":", "/").split("/", 1)
    split_by = split_by or refset.default_split_by
    split = split or refset.default_split
    if split_by not in refset.partitions:
        raise DatasetError(f"{refset.name}: unknown split-by '{split_by}'; choose {' or '.join(refset.split_bys)}")
    if split not in refset.partitions[split_by]:
        raise DatasetError(
            f"{refset.name}: split-by '{split_by}' has no split '{split}' "
            f"(it has {', '.join(refset.partitions[split_by])}{refset.note})"
        )
    return split, split_by


def _in_split(ref_split: str, split: str) -> bool:
    """REFER ``getRefIds``: train/val match exactly; testA/testB/testC any split holding that letter (so testAB
    counts for both); test any split containing "test"."""
    if split in ("testA", "testB", "testC"):
        return split[-1] in ref_split
    if split == "test":
        return "test" in ref_split
    return ref_split == split


def read_refs(folder: Path, split_by: str) -> list[dict[str, Any]]:
    path = folder / f"refs({split_by}).p"
    refs = load_plain(path)
    if not isinstance(refs, list) or not all(isinstance(r, dict) for r in refs):
        raise DatasetError(f"{path}: expected a list of ref dicts")
    for i, ref in enumerate(refs):
        missing = [k for k in ("ref_id", "ann_id", "image_id", "split", "sentences") if k not in ref]
        if missing:
            raise DatasetError(f"{path}: ref #{i} lacks {', '.join(missing)}")
    return refs


def read_instances(folder: Path) -> tuple[dict[int, dict], dict[int, dict]]:
    """(annotations by id, images by id) from ``instances.json``."""
    path = folder / "instances.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    try:
        anns = {int(a["id"]): a for a in data["annotations"]}
        images = {int(im["id"]): im for im in data["images"]}
    except (KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: not a COCO instances file (missing {exc})") from None
    return anns, images


def _sentence_text(sentence: Any) -> str:
    if isinstance(sentence, dict):
        return str(sentence.get("sent", sentence.get("raw", "")))
    return str(sentence)


def load_refcocog(
    root: Path,
    split: str | None = None,
    names: Iterable[str] | None = None,
    with_frames: bool = True,
    *,
    split_by: str | None = None,
    unit: str = "ref",
    drop_crowd: bool = True,
    refset: RefSet = REFCOCOG_SET,
) -> list[GroundingSample]:
    """Grounding samples of one split of ``refset`` (RefCOCOg by default) in pickle order (module docstring).

    ``names`` keeps only the refs with those ids (as text); ``with_frames`` is part of the loader contract
    and changes nothing here (images are paths).
    """
    split, split_by = parse_split(split, split_by, refset)
    if unit not in UNITS:
        raise DatasetError(f"{refset.name}: unknown unit '{unit}'; choose ref or expression")
    files = locate(root, refset)
    refs = read_refs(files.folder, split_by)
    anns, images = read_instances(files.folder)
    samples: list[GroundingSample] = []
    label = f"{split_by}/{split}"
    wanted = None if names is None else set(names)
    for ref in refs:
        if not _in_split(str(ref["split"]), split) or (wanted is not None and str(ref["ref_id"]) not in wanted):
            continue
        ann = anns.get(int(ref["ann_id"]))
        if ann is None:
            raise DatasetError(
                f"{files.folder / 'instances.json'}: annotation {ref['ann_id']} of ref {ref['ref_id']} is missing"
            )
        if drop_crowd and ann.get("iscrowd", 0):
            continue
        image = images.get(int(ref["image_id"]))
        if image is None:
            raise DatasetError(f"{files.folder / 'instances.json'}: image {ref['image_id']} of ref {ref['ref_id']} is missing")
        sentences = tuple(_sentence_text(s) for s in ref["sentences"])
        if not sentences:
            raise DatasetError(f"{files.folder / f'refs({split_by}).p'}: ref {ref['ref_id']} has no sentence")
        box = np.asarray(ann["bbox"], dtype=np.float64).reshape(4)
        common = dict(
            image=files.images / str(image["file_name"]),
            box=box,
            ref_id=int(ref["ref_id"]),
            ann_id=int(ref["ann_id"]),
            image_id=int(ref["image_id"]),
            split=label,
            sentences=sentences,
            width=int(image["width"]) if "width" in image else None,
            height=int(image["height"]) if "height" in image else None,
        )
        texts = sentences[-1:] if unit == "ref" else sentences  # JointNLT: sentences[-1]['sent']
        samples.extend(GroundingSample(sentence=t, **common) for t in texts)
    return samples


def load_refcoco(root: Path, split: str | None = None, names: Iterable[str] | None = None, with_frames: bool = True,
                 **options: Any) -> list[GroundingSample]:  # fmt: skip
    """RefCOCO (unc: train / val / testA / testB), read by the RefCOCOg loader."""
    return load_refcocog(root, split, names, with_frames, refset=REFCOCO_SET, **options)


def load_refcoco_plus(root: Path, split: str | None = None, names: Iterable[str] | None = None,
                      with_frames: bool = True, **options: Any) -> list[GroundingSample]:  # fmt: skip
    """RefCOCO+ (unc: train / val / testA / testB), read by the RefCOCOg loader."""
    return load_refcocog(root, split, names, with_frames, refset=REFCOCO_PLUS_SET, **options)


def verify_refcocog(root: Path, names: Any = None, refset: RefSet = REFCOCOG_SET) -> VerifyReport:
    """Files present and readable, ref counts per split, crowd refs, missing images."""
    files = locate(root, refset)
    report = VerifyReport(refset.name, files.folder, unit="refs")
    anns, images = read_instances(files.folder)
    used: set[int] = set()
    for split_by in refset.split_bys:
        path = files.folder / f"refs({split_by}).p"
        if not path.is_file():
            report.add("missing file", "", f"{path} does not exist")
            continue
        try:
            refs = read_refs(files.folder, split_by)
        except DatasetError as exc:
            report.add("unreadable refs", "", str(exc))
            continue
        counts = {s: sum(_in_split(str(r["split"]), s) for r in refs) for s in refset.partitions[split_by]}
        crowd = sum(1 for r in refs if anns.get(int(r["ann_id"]), {}).get("iscrowd", 0))
        report.notes.append(
            f"{split_by}: " + ", ".join(f"{s} {n} refs" for s, n in counts.items()) + f"; {crowd} crowd refs dropped"
        )
        report.expected += len(refs)
        used.update(int(r["image_id"]) for r in refs)
        for r in refs:
            report.checked += 1
            if int(r["ann_id"]) not in anns:
                report.add("missing annotation", str(r["ref_id"]), f"ann_id {r['ann_id']} not in instances.json")
            if int(r["image_id"]) not in images:
                report.add("missing image entry", str(r["ref_id"]), f"image_id {r['image_id']} not in instances.json")
            if not r["sentences"] or not any(_sentence_text(s).strip() for s in r["sentences"]):
                report.add("empty sentence", str(r["ref_id"]), "the ref has no non-empty sentence")
    if files.images.is_dir():
        for image_id in sorted(used):
            image = images.get(image_id)
            if image is not None and not (files.images / str(image["file_name"])).is_file():
                report.add("missing image", str(image_id), f"{files.images / str(image['file_name'])} does not exist")
    else:
        report.add("missing file", "", f"image folder {files.images} does not exist (needed to run a grounder)")
    return report


def verify_refcoco(root: Path, names: Any = None) -> VerifyReport:
    return verify_refcocog(root, names, REFCOCO_SET)


def verify_refcoco_plus(root: Path, names: Any = None) -> VerifyReport:
    return verify_refcocog(root, names, REFCOCO_PLUS_SET)


REFCOCOG = DatasetPlugin(
    name="refcocog",
    description="RefCOCOg referring expressions (google val / umd val+test) for first-frame grounding",
    load=load_refcocog,
    env_var=REFCOCOG_ENV,
    source=REFCOCOG_SOURCE,
    kind="grounding",
    splits=("val", "test", "train"),
    default_split="val",
    verify=verify_refcocog,
    display_name="RefCOCOg",
    load_options=("split_by", "unit"),
    grounding_default=True,  # JointNLT's grounding benchmark
)

REFCOCO = DatasetPlugin(
    name="refcoco",
    description="RefCOCO referring expressions (unc val / testA / testB) for first-frame grounding, Yu et al. 2016",
    load=load_refcoco,
    env_var=REFCOCO_SET.env_var,
    source=REFCOCO_SOURCE,
    kind="grounding",
    splits=("val", "testA", "testB", "train"),
    default_split="val",
    verify=verify_refcoco,
    display_name="RefCOCO",
    load_options=("split_by", "unit"),
)

REFCOCO_PLUS = DatasetPlugin(
    name="refcoco+",
    description="RefCOCO+ referring expressions (unc val / testA / testB; no location words), Yu et al. 2016",
    load=load_refcoco_plus,
    env_var=REFCOCO_PLUS_SET.env_var,
    source=REFCOCO_PLUS_SOURCE,
    kind="grounding",
    splits=("val", "testA", "testB", "train"),
    default_split="val",
    verify=verify_refcoco_plus,
    display_name="RefCOCO+",
    load_options=("split_by", "unit"),
)
