"""Reading raw tracker results in every layout the toolkits write (eval-spec §4.4).

Two entry points:

* :func:`read_result_file` parses one ``<seq>.txt`` into an ``(M, 4)`` float64
  array.  The default reader accepts comma, tab, runs of spaces and mixtures,
  trailing separators, CRLF, blank lines, exponents and ``nan``; every non-blank
  row must hold exactly 4 numbers.  ``strict=True`` reproduces the pytracking
  reader instead (``numpy.loadtxt`` with a tab delimiter, then a comma delimiter;
  anything else is an error), for checking that a file would load in the original.
* :func:`find_result_files` locates the result file(s) of each sequence under a
  results directory of any of the layouts of §4.4, including several run ids
  ``<param>_<run>`` of one (tracker, parameter), which the evaluator averages.

Parsing is vectorised: the whole file is classified byte by byte with numpy,
tokens are located from the class changes, and plain decimal numbers are
assembled from their digits without a per-line Python loop.  A file with other
tokens (exponents, ``nan``) goes through ``numpy.fromstring``; the line-by-line
reader runs only to name the file and line of an error.  Parsed arrays are cached
in memory by (path, size, mtime_ns).
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from nlbench.errors import ResultFormatError

__all__ = [
    "SIDE_FILE_SUFFIXES",
    "clear_cache",
    "find_result_files",
    "otb_aliases",
    "parse_result_bytes",
    "read_result_file",
]

#: Files beside ``<seq>.txt`` that are not box results (eval-spec §4.1-4.2; ours: ``_ground``).
SIDE_FILE_SUFFIXES = (
    "_time.txt",
    "_ground.txt",
    "_all_boxes.txt",
    "_all_scores.txt",
    "_object_presence_scores.txt",
)
#: Directories that hold side files only (got10k writes ``times/``).
SIDE_DIRS = ("times",)

_POW10 = 10.0 ** np.arange(23)
#: Digits per token up to which the digit-sum is exact in float64 (< 2**53).
_MAX_FAST_DIGITS = 15

_SPLIT = re.compile(r"[,\s]+")


# --------------------------------------------------------------------------- parsing


def parse_result_bytes(data: bytes, source: str = "<bytes>", strict: bool = False) -> np.ndarray:
    """Parse the content of a result file; ``source`` names it in error messages."""
    if strict:
        return _parse_strict(data, source)
    values = _parse_fast(data)
    if values is None:
        # Only reached for malformed files: find the first bad line for the message.
        return _parse_slow(data, source)
    if values.shape[0] == 0:
        raise ResultFormatError(f"{source}: no boxes in the file (an empty result); rerun the tracker on this sequence")
    return values


def _parse_fast(data: bytes) -> np.ndarray | None:
    """Vectorised reader; None when the file is malformed (the slow reader then says where)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    histogram = np.bincount(buf, minlength=256)
    # Separators (space, tab, comma, CR, VT, FF) and newlines sort below '-' (45); '+' (43) is
    # content but rare enough to send to the generic converter.
    content = buf > 44
    padded = np.zeros(buf.size + 2, dtype=np.int8)
    padded[1:-1] = content
    edges = np.flatnonzero(np.diff(padded))
    starts, ends = edges[0::2], edges[1::2]
    n_tokens = starts.size
    if n_tokens == 0:
        return np.empty((0, 4), dtype=np.float64) if not histogram[_OTHER_BYTES].any() else None
    # Exactly 4 tokens on every non-blank line.
    line_ends = np.append(np.flatnonzero(buf == 10), buf.size)
    per_line = np.diff(np.searchsorted(starts, line_ends), prepend=0)
    if np.any((per_line != 0) & (per_line != 4)):
        return None
    n_rows = n_tokens // 4
    if histogram[_OTHER_BYTES].any():
        return _convert_generic(data, n_tokens, n_rows)
    values = _convert_decimal(buf, starts, ends, has_dot=bool(histogram[46]), has_minus=bool(histogram[45]))
    if values is None:
        return _convert_generic(data, n_tokens, n_rows)
    return values.reshape(n_rows, 4)


#: Bytes that the decimal converter does not handle: all but separators, newline, '-', '.', digits.
_OTHER_BYTES = np.ones(256, dtype=bool)
_OTHER_BYTES[[9, 10, 11, 12, 13, 32, 44, 45, 46, *range(48, 58)]] = False


def _convert_decimal(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, has_dot: bool, has_minus: bool) -> np.ndarray | None:
    """Tokens of the form ``[-]digits[.digits]``, converted exactly (None if any token is not).

    Column j of every token is processed at once (Horner's rule over the token
    width), so the Python loop runs over at most 17 character positions, never over
    lines.  The integer formed by all digits of a token is exact (at most 15
    digits, below 2**53); dividing it by a power of ten is one correctly rounded
    IEEE operation, so the result equals what ``strtod`` gives.
    """
    lengths = ends - starts
    width = int(lengths.max())
    if width > _MAX_FAST_DIGITS + 2:
        return None
    padded = np.concatenate((buf, np.full(width, 32, dtype=np.uint8)))
    n = starts.size
    mantissa = np.zeros(n, dtype=np.int64)
    n_digits = np.zeros(n, dtype=np.int64)
    frac = np.zeros(n, dtype=np.int64)
    after_dot = np.zeros(n, dtype=bool)
    for j in range(width):
        chars = padded[starts + j]
        inside = lengths > j
        digit = inside & (chars >= 48)
        mantissa = np.where(digit, mantissa * 10 + (chars.astype(np.int64) - 48), mantissa)
        n_digits += digit
        if has_minus and j > 0 and np.any(inside & (chars == 45)):  # '-' must open the token
            return None
        if has_dot:
            dot = inside & (chars == 46)
            if np.any(dot & after_dot):  # a second dot
                return None
            frac += digit & after_dot
            after_dot |= dot
    if np.any(n_digits == 0) or np.any(n_digits > _MAX_FAST_DIGITS):
        return None
    values = mantissa.astype(np.float64)
    if has_dot:
        values /= _POW10[frac]
    if has_minus:
        values = np.where(padded[starts] == 45, -values, values)
    return values


def _convert_generic(data: bytes, n_tokens: int, n_rows: int) -> np.ndarray | None:
    text = data.translate(_TO_SPACE).decode("ascii", errors="replace")
    try:
        values = np.fromstring(text, dtype=np.float64, sep=" ")
    except ValueError:  # a token that is not a number
        return None
    if values.size != n_tokens:
        return None
    return values.reshape(n_rows, 4)


_TO_SPACE = bytes.maketrans(b",\t\r\v\f", b"     ")


def _parse_slow(data: bytes, source: str) -> np.ndarray:
    """Line-by-line reader: the authority on what is wrong, and where."""
    rows: list[list[float]] = []
    for number, raw in enumerate(data.decode("utf-8", errors="replace").split("\n"), start=1):
        fields = [f for f in _SPLIT.split(raw.strip()) if f]
        if not fields:
            continue
        if len(fields) != 4:
            raise ResultFormatError(
                f"{source}, line {number}: expected 4 numbers (x y w h), found {len(fields)} in {raw.strip()[:60]!r}"
            )
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            raise ResultFormatError(f"{source}, line {number}: not a number in {raw.strip()[:60]!r}") from None
    if not rows:
        raise ResultFormatError(f"{source}: no boxes in the file (an empty result); rerun the tracker on this sequence")
    return np.asarray(rows, dtype=np.float64)


def _parse_strict(data: bytes, source: str) -> np.ndarray:
    """pytracking's reader: ``numpy.loadtxt`` with delimiter tab, on failure comma (eval-spec §1.8).

    Unlike the original, a one-row file gives a 1x4 array rather than a 1-D one
    that would crash the evaluator later.
    """
    import io
    import warnings

    text = data.decode("utf-8", errors="replace")
    for delimiter in ("\t", ","):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                values = np.loadtxt(io.StringIO(text), delimiter=delimiter, dtype=np.float64, ndmin=2)
        except ValueError:
            continue
        if values.size == 0:
            raise ResultFormatError(f"{source}: no boxes in the file (an empty result)")
        if values.shape[1] != 4:
            raise ResultFormatError(
                f"{source}: strict-reference reading found {values.shape[1]} columns; the reference expects 4 (x y w h)"
            )
        return values
    line = _first_strict_failure(text)
    raise ResultFormatError(
        f"{source}, line {line}: the strict-reference reader (tab, then comma, as pytracking) cannot read this file; "
        "drop --strict-reference to accept spaces and mixed separators"
    )


def _first_strict_failure(text: str) -> int:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        for delimiter in ("\t", ","):
            try:
                [float(f) for f in line.split(delimiter)]
                break
            except ValueError:
                continue
        else:
            return number
    return 1


# --------------------------------------------------------------------------- caching


_CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, int, int, bool], np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every parsed file (tests; long-lived processes after bulk rewrites)."""
    with _cache_lock:
        _cache.clear()


def read_result_file(path: str | os.PathLike, strict: bool = False) -> np.ndarray:
    """Read one result file into an ``(M, 4)`` float64 array of ``x, y, w, h`` rows.

    Raises :class:`ResultFormatError` naming the file (and line) when the file is
    missing, empty, or holds a row without exactly 4 numbers.  The value checks of
    the evaluation protocol (NaN, negative sizes) are the evaluator's, not this
    reader's.  The returned array is read-only and shared between callers.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: result file not found") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, strict)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResultFormatError(f"{path}: cannot read the result file ({exc.strerror})") from None
    values = parse_result_bytes(data, str(path), strict=strict)
    values.setflags(write=False)
    with _cache_lock:
        _cache[key] = values
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return values


# --------------------------------------------------------------------------- layouts

#: OTB99-lang names as other toolkits spell them (eval-spec §3.4); canonical = LANG's.
#: Used when ``nlbench.datasets.otb99`` does not provide its own table.
_OTB_FALLBACK_ALIASES: dict[str, tuple[str, ...]] = {
    "Human4": ("Human4_2", "Human4.2"),
    "Skating2-1": ("Skating2", "Skating2_1", "Skating2.1"),
    "Skating2-2": ("Skating3", "Skating2_2", "Skating2.2"),
    "Jogging-1": ("Jogging1", "Jogging_1", "Jogging.1"),
    "Jogging-2": ("Jogging2", "Jogging_2", "Jogging.2"),
}


def otb_aliases() -> dict[str, tuple[str, ...]]:
    """OTB99-lang name -> other spellings to try for its result file.

    Taken from the dataset module's target table (``nlbench.datasets.otb99``) when
    it is importable, else from eval-spec §3.4.  Each group maps both ways, so
    results named after JointNLT's list are found for LANG names and vice versa.
    """
    groups = _dataset_alias_groups() or {k: tuple(v) for k, v in _OTB_FALLBACK_ALIASES.items()}
    table: dict[str, tuple[str, ...]] = {}
    for canonical, others in groups.items():
        spellings = tuple(dict.fromkeys((canonical, *others)))
        for name in spellings:
            table.setdefault(name, tuple(s for s in spellings if s != name))
    return table


def _dataset_alias_groups() -> dict[str, tuple[str, ...]] | None:
    try:
        from nlbench.datasets import otb99  # lazily: evaluation works without the loaders
    except ImportError:
        return None
    try:
        return {t.name: tuple(a for a in t.aliases if a != t.name) for t in otb99.otb_targets()}
    except Exception:  # a dataset module in progress must not break evaluation
        return None


_RUN_SUFFIX = re.compile(r"^(?P<param>.+?)_(?P<run>\d+)$")


def _is_side_file(name: str) -> bool:
    return name.endswith(SIDE_FILE_SUFFIXES)


def _txt_names(directory: Path) -> set[str]:
    try:
        return {e.name[:-4] for e in os.scandir(directory) if e.name.endswith(".txt") and not _is_side_file(e.name) and e.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _subdirs(directory: Path) -> list[Path]:
    try:
        return sorted(
            Path(e.path) for e in os.scandir(directory) if e.is_dir() and e.name not in SIDE_DIRS and not e.name.startswith(".")
        )
    except (FileNotFoundError, NotADirectoryError):
        return []


def _run_dirs(result_dir: Path, wanted: set[str] | None) -> list[Path]:
    """The directories that hold ``<seq>.txt`` files: one per run id.

    Tries, in order: ``result_dir`` itself; its children; its grandchildren
    (``<tracker>/<param>[_<run>]``).  At one level, several directories are runs
    of one configuration only when they share a ``<param>`` before ``_<run>``;
    otherwise the layout is ambiguous and the user must point at one of them.
    """

    def holds_results(d: Path) -> bool:
        names = _txt_names(d)
        return bool(names & wanted) if wanted is not None else bool(names)

    if holds_results(result_dir):
        return [result_dir]
    level = _subdirs(result_dir)
    for _depth in range(2):
        found = [d for d in level if holds_results(d)]
        if found:
            return _runs_of_one_configuration(result_dir, found)
        level = [g for d in level for g in _subdirs(d)]
    return []


def _runs_of_one_configuration(result_dir: Path, found: list[Path]) -> list[Path]:
    if len(found) == 1:
        return found
    bases = set()
    for d in found:
        match = _RUN_SUFFIX.match(d.name)
        bases.add((d.parent, match.group("param") if match else d.name))
    if len(bases) == 1:
        return found
    listing = ", ".join(str(d.relative_to(result_dir)) for d in found)
    raise ResultFormatError(
        f"{result_dir}: several result folders of different configurations ({listing}); "
        "pass the one to evaluate as NAME=DIR (run ids <param>_<run> of one parameter are averaged)"
    )


def find_result_files(
    result_dir: str | os.PathLike,
    sequence_names: Iterable[str] | None,
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, list[Path]]:
    """Map each sequence name to its result file in every run directory under ``result_dir``.

    Layouts (eval-spec §4.4): ``<dir>/<seq>.txt``, ``<dir>/<tracker>/<seq>.txt``,
    ``<dir>/<tracker>/<param>[_<run>]/<seq>.txt``, ``<dir>/<Tracker>_tracking_result/<seq>.txt``.
    Side files (``*_time.txt``, ``*_ground.txt``, ``times/`` ...) are never taken.
    ``aliases`` maps a sequence name to other spellings tried in order when
    ``<seq>.txt`` is absent (OTB, see :func:`otb_aliases`).  A sequence absent
    from every run maps to an empty list; with ``sequence_names=None`` every
    result file found is returned.  Names are case-sensitive.
    """
    result_dir = Path(result_dir)
    if not result_dir.is_dir():
        raise ResultFormatError(f"{result_dir}: results directory not found")
    names = list(sequence_names) if sequence_names is not None else None
    aliases = aliases or {}
    wanted: set[str] | None = None
    if names is not None:
        wanted = set(names)
        for name in names:
            wanted.update(aliases.get(name, ()))
    runs = _run_dirs(result_dir, wanted)
    present = {run: _txt_names(run) for run in runs}
    if names is None:
        names = sorted(set().union(*present.values())) if present else []
    found: dict[str, list[Path]] = {}
    for name in names:
        paths = []
        for run in runs:
            for spelling in (name, *aliases.get(name, ())):
                if spelling in present[run]:
                    paths.append(run / f"{spelling}.txt")
                    break
        found[name] = paths
    return found
