"""Dataset loaders for the real on-disk formats (eval-spec §3), official lists and verification.

One module per benchmark, each exposing a :class:`nlbench.core.types.DatasetPlugin` registered by entry
point: :mod:`.lasot` (``LASOT``, ``LASOT_EXT``), :mod:`.tnl2k` (``TNL2K``; also the reusable
``read_tnl2k_sequences`` for any dataset in the TNL2K layout), :mod:`.otb99` (``OTB99``, alias table),
:mod:`.refcocog` (``REFCOCOG``, grounding).  Shared readers and the verification report live in
:mod:`.base`; ``nlbench datasets verify`` in :mod:`.verify`; the safe refs-pickle reader in
:mod:`.pickle_safe`; official lists and attribute tables in ``data/``.
"""


import os
from collections.abc import Sequence as _SequenceOf

from nlbench.core.errors import DatasetError
from nlbench.core.types import Sequence


def load_sequences(
    dataset: str,
    root: str | os.PathLike | None = None,
    split: str | None = None,
    names: _SequenceOf[str] | None = None,
    with_frames: bool = True,
) -> list[Sequence]:
    """A registered tracking dataset's sequences in the official order, restricted to ``names`` when given.

    The root comes from :func:`nlbench.core.config.resolve_root`.  Every loader follows the fixed contract
    ``load(root, split, names=None, with_frames=True)`` (:class:`nlbench.core.types.DatasetPlugin`): without
    ``names`` it returns the whole split and reports an incomplete root itself; with ``names`` it reads
    only those and reports an absent one.  ``with_frames=False`` lets a loader skip listing frames
    (evaluation never reads images).
    """
    from nlbench.core.config import resolve_root
    from nlbench.core.registry import get_dataset

    plugin = get_dataset(dataset)
    if plugin.kind != "tracking":
        raise DatasetError(f"dataset '{dataset}' is a {plugin.kind} dataset; use 'nlbench ground' for it")
    path = resolve_root(plugin, root)
    selected = list(names) if names is not None else None
    return list(plugin.load(path, split or plugin.default_split, names=selected, with_frames=with_frames))
