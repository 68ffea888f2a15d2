"""Atomic file writes: a reader never sees a half-written result, report or manifest."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nlbench.core.oserrors import storage_error


def _file_mode() -> int:
    # mkstemp creates 0600 files; results and reports should get the usual umask-based mode
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` (``.NAME.XXXX.tmp``, which resume's clean-up recognises) for any writer,
    even one that needs a file name (a video muxer that seeks and re-reads). When the block ends without an
    error the file is fsynced and renamed over ``path``; otherwise it is removed and ``path`` is untouched."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise storage_error(exc, exc.filename or path) from exc
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:  # gone already, or the folder itself vanished
            pass
        if isinstance(exc, OSError):
            # A write on a full disk names no file; a failure on another file (an input) keeps its own name.
            other = exc.filename is not None and os.fsdecode(exc.filename) != tmp
            raise storage_error(exc, exc.filename if other else path) from exc
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, fsync, then rename over ``path``."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")
