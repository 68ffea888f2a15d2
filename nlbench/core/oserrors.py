"""OS errors as user errors: one line that names the path, says what failed and what to do.

A full disk, an unwritable folder or a file that vanished is not a bug in nlbench, so it must not end in a
traceback.  :func:`storage_error` turns an :class:`OSError` into a :class:`~nlbench.core.errors.StorageError`;
writers raise it with the path they were writing (``open().write`` on a full disk reports no file name).

    >>> import errno
    >>> print(storage_error(OSError(errno.EACCES, "Permission denied"), "/data/out/a.txt", "write"))
    cannot write /data/out/a.txt: permission denied; make the folder writable (chmod u+w /data/out) or choose another one
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from nlbench.core.errors import StorageError

__all__ = ["free_bytes", "format_size", "storage_error", "with_estimate"]


def format_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # unreachable


def free_bytes(path: str | os.PathLike) -> int | None:
    """Free space on the file system holding ``path`` (its nearest existing ancestor), or None."""
    here = Path(path).absolute()
    for folder in (here, *here.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def _advice(code: int | None, path: Path, needed: int | None) -> str:
    folder = path.parent if path.suffix or not path.is_dir() else path
    if code in (errno.ENOSPC, errno.EDQUOT):
        what = "no space left on the device" if code == errno.ENOSPC else "disk quota exceeded"
        free = free_bytes(folder)
        parts = [what]
        if free is not None:
            parts.append(f"{format_size(free)} free")
        if needed:
            parts.append(f"this step needs about {format_size(needed)}")
        return "; ".join(parts) + f"; free space under {folder} or choose another folder, then re-run (finished files are kept)"
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied; make the folder writable (chmod u+w {folder}) or choose another one"
    if code == errno.EROFS:
        return f"{folder} is on a read-only file system; choose a writable folder"
    if code == errno.ENOENT:
        return "no such file or folder (a parent folder is missing, or the file was removed while nlbench ran); check the path and re-run"
    if code in (errno.ENOTDIR, errno.EEXIST):
        return "a file is in the way where a folder is needed (not a folder); move it or choose another path"
    if code == errno.EISDIR:
        return "the path is a folder; give a file name"
    if code in (errno.EMFILE, errno.ENFILE):
        return "too many open files; raise the limit (ulimit -n 4096) or use fewer --workers"
    if code == errno.EFBIG:
        return "file too large for this file system or process limit (ulimit -f); choose another folder or raise the limit"
    if code == errno.EIO:
        return "input/output error on the device; check the disk or the network file system"
    return os.strerror(code).lower() if code else ""


def storage_error(
    exc: OSError, path: str | os.PathLike | None = None, action: str = "write", needed: int | None = None
) -> StorageError:
    """The one-line error for ``exc``, raised while trying to ``action`` ``path`` (``exc.filename`` if None).

    ``needed`` is the step's estimated size in bytes, where the caller can tell (shown for a full disk).
    """
    if isinstance(exc, StorageError):
        return exc
    target = path if path is not None else (exc.filename or "a file")
    advice = _advice(exc.errno, Path(os.fsdecode(target)), needed) or str(exc)
    error = StorageError(f"cannot {action} {target}: {advice}")
    error.errno = exc.errno
    error.details = (exc, target, action)  # type: ignore[attr-defined]  (for with_estimate)
    return error


def with_estimate(error: StorageError, needed: int) -> StorageError:
    """``error`` again with the space the step needs, where it is a full disk (other errors are returned as is)."""
    details = getattr(error, "details", None)
    if details is None or error.errno not in (errno.ENOSPC, errno.EDQUOT):
        return error
    exc, target, action = details
    return storage_error(exc, target, action, needed=needed)
