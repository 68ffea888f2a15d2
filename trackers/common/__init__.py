"""Building blocks shared by the tracker and grounder plugins; nothing here imports a tracker package.

``crop`` (the pytracking ``sample_target`` crop with its zero-area rule as a parameter, box map-back, margin
clip, Hann window), ``normalize`` (the ImageNet normaliser), ``layers`` (``conv_bn_relu``, the corner head,
the transformer ``Mlp``), ``resnet`` (frozen-BN torchvision ResNet bodies, sine position encoding), ``detr``
(DETR post-norm transformer layers, MLP), ``checkpoint`` (the one safe checkpoint loader, strict key matching)
and ``plugin`` (the shared factory of the baseline plugins).
"""
