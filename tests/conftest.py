"""Shared pytest setup: keep generated caches and user config inside the test's tmp dirs."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NLBENCH_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("NLBENCH_CACHE", str(home / "cache"))
