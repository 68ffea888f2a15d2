"""Deterministic evaluation fixtures in the real on-disk formats of LaSOT, TNL2K and OTB99-lang.

The annotation files are byte copies of the official toolkits' own files (``tests/data/toolkit_fixtures/annos``,
see its ``SOURCES.md``): LaSOT ground truth, absent flags, attributes and sentences from the LaSOT toolkit,
TNL2K ground truth, absent flags and attributes from the TNL2K toolkit, OTB ground truth, attributes and
``initOmit`` files from the OTB toolkit (``tracker_benchmark_v1.0``).  What is generated here:

* the dataset folders around them (LaSOT's ``full_occlusion.txt`` / ``out_of_view.txt`` split the toolkit's
  absent flags run by run, so that ``visible = ~(full_occlusion | out_of_view)`` equals ``absent == 0``;
  TNL2K's ``attributes.txt`` and ``language.txt``; OTB99-lang's ``OTB_videos`` and query files, with
  JointNLT's folder names, e.g. ``Jogging1``);
* six trackers' result files, one format each, that reach the rules the toolkits disagree on (see
  :data:`TRACKERS`).

Everything is a pure function of the committed annotations: :func:`build` writes the same bytes every time
(``random.Random`` with fixed seeds; its ``random()`` sequence is stable across Python versions).
"""

from __future__ import annotations

import math
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ANNOS = REPO / "tests" / "data" / "toolkit_fixtures" / "annos"

LASOT = ("guitar-16", "sheep-5", "yoyo-15", "volleyball-19", "microphone-6", "tiger-6", "lion-5", "drone-13")
TNL2K = (
    "HaiBao_video_06-done",
    "HaiBao_video_11_done",
    "Ship_video_X11-Done",
    "HaiBao_video_17_done",
    "CheerTeam_video_19-Done",
    "test_023_Marvel_video_01_done",
    "gamGUN_5-Done",
    "BatMan_video_09_done",
    "kongLong_video_1-Done",
    "advSamp_BluceLi_video_08-Done",
    "advSamp_monitor_bikeyellow",
)


@dataclass(frozen=True)
class OtbTarget:
    """One OTB target under each toolkit's name (eval-spec §3.4)."""

    toolkit: str  # tracker_benchmark_v1.0 (anno/<toolkit>.txt, configSeqs.m)
    canonical: str  # OTB99-lang (LANG)
    jointnlt: str  # JointNLT's OTB_videos/<name>/
    pytracking: str  # pytracking's otbdataset.py
    got10k: str  # got10k's OTB (folder name, '.1'/'.2' for two targets)
    folder: str  # OTB-100 folder
    gt_file: str  # OTB-100 ground-truth file in that folder


OTB = (
    OtbTarget("deer", "Deer", "Deer", "Deer", "Deer", "Deer", "groundtruth_rect.txt"),
    OtbTarget("football1", "Football1", "Football1", "Football1", "Football1", "Football1", "groundtruth_rect.txt"),
    OtbTarget("skiing", "Skiing", "Skiing", "Skiing", "Skiing", "Skiing", "groundtruth_rect.txt"),
    OtbTarget("matrix", "Matrix", "Matrix", "Matrix", "Matrix", "Matrix", "groundtruth_rect.txt"),
    OtbTarget("ironman", "Ironman", "Ironman", "Ironman", "Ironman", "Ironman", "groundtruth_rect.txt"),
    OtbTarget("tiger1", "Tiger1", "Tiger1", "Tiger1", "Tiger1", "Tiger1", "groundtruth_rect.txt"),
    OtbTarget("jogging-1", "Jogging-1", "Jogging1", "Jogging_1", "Jogging.1", "Jogging", "groundtruth_rect.1.txt"),
    OtbTarget("jogging-2", "Jogging-2", "Jogging2", "Jogging_2", "Jogging.2", "Jogging", "groundtruth_rect.2.txt"),
    OtbTarget("david", "David", "David", "David", "David", "David", "groundtruth_rect.txt"),
)
#: Frames the OTB OPE (and pytracking) leave out at the start: initOmit/tiger1.txt begins with "1 5".
OTB_INIT_OMIT = {"Tiger1": 5}
#: David's frames are images 0300-0770 (configSeqs.m startFrame 300); the others start at 0001.
OTB_START_FRAME = {"David": 300}

DATASETS = ("lasot", "tnl2k", "otb99")


@dataclass(frozen=True)
class Tracker:
    name: str
    text_format: str  # how its files are written (see _FORMATS)
    otb_names: str  # which OTB naming its files use
    description: str


TRACKERS = (
    Tracker("jitter", "tab-int", "jointnlt", "GT + integer noise, tab-separated integers (JointNLT's writer); zero-size rows"),
    Tracker("drift", "comma-3f-crlf", "got10k", "drifting boxes with exact IoU/CLE ties, '%.3f' commas, CRLF, no final newline"),
    Tracker("spaces", "space-exp", "canonical", "noise with halves, runs of spaces, exponent notation, no final newline"),
    Tracker("mixed", "comma-space", "pytracking", "', ' separators, integers and decimals; lost on one sequence; long files"),
    Tracker("invalid", "comma-nan", "jointnlt", "NaN, negative-size and 0,0,0,0 rows"),
    Tracker("short", "comma-int", "got10k", "one file three rows short"),
)
TRACKER_NAMES = tuple(t.name for t in TRACKERS)
#: The tracker and sequence whose boxes leave the target after frame 10 (a success curve that is all zero
#: where frame 1's GT is invalid: TNL2K's HaiBao_video_06-done starts at x = 0).
LOST = {"lasot": "sheep-5", "tnl2k": "HaiBao_video_06-done", "otb99": "Skiing"}
#: Files five rows longer than the GT (``mixed``), and the one file three rows short (``short``).
LONG = {"lasot": ("guitar-16", "lion-5"), "tnl2k": ("HaiBao_video_11_done", "BatMan_video_09_done"), "otb99": ("Deer", "David")}
SHORT = {"lasot": "yoyo-15", "tnl2k": "gamGUN_5-Done", "otb99": "Matrix"}
#: Trackers whose Tiger1 file starts at the OTB/pytracking start frame (frame 6, 349 rows), as pytracking and
#: the OTB toolkit write it; the others hold a row for each of the 354 frames, as JointNLT and nlbench write it.
TIGER1_FROM_START = ("drift", "mixed")


def read_boxes(path: Path) -> list[list[float]]:
    """A ground-truth file as rows of 4 floats (any run of commas and whitespace separates)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append([float(v) for v in re.split(r"[,\s]+", line.strip())])
    return rows


def ground_truth_path(dataset: str, name: str) -> Path:
    if dataset == "lasot":
        return ANNOS / "ltk" / f"{name}.txt"
    if dataset == "tnl2k":
        return ANNOS / "ttk" / "gt_rect" / f"{name}.txt"
    target = next(t for t in OTB if t.canonical == name)
    return ANNOS / "otb" / "anno" / f"{target.toolkit}.txt"


def sequence_names(dataset: str) -> tuple[str, ...]:
    return {"lasot": LASOT, "tnl2k": TNL2K, "otb99": tuple(t.canonical for t in OTB)}[dataset]


#: The attribute order of each toolkit's attribute files: LaSOT run_tracker_performance_evaluation.m
#: att_fig_name (line 20), TNL2K Evaluate_TNL2K_dataset.m att_fig_name (line 30), OTB perfPlot.m attName
#: (line 9: illumination variation, out-of-plane rotation, scale variation, occlusion, deformation, motion
#: blur, fast motion, in-plane rotation, out of view, background clutter, low resolution).
ATTRIBUTE_FILE_ORDER = {
    "lasot": ("IV", "POC", "DEF", "MB", "CM", "ROT", "BC", "VC", "SV", "FOC", "FM", "OV", "LR", "ARC"),
    "tnl2k": ("CM", "ROT", "DEF", "FOC", "IV", "OV", "POC", "VC", "SV", "BC", "MB", "ARC", "LR", "FM", "AS", "TC", "MS"),
    "otb99": ("IV", "OPR", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OV", "BC", "LR"),
}


def attribute_flags(dataset: str, name: str) -> list[int]:
    """One sequence's 0/1 attribute flags from the toolkit's file, in :data:`ATTRIBUTE_FILE_ORDER`."""
    if dataset == "lasot":
        text = (ANNOS / "ltk" / "att" / f"{name}.txt").read_text()
    elif dataset == "tnl2k":
        text = (ANNOS / "ttk" / "att" / f"{name}_attribute.txt").read_text()
    else:
        target = next(t for t in OTB if t.canonical == name)
        text = (ANNOS / "otb" / "anno" / "att" / f"{target.toolkit}.txt").read_text()
    return [int(v) for v in re.split(r"[,\s]+", text.strip())]


def attribute_subsets(dataset: str) -> dict[str, list[str]]:
    """Attribute -> the fixture sequences that have it (toolkit order; empty attributes included)."""
    names = sequence_names(dataset)
    flags = {n: attribute_flags(dataset, n) for n in names}
    return {a: [n for n in names if flags[n][k] > 0] for k, a in enumerate(ATTRIBUTE_FILE_ORDER[dataset])}


# ---------------------------------------------------------------------------------------------------
# Predictions


def _rng(*key: str) -> random.Random:
    return random.Random(zlib.crc32("/".join(key).encode()))


def _noise(rng: random.Random, k: int) -> int:
    return min(k, int(rng.random() * (2 * k + 1)) - k)


def _valid(box: list[float]) -> bool:
    return box[2] > 0 and box[3] > 0


def _followed(gt: list[list[float]]) -> list[list[float]]:
    """The box a tracker would follow: the GT, or the last positive-size GT box where the GT has none."""
    out, last = [], gt[0]
    for box in gt:
        if _valid(box):
            last = box
        out.append(list(last))
    return out


def _jitter(gt: list[list[float]], rng: random.Random, k: int) -> list[list[float]]:
    rows = []
    for x, y, w, h in _followed(gt):
        rows.append([x + _noise(rng, k), y + _noise(rng, k), max(1.0, w + _noise(rng, k)), max(1.0, h + _noise(rng, k))])
    return rows


def _ties(rows: list[list[float]], gt: list[list[float]]) -> None:
    """Exact ties at thresholds, where the GT box allows them (eval-spec §6 cases 10-12, 16)."""
    for i in range(3, len(gt), 17):
        x, y, w, h = gt[i]
        if not _valid(gt[i]):
            continue
        kind = (i // 17) % 4
        if kind == 0 and w % 2 == 0:
            rows[i] = [x, y, w / 2, h]  # IoU exactly 0.5
        elif kind == 1:
            rows[i] = [x + 12, y + 16, w, h]  # centre error exactly 20 px
        elif kind == 2 and h % 5 == 0:
            rows[i] = [x, y + h / 5, w, h]  # normalized error 0.2 (divide-first gives 0.2 + 1 ulp)
        elif kind == 3 and w % 20 == 0:
            rows[i] = [x, y, w * 13 / 20, h]  # IoU exactly 0.65 (MATLAB's 0:0.05:1 has 0.6499999999999999)


def predictions(dataset: str, tracker: str, name: str, gt: list[list[float]]) -> list[list[float]]:
    rng = _rng(dataset, tracker, name)
    n = len(gt)
    if tracker == "jitter":
        rows = _jitter(gt, rng, 4)
        rows[min(7, n - 1)][2] = 0.0  # zero width: carried forward (or scored as is by got10k)
        for i in (12, 13):
            if i < n:
                rows[i][3] = 0.0  # a run of zero heights: both inherit row 11
    elif tracker == "drift":
        rows = []
        for i, (x, y, w, h) in enumerate(_followed(gt)):
            d = 0.37 * (i % 40)
            rows.append([x + d + 0.125, y - d / 2, w * 1.08 + 0.5, h * 0.96])
        _ties(rows, gt)
    elif tracker == "spaces":
        rows = [[v + 0.5 * (int(rng.random() * 3) - 1) for v in row] for row in _jitter(gt, rng, 6)]
    elif tracker == "mixed":
        rows = [[v + (0.25 if (i + j) % 3 == 0 else 0.0) for j, v in enumerate(row)] for i, row in enumerate(_jitter(gt, rng, 3))]
        if name == LOST[dataset]:
            for i in range(10, n):
                x, y, w, h = rows[i]
                rows[i] = [x + 6 * w + 40, y + 5 * h + 40, w, h]
            if dataset == "tnl2k":  # frame 0 too, so no frame overlaps (the toolkits override it with the GT)
                rows[0] = [rows[0][0] + 900, rows[0][1] + 900, rows[0][2], rows[0][3]]
                for i in range(1, 10):
                    rows[i] = [rows[i][0] + 900, rows[i][1] + 900, rows[i][2], rows[i][3]]
        if name in LONG[dataset]:
            rows += [list(rows[-1]) for _ in range(5)]
    elif tracker == "invalid":
        rows = _jitter(gt, rng, 5)
        for i, bad in ((5, [math.nan] * 4), (9, None), (11, [0.0, 0.0, 0.0, 0.0]), (20, None), (21, None)):
            if i >= n:
                continue
            if bad is None:
                rows[i] = [rows[i][0], math.nan, rows[i][2], rows[i][3]] if i >= 20 else [rows[i][0], rows[i][1], -3.0, rows[i][3]]
            else:
                rows[i] = bad
        if n > 30:
            rows[30][3] = -1.5  # a negative height
    elif tracker == "short":
        rows = _jitter(gt, rng, 2)
        if name == SHORT[dataset]:
            rows = rows[:-3]
    else:
        raise ValueError(f"unknown tracker {tracker}")
    if dataset == "otb99" and name in OTB_INIT_OMIT and tracker in TIGER1_FROM_START:
        rows = rows[OTB_INIT_OMIT[name] :]
    return rows


def _num(v: float) -> str:
    if math.isnan(v):
        return "nan"
    return str(int(v)) if v == int(v) else repr(v)


_FORMATS = {
    # (row formatter, line ending, final newline)
    "tab-int": (lambda r: "\t".join(str(int(v)) for v in r), "\n", True),
    "comma-3f-crlf": (lambda r: ",".join(f"{v:.3f}" for v in r), "\r\n", False),
    "space-exp": (lambda r: "  ".join(f"{v:.6e}" for v in r), "\n", False),
    "comma-space": (lambda r: ", ".join(_num(v) for v in r), "\n", True),
    "comma-nan": (lambda r: ",".join(_num(v) for v in r), "\n", True),
    "comma-int": (lambda r: ",".join(str(int(v)) for v in r), "\n", True),
}


def format_rows(rows: list[list[float]], text_format: str) -> bytes:
    row_text, newline, final = _FORMATS[text_format]
    text = newline.join(row_text(r) for r in rows)
    return (text + (newline if final else "")).encode()


def result_file_name(dataset: str, tracker: Tracker, name: str) -> str:
    if dataset != "otb99":
        return f"{name}.txt"
    target = next(t for t in OTB if t.canonical == name)
    return f"{getattr(target, tracker.otb_names)}.txt"


# ---------------------------------------------------------------------------------------------------
# Trees


def _absent_runs(absent: list[int]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, a in enumerate(absent + [0]):
        if a and start is None:
            start = i
        elif not a and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _lasot_tree(root: Path) -> None:
    for name in LASOT:
        folder = root / name.rsplit("-", 1)[0] / name
        _write(folder / "groundtruth.txt", (ANNOS / "ltk" / f"{name}.txt").read_bytes())
        absent = [int(v) for v in (ANNOS / "ltk" / "absent" / f"{name}.txt").read_text().split()]
        occlusion, out_of_view = [0] * len(absent), [0] * len(absent)
        for k, (a, b) in enumerate(_absent_runs(absent)):
            for i in range(a, b):
                (occlusion if k % 2 == 0 else out_of_view)[i] = 1
            if k % 3 == 2:  # some frames carry both flags
                occlusion[a] = out_of_view[a] = 1
        _write(folder / "full_occlusion.txt", ",".join(map(str, occlusion)).encode())
        _write(folder / "out_of_view.txt", ",".join(map(str, out_of_view)).encode())
        _write(folder / "nlp.txt", (ANNOS / "ltk" / "nlp" / f"{name}.txt").read_bytes())
        (folder / "img").mkdir(exist_ok=True)


def _tnl2k_tree(root: Path) -> None:
    for name in TNL2K:
        folder = root / name
        _write(folder / "groundtruth.txt", (ANNOS / "ttk" / "gt_rect" / f"{name}.txt").read_bytes())
        _write(folder / "attributes.txt", ",".join(map(str, attribute_flags("tnl2k", name))).encode())
        _write(folder / "language.txt", f"the target of {name}".encode())
        (folder / "imgs").mkdir(exist_ok=True)


def _otb_tree(root: Path) -> None:
    for target in OTB:
        folder = root / "OTB_videos" / target.jointnlt
        _write(folder / "groundtruth_rect.txt", (ANNOS / "otb" / "anno" / f"{target.toolkit}.txt").read_bytes())
        (folder / "img").mkdir(exist_ok=True)
        _write(root / "OTB_query_train" / f"{target.jointnlt}.txt", f"the target of {target.canonical}".encode())


def build(dest: Path) -> dict[str, Path]:
    """Write ``<dest>/<dataset>/`` (the dataset) and ``<dest>/results/<dataset>/<tracker>/`` for each dataset.

    Returns ``{dataset: dataset root}``.
    """
    dest = Path(dest)
    roots = {d: dest / d for d in DATASETS}
    _lasot_tree(roots["lasot"])
    _tnl2k_tree(roots["tnl2k"])
    _otb_tree(roots["otb99"])
    for dataset in DATASETS:
        for name in sequence_names(dataset):
            gt = read_boxes(ground_truth_path(dataset, name))
            for tracker in TRACKERS:
                rows = predictions(dataset, tracker.name, name, gt)
                path = results_dir(dest, dataset, tracker.name) / result_file_name(dataset, tracker, name)
                _write(path, format_rows(rows, tracker.text_format))
    return roots


def results_dir(dest: Path, dataset: str, tracker: str) -> Path:
    return Path(dest) / "results" / dataset / tracker
