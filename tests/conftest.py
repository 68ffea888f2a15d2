"""Shared pytest setup: keep generated caches and user config inside the test's tmp dirs."""

from __future__ import annotations

import os

# One math thread per process: tests then take the same time on a busy 2-core machine as on a quiet
# one (torch's spinning threads slow every op ~20x when the cores are shared), and subprocesses inherit it.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NLBENCH_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("NLBENCH_CACHE", str(home / "cache"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread for a module of small forward passes: on a shared 2-core machine two OpenMP threads
    spin at barriers and run them many times slower. Modules opt in with ``usefixtures``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
