"""TNL2K (Wang et al., CVPR'21): test split, 700 sequences (eval-spec §3.3, §2.2).

Layout: ``<root>/<seq>/{imgs/, groundtruth.txt, language.txt[, attributes.txt]}``.  Frames have
non-uniform names (mixed ``.jpg``/``.png``, zero padding of varying width), so they are listed and
sorted by the integer value of their leading digit run.  The reader is reused by other datasets in
the same layout (the synthetic benchmark).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

from nlbench.datasets.base import (
    VerifyReport,
    bundled_attributes,
    check_split,
    count_images,
    missing_frames_error,
    missing_sequences_error,
    names_sha256,
    read_attribute_file,
    read_boxes,
    read_name_list,
    read_sentence,
    require_root,
    select_names,
)
from nlbench.core.errors import DatasetError, NlbenchError
from nlbench.core.types import DatasetPlugin, Sequence

#: SHA-256 of the official sequence list(s): sorted names joined by "\n" with a final "\n"
#: (``base.names_sha256``, eval-spec §3). The spec's digest.
OFFICIAL_LIST_SHA256: dict[str, str] = {
    "tnl2k": "8dbee773c2c7056dcea20904db05bd65c84e1f8ed9b434f763da05630950aafa",
}

#: TTK / Evaluate_TNL2K_dataset.m order (eval-spec §2.2).
TNL2K_ATTRIBUTES: tuple[str, ...] = (
    "CM", "ROT", "DEF", "FOC", "IV", "OV", "POC", "VC", "SV", "BC", "MB", "ARC", "LR", "FM", "AS", "TC", "MS",
)  # fmt: skip

TNL2K_SOURCE = (
    "the TNL2K benchmark (Wang et al., CVPR 2021), https://sites.google.com/view/langtrackbenchmark/ "
    "(TNL2K_test, 700 sequences; annotation fixes and the replacement 00000492.png in "
    "https://github.com/wangxiao5791509/TNL2K_evaluation_toolkit)"
)
TNL2K_ENV = "NLBENCH_TNL2K_ROOT"

_IMAGE_SUFFIXES = (".jpg", ".png")
_LEADING_DIGITS = re.compile(r"^(\d+)")


def frame_sort_key(name: str) -> tuple[int, int, str]:
    """Integer value of the leading digit run; names without one go last, by name (eval-spec §3.3)."""
    match = _LEADING_DIGITS.match(name)
    return (0, int(match.group(1)), name) if match else (1, 0, name)


def list_frames(images: Path, sequence: str) -> tuple[Path, ...]:
    """The ``.jpg``/``.png`` frames of ``images`` in frame order."""
    if not images.is_dir():
        raise DatasetError(f"{images}: frame folder of sequence '{sequence}' is missing")
    names = [e.name for e in images.iterdir() if e.suffix.lower() in _IMAGE_SUFFIXES]
    if not names:
        raise DatasetError(f"{images}: frame folder of sequence '{sequence}' holds no .jpg/.png images")
    return tuple(images / n for n in sorted(names, key=frame_sort_key))


def _subfolders(root: Path) -> list[str]:
    return sorted(e.name for e in root.iterdir() if e.is_dir() and not e.name.startswith("."))


def _read_one(
    root: Path,
    name: str,
    dataset: str,
    attribute_names: tuple[str, ...],
    fallback_attributes: Mapping[str, Mapping[str, bool]],
    attributes_dir: Path | None,
    with_frames: bool = True,
) -> Sequence:
    folder = root / name
    gt = read_boxes(folder / "groundtruth.txt", name)
    language_path = folder / "language.txt"
    language = read_sentence(language_path, name)
    attributes: dict[str, bool] = {}
    external = _ttk_attribute_file(attributes_dir, name) if attributes_dir is not None else None
    if external is not None:
        attributes = read_attribute_file(external, attribute_names, name)
    elif (folder / "attributes.txt").is_file():
        attributes = read_attribute_file(folder / "attributes.txt", attribute_names, name)
    elif name in fallback_attributes:
        attributes = dict(fallback_attributes[name])
    return Sequence(
        name=name,
        dataset=dataset,
        frames=list_frames(folder / "imgs", name) if with_frames else (),
        gt=gt,
        language=language,
        visible=None,  # JNLT passes no visibility for TNL2K (eval-spec §1.8)
        attributes=attributes,
        language_path=language_path,
    )


def _ttk_attribute_file(attributes_dir: Path, name: str) -> Path | None:
    """TTK's ``att/<seq>_attribute.txt`` (17 lines), or an LTK-style ``att/<seq>.txt``."""
    for candidate in (attributes_dir / f"{name}_attribute.txt", attributes_dir / f"{name}.txt"):
        if candidate.is_file():
            return candidate
    return None


def _read_sequences(
    root: Path,
    names: list[str] | None,
    dataset: str,
    attribute_names: tuple[str, ...],
    fallback_attributes: Mapping[str, Mapping[str, bool]] | None = None,
    attributes_dir: Path | None = None,
    source: str = TNL2K_SOURCE,
    env_var: str = TNL2K_ENV,
    with_frames: bool = True,
) -> list[Sequence]:
    root = require_root(dataset, root, source, env_var)
    if attributes_dir is not None and not Path(attributes_dir).is_dir():
        raise DatasetError(f"attribute folder {attributes_dir} does not exist")
    wanted = _subfolders(root) if names is None else list(names)
    missing = [n for n in wanted if not (root / n).is_dir()]
    if missing:
        raise missing_sequences_error(dataset, root, missing, len(wanted), source, env_var, "<root>/<sequence>/")
    if with_frames:  # running needs the images: name every sequence without them at once
        no_frames = [n for n in wanted if not (root / n / "imgs").is_dir()]
        if no_frames:
            raise missing_frames_error(dataset, [(n, root / n / "imgs") for n in no_frames], len(wanted))
    return [
        _read_one(root, n, dataset, attribute_names, fallback_attributes or {}, attributes_dir, with_frames)
        for n in wanted
    ]


def read_tnl2k_sequences(
    root: Path,
    names: list[str] | None = None,
    dataset: str = "tnl2k",
    attribute_names: tuple[str, ...] = TNL2K_ATTRIBUTES,
    with_frames: bool = True,
) -> list[Sequence]:
    """Read sequences stored in the TNL2K layout.

    ``<root>/<seq>/imgs/`` (jpg/png, sorted by the leading integer), ``groundtruth.txt`` (``x,y,w,h``
    rows), ``language.txt`` (one sentence, kept verbatim; empty allowed) and, if present,
    ``attributes.txt`` (0/1 values separated by commas or line breaks, in ``attribute_names`` order).
    ``names=None`` reads every subfolder, sorted by name; otherwise the given names in that order,
    and any absent one is a DatasetError listing the first few and the count.  ``with_frames=False``
    reads the annotations only (``frames`` is empty; ``imgs/`` may be absent), which is all evaluation needs.
    """
    if dataset == "tnl2k":
        return _read_sequences(Path(root), names, dataset, tuple(attribute_names), with_frames=with_frames)
    # another dataset in this layout: its errors must not send the user to TNL2K
    source, env_var = f"the '{dataset}' dataset", f"NLBENCH_{dataset.upper()}_ROOT"
    return _read_sequences(
        Path(root), names, dataset, tuple(attribute_names), source=source, env_var=env_var, with_frames=with_frames
    )


def _test_root(root: Path) -> Path:
    """Accept the parent of ``TNL2K_test/`` as well as the folder itself."""
    official = read_name_list("tnl2k_test.txt")
    if root.is_dir() and not any((root / n).is_dir() for n in official):
        for child in ("TNL2K_test", "TNL2K_test_subset"):
            if (root / child).is_dir():
                return root / child
    return root


def load_tnl2k(
    root: Path,
    split: str | None = None,
    names: Iterable[str] | None = None,
    with_frames: bool = True,
    *,
    attributes_dir: Path | None = None,
) -> list[Sequence]:
    """The TNL2K test split in the official order (TTK ``TNL2K_testing_set.txt``, sorted by name).

    Attributes: ``attributes_dir`` (TTK ``annos/att/``) when given, else ``<seq>/attributes.txt`` when
    present, else the bundled official table (TTK annos; AS = the ``advSamp_`` sequences).
    ``with_frames=False``: annotations only (no ``imgs/`` needed; evaluation).
    """
    check_split("tnl2k", split, ("test",))
    root = _test_root(Path(root))
    selected = select_names(read_name_list("tnl2k_test.txt"), names)
    table = bundled_attributes("tnl2k_test_attributes.csv", TNL2K_ATTRIBUTES)
    return _read_sequences(
        root, selected, "tnl2k", TNL2K_ATTRIBUTES, table, Path(attributes_dir) if attributes_dir else None,
        with_frames=with_frames,
    )  # fmt: skip


def verify_tnl2k(root: Path, names: Iterable[str] | None = None) -> VerifyReport:
    """Check a TNL2K test root against the official list and the per-sequence files."""
    root = _test_root(Path(root))
    official = read_name_list("tnl2k_test.txt")
    wanted = select_names(official, names)
    report = VerifyReport("tnl2k", root, expected=len(wanted), official_sha256=OFFICIAL_LIST_SHA256["tnl2k"])
    present = _subfolders(root) if root.is_dir() else []
    report.list_sha256 = names_sha256(present)
    present_set = set(present)
    for name in wanted:
        if name not in present_set:
            report.add("missing sequence", name, f"{root / name} does not exist")
    if names is None:
        # JNLT evaluates every folder under the root (os.listdir), so an extra folder changes the numbers.
        for name in sorted(present_set - set(official)):
            report.add("unexpected sequence", name, "not in the official TNL2K test list; JointNLT would run it")
        if report.list_sha256 != report.official_sha256 and not report.problems:
            report.add("sequence list", "", "sorted folder names differ from the official list")
    for name in wanted:
        if name in present_set:
            report.checked += 1
            check_sequence_folder(root / name, name, report, TNL2K_ATTRIBUTES)
    return report


def check_sequence_folder(folder: Path, name: str, report: VerifyReport, attribute_names: tuple[str, ...]) -> None:
    """Per-sequence checks shared by every dataset in the TNL2K layout."""
    try:
        gt = read_boxes(folder / "groundtruth.txt", name)
    except NlbenchError as exc:
        kind = "missing file" if not (folder / "groundtruth.txt").is_file() else "unparseable ground truth"
        report.add(kind, name, str(exc))
        gt = None
    frames = count_images(folder / "imgs")
    if frames is None:
        report.add("missing file", name, f"{folder / 'imgs'} (frame folder) does not exist")
    elif gt is not None and frames != len(gt):
        report.add("GT rows vs frames", name, f"{len(gt)} ground-truth rows but {frames} images in imgs/")
    if not (folder / "language.txt").is_file():
        report.add("missing file", name, f"{folder / 'language.txt'} does not exist")
    elif not read_sentence(folder / "language.txt", name).strip():
        report.add("empty sentence", name, f"{folder / 'language.txt'} is empty")
    if (folder / "attributes.txt").is_file():
        try:
            flags = read_attribute_file(folder / "attributes.txt", attribute_names, name)
        except NlbenchError as exc:
            report.add("bad attribute file", name, str(exc))
            return
        # TNL2K's AS (adversarial samples) flag marks exactly the advSamp_ sequences (eval-spec §2.2)
        if report.dataset == "tnl2k" and "AS" in flags and flags["AS"] != name.startswith("advSamp_"):
            report.add("attribute AS vs name", name, f"AS = {int(flags['AS'])} but the name says otherwise")


TNL2K = DatasetPlugin(
    name="tnl2k",
    description="TNL2K test (700 sequences, natural language + box), Wang et al. CVPR 2021",
    load=load_tnl2k,
    env_var=TNL2K_ENV,
    source=TNL2K_SOURCE,
    kind="tracking",
    splits=("test",),
    default_split="test",
    verify=verify_tnl2k,
    attributes=TNL2K_ATTRIBUTES,
    display_name="TNL2K",
    table_position=3,
    official_protocol="tnl2k-matlab",
)
