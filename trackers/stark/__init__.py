"""STARK-ST (ICCV 2021) box tracker, ST101 and ST50: ``model`` (network), ``tracker`` (test-time logic), ``plugin``."""
