"""Runs killed mid-way: the kill-and-resume tests of the runners share how they stop a run."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path


def kill_after_first_result(args: list[str], out: Path, env: dict[str, str], timeout: float) -> list[str]:
    """Start ``args + [out]``, SIGKILL it as soon as one box file exists there (or at ``timeout`` s), and return
    the sorted names of the box files it had finished."""
    proc = subprocess.Popen(args + [str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while not list(out.glob("long_*[0-9].txt")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return sorted(p.name for p in out.glob("long_*[0-9].txt"))
