"""Dataset loaders for the real on-disk formats (eval-spec §3), official lists and verification."""
