"""LaSOT (Protocol II test, 280 sequences) and the LaSOT extension (150), eval-spec §3.1–§3.2, §2.1.

Layout: ``<root>/<class>/<class>-<k>/{img/%08d.jpg, groundtruth.txt, full_occlusion.txt,
out_of_view.txt, nlp.txt}``; a flat ``<root>/<class>-<k>/`` is accepted too.  As in the
reference, the frame list is built from the number of GT rows (monkey-17 has more images than
rows), so loading never lists image folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from nlbench.datasets.base import (
    NumberedFrames,
    VerifyReport,
    bundled_attributes,
    check_split,
    count_images,
    missing_sequences_error,
    names_sha256,
    read_attribute_file,
    read_boxes,
    read_flags,
    read_name_list,
    read_sentence,
    require_root,
    select_names,
)
from nlbench.core.errors import DatasetError, NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence

#: SHA-256 of the official sequence list(s): sorted names joined by "\n" with a final "\n"
#: (``base.names_sha256``, eval-spec §3). ``lasot`` is the spec's digest; ``lasot_ext`` is computed from the 15 x 10 names of
#: eval-spec §3.2 (the spec gives none).
OFFICIAL_LIST_SHA256: dict[str, str] = {
    "lasot": "bd1b390c17fcc19bd6d0b7e738b56a3854e1f38489008f8ee361339646c1da2c",
    "lasot_ext": "6ec9bb2ecb5b87158ec7281c758f0084deaddfdedd317c88178ba9571c90a618",
}

#: LTK file order = pytracking ``att_name_short`` order (eval-spec §2.1).
LASOT_ATTRIBUTES: tuple[str, ...] = (
    "IV", "POC", "DEF", "MB", "CM", "ROT", "BC", "VC", "SV", "FOC", "FM", "OV", "LR", "ARC",
)  # fmt: skip

LASOT_SOURCE = (
    "the LaSOT benchmark (Fan et al., CVPR 2019), http://vision.cs.stonybrook.edu/~lasot/ "
    "(also https://cis.temple.edu/lasot/; test split = Protocol II, 280 sequences)"
)
LASOT_EXT_SOURCE = (
    "the LaSOT extension (Fan et al., IJCV 2021), http://vision.cs.stonybrook.edu/~lasot/ "
    "(150 sequences of 15 new classes, Protocol III)"
)


def sequence_folder(root: Path, name: str) -> Path:
    """``<root>/<class>/<name>`` (official layout), else a flat ``<root>/<name>``."""
    nested = root / name.rsplit("-", 1)[0] / name
    if nested.is_dir() or not (root / name).is_dir():
        return nested
    return root / name


def read_visibility(folder: Path, name: str, n_rows: int) -> np.ndarray:
    """``visible = (full_occlusion == 0) & (out_of_view == 0)``; each file is one line of N flags."""
    flags = []
    for file in ("full_occlusion.txt", "out_of_view.txt"):
        values = read_flags(folder / file, name)
        if len(values) != n_rows:
            raise DatasetError(
                f"{folder / file}: {len(values)} flags but groundtruth.txt has {n_rows} rows (sequence '{name}')"
            )
        flags.append(values)
    return ~flags[0] & ~flags[1]


def _read_sequence(
    folder: Path,
    name: str,
    dataset: str,
    table: Mapping[str, Mapping[str, bool]],
    attributes_dir: Path | None,
) -> Sequence:
    gt = read_boxes(folder / "groundtruth.txt", name)
    frames = NumberedFrames(folder / "img", range(1, len(gt) + 1), 8, "jpg")
    language_path = folder / "nlp.txt"
    attributes: dict[str, bool] = {}
    if attributes_dir is not None and (attributes_dir / f"{name}.txt").is_file():
        attributes = read_attribute_file(attributes_dir / f"{name}.txt", LASOT_ATTRIBUTES, name)
    elif (folder / "attributes.txt").is_file():
        attributes = read_attribute_file(folder / "attributes.txt", LASOT_ATTRIBUTES, name)
    elif name in table:
        attributes = dict(table[name])
    return Sequence(
        name=name,
        dataset=dataset,
        frames=frames,
        gt=gt,
        language=read_sentence(language_path, name),
        visible=read_visibility(folder, name, len(gt)),
        attributes=attributes,
        language_path=language_path,
    )


def _load(
    dataset: str,
    list_file: str,
    source: str,
    env_var: str,
    root: Path,
    split: str | None,
    names: Iterable[str] | None,
    attributes_dir: Path | None,
    table: Mapping[str, Mapping[str, bool]],
) -> list[Sequence]:
    check_split(dataset, split, ("test",))
    root = require_root(dataset, root, source, env_var)
    if attributes_dir is not None and not Path(attributes_dir).is_dir():
        raise DatasetError(f"attribute folder {attributes_dir} does not exist")
    wanted = select_names(read_name_list(list_file), names)
    folders = {n: sequence_folder(root, n) for n in wanted}
    missing = [n for n, f in folders.items() if not f.is_dir()]
    if missing:
        raise missing_sequences_error(dataset, root, missing, len(wanted), source, env_var, "<root>/<class>/<class>-<k>/")
    att_dir = Path(attributes_dir) if attributes_dir is not None else None
    return [_read_sequence(folders[n], n, dataset, table, att_dir) for n in wanted]


def load_lasot(
    root: Path,
    split: str | None = None,
    names: Iterable[str] | None = None,
    with_frames: bool = True,  # frames are a lazy numbered list: nothing to skip
    *,
    attributes_dir: Path | None = None,
) -> list[Sequence]:
    """LaSOT Protocol II test (280) in the official (pytracking/JointNLT) order.

    Attributes: ``attributes_dir`` (LTK ``annos/att/<seq>.txt``) when given, else a per-sequence
    ``attributes.txt``, else the bundled official table (pytracking's LaSOT_attributes.json = LTK).
    """
    table = bundled_attributes("lasot_test_attributes.csv", LASOT_ATTRIBUTES)
    return _load("lasot", "lasot_test.txt", LASOT_SOURCE, LASOT.env_var, root, split, names, attributes_dir, table)


def load_lasot_ext(
    root: Path,
    split: str | None = None,
    names: Iterable[str] | None = None,
    with_frames: bool = True,
    *,
    attributes_dir: Path | None = None,
) -> list[Sequence]:
    """LaSOT extension (150) in the official order; no bundled attribute table."""
    return _load(
        "lasot_ext", "lasot_ext_test.txt", LASOT_EXT_SOURCE, LASOT_EXT.env_var, root, split, names, attributes_dir, {}
    )


def _verify(dataset: str, list_file: str, root: Path, names: Iterable[str] | None) -> VerifyReport:
    root = Path(root)
    official = read_name_list(list_file)
    wanted = select_names(official, names)
    report = VerifyReport(dataset, root, expected=len(wanted), official_sha256=OFFICIAL_LIST_SHA256[dataset])
    present = [n for n in official if sequence_folder(root, n).is_dir()]
    report.list_sha256 = names_sha256(present)
    for name in wanted:
        folder = sequence_folder(root, name)
        if not folder.is_dir():
            report.add("missing sequence", name, f"{folder} does not exist")
            continue
        report.checked += 1
        _check_sequence(folder, name, report)
    return report


def _check_sequence(folder: Path, name: str, report: VerifyReport) -> None:
    gt = None
    try:
        gt = read_boxes(folder / "groundtruth.txt", name)
    except NlbenchError as exc:
        kind = "missing file" if not (folder / "groundtruth.txt").is_file() else "unparseable ground truth"
        report.add(kind, name, str(exc))
    images = count_images(folder / "img", (".jpg",))
    if images is None:
        report.add("missing file", name, f"{folder / 'img'} (frame folder) does not exist")
    elif gt is not None and images < len(gt):
        # more images than rows is normal (monkey-17); fewer means frames the tracker cannot read
        report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but only {images} images in img/")
    for file in ("full_occlusion.txt", "out_of_view.txt"):
        if not (folder / file).is_file():
            report.add("missing file", name, f"{folder / file} does not exist")
            continue
        try:
            flags = read_flags(folder / file, name)
        except NlbenchError as exc:
            report.add("unparseable flags", name, str(exc))
            continue
        if gt is not None and len(flags) != len(gt):
            report.add("flags vs GT rows", name, f"{file}: {len(flags)} flags for {len(gt)} ground-truth rows")
    if not (folder / "nlp.txt").is_file():
        report.add("missing file", name, f"{folder / 'nlp.txt'} does not exist")
    elif not read_sentence(folder / "nlp.txt", name).strip():
        report.add("empty sentence", name, f"{folder / 'nlp.txt'} is empty")


def verify_lasot(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    return _verify("lasot", "lasot_test.txt", root, names)


def verify_lasot_ext(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    return _verify("lasot_ext", "lasot_ext_test.txt", root, names)


LASOT = DatasetPlugin(
    name="lasot",
    description="LaSOT test, Protocol II (280 sequences, sentence + box), Fan et al. CVPR 2019",
    load=load_lasot,
    env_var="NLBENCH_LASOT_ROOT",
    source=LASOT_SOURCE,
    kind="tracking",
    splits=("test",),
    default_split="test",
    verify=verify_lasot,
    attributes=LASOT_ATTRIBUTES,
    display_name="LaSOT",
    eval_quirks="ltk",  # the reference's LaSOT-only rules (eval-spec §1.8 steps 4 and 8)
    table_position=1,
    official_protocol="lasot-matlab",
)

LASOT_EXT = DatasetPlugin(
    name="lasot_ext",
    description="LaSOT extension (150 sequences, 15 new classes), Fan et al. IJCV 2021",
    load=load_lasot_ext,
    env_var="NLBENCH_LASOT_EXT_ROOT",
    source=LASOT_EXT_SOURCE,
    kind="tracking",
    splits=("test",),
    default_split="test",
    verify=verify_lasot_ext,
    attributes=LASOT_ATTRIBUTES,
    display_name="LaSOT-ext",
    table_position=2,
    official_protocol="lasot-matlab",
)
