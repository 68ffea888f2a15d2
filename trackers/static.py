"""``static``: repeats the initial box on every frame.

The floor every tracker must beat; on benchmarks with little camera or target
motion it is a surprisingly strong reference row.
"""

from __future__ import annotations

import numpy as np

from nlbench.core.errors import NlbenchError
from nlbench.core.types import TrackerPlugin


class StaticTracker:
    def __init__(self) -> None:
        self._box: np.ndarray | None = None

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        if box is None:
            raise NlbenchError("the static tracker needs an initial box (mode bb or nl+bb)")
        self._box = np.asarray(box, dtype=np.float64).copy()
        return self._box.copy()

    def track(self, frame: np.ndarray) -> np.ndarray:
        return self._box.copy()


def _build(checkpoint=None, device: str = "cpu", **options) -> StaticTracker:
    return StaticTracker()


STATIC = TrackerPlugin(
    name="static",
    description="Repeats the initial box on every frame (BB-initialised floor).",
    build=_build,
    modes=("bb", "nl+bb"),
    default_mode="bb",
)
