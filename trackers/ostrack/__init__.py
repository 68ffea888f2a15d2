"""OSTrack (ECCV 2022) box tracker with candidate elimination, 384 and 256 variants: ``model``, ``tracker``, ``plugin``."""
