"""The parse cache: parsed result files kept in memory and, per results directory, on disk.

Both levels are keyed by (resolved path, size, mtime_ns, strict): an in-memory LRU for a
long-lived process, and one bundle per results directory under
``nlbench.core.config.cache_dir()/parsed-results/`` so that the next ``nlbench eval`` process skips
parsing too.  A changed file changes its key and is parsed again.  The check for non-finite
values runs on every read (cached or not), so the cache never depends on that option.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from nlbench.core.boxtext import parse_boxes_fast_many, strip_bom
from nlbench.core.errors import ResultFormatError
from nlbench.store.parsing import parse_result_bytes, require_finite

__all__ = ["clear_cache", "read_result_file", "read_result_files"]


_CACHE_SIZE = 4096
_Key = tuple[str, int, int, bool]
_cache: OrderedDict[_Key, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()
_BUNDLE_VERSION = 2
#: Bundles being written in the background: the caller goes on scoring meanwhile; they are waited
#: for before a bundle is read or deleted, and by the interpreter before it exits (not daemons).
_writers: list[threading.Thread] = []


def clear_cache(disk: bool = False) -> None:
    """Forget every parsed file in memory (and on disk with ``disk=True``)."""
    with _cache_lock:
        _cache.clear()
    if disk:
        import shutil

        _finish_writes()
        shutil.rmtree(_bundle_dir(), ignore_errors=True)


def _finish_writes() -> None:
    """Wait for the bundles still being written."""
    with _cache_lock:
        writers, _writers[:] = list(_writers), []
    for writer in writers:
        writer.join()


def _key(path: Path, strict: bool, resolved_dirs: dict[Path, str] | None = None) -> _Key:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: result file not found") from None
    if resolved_dirs is None:
        return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, strict)
    # Resolving each directory once: resolve() costs a system call per path component.
    parent = resolved_dirs.get(path.parent)
    if parent is None:
        parent = resolved_dirs[path.parent] = str(path.parent.resolve())
    return (os.path.join(parent, path.name), stat.st_size, stat.st_mtime_ns, strict)


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
    return parse_result_bytes(_read_bytes(path), str(path), strict=strict)


def _parse_paths_grouped(paths: list[Path]) -> list[np.ndarray]:
    """The default reader over many files, with the small ones parsed in groups (same numbers)."""
    blobs = [strip_bom(_read_bytes(path)) for path in paths]
    fast = parse_boxes_fast_many(blobs)
    # A file the grouped reader could not take (or an empty one) gets the reader that names its line.
    return [v if v is not None and len(v) else parse_result_bytes(b, str(p)) for p, b, v in zip(paths, blobs, fast)]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: result file not found") from None
    except OSError as exc:
        raise ResultFormatError(f"{path}: cannot read the result file ({exc.strerror})") from None


def read_result_file(path: str | os.PathLike, strict: bool = False, allow_non_finite: bool = False) -> np.ndarray:
    """Read one result file into an ``(M, 4)`` float64 array of ``x, y, w, h`` rows.

    Raises :class:`ResultFormatError` naming the file (and line) when the file is
    missing, empty, holds a row without exactly 4 numbers, or (unless
    ``allow_non_finite``) holds ``inf`` or ``nan``.  The value checks of the
    evaluation protocol (NaN, negative sizes) are the evaluator's, not this
    reader's.  The returned array is read-only and shared between callers.
    """
    path = Path(path)
    key = _key(path, strict)
    values = _recall(key)
    if values is None:
        values = _remember(key, _parse_path(path, strict))
    if not allow_non_finite:
        require_finite(values, str(path), path.read_bytes)
    return values


def read_result_files(
    paths: Iterable[str | os.PathLike],
    strict: bool = False,
    disk_cache: bool = True,
    workers: int | None = None,
    allow_non_finite: bool = False,
) -> list[np.ndarray]:
    """:func:`read_result_file` for many files: cached on disk per directory, parsed in threads.

    numpy releases the GIL in the array operations of the parser, so a couple
    of threads help on the large files of long benchmarks.
    """
    paths = [Path(p) for p in paths]
    resolved_dirs: dict[Path, str] = {}
    keys = [_key(p, strict, resolved_dirs) for p in paths]
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
        n_workers = workers or min(2, os.cpu_count() or 1)  # more threads than cores only add contention
        if strict:
            parse = lambda part: [_parse_path(paths[i], strict) for i in part]  # noqa: E731
        else:
            parse = lambda part: _parse_paths_grouped([paths[i] for i in part])  # noqa: E731
        if n_workers > 1 and len(todo) > 8:
            from concurrent.futures import ThreadPoolExecutor

            parts = [todo[k::n_workers] for k in range(n_workers)]
            with ThreadPoolExecutor(n_workers) as pool:
                done = dict(zip((i for part in parts for i in part), (v for vs in pool.map(parse, parts) for v in vs)))
            parsed = [done[i] for i in todo]
        else:
            parsed = parse(todo)
        for i, values in zip(todo, parsed):
            out[i] = _remember(keys[i], values)
        if disk_cache:
            for directory in {paths[i].parent for i in todo}:
                fresh = {keys[i]: out[i] for i in range(len(paths)) if paths[i].parent == directory}
                writer = threading.Thread(target=_save_bundle, args=(directory, {**bundles.get(directory, {}), **fresh}),
                                          name="nlbench-parse-cache")  # fmt: skip
                writer.start()
                with _cache_lock:
                    _writers.append(writer)
                if os.environ.get("NLBENCH_AB_SYNC"):  # TEMPORARY A/B
                    _finish_writes()
    if not allow_non_finite:
        for path, values in zip(paths, out):
            require_finite(values, str(path), path.read_bytes)  # type: ignore[arg-type]
    return out  # type: ignore[return-value]


def _bundle_dir() -> Path:
    from nlbench.core.config import cache_dir

    return cache_dir() / "parsed-results"


def _bundle_path(directory: Path) -> Path:
    import hashlib

    digest = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:24]
    return _bundle_dir() / f"{digest}.bin"


#: A bundle is this magic, the JSON index's length (8 bytes, little endian), the index, then the
#: float64 rows of every file back to back.  Raw bytes, not ``np.savez``: writing tens of MB through a
#: zip archive cost as much as a third of the parse it saves.
_MAGIC = b"NLBPARSE"


def _load_bundle(directory: Path) -> dict[_Key, np.ndarray]:
    """The parsed files of ``directory`` still valid on disk; {} when absent or unreadable."""
    import json

    _finish_writes()
    path = _bundle_path(directory)
    try:
        raw = path.read_bytes()
        if not raw.startswith(_MAGIC):
            return {}
        start = len(_MAGIC) + 8
        length = int.from_bytes(raw[len(_MAGIC) : start], "little")
        index = json.loads(raw[start : start + length].decode("utf-8"))
        root = str(directory.resolve())
        if index.get("version") != _BUNDLE_VERSION or index.get("directory") != root:
            return {}
        data = np.frombuffer(raw, dtype="<f8", offset=start + length).reshape(-1, 4)
        entries = {}
        row = 0
        for name, size, mtime_ns, strict, rows in index["files"]:
            if row + rows > data.shape[0]:
                return {}  # a truncated bundle: parse again
            entries[(os.path.join(root, name), int(size), int(mtime_ns), bool(strict))] = data[row : row + rows]
            row += rows
        return entries
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no bundle yet, or a damaged one: parse again


def _save_bundle(directory: Path, entries: dict[_Key, np.ndarray]) -> None:
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
        "files": [[os.path.basename(k[0]), k[1], k[2], k[3], len(v)] for k, v in keep],
    }
    header = json.dumps(index).encode("utf-8")
    # Pad the index so that the rows start 8-byte aligned.
    header += b" " * (-(len(_MAGIC) + 8 + len(header)) % 8)
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
            fh.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            for _, values in keep:
                fh.write(np.ascontiguousarray(values, dtype="<f8").data)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)  # a full disk only costs speed
