"""VLTVG (CVPR 2022) visual grounder, R50 and R101: ``model`` (network), ``preprocess`` (640 canvas, text),
``grounder`` (test-time grounding), ``plugin``."""
