"""Each toolkit's view of the fixtures: its own folder layout and file names, nothing else changed.

A view copies the fixture bytes; the only rewrite is of a Tiger1 result with a row for every frame (354,
written the JointNLT/nlbench way) for the toolkits whose run starts at frame 6 (pytracking's ``initOmit``,
the OTB toolkit's ``initOmit/tiger1.txt``): its first five lines are dropped, as those toolkits' own
trackers never write them.  Results that already start at frame 6 (349 rows) are copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.toolkit_goldens import fixtures as fx


def _drop_lines(data: bytes, count: int) -> bytes:
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    return newline.join(data.split(newline)[count:])


def from_start_frame(data: bytes, canonical: str) -> bytes:
    """A Tiger1 result as a toolkit that starts at frame 6 has it (see the module docstring)."""
    omit = fx.OTB_INIT_OMIT.get(canonical, 0)
    if not omit:
        return data
    n_gt = len(fx.read_boxes(fx.ground_truth_path("otb99", canonical)))
    rows = [line for line in data.replace(b"\r\n", b"\n").split(b"\n") if line.strip()]
    return _drop_lines(data, omit) if len(rows) >= n_gt else data


def results(fixture: Path, dataset: str, tracker: str, out: Path, naming: str = "canonical", start_frame: bool = False) -> Path:
    """``out/<name>.txt`` for every sequence, named as ``naming`` (an :class:`fixtures.OtbTarget` field) has it."""
    out.mkdir(parents=True, exist_ok=True)
    spec = next(t for t in fx.TRACKERS if t.name == tracker)
    for name in fx.sequence_names(dataset):
        data = (fx.results_dir(fixture, dataset, tracker) / fx.result_file_name(dataset, spec, name)).read_bytes()
        target_name = name
        if dataset == "otb99":
            target = next(t for t in fx.OTB if t.canonical == name)
            target_name = getattr(target, naming)
            if start_frame:
                data = from_start_frame(data, name)
        (out / f"{target_name}.txt").write_bytes(data)
    return out


def otb100_tree(fixture: Path, out: Path, images: bool = False) -> Path:
    """The OTB-100 layout (``<Folder>/groundtruth_rect[.k].txt``), as pytracking and got10k read it.

    ``images`` adds empty ``img/%04d.jpg`` files (got10k counts them against the GT rows).
    """
    for target in fx.OTB:
        folder = out / target.folder
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fixture / "otb99" / "OTB_videos" / target.jointnlt / "groundtruth_rect.txt", folder / target.gt_file)
        if images:
            n = len(fx.read_boxes(fx.ground_truth_path("otb99", target.canonical)))
            last = fx.OTB_START_FRAME.get(target.canonical, 1) + n - 1
            (folder / "img").mkdir(exist_ok=True)
            for k in range(1, last + 1):
                (folder / "img" / f"{k:04d}.jpg").touch()
    return out
