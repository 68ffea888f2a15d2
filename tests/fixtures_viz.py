"""A tiny tracking dataset with flat-grey frames and hand-written results, for the pictures' tests.

The frames are 129 x 97 (odd on purpose: H.264 needs even sizes) and uniformly grey, so a box colour read
back from a decoded video is the drawn colour up to the codec's error.  The dataset registers as ``vizfix``
through a monkeypatched registry (``use_vizfix``), so the real loader path (``load_sequences``) is used.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from nlbench.core.types import DatasetPlugin

WIDTH, HEIGHT = 129, 97
GREY = 128
NAMES = ("walk_01", "walk_02", "jump_03")
N_FRAMES = 12


def gt_boxes(n: int = N_FRAMES) -> np.ndarray:
    return np.array([(20 + 2 * i, 30, 24, 24) for i in range(n)], dtype=np.float64)


def make_sequence(root: Path, name: str, n: int = N_FRAMES, sentence: str = "the grey square") -> np.ndarray:
    folder = root / name
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    frame = np.full((HEIGHT, WIDTH, 3), GREY, dtype=np.uint8)
    for i in range(n):
        cv2.imwrite(str(folder / "imgs" / f"{i + 1:08d}.png"), frame)
    gt = gt_boxes(n)
    (folder / "groundtruth.txt").write_text("".join(f"{x:g},{y:g},{w:g},{h:g}\n" for x, y, w, h in gt))
    (folder / "language.txt").write_text(sentence + "\n")
    return gt


def write_results(folder: Path, name: str, boxes: np.ndarray, ground: np.ndarray | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text("".join("\t".join(f"{v:.4f}" for v in row) + "\n" for row in boxes))
    if ground is not None:
        (folder / f"{name}_ground.txt").write_text("\t".join(f"{v:.4f}" for v in ground) + "\n")


def _load(root: Path, split: str | None = None, names=None, with_frames: bool = True):
    from nlbench.datasets.tnl2k import read_tnl2k_sequences

    return read_tnl2k_sequences(Path(root), list(names) if names is not None else None, dataset="vizfix")


VIZFIX = DatasetPlugin(name="vizfix", description="test fixture", load=_load, env_var="NLBENCH_VIZFIX_ROOT",
                       source="tests/fixtures_viz.py")


@pytest.fixture()
def use_vizfix(monkeypatch):
    import nlbench.core.registry as registry

    real = registry.get_dataset
    monkeypatch.setattr(registry, "get_dataset", lambda name: VIZFIX if name == "vizfix" else real(name))


def make_vizfix(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """The dataset root and three results folders: A follows the GT shifted, B is lost on walk_02, NL grounds."""
    root = tmp_path / "vizfix"
    for name in NAMES:
        make_sequence(root, name, sentence=f"the grey square of {name}")
    gt = gt_boxes()
    folders = {"A": tmp_path / "res" / "a", "B": tmp_path / "res" / "b", "NL": tmp_path / "res" / "nl"}
    for name in NAMES:
        shifted = gt + [4, 0, 0, 0]
        shifted[0] = gt[0]
        write_results(folders["A"], name, shifted)
        b = gt.copy()
        if name == "walk_02":
            b[3:9] = [90, 2, 10, 10]  # six frames far from the target: IoU 0
        write_results(folders["B"], name, b)
        nl = gt + [0, 2, 0, 0]
        nl[0] = gt[0]  # row 0 is the GT init box, as the runner writes it
        if name == "jump_03":
            nl[2:6] = [100, 70, 8, 8]  # lost for four frames
        write_results(folders["NL"], name, nl, ground=gt[0] + [6, 0, 0, 0])
    (folders["NL"] / "run.json").write_text('{"tracker": "x", "dataset": "vizfix", "mode": "nl"}\n')
    return root, folders
