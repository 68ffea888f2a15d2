"""Building blocks shared by the separated baselines (VLTVG, STARK-ST, OSTrack).

``resnet`` (frozen-BN torchvision ResNet bodies, sine position encoding), ``detr``
(DETR post-norm transformer layers, MLP), ``crop`` (the pytracking/STARK
``sample_target`` crop, box mapping, clipping, Hann window), ``checkpoint``
(safe state_dict loading with strict key matching) and ``plugin`` (the shared
``build`` plumbing of the baseline plugins).
"""
