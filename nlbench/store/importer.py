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

Parsing is vectorised: token boundaries come from one numpy pass over the
bytes, every line is checked to hold 4 tokens, and plain decimal numbers are
assembled from their digits without a per-line Python loop.  A file with other
tokens (exponents, ``nan``) goes through ``numpy.fromstring``; the line-by-line
reader runs only to name the file and line of an error.  Parsed arrays are cached
by (path, size, mtime_ns) in memory and, per results directory, on disk
(:func:`read_result_files`).
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
    "read_result_files",
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
#: Digits per token up to which the digit integer is exact in float64 (< 2**53).
_MAX_FAST_DIGITS = 15

_SPLIT = re.compile(r"[,\s]+")


# --------------------------------------------------------------------------- parsing


def parse_result_bytes(data: bytes, source: str = "<bytes>", strict: bool = False) -> np.ndarray:
    """Parse the content of a result file; ``source`` names it in error messages."""
    if strict:
        return _parse_strict(data, source)
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark from a Windows editor
        data = data[3:]
    values = parse_boxes_fast(data)
    if values is None:
        # Only reached for malformed files: find the first bad line for the message.
        return _parse_slow(data, source)
    if values.shape[0] == 0:
        raise ResultFormatError(f"{source}: no boxes in the file (an empty result); rerun the tracker on this sequence")
    return values


def parse_boxes_fast(data: bytes) -> np.ndarray | None:
    """Vectorised reader of 4-number rows (any mix of commas and whitespace); None when malformed.

    Shared by the result importer and the dataset loaders' ground-truth reader; callers fall back
    to a line-by-line reader that says which line is wrong.
    """
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
    width, skipping the sign and the dot), so the Python loop runs over at most
    17 character positions, never over lines.  The integer formed by all digits of
    a token is exact (at most 15 digits, below 2**53); dividing it by a power of
    ten is one correctly rounded IEEE operation, so the result equals ``strtod``.
    """
    n = starts.size
    lengths = ends - starts
    width = int(lengths.max())
    if width > _MAX_FAST_DIGITS + 2:
        return None
    n_digits = lengths.copy()
    negative = None
    if has_minus:
        minus = np.flatnonzero(buf == 45)
        owner = np.searchsorted(starts, minus, side="right") - 1
        if np.any(starts[owner] != minus):  # a '-' must open its token
            return None
        negative = np.zeros(n, dtype=bool)
        negative[owner] = True
        n_digits -= negative
    frac = None
    if has_dot:
        dots = np.flatnonzero(buf == 46)
        owner = np.searchsorted(starts, dots, side="right") - 1
        if owner.size > 1 and np.any(owner[1:] == owner[:-1]):  # two dots in one token
            return None
        frac = np.zeros(n, dtype=np.intp)
        frac[owner] = ends[owner] - 1 - dots
        n_digits[owner] -= 1
    if n_digits.min() < 1 or n_digits.max() > _MAX_FAST_DIGITS:
        return None
    padded = np.concatenate((buf, np.full(width, 32, dtype=np.uint8)))
    mantissa = np.zeros(n, dtype=np.int64)
    for j in range(width):
        chars = padded[starts + j]
        digit = (chars >= 48) & (lengths > j)  # '-' and '.' sort below '0'
        mantissa = np.where(digit, mantissa * 10 + chars - 48, mantissa)
    values = mantissa.astype(np.float64)
    if frac is not None:
        values /= _POW10[frac]
    if negative is not None:
        values[negative] = -values[negative]
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
#
# Two levels, both keyed by (resolved path, size, mtime_ns, strict): an in-memory
# LRU for a long-lived process, and one bundle per results directory under
# ``nlbench.config.cache_dir()/parsed-results/`` so that the next ``nlbench eval``
# process skips parsing too.  A changed file changes its key and is parsed again.

_CACHE_SIZE = 4096
_Key = tuple[str, int, int, bool]
_cache: OrderedDict[_Key, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()
_BUNDLE_VERSION = 1


def clear_cache(disk: bool = False) -> None:
    """Forget every parsed file in memory (and on disk with ``disk=True``)."""
    with _cache_lock:
        _cache.clear()
    if disk:
        import shutil

        shutil.rmtree(_bundle_dir(), ignore_errors=True)


def _key(path: Path, strict: bool) -> _Key:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: result file not found") from None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, strict)


def _remember(key: _Key, values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    with _cache_lock:
        _cache[key] = values
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return values


def _recall(key: _Key) -> np.ndarray | None:
    with _cache_lock:
        values = _cache.get(key)
        if values is not None:
            _cache.move_to_end(key)
        return values


def _parse_path(path: Path, strict: bool) -> np.ndarray:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: result file not found") from None
    except OSError as exc:
        raise ResultFormatError(f"{path}: cannot read the result file ({exc.strerror})") from None
    return parse_result_bytes(data, str(path), strict=strict)


def read_result_file(path: str | os.PathLike, strict: bool = False) -> np.ndarray:
    """Read one result file into an ``(M, 4)`` float64 array of ``x, y, w, h`` rows.

    Raises :class:`ResultFormatError` naming the file (and line) when the file is
    missing, empty, or holds a row without exactly 4 numbers.  The value checks of
    the evaluation protocol (NaN, negative sizes) are the evaluator's, not this
    reader's.  The returned array is read-only and shared between callers.
    """
    path = Path(path)
    key = _key(path, strict)
    cached = _recall(key)
    if cached is not None:
        return cached
    return _remember(key, _parse_path(path, strict))


def read_result_files(
    paths: Iterable[str | os.PathLike],
    strict: bool = False,
    disk_cache: bool = True,
    workers: int | None = None,
) -> list[np.ndarray]:
    """:func:`read_result_file` for many files: cached on disk per directory, parsed in threads.

    numpy releases the GIL in the array operations of the parser, so a couple
    of threads help on the large files of long benchmarks.
    """
    paths = [Path(p) for p in paths]
    keys = [_key(p, strict) for p in paths]
    out: list[np.ndarray | None] = [_recall(k) for k in keys]
    todo = [i for i, v in enumerate(out) if v is None]
    bundles: dict[Path, dict[_Key, np.ndarray]] = {}
    if disk_cache and todo:
        for directory in {paths[i].parent for i in todo}:
            bundles[directory] = _load_bundle(directory)
        for i in todo:
            hit = bundles[paths[i].parent].get(keys[i])
            if hit is not None:
                out[i] = _remember(keys[i], hit)
        todo = [i for i in todo if out[i] is None]
    if todo:
        n_workers = workers or min(4, os.cpu_count() or 1)
        if n_workers > 1 and len(todo) > 8:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(n_workers) as pool:
                parsed = list(pool.map(lambda i: _parse_path(paths[i], strict), todo))
        else:
            parsed = [_parse_path(paths[i], strict) for i in todo]
        for i, values in zip(todo, parsed):
            out[i] = _remember(keys[i], values)
        if disk_cache:
            for directory in {paths[i].parent for i in todo}:
                fresh = {keys[i]: out[i] for i in range(len(paths)) if paths[i].parent == directory}
                _save_bundle(directory, {**bundles.get(directory, {}), **fresh})
    return out  # type: ignore[return-value]


def _bundle_dir() -> Path:
    from nlbench.config import cache_dir

    return cache_dir() / "parsed-results"


def _bundle_path(directory: Path) -> Path:
    import hashlib

    digest = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:24]
    return _bundle_dir() / f"{digest}.npz"


def _load_bundle(directory: Path) -> dict[_Key, np.ndarray]:
    """The parsed files of ``directory`` still valid on disk; {} when absent or unreadable."""
    import json

    path = _bundle_path(directory)
    try:
        with np.load(path, allow_pickle=False) as bundle:
            index = json.loads(bundle["index"].tobytes().decode("utf-8"))
            if index.get("version") != _BUNDLE_VERSION or index.get("directory") != str(directory.resolve()):
                return {}
            data, offsets = bundle["data"], bundle["offsets"]
    except (OSError, ValueError, KeyError):
        return {}  # no bundle yet, or a damaged one: parse again
    entries = {}
    for n, (name, size, mtime_ns, strict) in enumerate(index["files"]):
        key = (str(directory.resolve() / name), int(size), int(mtime_ns), bool(strict))
        entries[key] = data[offsets[n] : offsets[n + 1]]
    return entries


def _save_bundle(directory: Path, entries: dict[_Key, np.ndarray]) -> None:
    import io
    import json
    import tempfile

    root = str(directory.resolve())
    # One entry per (file, reader): a rewritten file's fresh parse (inserted last) replaces the old one.
    latest = {(os.path.basename(k[0]), k[3]): (k, v) for k, v in entries.items() if os.path.dirname(k[0]) == root}
    keep = list(latest.values())
    if not keep:
        return
    index = {
        "version": _BUNDLE_VERSION,
        "directory": root,
        "files": [[os.path.basename(k[0]), k[1], k[2], k[3]] for k, _ in keep],
    }
    lengths = [len(v) for _, v in keep]
    buffer = io.BytesIO()
    np.savez(
        buffer,
        index=np.frombuffer(json.dumps(index).encode("utf-8"), dtype=np.uint8),
        data=np.concatenate([v for _, v in keep]) if keep else np.empty((0, 4)),
        offsets=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
    )
    target = _bundle_path(directory)
    try:
        # Atomic (temp file + rename) but not fsynced: a cache lost in a crash is parsed
        # again, and syncing tens of MB would cost more than the parse it saves.
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError:
        return  # a read-only cache folder only costs speed
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getbuffer())
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)  # a full disk only costs speed


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
