"""Shared readers for the on-disk dataset formats (eval-spec §3).

Every reader here tolerates the quirks the real files have: CRLF or LF line
endings, a missing final newline, blank trailing lines, a UTF-8 byte-order mark,
and comma / tab / space separators (OTB mixes them, eval-spec §3.4).  Errors a
user can cause raise :class:`nlbench.core.errors.DatasetError` naming the file and,
where it applies, the line.
"""

from __future__ import annotations

import collections.abc
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator, overload
from typing import Sequence as Seq

import numpy as np

from nlbench.core.boxtext import RowError, parse_box_lines, parse_boxes_fast, strip_bom
from nlbench.core.errors import DatasetError
from nlbench.core.textable import text_table

_SEPARATORS = re.compile(r"[,\s]+")

#: how many missing names an error message lists before "... and N more"
_SHOW_MISSING = 5


def data_file(name: str) -> Path:
    """A file bundled in ``nlbench/datasets/data/``."""
    return Path(str(resources.files("nlbench.datasets").joinpath("data", name)))


def names_sha256(names: Iterable[str]) -> str:
    """SHA-256 of a sequence list in the form of eval-spec §3: sorted, ``\\n``-joined, final ``\\n``."""
    text = "".join(f"{n}\n" for n in sorted(names))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=None)
def read_name_list(name: str) -> tuple[str, ...]:
    """A bundled sequence list (one name per line), in official order."""
    return tuple(line.strip() for line in data_file(name).read_text("utf-8").splitlines() if line.strip())


@lru_cache(maxsize=None)
def read_bundled_table(name: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """A bundled CSV table (``#`` comment lines first): (header, {first column: row})."""
    lines = [ln for ln in data_file(name).read_text("utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.reader(lines))
    header = tuple(rows[0])
    return header, {row[0]: tuple(row) for row in rows[1:]}


def bundled_attributes(table: str, attribute_names: Seq[str]) -> dict[str, dict[str, bool]]:
    """``{sequence: {attribute: flag}}`` from a bundled attribute CSV, in ``attribute_names`` order."""
    header, rows = read_bundled_table(table)
    index = [header.index(a) for a in attribute_names]
    return {name: {a: row[i] == "1" for a, i in zip(attribute_names, index)} for name, row in rows.items()}


# ------------------------------------------------------------------------------------------------- frames


class NumberedFrames(collections.abc.Sequence):
    """Frame paths ``<folder>/<number:0{digits}d>.<ext>`` made on access: an immutable, tuple-like sequence.

    LaSOT-test has 685k frames; building that many Path objects costs seconds on every load, and
    evaluation never needs them.  Indexing gives a Path, slicing gives another NumberedFrames,
    ``tuple(frames)`` the whole list; equality compares the paths with any sequence of paths.
    """

    __slots__ = ("folder", "numbers", "digits", "ext")

    def __init__(self, folder: Path, numbers: range, digits: int, ext: str) -> None:
        self.folder = Path(folder)
        self.numbers = numbers
        self.digits = digits
        self.ext = ext

    def _path(self, number: int) -> Path:
        return self.folder / f"{number:0{self.digits}d}.{self.ext}"

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> Path: ...

    @overload
    def __getitem__(self, index: slice) -> NumberedFrames: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return NumberedFrames(self.folder, self.numbers[index], self.digits, self.ext)
        return self._path(self.numbers[index])

    def __iter__(self) -> Iterator[Path]:
        return (self._path(n) for n in self.numbers)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NumberedFrames):
            return (self.folder, self.numbers, self.digits, self.ext) == (other.folder, other.numbers, other.digits, other.ext) or tuple(self) == tuple(other)
        if isinstance(other, collections.abc.Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Iterable[Path]) -> tuple[Path, ...]:
        return tuple(self) + tuple(other)

    def __repr__(self) -> str:
        if not self.numbers:
            return f"NumberedFrames({str(self.folder)!r}, empty)"
        return f"NumberedFrames({str(self[0])!r} … {self[-1].name!r}, {len(self)} frames)"

    def __getstate__(self) -> tuple:
        return (self.folder, self.numbers, self.digits, self.ext)

    def __setstate__(self, state: tuple) -> None:
        self.folder, self.numbers, self.digits, self.ext = state


# --------------------------------------------------------------------------------------------- text files


def read_file_bytes(path: Path, what: str = "file", sequence: str | None = None) -> bytes:
    """The bytes of ``path``, or a DatasetError naming the file (and the sequence) when it is missing."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        where = f" of sequence '{sequence}'" if sequence else ""
        raise DatasetError(f"{path}: {what}{where} is missing") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: expected a {what}, found a directory") from None


def decode_text(raw: bytes) -> str:
    """Text with line endings normalised to ``\\n`` (CRLF files exist in TNL2K, OTB) and no byte-order mark."""
    raw = strip_bom(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # a few hand-edited sentence files are not UTF-8
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, what: str = "file", sequence: str | None = None) -> str:
    """The text of ``path`` with line endings normalised to ``\\n`` (CRLF files exist in TNL2K, OTB)."""
    return decode_text(read_file_bytes(path, what, sequence))


def read_sentence(path: Path, sequence: str | None = None) -> str:
    """A one-sentence file, verbatim apart from the surrounding line endings.

    Commas and ``#`` are kept (JointNLT's numpy reader would mangle them, eval-spec §3.1/§3.3);
    an empty file gives ``""``.
    """
    return read_text(path, "sentence file", sequence).strip("\n")


def read_boxes(path: Path, sequence: str | None = None) -> np.ndarray:
    """An annotation file of ``x,y,w,h`` rows as (N, 4) float64.

    Splits on any run of commas and whitespace, the robust rule of eval-spec §3.4 (OTB mixes
    comma, tab and space; BlurCar1 row 496). Blank lines are skipped, like numpy.loadtxt.
    """
    raw = read_file_bytes(path, "ground-truth file", sequence)
    fast = parse_boxes_fast(strip_bom(raw))  # the number parser shared with the result importer
    if fast is not None and len(fast):
        return fast
    data = decode_text(raw).encode("utf-8")
    try:
        rows = parse_box_lines(data)
    except RowError as bad:
        if bad.found is None:
            raise DatasetError(f"{path}:{bad.line}: not a number in {bad.text!r}") from None
        raise DatasetError(f"{path}:{bad.line}: expected 4 numbers 'x,y,w,h', found {bad.found} ({bad.text!r})") from None
    if not len(rows):
        raise DatasetError(f"{path}: ground-truth file is empty")
    return rows


#: Bytes of the usual flag file: '0', '1' and ASCII separators (comma, whitespace).
_FLAG_DIGIT = np.zeros(256, dtype=bool)
_FLAG_DIGIT[[48, 49]] = True
_FLAG_OTHER = np.ones(256, dtype=bool)
_FLAG_OTHER[[9, 10, 11, 12, 13, 32, 44, 48, 49]] = False


def _flags_fast(raw: bytes) -> np.ndarray | None:
    """One-character 0/1 tokens between commas and whitespace, read without tokenising; None otherwise."""
    buf = np.frombuffer(raw, dtype=np.uint8)
    if _FLAG_OTHER[buf].any():
        return None
    digit = _FLAG_DIGIT[buf]
    if (digit[1:] & digit[:-1]).any():  # a token such as "00" or "10": the located reader decides
        return None
    return buf[digit] == 49


def read_flags(path: Path, sequence: str | None = None, what: str = "flag file") -> np.ndarray:
    """0/1 flags separated by commas and/or line breaks (LaSOT keeps them on one line) as a bool array."""
    raw = read_file_bytes(path, what, sequence)
    fast = _flags_fast(raw)  # the usual file; anything else gets the located reader below
    if fast is not None:
        return fast
    text = decode_text(raw)
    tokens = [t for t in _SEPARATORS.split(text) if t]
    if set(tokens) <= {"0", "1"}:
        return np.asarray(tokens) == "1" if tokens else np.zeros(0, dtype=bool)
    values: list[bool] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        for token in (t for t in _SEPARATORS.split(line.strip()) if t):
            try:
                number = float(token)
            except ValueError:
                raise DatasetError(f"{path}:{lineno}: expected 0/1 flags, found {token!r}") from None
            if number not in (0.0, 1.0):
                raise DatasetError(f"{path}:{lineno}: expected 0/1 flags, found {token!r}")
            values.append(number == 1.0)
    return np.asarray(values, dtype=bool)


def read_attribute_file(path: Path, attribute_names: Seq[str], sequence: str | None = None) -> dict[str, bool]:
    """One sequence's attribute flags (comma- or newline-separated 0/1, in ``attribute_names`` order)."""
    flags = read_flags(path, sequence, what="attribute file")
    if len(flags) != len(attribute_names):
        raise DatasetError(
            f"{path}: expected {len(attribute_names)} attribute flags ({', '.join(attribute_names)}), "
            f"found {len(flags)}"
        )
    return {name: bool(flag) for name, flag in zip(attribute_names, flags)}


# ------------------------------------------------------------------------------------------ sequence sets


def missing_sequences_error(
    dataset: str, root: Path, missing: Seq[str], total: int, source: str, env_var: str, expected_at: str
) -> DatasetError:
    """The error for a root that lacks some requested sequences (first few names and the count)."""
    shown = ", ".join(missing[:_SHOW_MISSING])
    more = f" and {len(missing) - _SHOW_MISSING} more" if len(missing) > _SHOW_MISSING else ""
    return DatasetError(
        f"dataset '{dataset}': {len(missing)} of {total} sequences missing under {root} "
        f"(expected {expected_at}): {shown}{more}. The dataset comes from {source}. Point nlbench at a "
        f"complete copy with --root DIR or {env_var}=DIR, or restrict the set with names=[...] "
        f"(CLI: --sequences a,b)."
    )


def missing_frames_error(dataset: str, missing: Seq[tuple[str, Path]], total: int) -> DatasetError:
    """The error for sequences whose frame images are absent (running a tracker needs them; evaluating does not)."""
    shown = ", ".join(f"{name} ({path})" for name, path in missing[:_SHOW_MISSING])
    more = f" and {len(missing) - _SHOW_MISSING} more" if len(missing) > _SHOW_MISSING else ""
    return DatasetError(
        f"dataset '{dataset}': frames missing for {len(missing)} of {total} sequences: {shown}{more}. "
        "Running a tracker needs the frame images; evaluation (eval, compare, report) needs only the annotations."
    )


def require_frames(dataset: str, sequences: Seq) -> None:
    """Raise :func:`missing_frames_error` unless the first and last frame of every sequence exist.

    Two ``stat`` calls per sequence: catches a root with annotations only and a truncated frame folder
    before a tracker is built, instead of one failure per sequence later.
    """
    missing = []
    for seq in sequences:
        frames = seq.frames
        if len(frames) == 0:
            missing.append((seq.name, Path("<no frames listed>")))
            continue
        for path in (frames[0], frames[-1]):
            if not Path(path).is_file():
                missing.append((seq.name, Path(path)))
                break
    if missing:
        raise missing_frames_error(dataset, missing, len(sequences))


def require_root(dataset: str, root: Path, source: str, env_var: str) -> Path:
    """``root`` as a Path, or a DatasetError saying where the dataset comes from and how to point at it."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(
            f"dataset '{dataset}': root {root} does not exist or is not a directory. The dataset comes from "
            f"{source}. Point nlbench at it with --root DIR or {env_var}=DIR."
        )
    return root


def select_names(official: Seq[str], names: Iterable[str] | None) -> list[str]:
    """``names`` (any order, duplicates dropped) or the official list; the official order is kept."""
    if names is None:
        return list(official)
    wanted = list(dict.fromkeys(names))
    position = {n: i for i, n in enumerate(official)}
    known = sorted((n for n in wanted if n in position), key=position.__getitem__)
    return known + [n for n in wanted if n not in position]


def check_split(dataset: str, split: str | None, allowed: Seq[str]) -> str:
    split = allowed[0] if split is None else split
    if split not in allowed:
        raise DatasetError(f"dataset '{dataset}' has no split '{split}'; choose one of: {', '.join(allowed)}")
    return split


# -------------------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dataset root."""

    kind: str  # e.g. "missing sequence", "GT rows vs frames"
    sequence: str
    detail: str


@dataclass
class VerifyReport:
    """What ``nlbench datasets verify`` found; ``ok`` is False when any problem was recorded."""

    dataset: str
    root: Path
    expected: int = 0  # sequences (or refs) the official list names
    checked: int = 0  # of those, found and checked
    list_sha256: str = ""  # SHA-256 of the sorted names found (eval-spec §3 form)
    official_sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts that are not problems (extra sequences, counts)
    unit: str = "sequences"  # what expected/checked count ("refs" for RefCOCOg)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, sequence: str, detail: str) -> None:
        self.problems.append(Problem(kind, sequence, detail))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.problems:
            out[p.kind] = out.get(p.kind, 0) + 1
        return out

    def summary(self, examples: int = 3) -> str:
        """The table ``datasets verify`` prints: one line per problem kind with its count, then examples."""
        out = io.StringIO()
        status = "OK" if self.ok else f"{len(self.problems)} problem(s)"
        out.write(f"dataset {self.dataset} at {self.root}: {status}\n")
        out.write(f"  {self.unit} checked: {self.checked} of {self.expected} expected\n")
        if self.official_sha256:
            match = "matches" if self.list_sha256 == self.official_sha256 else "DIFFERS from"
            out.write(f"  list SHA-256 {self.list_sha256[:16]}… {match} the official {self.official_sha256[:16]}…\n")
        counts = self.counts()
        if counts:
            table = [(kind, f"{count:5d}") for kind, count in counts.items()]
            out.write(text_table(table, ("problem", "count"), right={1}, indent="  ") + "\n")
            out.write("  examples:\n")
            for kind in counts:
                shown = [p for p in self.problems if p.kind == kind][:examples]
                for p in shown:
                    seq = f"{p.sequence}: " if p.sequence else ""
                    out.write(f"    [{kind}] {seq}{p.detail}\n")
        for note in self.notes:
            out.write(f"  note: {note}\n")
        return out.getvalue()

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "root": str(self.root),
            "ok": self.ok,
            "unit": self.unit,
            "expected": self.expected,
            "checked": self.checked,
            "list_sha256": self.list_sha256,
            "official_sha256": self.official_sha256,
            "counts": self.counts(),
            "problems": [{"kind": p.kind, "sequence": p.sequence, "detail": p.detail} for p in self.problems],
            "notes": list(self.notes),
        }


def count_images(directory: Path, suffixes: tuple[str, ...] = (".jpg", ".png")) -> int | None:
    """Number of image files in ``directory`` (None when it does not exist)."""
    if not directory.is_dir():
        return None
    return sum(1 for e in directory.iterdir() if e.suffix.lower() in suffixes)


# ------------------------------------------------------------------------ helpers of the newer benchmarks


def first_existing(candidates: Iterable[Path]) -> Path | None:
    """The first of ``candidates`` that is a directory (frame folders differ between copies, spec §6.4)."""
    return next((c for c in candidates if c.is_dir()), None)


def zero_rows(gt: np.ndarray) -> np.ndarray:
    """Rows that are exactly ``0,0,0,0``: how VastTrack and WebUAV-3M mark an absent target (spec §3.2, §4.3)."""
    return np.all(np.asarray(gt) == 0, axis=1)


def read_flag_column(path: Path, sequence: str, n_rows: int, what: str, allow_longer: bool = False) -> np.ndarray:
    """One 0/1 flag per GT row; a longer file is cut to the GT length only where the toolkit cuts it."""
    flags = read_flags(path, sequence, what=what)
    if len(flags) == n_rows or (allow_longer and len(flags) > n_rows):
        return flags[:n_rows]
    raise DatasetError(f"{path}: {len(flags)} flags but the ground truth has {n_rows} rows (sequence '{sequence}')")


def require_some_visible(visible: np.ndarray, sequence: str, source: str, convention: str) -> np.ndarray:
    """``visible`` unless no frame at all is visible: then the flag file has the other polarity (say so)."""
    if len(visible) and not visible.any():
        raise DatasetError(
            f"{source}: every frame of sequence '{sequence}' reads as invisible under this dataset's convention "
            f"({convention}); the file looks like one with the opposite polarity (another dataset's absent flags). "
            "Check that --dataset names the benchmark the annotations come from."
        )
    return visible


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of an image from its header (nothing decoded), None when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return int(image.width), int(image.height)
    except (OSError, UnidentifiedImageError):
        return None


def check_official_set(report: VerifyReport, official: Seq[str], present: Iterable[str], names: Iterable[str] | None) -> list[str]:
    """Fill the digest and the missing-sequence problems of ``report``; the wanted names that are present."""
    present_set = set(present)
    report.list_sha256 = names_sha256(n for n in official if n in present_set)
    wanted = select_names(official, names)
    report.expected = len(wanted)
    found = []
    for name in wanted:
        if name in present_set:
            found.append(name)
        else:
            report.add("missing sequence", name, "not found under the root")
    return found


@dataclass(frozen=True)
class ToolkitAnnos:
    """The annotation folder of the LaSOT-derived MATLAB toolkits (VastTrack, TNLLT): ``<name>.txt`` ground
    truth, ``absent/<name>.txt`` flags (their polarity is the dataset's) and ``att/<name>.txt`` attributes."""

    folder: Path

    def gt(self, name: str) -> Path:
        return self.folder / f"{name}.txt"

    def flags(self, name: str) -> Path:
        return self.folder / "absent" / f"{name}.txt"

    def att(self, name: str) -> Path:
        return self.folder / "att" / f"{name}.txt"


def toolkit_annos(root: Path) -> ToolkitAnnos | None:
    """The toolkit layout when ``root`` is ``annos/`` or holds it; None for the dataset's own layout."""
    if (root / "annos" / "absent").is_dir():
        return ToolkitAnnos(root / "annos")
    if (root / "absent").is_dir() and (root / "att").is_dir():
        return ToolkitAnnos(root)
    return None
