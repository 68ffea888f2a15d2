"""Deterministic fixtures in the newer benchmarks' real formats, shared by the golden tests and the runs of the
official toolkits that produced their expected values (tests/data/new_protocol_goldens.json says how).

Each case is {sequence: (gt, flags, {tracker: predictions})}; ``flags`` is what the benchmark's flag file holds
(VastTrack: absent = 1, TNLLT: visible = 1, MGIT: (absent, shotcut)).  The numbers are small integers and
tenths, so every toolkit reads the files the same way.
"""

from __future__ import annotations

import numpy as np

#: MGIT's frame size in these fixtures (the toolkit reads it from the first frame)
MGIT_SIZE = (240, 180)


def _gt(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.integers(1, 150, size=(1, 2)) + np.cumsum(rng.integers(-4, 5, size=(n, 2)), axis=0)
    wh = rng.integers(12, 60, size=(1, 2)) + np.cumsum(rng.integers(-1, 2, size=(n, 2)), axis=0)
    return np.concatenate([np.clip(xy, 1, 170), np.clip(wh, 6, 70)], axis=1).astype(np.float64)


def _prediction(rng: np.random.Generator, gt: np.ndarray, style: str, invalid: bool) -> np.ndarray:
    n = len(gt)
    noise = {"good": 2.0, "drifty": 7.0, "bad": 20.0}[style]
    pred = np.round(gt + rng.normal(0, noise, size=gt.shape), 1)
    pred[:, 2:] = np.maximum(pred[:, 2:], 1.0)
    pred[0] = [5, 5, 10, 10]  # frame 1 as a tracker would not report it: the override matters
    lost = rng.random(n) < (0.1 if style != "bad" else 0.3)
    lost[0] = False
    pred[lost] = np.round(rng.uniform(0, 200, size=(int(lost.sum()), 4)), 1)
    zero = np.flatnonzero(rng.random(n) < 0.06)
    pred[zero[zero > 0], 2] = 0.0  # zero-size rows (carried by the pytracking and MATLAB rules)
    if invalid:  # NaN and negative sizes: MATLAB carries them, MMOT and VCT score them as they come
        rows = rng.choice(np.arange(1, n), size=2, replace=False)
        pred[rows[0]] = np.nan
        pred[rows[1], 3] = -4.0
    return pred


def _absent(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    absent = rng.random(n) < rate
    absent[0] = False
    return absent


def vasttrack_case(invalid: bool = False) -> dict:
    """Three sequences; absent frames are 0,0,0,0 rows with flag 1; one has visible rows with x <= 0 (Horse-5)."""
    rng = np.random.default_rng(27_1)
    out = {}
    for name, n in (("Aardwolf-1", 30), ("Horse-5", 24), ("Aerial Drones In Flight-16", 36)):
        gt = _gt(rng, n)
        absent = _absent(rng, n, 0.12)
        if name == "Horse-5":
            gt[3:9, 0] = [0, -2, 0, 1, -5, 0]  # visible, but not valid for the MATLAB toolkit
            absent[3:9] = False
        gt[absent] = 0.0
        preds = {t: _prediction(rng, gt, t, invalid) for t in ("good", "drifty", "bad")}
        out[name] = (gt, absent.astype(int), preds)
    return out


def tnllt_case() -> dict:
    """Two sequences; flags are TNLLT's absent_label (1 = visible); GT rows of absent frames are kept."""
    rng = np.random.default_rng(27_2)
    out = {}
    for name, n in (("JE_Weapon_ChangeGUN_video_Z07", 40), ("JE_CrashCar_video_10", 28)):
        gt = _gt(rng, n)
        visible = ~_absent(rng, n, 0.2)
        preds = {t: _prediction(rng, gt, t, True) for t in ("good", "drifty", "bad")}
        out[name] = (gt, visible.astype(int), preds)
    return out


def webuav3m_case() -> dict:
    """Three videos; absent frames are 0,0,0,0 rows (MMOT scores them as failures)."""
    rng = np.random.default_rng(27_3)
    out = {}
    for name, n in (("uav_video_0001", 30), ("uav_video_0002", 22), ("uav_video_0003", 35)):
        gt = _gt(rng, n)
        absent = _absent(rng, n, 0.1)
        gt[absent] = 0.0
        preds = {t: _prediction(rng, gt, t, True) for t in ("good", "drifty", "bad")}
        out[name] = (gt, absent.astype(int), preds)
    return out


def mgit_case(names: tuple[str, ...]) -> dict:
    """Every MGIT val sequence (the toolkit evaluates the whole list); boxes leave the frame on both sides."""
    rng = np.random.default_rng(27_4)
    width, height = MGIT_SIZE
    out = {}
    for i, name in enumerate(names):
        n = 14 + (i % 5) * 3
        gt = _gt(rng, n)
        absent = _absent(rng, n, 0.1)
        shotcut = _absent(rng, n, 0.08)
        preds = {t: _prediction(rng, gt, t, True) for t in ("good", "drifty", "bad")}
        edge = preds["drifty"]
        edge[2] = [-12.5, 20, 40, 30]  # shifted right by the clip, width kept
        edge[3] = [width - 10, height - 5, 40, 30]  # cut at the frame's edge
        if i == 3:  # a sequence whose predicted centres never fall in the box: N-PRE 0, dropped from the mean
            preds["bad"] = np.tile([[0.0, 0.0, 1.0, 1.0]], (n, 1))  # centre (0, 0): left of every box
        out[name] = (gt, (absent.astype(int), shotcut.astype(int)), preds)
    return out
