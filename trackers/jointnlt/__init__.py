"""JointNLT (CVPR 2023): joint visual grounding and tracking with natural language, re-implemented to load
the official checkpoint and to reproduce the original tracker box for box (see ``shared/specs/jointnlt-spec.md``).

Modules: ``config`` (sizes), ``model`` (the network), ``tokenizer`` (offline BERT WordPiece),
``preprocess`` (crops and resizes; the shared layers and the checkpoint loader are in ``nlbench_trackers.common``),
``tracker`` (test-time protocol),
``plugin`` (the nlbench entry points).
"""
