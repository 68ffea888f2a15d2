"""UVLTrack (AAAI 2024): one ViT for BBOX, NL and NL+BBOX references with a modality-adaptive box head,
re-implemented to load the official checkpoint strictly and to reproduce the original tracker box for box
(see ``shared/specs/uvltrack-spec.md``).

Modules: ``config`` (B, L and a test size), ``model`` (feature extractor, box head, prompter), ``checkpoint``
(strict load, both prompter prefixes), ``preprocess`` (crops, letterbox, masks), ``tracker`` (test-time
protocol), ``batched`` (lock-step slots), ``variants`` and ``plugin`` (the nlbench entry points), ``profiling``.
The tokenizer and vocabulary are JointNLT's (the same bert-base-uncased WordPiece).
"""
