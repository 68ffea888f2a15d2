"""Table 2's cost figures reach the profiles only through ``nlbench/store/reported.py`` (issue 14, item 6)."""

from __future__ import annotations

import ast
import io
import shutil
import tokenize
from decimal import Decimal
from pathlib import Path

import pytest

from nlbench.store import reported
from nlbench.profile.spec import PaperFigures, table2_params, table2_phase

REPO = Path(__file__).resolve().parents[1]


def test_table2_phase_and_params_values() -> None:
    # JointNLT CVPR 2023 Table 2 (results/reported/jointnlt_cvpr2023.csv)
    grounding = table2_phase("JointNLT", "grounding")
    assert (grounding.macs, grounding.latency_ms) == (34.9e9, 34.8)
    assert "Table 2" in grounding.source
    tracking = table2_phase("VLTVG+OSTrack", "tracking")
    assert (tracking.macs, tracking.latency_ms) == (48.3e9, 8.3)
    assert table2_params("vltvg+stark-st101").params == 169.8e6  # the registry name, through aliases.csv
    assert table2_phase(None, "tracking") == PaperFigures() and table2_params("vltvg+stark-st50") == PaperFigures()


def test_an_edited_csv_changes_the_profile_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "reported"
    shutil.copytree(reported.default_dir(), folder)
    csv = folder / "jointnlt_cvpr2023.csv"
    text = csv.read_text(encoding="utf-8")
    old = "VLTVG+STARK,NL,,flops_tracking,20.4,GMAC"
    assert old in text
    csv.write_text(text.replace(old, "VLTVG+STARK,NL,,flops_tracking,21.5,GMAC"), encoding="utf-8")
    monkeypatch.setenv(reported.ENV_VAR, str(folder))
    reported.clear_cache()
    try:
        assert table2_phase("VLTVG+STARK", "tracking").macs == 21.5e9
    finally:
        reported.clear_cache()


def test_each_table2_variant_names_its_row() -> None:
    from nlbench_trackers.ostrack.variants import VARIANTS as OSTRACK
    from nlbench_trackers.stark.variants import VARIANTS as STARK
    from nlbench_trackers.vltvg.variants import VARIANTS as VLTVG

    rows = {v.name: v.paper_row for table in (STARK, OSTRACK, VLTVG) for v in table.values()}
    assert rows == {"stark-st101": "VLTVG+STARK", "stark-st50": None, "ostrack-384": "VLTVG+OSTrack",
                    "ostrack-256": None, "vltvg": "VLTVG+STARK", "vltvg-r101": None}
    ours, other = table2_phase(rows["vltvg"], "grounding"), table2_phase("VLTVG+OSTrack", "grounding")
    assert (ours.macs, ours.latency_ms) == (other.macs, other.latency_ms) == (39.6e9, 28.2)  # same in both rows


def _table2_numbers() -> set[float]:
    scale = {"GMAC": Decimal(10) ** 9, "M": Decimal(10) ** 6, "ms": Decimal(1)}
    numbers: set[float] = set()
    for value in reported.load_reported():
        if value.table == "Table 2" and value.unit in scale:
            numbers |= {float(value.value), float(value.value * scale[value.unit])}
    return numbers


def test_no_table2_number_is_typed_in_the_profiling_code() -> None:
    numbers = _table2_numbers()
    assert 34.9e9 in numbers and 8.3 in numbers
    files = sorted((REPO / "trackers").rglob("profiling.py")) + sorted((REPO / "nlbench" / "profile").glob("*.py"))
    assert len(files) >= 8
    typed = []
    for path in files:
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.NUMBER and _number(token.string) in numbers:
                typed.append(f"{path.name}:{token.start[0]} {token.string}")
    assert typed == []


def _number(literal: str) -> float | None:
    value = ast.literal_eval(literal)
    return float(value) if isinstance(value, (int, float)) else None
