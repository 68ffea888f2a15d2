"""Dataset loaders for the real on-disk formats (eval-spec §3), official lists and verification.

One module per benchmark, each exposing a :class:`nlbench.types.DatasetPlugin` registered by entry
point: :mod:`.lasot` (``LASOT``, ``LASOT_EXT``), :mod:`.tnl2k` (``TNL2K``; also the reusable
``read_tnl2k_sequences`` for any dataset in the TNL2K layout), :mod:`.otb99` (``OTB99``, alias table),
:mod:`.refcocog` (``REFCOCOG``, grounding).  Shared readers and the verification report live in
:mod:`.base`; ``nlbench datasets verify`` in :mod:`.verify`; the safe refs-pickle reader in
:mod:`.pickle_safe`; official lists and attribute tables in ``data/``.
"""


import inspect
import os
from collections.abc import Sequence as _SequenceOf

from nlbench.errors import DatasetError
from nlbench.types import Sequence


def load_sequences(
    dataset: str,
    root: str | os.PathLike | None = None,
    split: str | None = None,
    names: _SequenceOf[str] | None = None,
    with_frames: bool = True,
) -> list[Sequence]:
    """A registered tracking dataset's sequences in the official order, restricted to ``names`` when given.

    The root comes from :func:`nlbench.config.resolve_root`.  Without ``names`` the loader
    returns the whole split and reports an incomplete root itself; with ``names`` only those
    must exist (loaders that accept ``names=`` read just those folders).  ``with_frames=False``
    lets loaders skip listing frames (evaluation never reads images).
    """
    from nlbench.config import resolve_root
    from nlbench.registry import get_dataset

    plugin = get_dataset(dataset)
    if plugin.kind != "tracking":
        raise DatasetError(f"dataset '{dataset}' is a {plugin.kind} dataset; use 'nlbench ground' for it")
    path = resolve_root(plugin, root)
    try:
        parameters = inspect.signature(plugin.load).parameters
    except (TypeError, ValueError):  # callables without a signature
        parameters = {}
    kwargs: dict[str, object] = {}
    if not with_frames and "with_frames" in parameters:
        kwargs["with_frames"] = False
    selected = False
    if names is not None:
        for keyword in ("names", "sequences"):
            if keyword in parameters:
                kwargs[keyword] = list(names)
                selected = True
                break
    sequences = list(plugin.load(path, split or plugin.default_split, **kwargs))
    if names is None:
        return sequences
    by_name = {s.name: s for s in sequences}
    absent = [n for n in names if n not in by_name]
    if absent:
        shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        raise DatasetError(f"dataset {dataset} (root {path}): no sequence named {shown}; names are case-sensitive")
    # the caller's order: a user listing sequences expects them run and reported in that order
    return [by_name[n] for n in dict.fromkeys(names)] if not selected else sequences
