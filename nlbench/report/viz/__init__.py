"""Pictures of tracking results: boxes on frames, failure picking, MP4/GIF/PNG writing. No model code.

* :func:`visualize` — what ``nlbench visualize`` does: one sequence or the picked failure cases to a file.
* :func:`load_scene`, :func:`pick_scenes`, :func:`render` — its parts, for the report and other callers.
* :mod:`.pick` — the picking rules (``worst``, ``disagree``, ``lost``).
* :mod:`.qualitative` — the report's Fig. 5-style figure with per-sequence videos.
"""

from nlbench.report.viz.pick import PICK_RULES, Pick
from nlbench.report.viz.render import Rendered, Scene, load_scene, pick_scenes, render, visualize
from nlbench.report.viz.writers import SUPPORTED_SUFFIXES

__all__ = [
    "PICK_RULES",
    "SUPPORTED_SUFFIXES",
    "Pick",
    "Rendered",
    "Scene",
    "load_scene",
    "pick_scenes",
    "render",
    "visualize",
]
