"""A small reader for the research notes ``results/reported/literature/nl-trackers-reported.md``.

The notes are markdown tables written by hand, one per dataset, with cells such as
``SeqTrackv2-B256 / B384 / L256 / L384`` + ``71.2 / 71.8 / 70.3 / 71.4`` (one number per variant) or
``NL / BB / NL+BB`` + ``55.7 / 62.7 / 63.1`` (one number per initialisation).  The tests read the [P] rows
back through ``nlbench leaderboard --json`` with this parser, independently of the CSV files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

NOTES = Path(__file__).resolve().parents[1] / "results" / "reported" / "literature" / "nl-trackers-reported.md"

#: Section heading prefix -> nlbench dataset name.
SECTIONS = {"OTB99-lang": "otb99", "LaSOT (test": "lasot", "LaSOT-ext": "lasot_ext", "TNL2K": "tnl2k"}
METRIC_COLUMNS = {"AUC": "auc", "PRE": "precision", "NPRE": "norm_precision"}


@dataclass(frozen=True)
class NoteRow:
    """One number of the notes, expanded to one tracker variant and one initialisation."""

    line: int
    dataset: str
    tracker: str  # as written, variant expanded ("SeqTrackv2-B384")
    qualifier: str  # "paper table", "released checkpoint", "variant not given" or ""
    venue: str  # "CVPR 2023" or "" when the row gives none
    init: str  # the cell as written for this variant ("NL+BB", "?", "**BB (RGB-only)**")
    metric: str
    value: str  # as written ("0.739", "67.3")
    source_class: str  # P, S or T
    source: str  # the source cell after the class tag
    note: str

    @property
    def percent(self) -> Decimal:
        """The value in percent, digits kept: ``0.739`` -> ``73.9``."""
        value = Decimal(self.value)
        return value.scaleb(2) if value <= 1 and "." in self.value else value


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _venue(text: str) -> tuple[str, str, str]:
    """``"UVLTrack-B (AAAI'24), paper table"`` -> (``UVLTrack-B``, ``AAAI 2024``, ``paper table``)."""
    text = text.replace("**", "").strip()
    name, _, qualifier = text.partition(", ")
    venue = ""
    match = re.search(r"\(([^()]*)'(\d\d)\)", name)
    if match:
        venue = f"{match.group(1)} 20{match.group(2)}"
        name = name[: match.start()] + name[match.end() :]
    else:
        match = re.search(r"\(([^()]*)\)", name)
        if match:
            qualifier = qualifier or match.group(1)
            name = name[: match.start()] + name[match.end() :]
    return name.strip(), venue, qualifier.strip()


def _variants(name: str) -> list[str]:
    """``"SeqTrackv2-B256 / B384"`` -> [``SeqTrackv2-B256``, ``SeqTrackv2-B384``]."""
    parts = [p.strip() for p in name.split(" / ")]
    base = parts[0].rsplit("-", 1)[0] if "-" in parts[0] else parts[0]
    return [parts[0]] + [p if p.startswith(base) else f"{base}-{p}" for p in parts[1:]]


def _is_number(text: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?", text) is not None


def parse_notes(path: Path = NOTES) -> list[NoteRow]:
    """Every number of the four dataset tables, one :class:`NoteRow` each (cells "–" give none)."""
    rows: list[NoteRow] = []
    dataset = None
    header: list[str] = []
    venues: dict[str, str] = {}
    pending: list[tuple[int, list[str]]] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            title = line[3:]
            dataset = next((d for prefix, d in SECTIONS.items() if title.startswith(prefix)), None)
            header = []
            continue
        if dataset is None or not line.startswith("|"):
            continue
        cells = _cells(line)
        if cells[0].startswith("tracker"):
            header = cells
            continue
        if set(line.replace("|", "").strip()) <= {"-"}:
            continue
        pending.append((line_no, [dataset, *cells]))
        name, venue, _ = _venue(cells[0])
        if venue:
            for variant in _variants(name):
                venues[variant] = venue
            venues[name.split(" / ")[0].split("-")[0]] = venue
    for line_no, (ds, *cells) in pending:
        row = dict(zip(("tracker", "init", "AUC", "PRE", "NPRE", "source", "note"), cells))
        name, venue, qualifier = _venue(row["tracker"])
        match = re.match(r"\[([PST])\]\s*(.*)", row["source"])
        assert match, f"line {line_no}: no source class in {row['source']!r}"
        inits = [i.strip() for i in row["init"].split(" / ")] if " / " in row["init"] else [row["init"]]
        variants = _variants(name)
        for column, metric in METRIC_COLUMNS.items():
            values = [v.strip() for v in row[column].split(" / ")]
            if not all(_is_number(v) for v in values):
                continue
            if len(values) == 1:
                targets = [(variants[0], inits[0])]  # "PtoVLT / ProVLT": two spellings, one number
            elif len(inits) == len(values):
                targets = [(variants[0], init) for init in inits]
            else:
                assert len(variants) == len(values), f"line {line_no}: {len(variants)} names, {len(values)} values"
                targets = [(v, inits[0]) for v in variants]
            for (tracker, init), value in zip(targets, values):
                base = tracker.split("-")[0]
                rows.append(
                    NoteRow(
                        line=line_no,
                        dataset=ds,
                        tracker=tracker,
                        qualifier=qualifier,
                        venue=venue or venues.get(tracker) or venues.get(base, ""),
                        init=init,
                        metric=metric,
                        value=value,
                        source_class=match.group(1),
                        source=match.group(2),
                        note=row["note"],
                    )
                )
    return rows


def parse_source_keys(path: Path = NOTES) -> dict[str, tuple[str, str]]:
    """The "Key source files" table: key -> (``owner/repo@commit``, file)."""
    keys: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = _cells(line) if line.startswith("|") else []
        if len(cells) == 3 and " @ " in cells[1]:
            repo, _, rest = cells[1].partition(" @ ")
            keys[cells[0]] = (f"{repo}@{rest.split()[0]}", cells[2])
    return keys


def parse_conflicts(path: Path = NOTES) -> list[str]:
    """The bullet lines under "Conflicting reported values" (as written)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "Conflicting reported values" in line)
    out: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("  - "):
            out.append(line[4:])
        elif line.startswith("    ") and out:
            out[-1] += " " + line.strip()  # a bullet wrapped onto the next line
        elif out:
            break
    return out
