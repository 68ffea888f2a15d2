"""Attribute names and their official order (eval-spec §2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: LaSOT's 14 (LTK file order = pytracking's ``att_name_short``).
LASOT_ATTRIBUTES = ("IV", "POC", "DEF", "MB", "CM", "ROT", "BC", "VC", "SV", "FOC", "FM", "OV", "LR", "ARC")
#: TNL2K's 17 (TTK order).
TNL2K_ATTRIBUTES = (
    "CM", "ROT", "DEF", "FOC", "IV", "OV", "POC", "VC", "SV", "BC", "MB", "ARC", "LR", "FM", "AS", "TC", "MS",
)  # fmt: skip
#: OTB's 11 (pytracking ``otb_attributes.json``), used when an OTB99 loader provides them.
OTB_ATTRIBUTES = ("IV", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OPR", "OV", "BC", "LR")

_ORDER = {"lasot": LASOT_ATTRIBUTES, "lasot_ext": LASOT_ATTRIBUTES, "tnl2k": TNL2K_ATTRIBUTES, "otb99": OTB_ATTRIBUTES}


def attribute_order(dataset: str, attribute_maps: Iterable[Mapping[str, bool]]) -> list[str]:
    """The dataset's official order, then any other attribute names in the order first seen."""
    seen: dict[str, None] = {}
    for attributes in attribute_maps:
        for name in attributes:
            seen.setdefault(name, None)
    official = [a for a in _ORDER.get(dataset, ()) if a in seen]
    return official + [a for a in seen if a not in official]
