"""Small evaluation set-ups in each real dataset's on-disk format, with results that the protocols treat differently.

The ground truth has the quirks the rules disagree on: a box with x = 0 (valid under JointNLT's w,h > 0
rule, invalid under x,y,w,h > 0), a 0,0,0,0 row (TNL2K's absent flag), LaSOT occlusion flags.  Three
result sets: ``A`` jittered with a zero-size row (every protocol accepts it), ``B`` drifting, ``Short``
two rows short on one sequence (the MATLAB rules, and the reference on ``lasot``, refuse it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.fixtures_datasets import make_lasot_sequence, make_otb_query, make_otb_target, make_tnl2k_sequence

DATASETS = ("lasot", "lasot_ext", "tnl2k", "otb99")
NAMES = {
    "lasot": ("airplane-1", "airplane-9", "airplane-13"),
    "lasot_ext": ("atv-1", "atv-2", "atv-3"),
    "tnl2k": ("Assian_video_Z03_done", "BF5_Blade_video_01-Done", "BF5_Blade_video_03_done"),
    "otb99": ("Biker", "Bird1", "Bird2"),
}
N_FRAMES = 12


def _ground_truth(k: int) -> np.ndarray:
    rng = np.random.default_rng(100 + k)
    start = np.array([30.0 + 7 * k, 40.0, 24.0 + 2 * k, 18.0])
    steps = np.cumsum(rng.integers(-3, 4, size=(N_FRAMES, 4)).astype(np.float64), axis=0)
    steps[:, 2:] = np.clip(steps[:, 2:], -10, 10)
    gt = start + steps
    gt[0] = start
    gt[4, 0] = 0.0  # x = 0: valid for w,h > 0, invalid for x,y,w,h > 0
    if k == 1:
        gt[7] = 0.0  # 0,0,0,0: TNL2K's absent flag
    return np.round(gt)


def _results(gt: np.ndarray, k: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(200 + k)
    a = gt + rng.integers(-4, 5, size=gt.shape)
    a[:, 2:] = np.maximum(a[:, 2:], 1)
    a[6, 2] = 0.0  # zero width: carried forward (reference) or scored as is (got10k)
    b = gt + np.array([3.0 * k + 2, -2.0, 5.0, 3.0]) + np.arange(N_FRAMES)[:, None] * np.array([1.5, 0.5, 0, 0])
    short = a[: N_FRAMES - 2] if k == 0 else a
    return {"A": a, "B": b, "Short": short}


def _write_results(directory: Path, name: str, boxes: np.ndarray) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.txt").write_text("".join("\t".join(f"{v:.4f}" for v in row) + "\n" for row in boxes))


def build(tmp_path: Path, dataset: str) -> tuple[Path, list[str], dict[str, Path]]:
    """``(root, sequence names, {tracker: results dir})`` for ``dataset`` in its real format."""
    root = tmp_path / dataset
    names = list(NAMES[dataset])
    dirs = {t: tmp_path / f"results-{dataset}" / t for t in ("A", "B", "Short")}
    for k, name in enumerate(names):
        gt = _ground_truth(k)
        rows = [[float(v) for v in row] for row in gt]
        if dataset in ("lasot", "lasot_ext"):
            occlusion = [1 if i in (8, 9) and k != 2 else 0 for i in range(N_FRAMES)]
            make_lasot_sequence(root, name, rows, occlusion=occlusion)
        elif dataset == "tnl2k":
            make_tnl2k_sequence(root, name, rows)
        else:
            make_otb_target(root, name, [",".join(f"{v:g}" for v in row) for row in rows])
            make_otb_query(root, "test", name, f"the target of {name}")
        for tracker, boxes in _results(gt, k).items():
            _write_results(dirs[tracker], name, boxes)
    return root, names, dirs
