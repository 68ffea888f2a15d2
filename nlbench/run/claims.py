"""Sequence claims: several runs on one ``--out`` folder split the work instead of repeating it.

Before a process tracks a sequence it creates ``<out>/.claims/<seq>.claim`` atomically (``O_CREAT | O_EXCL``),
naming its host, pid and the time.  Whoever creates the file tracks the sequence; everyone else skips it.  The
claim is removed once the sequence's files are written, so a finished sequence is known by its box file, as
before.  A claim whose process died is taken over: on this host when its pid no longer exists, from another
host (a cluster sharing the folder) when its file has not been touched for ``NLBENCH_CLAIM_STALE_SECONDS``
(default 600 s; holders touch their claims every minute).  A takeover goes through a second exclusive file, so
two processes finding the same dead claim cannot both win.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> claim(out, "seq_a"), claim(out, "seq_a")   # the second attempt (same process) finds it taken
    (True, False)
    >>> release(out, "seq_a"); claim(out, "seq_a")
    True
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

__all__ = ["CLAIM_FOLDER", "claim", "holder", "is_stale", "release"]

CLAIM_FOLDER = ".claims"
_HEARTBEAT_SECONDS = 60.0
_TAKEOVER_SECONDS = 30.0  # a takeover lock older than this belongs to a process that died mid-takeover

_held: set[Path] = set()
_held_lock = threading.Lock()
_heartbeat: threading.Thread | None = None


def _stale_after() -> float:
    return float(os.environ.get("NLBENCH_CLAIM_STALE_SECONDS", "600"))


def claim_path(out_dir: str | os.PathLike, name: str) -> Path:
    return Path(out_dir) / CLAIM_FOLDER / f"{name}.claim"


def holder(path: Path) -> dict | None:
    """The claim's ``{"host", "pid", "time"}``; None when it is gone or still being written."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def is_stale(path: Path) -> bool:
    """A claim nobody holds any more (see the module docstring)."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False  # released meanwhile: not stale, simply gone
    owner = holder(path)
    if owner is None:
        return age > _stale_after()  # unreadable: being written, or left empty by a crash long ago
    if owner.get("host") == socket.gethostname():
        return not _pid_alive(int(owner.get("pid", -1)))
    return age > _stale_after()


def _create(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"host": socket.gethostname(), "pid": os.getpid(), "time": time.time()}, fh)
    return True


def _take_over(path: Path) -> bool:
    """Replace a stale claim by ours; exactly one of several racing processes succeeds."""
    lock = path.with_name(path.name + ".takeover")
    if not _create(lock):
        try:
            if time.time() - lock.stat().st_mtime < _TAKEOVER_SECONDS:
                return False
            os.unlink(lock)  # its taker died mid-takeover
        except FileNotFoundError:
            pass
        if not _create(lock):
            return False
    try:
        if not is_stale(path):  # someone else finished the takeover before we got the lock
            return False
        grave = path.with_name(f"{path.name}.{uuid.uuid4().hex}.stale")
        try:
            os.rename(path, grave)
            os.unlink(grave)
        except FileNotFoundError:
            pass
        return _create(path)
    finally:
        try:
            os.unlink(lock)
        except FileNotFoundError:
            pass


def _keep_alive() -> None:
    while True:
        time.sleep(_HEARTBEAT_SECONDS)
        with _held_lock:
            held = list(_held)
        for path in held:
            try:
                os.utime(path)
            except OSError:
                pass


def _hold(path: Path) -> None:
    global _heartbeat
    with _held_lock:
        _held.add(path)
        if _heartbeat is None or not _heartbeat.is_alive():
            _heartbeat = threading.Thread(target=_keep_alive, name="nlbench-claims", daemon=True)
            _heartbeat.start()


def claim(out_dir: str | os.PathLike, name: str, done: Path | None = None) -> bool:
    """Claim sequence ``name`` of the run in ``out_dir`` for this process; False when another process holds it
    or (``done``: its box file) it was finished since this run was planned."""
    path = claim_path(out_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _held_lock:
        if path in _held:
            return False
    if not _create(path) and not (is_stale(path) and _take_over(path)):
        return False
    _hold(path)
    if done is not None and done.is_file():  # finished by another process after we planned: nothing to do
        release(out_dir, name)
        return False
    return True


def release(out_dir: str | os.PathLike, name: str) -> None:
    """Drop this process's claim on ``name`` (its files are written, or it failed)."""
    path = claim_path(out_dir, name)
    with _held_lock:
        _held.discard(path)
    owner = holder(path)
    if owner and (owner.get("host"), owner.get("pid")) == (socket.gethostname(), os.getpid()):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
