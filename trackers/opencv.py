"""OpenCV's classic trackers (CSRT, KCF, MIL) from opencv-contrib, as BB-initialised plugins.

They are reference rows in reports and the box-tracking half of the embedded
separated pipeline (``jointnlt-tiny+csrt``).  OpenCV works on BGR images and
integer boxes; when a tracker reports a failure we keep the previous box, as
the toolkits do for a missing prediction.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from nlbench.core.errors import NlbenchError
from nlbench.core.types import TrackerPlugin


class OpenCVTracker:
    def __init__(self, factory: Callable[[], object], name: str) -> None:
        self._factory = factory
        self._name = name
        self._impl = None
        self._box: np.ndarray | None = None

    def initialize(self, frame: np.ndarray, text: str | None, box: np.ndarray | None) -> np.ndarray:
        if box is None:
            raise NlbenchError(f"the OpenCV {self._name} tracker needs an initial box (mode bb or nl+bb)")
        self._box = np.asarray(box, dtype=np.float64).copy()
        x, y, w, h = self._box
        # OpenCV rejects empty rectangles; a 1-px box still follows the target's neighbourhood
        rect = (int(round(x)), int(round(y)), max(1, int(round(w))), max(1, int(round(h))))
        self._impl = self._factory()
        self._impl.init(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), rect)
        return self._box.copy()

    def track(self, frame: np.ndarray) -> np.ndarray:
        ok, rect = self._impl.update(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        if ok and rect[2] > 0 and rect[3] > 0:
            self._box = np.asarray(rect, dtype=np.float64)
        return self._box.copy()


def _plugin(name: str, factory_name: str, description: str) -> TrackerPlugin:
    def build(checkpoint=None, device: str = "cpu", **options) -> OpenCVTracker:
        factory = getattr(cv2, factory_name, None)
        if factory is None:
            raise NlbenchError(f"cv2.{factory_name} is missing: install opencv-contrib-python-headless")
        return OpenCVTracker(factory.create, name.upper())

    return TrackerPlugin(name=name, description=description, build=build, modes=("bb", "nl+bb"), default_mode="bb")


CSRT = _plugin("csrt", "TrackerCSRT", "OpenCV CSRT (discriminative correlation filter with channel and spatial reliability).")
KCF = _plugin("kcf", "TrackerKCF", "OpenCV KCF (kernelized correlation filter); fast, no scale adaptation.")
MIL = _plugin("mil", "TrackerMIL", "OpenCV MIL (multiple-instance learning boosting tracker).")
