"""Dataset loaders for the real on-disk formats (eval-spec §3), official lists and verification.

One module per benchmark, each exposing a :class:`nlbench.types.DatasetPlugin` registered by entry
point: :mod:`.lasot` (``LASOT``, ``LASOT_EXT``), :mod:`.tnl2k` (``TNL2K``; also the reusable
``read_tnl2k_sequences`` for any dataset in the TNL2K layout), :mod:`.otb99` (``OTB99``, alias table),
:mod:`.refcocog` (``REFCOCOG``, grounding).  Shared readers and the verification report live in
:mod:`.base`; ``nlbench datasets verify`` in :mod:`.verify`; the safe refs-pickle reader in
:mod:`.pickle_safe`; official lists and attribute tables in ``data/``.
"""
