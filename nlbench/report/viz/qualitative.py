"""The report's qualitative figure (as the papers' Fig. 5): picked sequences as rows of key frames.

:func:`write_qualitative` picks ``count`` sequences, writes per row a PNG strip (key frames, legend,
sentence) and an H.264 MP4 of the frames around the failure into ``<out>/qualitative/``, and the whole
figure (rows with their sentences, one legend) to ``<out>/plots/qualitative.png``.  Paths returned are
relative to ``out``, ready for the report's ``<img>`` and ``<video>`` elements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from nlbench.report.viz.draw import GAP, compose_figure, compose_strip, panel
from nlbench.report.viz.palette import hex_colour
from nlbench.report.viz.render import keyframe_indices, legend, pick_scenes, render, scene_layout, tile
from nlbench.report.viz.writers import write_png

__all__ = ["QualitativeFigure", "QualitativeRow", "write_qualitative"]


@dataclass(frozen=True)
class QualitativeRow:
    sequence: str
    sentence: str
    reason: str
    frames: tuple[int, int]  # [start, stop)
    keyframes: tuple[int, ...]
    strip: str  # relative to the report folder
    video: str


@dataclass(frozen=True)
class QualitativeFigure:
    rule: str
    rows: tuple[QualitativeRow, ...]
    figure: str | None  # the combined PNG, relative to the report folder
    trackers: tuple[tuple[str, str], ...]  # (name, #rrggbb) in legend order


def write_qualitative(
    out: str | Path,
    dataset: str,
    results: Mapping[str, str | Path],
    count: int,
    rule: str = "worst",
    root: str | Path | None = None,
    width: int | None = 384,
    keyframes: int = 5,
    context: int = 25,
    progress: bool = False,
    split: str | None = None,
    sequences: Sequence[str] | None = None,
    skip_missing: bool = False,
) -> QualitativeFigure:
    """Pick ``count`` sequences by ``rule`` and write their strips, videos and the combined figure under ``out``.

    ``split``, ``sequences`` and ``skip_missing`` choose the candidates as for :func:`pick_scenes`.
    """
    out = Path(out)
    picks = pick_scenes(dataset, results, rule, count, root, split, context=context, names=sequences,
                        skip_missing=skip_missing)
    rows: list[QualitativeRow] = []
    figure_rows = []
    names: list[str] = []
    colours: list[tuple[int, int, int]] = []
    layout = None
    grounded = False  # a "G" tag is drawn somewhere: the legend explains it
    for rank, (chosen, scene) in enumerate(tqdm(picks, desc="qualitative", unit="seq", disable=not progress), 1):
        layout = scene_layout(scene, width)
        names, colours = [t.name for t in scene.tracks], [t.colour for t in scene.tracks]
        indices = keyframe_indices(scene.frames, keyframes)
        tiles = [tile(scene, i, layout) for i in indices]
        grounded |= 0 in indices and any(t.grounded is not None for t in scene.tracks)
        row_width = sum(t.shape[1] for t in tiles) + GAP * (len(tiles) - 1)
        stem = f"{rank}-{re.sub(r'[^A-Za-z0-9._-]+', '_', chosen.sequence)}"
        strip = write_png(compose_strip(tiles, legend(scene, row_width, layout)), out / "qualitative" / f"{stem}.png")
        video = render(scene, out / "qualitative" / f"{stem}.mp4", width)
        caption = f"({rank}) {chosen.sequence}: {scene.sequence.language}"
        figure_rows.append(compose_strip(tiles, panel(row_width, layout, caption=caption)))
        rows.append(
            QualitativeRow(
                sequence=chosen.sequence,
                sentence=scene.sequence.language,
                reason=chosen.reason,
                frames=(chosen.start, chosen.stop),
                keyframes=tuple(indices),
                strip=strip.relative_to(out).as_posix(),
                video=video.relative_to(out).as_posix(),
            )
        )
    figure = None
    if figure_rows and layout is not None:
        key = panel(max(r.shape[1] for r in figure_rows), layout, names, colours, grounded=grounded)
        figure = write_png(compose_figure(figure_rows, key), out / "plots" / "qualitative.png").relative_to(out).as_posix()
    return QualitativeFigure(rule, tuple(rows), figure, tuple((n, hex_colour(c)) for n, c in zip(names, colours)))
