"""Fixture builders for the report tests: evaluation JSON documents shaped like ``nlbench eval --json``.

The curves are simple closed forms so every score can be computed by hand:
success S(τ_k) = max(0, q - k/20) for k < 20 and 0 at τ = 1; precision P(t) = q·t/20 capped at q;
normalized precision the same over 0..0.5.
"""

from __future__ import annotations

import json
from pathlib import Path

ATTRIBUTES = ("Illumination Variation", "Motion Blur", "Low Resolution")


def success_curve(q: float) -> list[float]:
    return [max(0.0, q - k / 20) if k < 20 else 0.0 for k in range(21)]


def precision_curve(q: float) -> list[float]:
    return [min(q, q * t / 20) for t in range(51)]


SEQUENCES = ("seq0", "seq1", "<b>seq & 2</b>")  # the last one checks that sequence names are escaped


def tracker_block(q: float, init: str | None = None, attributes: bool = True) -> dict:
    success = success_curve(q)
    precision = precision_curve(q)
    block = {
        "auc": 100 * sum(success) / 21,
        "precision": 100 * precision[20],
        "norm_precision": 100 * precision[20],
        "op50": 100 * success[10],
        "op75": 100 * success[15],
        "success_curve": success,
        "precision_curve": precision,
        "norm_precision_curve": precision,
        "sequences": {s: {"auc": 100 * q, "precision": 100 * q, "norm_precision": 100 * q} for s in SEQUENCES},
        "n_sequences": 3,
        "auc_ci95": [100 * sum(success) / 21 - 2.0, 100 * sum(success) / 21 + 2.0],
    }
    if attributes:
        block["attributes"] = {
            a: {"auc": 100 * q * (1 - 0.1 * i), "precision": 100 * q, "norm_precision": 100 * q, "n": 2 + i}
            for i, a in enumerate(ATTRIBUTES)
        }
    if init is not None:
        block["init"] = init
    return block


def eval_json(path: Path, dataset: str, trackers: dict[str, dict], protocol: str = "jointnlt") -> Path:
    path.write_text(json.dumps({"dataset": dataset, "protocol": protocol, "trackers": trackers}), encoding="utf-8")
    return path


def two_measured_sets(tmp: Path) -> list[Path]:
    """Two evaluation files on LaSOT and TNL2K: JointNLT (matches published NL rows) and a baseline."""
    return [
        eval_json(
            tmp / "lasot.json", "lasot", {"JointNLT": tracker_block(0.92, "NL"), "csrt": tracker_block(0.55, "BB")}
        ),
        eval_json(
            tmp / "tnl2k.json", "tnl2k", {"JointNLT": tracker_block(0.88, "NL"), "csrt": tracker_block(0.45, "BB")}
        ),
    ]
