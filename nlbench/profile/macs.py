"""Paper-compatible MACs and parameters: the counting rules of thop 0.0.31.post2005241907.

The "FLOPs" and "Params" of JointNLT's Table 2 and of the STARK and OSTrack papers are what
``thop.profile`` of that release returns (jointnlt-spec §5, baselines-spec §1, §7). This module re-states
those rules so that the published figures can be reproduced to the last MAC without depending on a 2020
package that no longer imports on Python >= 3.10.

The rules, as that release applies them:

* A forward hook is attached to every module whose **exact** type (``type(m) is ...``, not ``isinstance``)
  has a rule; a per-repository ``rules`` mapping overrides or extends the defaults (a plugin passes its
  repository's custom rules through its profile spec, ``CountPass.rules``). Subclasses do not count: ``nn.MultiheadAttention.out_proj`` is a
  ``NonDynamicallyQuantizableLinear`` and is never counted.
* MACs accumulate over every call of a module; a module that never runs counts zero.
* A module's parameters (recursively, all of them) count once, and only if the module ran.
* Totals are collected top-down: a hooked module that is not a ``Sequential``/``ModuleList`` contributes its
  own totals and its children are not visited; any other module is descended into. The root module
  itself never contributes.
* The model is put in ``eval()`` for the counting pass (the BatchNorm rule needs it) and its previous
  train/eval flag is restored afterwards; the pass runs under ``torch.no_grad()``.

Not counted (no rule): LayerNorm, GELU, Softmax, Embedding, ``nn.MultiheadAttention`` (by default), every
functional op (attention matmuls, ``F.linear``, RoIAlign). Recurrent modules are the one family of
thop 0.0.31 rules not re-stated here: running one raises :class:`NotImplementedError`, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any, Callable, Mapping

import torch
from torch import nn

#: ``rule(module, args, kwargs, output) -> MACs of this one call``.
MacRule = Callable[[nn.Module, tuple, dict, Any], int]


def _first_tensor(args: tuple, kwargs: dict) -> torch.Tensor:
    if args:
        return args[0]
    return next(v for v in kwargs.values() if isinstance(v, torch.Tensor))


def zero_macs(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> int:
    """Registered but free (ReLU, Dropout, max pooling, zero padding): parameters still count."""
    return 0


def conv_macs(module: nn.Module, args: tuple, kwargs: dict, output: torch.Tensor) -> int:
    """``nn.ConvNd``/``nn.ConvTransposeNd``: output elements × (Cin/groups · kernel elements + 1 if bias)."""
    kernel = prod(module.weight.shape[2:])
    bias = 1 if module.bias is not None else 0
    return output.numel() * (module.in_channels // module.groups * kernel + bias)


def batchnorm_macs(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> int:
    """``nn.BatchNormNd`` in eval mode: 2 × input elements."""
    return 2 * _first_tensor(args, kwargs).numel()


def elementwise_macs(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> int:
    """``nn.LeakyReLU``: one op per input element."""
    return _first_tensor(args, kwargs).numel()


def avgpool_macs(module: nn.Module, args: tuple, kwargs: dict, output: torch.Tensor) -> int:
    """``nn.AvgPoolNd``: one op per output element (thop 0.0.31 ignores the kernel size)."""
    return output.numel()


def adaptive_avgpool_macs(module: nn.Module, args: tuple, kwargs: dict, output: torch.Tensor) -> int:
    """``nn.AdaptiveAvgPoolNd``: output elements × (prod(input size // output size) + 1)."""
    spatial = _first_tensor(args, kwargs).shape[2:]
    out = module.output_size
    out = (out,) * len(spatial) if isinstance(out, int) else tuple(out)
    kernel = prod(int(s // o) for s, o in zip(spatial, out))
    return output.numel() * (kernel + 1)


def upsample_macs(module: nn.Module, args: tuple, kwargs: dict, output: torch.Tensor) -> int:
    """``nn.Upsample``: thop 0.0.31's per-output-element constants; nearest (and unknown modes) are free."""
    per_element = {"linear": 5, "bilinear": 11, "bicubic": 224 + 35}.get(module.mode, 0)
    return output.numel() * per_element


def linear_macs(module: nn.Module, args: tuple, kwargs: dict, output: torch.Tensor) -> int:
    """``nn.Linear``: in_features × output elements (the bias is free)."""
    return module.in_features * output.numel()


def _recurrent_not_supported(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> int:
    raise NotImplementedError(
        f"{type(module).__name__}: thop 0.0.31's recurrent rules are not implemented in nlbench.profile.macs"
    )


#: thop 0.0.31's ``register_hooks``, keyed by exact type.
THOP_0_0_31_RULES: Mapping[type, MacRule] = {
    nn.ZeroPad2d: zero_macs,
    nn.Conv1d: conv_macs,
    nn.Conv2d: conv_macs,
    nn.Conv3d: conv_macs,
    nn.ConvTranspose1d: conv_macs,
    nn.ConvTranspose2d: conv_macs,
    nn.ConvTranspose3d: conv_macs,
    nn.BatchNorm1d: batchnorm_macs,
    nn.BatchNorm2d: batchnorm_macs,
    nn.BatchNorm3d: batchnorm_macs,
    nn.SyncBatchNorm: batchnorm_macs,
    nn.ReLU: zero_macs,
    nn.ReLU6: zero_macs,
    nn.LeakyReLU: elementwise_macs,
    nn.MaxPool1d: zero_macs,
    nn.MaxPool2d: zero_macs,
    nn.MaxPool3d: zero_macs,
    nn.AdaptiveMaxPool1d: zero_macs,
    nn.AdaptiveMaxPool2d: zero_macs,
    nn.AdaptiveMaxPool3d: zero_macs,
    nn.AvgPool1d: avgpool_macs,
    nn.AvgPool2d: avgpool_macs,
    nn.AvgPool3d: avgpool_macs,
    nn.AdaptiveAvgPool1d: adaptive_avgpool_macs,
    nn.AdaptiveAvgPool2d: adaptive_avgpool_macs,
    nn.AdaptiveAvgPool3d: adaptive_avgpool_macs,
    nn.Linear: linear_macs,
    nn.Dropout: zero_macs,
    nn.Upsample: upsample_macs,
    nn.UpsamplingBilinear2d: upsample_macs,
    nn.UpsamplingNearest2d: upsample_macs,
    nn.RNNCell: _recurrent_not_supported,
    nn.GRUCell: _recurrent_not_supported,
    nn.LSTMCell: _recurrent_not_supported,
    nn.RNN: _recurrent_not_supported,
    nn.GRU: _recurrent_not_supported,
    nn.LSTM: _recurrent_not_supported,
}


@dataclass
class MacsCount:
    """thop-rule totals of one counting pass; ``components`` splits them by top-level child module."""

    macs: int = 0
    params: int = 0
    components: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (macs, params)

    def __add__(self, other: "MacsCount") -> "MacsCount":
        merged = dict(self.components)
        for name, (m, p) in other.components.items():
            m0, p0 = merged.get(name, (0, 0))
            merged[name] = (m0 + m, p0 + p)
        return MacsCount(self.macs + other.macs, self.params + other.params, merged)


def count_macs(
    model: nn.Module,
    run: Callable[[], Any],
    rules: Mapping[type, MacRule] | None = None,
) -> MacsCount:
    """Run ``run()`` once (it must call ``model``'s modules) and count MACs and params by thop 0.0.31's rules.

    ``rules`` extends/overrides :data:`THOP_0_0_31_RULES` by exact module type, as thop's ``custom_ops``.
    """
    table = {**THOP_0_0_31_RULES, **(rules or {})}
    macs: dict[nn.Module, int] = {}
    params: dict[nn.Module, int] = {}
    handles = []

    def make_hook(rule: MacRule) -> Callable:
        def hook(module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
            macs[module] += int(rule(module, args, kwargs, output))
            params[module] = sum(p.numel() for p in module.parameters())

        return hook

    for module in model.modules():
        rule = table.get(type(module))
        if rule is not None and module not in macs:
            macs[module] = 0
            params[module] = 0
            handles.append(module.register_forward_hook(make_hook(rule), with_kwargs=True))

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            run()
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()

    def collect(module: nn.Module) -> tuple[int, int]:
        total_macs = total_params = 0
        for child in module.children():
            if child in macs and not isinstance(child, (nn.Sequential, nn.ModuleList)):
                child_macs, child_params = macs[child], params[child]
            else:
                child_macs, child_params = collect(child)
            total_macs += child_macs
            total_params += child_params
        return total_macs, total_params

    result = MacsCount()
    for name, child in model.named_children():
        if child in macs and not isinstance(child, (nn.Sequential, nn.ModuleList)):
            pair = (macs[child], params[child])
        else:
            pair = collect(child)
        result.components[name] = pair
        result.macs += pair[0]
        result.params += pair[1]
    return result
