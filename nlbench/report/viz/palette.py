"""Tracker colours: Okabe & Ito's colour-blind-safe set, then Paul Tol's muted set.

Colours are RGB tuples (frames are RGB arrays, as the datasets give them).  Black is left out of
Okabe-Ito: boxes are drawn on photographs and dark scenes.  The ground truth is white (dashed).
"""

from __future__ import annotations

from collections.abc import Sequence

from nlbench.core.errors import VisualizationError

RGB = tuple[int, int, int]

#: Okabe & Ito (2008), "Color Universal Design": orange, sky blue, bluish green, yellow, blue, vermillion,
#: reddish purple.
OKABE_ITO: tuple[RGB, ...] = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (0, 114, 178),
    (213, 94, 0),
    (204, 121, 167),
)
#: Paul Tol's "muted" scheme (minus its pale grey), after Okabe-Ito runs out.
TOL_MUTED: tuple[RGB, ...] = (
    (51, 34, 136),
    (136, 204, 238),
    (68, 170, 153),
    (17, 119, 51),
    (153, 153, 51),
    (221, 204, 119),
    (204, 102, 119),
    (136, 34, 85),
    (170, 68, 153),
)
PALETTE: tuple[RGB, ...] = OKABE_ITO + TOL_MUTED
GT_COLOUR: RGB = (255, 255, 255)


def tracker_colours(names: Sequence[str]) -> dict[str, RGB]:
    """One fixed colour per tracker, in the order given (the same order gives the same colours everywhere)."""
    if len(names) > len(PALETTE):
        raise VisualizationError(
            f"{len(names)} trackers in one picture; at most {len(PALETTE)} have a distinguishable colour"
        )
    return {name: PALETTE[i] for i, name in enumerate(names)}


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)
