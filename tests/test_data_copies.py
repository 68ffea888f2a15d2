"""The spec files copied into tests/data/specs/ are the specs' current text (checked where the specs are beside
the repository, ``../shared/specs/``; a clone of the repository alone runs the tests on its copies)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "specs"
SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs"
COPIES = ("jointnlt-state-dict-keys.tsv", "baselines-state-dict-keys.tsv")


@pytest.mark.parametrize("name", COPIES)
def test_the_copy_is_in_the_repository(name):
    rows = [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert rows and all(len(row.split("\t")) >= 3 for row in rows)


@pytest.mark.skipif(not SPECS.is_dir(), reason="the project specs are not beside this checkout (optional)")
@pytest.mark.parametrize("name", COPIES)
def test_the_copy_equals_the_spec(name):
    assert (DATA / name).read_bytes() == (SPECS / name).read_bytes(), f"copy {SPECS / name} to {DATA}/ again"
