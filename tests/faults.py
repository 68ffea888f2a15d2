"""Faults of a real machine, made small enough for a test: a tiny disk, a foreign user, a signal mid-verb.

A tiny disk is a tmpfs mounted for the test where the machine allows it (root with CAP_SYS_ADMIN, as in CI);
elsewhere ``RLIMIT_FSIZE`` in the child stands in for it (a write past the limit fails with EFBIG instead of
ENOSPC: the same code path, another errno).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Root keeps its uid but loses the capabilities that let it ignore permission bits.
_NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def tiny_disk(parent: Path, size_kb: int) -> Iterator["TinyDisk"]:
    """A folder where at most ``size_kb`` KB can be written."""
    folder = parent / f"disk-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    disk = TinyDisk(folder, size_kb)
    if can_mount() and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
                                      capture_output=True).returncode == 0:
        disk.mounted = True
    try:
        yield disk
    finally:
        if disk.mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


class TinyDisk:
    def __init__(self, path: Path, size_kb: int) -> None:
        self.path = path
        self.size_kb = size_kb
        self.mounted = False

    @property
    def file_limit(self) -> int | None:
        """``RLIMIT_FSIZE`` for the child when no tmpfs could be mounted."""
        return None if self.mounted else self.size_kb * 1024

    def free(self) -> None:
        """Make room: grow the tmpfs (or drop the limit)."""
        self.size_kb = 512 * 1024
        if self.mounted:
            subprocess.run(["mount", "-o", f"remount,size={self.size_kb}k", str(self.path)], check=True)


def _limit(file_limit: int | None):
    def apply() -> None:
        if file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG instead of killing us
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return apply


def nlbench(args: list[str], cwd: Path, env: dict[str, str] | None = None, file_limit: int | None = None,
            honour_permissions: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m nlbench.cli ARGS`` in a child process; ``honour_permissions`` makes a root child obey
    permission bits (see :func:`can_honour_permissions`)."""
    command = [sys.executable, "-m", "nlbench.cli", *args]
    if honour_permissions and os.geteuid() == 0:
        command = [*_NO_OVERRIDE, *command]
    return subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit(file_limit))


def start(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nlbench.cli", *args], cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def can_honour_permissions() -> bool:
    """Whether a child can be made to obey a chmod'ed folder: any non-root user does; root does once it drops
    CAP_DAC_OVERRIDE (util-linux ``setpriv``; a container may forbid it)."""
    if os.geteuid() != 0:
        return True
    if shutil.which("setpriv") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o555)
        probe = subprocess.run([*_NO_OVERRIDE, sys.executable, "-c", f"open({folder + '/x'!r}, 'w')"],
                               capture_output=True)
        os.chmod(folder, 0o755)
        return probe.returncode != 0 and b"PermissionError" in probe.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), temporary files included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_error_line(stderr: str) -> str:
    """The single ``error:`` line of a failed verb; fails on a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]
