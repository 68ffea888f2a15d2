"""``visualize``: one sequence (or the picked failure cases) with every tracker's boxes, to MP4, GIF or PNG.

:func:`load_scene` and :func:`pick_scenes` gather what a picture shows (frames, GT, boxes, IoU);
:func:`render` draws it and writes the file; :func:`visualize` is the one call behind ``nlbench visualize``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from nlbench.core.errors import DatasetError, VisualizationError
from nlbench.core.types import Sequence as Seq
from nlbench.datasets.frames import read_frame
from nlbench.report.viz.draw import Layout, compose_frame, compose_strip, draw_tile, layout_for, panel
from nlbench.report.viz.palette import tracker_colours
from nlbench.report.viz.pick import Pick, pick
from nlbench.report.viz.tracks import TrackView, frame_ious, is_nl_run, load_track, read_run_boxes
from nlbench.report.viz.writers import check_suffix, write_gif, write_mp4, write_png

__all__ = ["Rendered", "Scene", "keyframe_indices", "legend", "load_scene", "pick_scenes", "render", "scene_layout", "tile",
           "visualize"]


@dataclass(frozen=True)
class Scene:
    """One sequence, the trackers shown on it, and the frames to show."""

    sequence: Seq
    tracks: tuple[TrackView, ...]
    frames: range


@dataclass(frozen=True)
class Rendered:
    """A written file and what it shows."""

    path: Path
    sequence: str
    frames: range
    pick: Pick | None = None


def parse_frames(text: str | None, n_frames: int, sequence: str) -> range:
    """``A:B`` (0-based, B excluded, either may be left out, negatives count from the end) → a range of frames."""
    if text is None or text.strip() in ("", ":"):
        return range(n_frames)
    match = re.fullmatch(r"\s*(-?\d*)\s*:\s*(-?\d*)\s*", text)
    if not match:
        raise VisualizationError(f"--frames {text!r}: expected A:B (0-based, B excluded), e.g. 0:100 or 50:")
    start, stop, _ = slice(*(int(v) if v else None for v in match.groups())).indices(n_frames)
    if stop <= start:
        raise VisualizationError(f"--frames {text!r}: no frames of sequence {sequence} ({n_frames} frames, 0..{n_frames - 1})")
    return range(start, stop)


def _load(dataset: str, root: str | Path | None, split: str | None, names: Sequence[str] | None,
          with_frames: bool = True) -> list[Seq]:
    from nlbench.datasets import load_sequences

    return load_sequences(dataset, root, split, names, with_frames=with_frames)


def _load_sequence(dataset: str, name: str, root: str | Path | None, split: str | None) -> Seq:
    """The sequence ``name``; an unknown name is an error that suggests the closest names."""
    try:
        return _load(dataset, root, split, [name])[0]
    except DatasetError:
        known = [s.name for s in _load(dataset, root, split, None, with_frames=False)]
        if name in known:
            raise
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"it has {len(known)} sequences, e.g. {', '.join(known[:3])}"
        raise VisualizationError(f"dataset {dataset}: no sequence named {name!r}; {hint}") from None


def load_scene(dataset: str, results: Mapping[str, str | Path], sequence: str, root: str | Path | None = None,
               split: str | None = None, frames: str | None = None) -> Scene:
    """The sequence ``sequence`` of ``dataset`` with the boxes of every results folder (name → folder)."""
    if not results:
        raise VisualizationError("give at least one --results NAME=DIR")
    seq = _load_sequence(dataset, sequence, root, split)
    colours = tracker_colours(list(results))
    tracks = tuple(load_track(name, directory, seq, colours[name]) for name, directory in results.items())
    return Scene(seq, tracks, parse_frames(frames, len(seq), seq.name))


def pick_scenes(dataset: str, results: Mapping[str, str | Path], rule: str, count: int = 1,
                root: str | Path | None = None, split: str | None = None, context: int = 25,
                names: Sequence[str] | None = None, skip_missing: bool = False) -> list[tuple[Pick, Scene]]:
    """The ``count`` sequences that ``rule`` picks (see :mod:`nlbench.report.viz.pick`), each with its frames.

    The candidates are ``names`` (default: the whole split).  Only sequences that every results folder holds
    are ranked: of the whole split, silently; of the ``names`` given, a missing result is an error naming it
    unless ``skip_missing``.
    """
    from nlbench.store.importer import find_result_files
    from nlbench.store.manifest import read_manifest

    if not results:
        raise VisualizationError("give at least one --results NAME=DIR")
    if count < 1:
        raise VisualizationError(f"--count {count}: must be at least 1")
    sequences = _load(dataset, root, split, list(names) if names is not None else None, with_frames=False)
    listed = [s.name for s in sequences]
    colours = tracker_colours(list(results))
    found: dict[str, dict[str, list[Path]]] = {}
    for tracker, directory in results.items():
        if not Path(directory).is_dir():
            raise VisualizationError(f"results {tracker}: {directory} is not a folder")
        found[tracker] = find_result_files(directory, listed)
    if names is not None and not skip_missing:
        for s in sequences:
            lacking = [t for t in results if not found[t].get(s.name)]
            if lacking:
                raise VisualizationError(
                    f"tracker {lacking[0]}, sequence {s.name}: result not found in {results[lacking[0]]} "
                    f"(expected {s.name}.txt); use --skip-missing to pick from the sequences every folder has"
                )
    common = [s for s in sequences if all(found[t].get(s.name) for t in results)]
    if not common:
        raise VisualizationError(
            f"dataset {dataset}: no sequence has results in every folder ({', '.join(str(d) for d in results.values())})"
        )
    ious: dict[str, dict[str, np.ndarray]] = {t: {} for t in results}
    nl: list[str] = []
    for tracker, directory in results.items():
        manifest = read_manifest(Path(directory)) or {}
        any_grounded = False
        for seq in common:
            boxes, grounded = read_run_boxes(found[tracker][seq.name][0], len(seq))
            any_grounded |= grounded is not None
            ious[tracker][seq.name] = frame_ious(boxes, seq)
        if is_nl_run(manifest, any_grounded):
            nl.append(tracker)
    auc = None
    if rule == "worst":
        from nlbench.eval import evaluate

        evaluation = evaluate(common, dict(results), dataset, bootstrap=False)
        auc = {t: dict(zip(e.sequence_names, map(float, e.sequence_auc))) for t, e in evaluation.trackers.items()}
    picks = pick(rule, [s.name for s in common], ious, count, context, auc=auc, nl_trackers=nl)
    if not picks:
        return []
    loaded = {s.name: s for s in _load(dataset, root, split, [p.sequence for p in picks])}
    scenes = []
    for chosen in picks:
        seq = loaded[chosen.sequence]
        tracks = tuple(load_track(t, d, seq, colours[t]) for t, d in results.items())
        scenes.append((chosen, Scene(seq, tracks, chosen.frames)))
    return scenes


def keyframe_indices(frames: range, k: int) -> list[int]:
    """``k`` frames spread evenly over ``frames``, first and last included (fewer if the range is shorter)."""
    if k < 1:
        raise VisualizationError(f"--keyframes {k}: must be at least 1")
    if len(frames) <= k:
        return list(frames)
    positions = np.linspace(0, len(frames) - 1, k).round().astype(int)
    return [frames[int(p)] for p in dict.fromkeys(positions.tolist())]


def scene_layout(scene: Scene, width: int | None) -> Layout:
    """The layout of the scene's frames (their size read from the first frame shown)."""
    return layout_for(read_frame(scene.sequence.frames[scene.frames[0]]).shape, len(scene.tracks), width)


def tile(scene: Scene, index: int, layout: Layout) -> np.ndarray:
    """Frame ``index`` of the scene with the GT box, every tracker's box and their IoU."""
    frame = read_frame(scene.sequence.frames[index])
    gt = scene.sequence.gt[index] if index < len(scene.sequence.gt) else None
    boxes = [
        (t.colour, t.boxes[index], float(t.ious[index]), index == 0 and t.grounded is not None) for t in scene.tracks
    ]
    return draw_tile(frame, index, gt, boxes, layout)


def legend(scene: Scene, width: int, layout: Layout, caption: bool = True) -> np.ndarray:
    """The legend of the scene's trackers and, with ``caption``, the sentence under it."""
    grounded = any(t.grounded is not None for t in scene.tracks) and scene.frames.start == 0
    return panel(width, layout, [t.name for t in scene.tracks], [t.colour for t in scene.tracks],
                 scene.sequence.language if caption else None, grounded)


def strip_tiles(scene: Scene, keyframes: int, layout: Layout) -> list[np.ndarray]:
    return [tile(scene, i, layout) for i in keyframe_indices(scene.frames, keyframes)]


def _video_frames(scene: Scene, layout: Layout, progress: bool) -> Iterator[np.ndarray]:
    below = legend(scene, layout.width, layout)
    for index in tqdm(scene.frames, desc=f"render {scene.sequence.name}", unit="frame", disable=not progress, leave=False):
        yield compose_frame(tile(scene, index, layout), below)


def render(scene: Scene, out: str | Path, width: int | None = None, keyframes: int = 5, fps: float = 25.0,
           progress: bool = False) -> Path:
    """Write the scene to ``out``: ``.mp4`` (H.264), ``.gif``, or ``.png`` (a strip of ``keyframes`` frames)."""
    kind = check_suffix(out)
    if width is not None and width < 16:
        raise VisualizationError(f"--width {width}: must be at least 16 pixels")
    layout = scene_layout(scene, width)
    if kind == ".png":
        tiles = strip_tiles(scene, keyframes, layout)
        row_width = sum(t.shape[1] for t in tiles) + 4 * (len(tiles) - 1)
        return write_png(compose_strip(tiles, legend(scene, row_width, layout)), out)
    frames = _video_frames(scene, layout, progress)
    return write_mp4(frames, out, fps) if kind == ".mp4" else write_gif(frames, out, fps)


def _numbered(out: Path, rank: int, sequence: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", sequence)
    return out.with_name(f"{out.stem}-{rank}-{safe}{out.suffix}")


def visualize(
    dataset: str,
    results: Mapping[str, str | Path],
    out: str | Path,
    *,
    sequence: str | None = None,
    pick_rule: str | None = None,
    count: int = 1,
    frames: str | None = None,
    root: str | Path | None = None,
    split: str | None = None,
    width: int | None = None,
    keyframes: int = 5,
    fps: float = 25.0,
    context: int = 25,
    progress: bool = True,
    sequences: Sequence[str] | None = None,
    skip_missing: bool = False,
) -> list[Rendered]:
    """Render ``sequence`` (frames ``frames``), or the ``count`` sequences ``pick_rule`` picks, to ``out``.

    With a pick and ``count`` > 1 each file is ``<out stem>-<rank>-<sequence><suffix>``.  ``sequences``
    restricts what the pick ranks (``skip_missing`` as for :func:`pick_scenes`).
    """
    out = Path(out)
    check_suffix(out)  # before any work
    if (sequence is None) == (pick_rule is None):
        raise VisualizationError("give either --sequence S or --pick worst|disagree|lost")
    if pick_rule is None:
        if sequences is not None:
            raise VisualizationError("--sequences chooses what --pick ranks; with --sequence S name one sequence")
        scene = load_scene(dataset, results, sequence, root, split, frames)  # type: ignore[arg-type]
        return [Rendered(render(scene, out, width, keyframes, fps, progress), scene.sequence.name, scene.frames)]
    if frames is not None:
        raise VisualizationError("--frames chooses frames of one --sequence; --pick chooses them itself (see --context)")
    written = []
    picked = pick_scenes(dataset, results, pick_rule, count, root, split, context, sequences, skip_missing)
    for rank, (chosen, scene) in enumerate(picked, 1):
        path = out if count == 1 else _numbered(out, rank, chosen.sequence)
        written.append(Rendered(render(scene, path, width, keyframes, fps, progress), chosen.sequence, scene.frames, chosen))
    return written
