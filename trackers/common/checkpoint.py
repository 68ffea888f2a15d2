"""Safe loading of the official baseline checkpoints with strict key matching.

The official files are not plain state_dicts (baselines-spec §2.5, §3.1, §4.1, §9):
VLTVG saves ``{"model", "epoch", "args": argparse.Namespace, ...}`` and STARK/OSTrack
save pytracking trainer dicts ``{"net", "settings", "stats", "optimizer", ...}``
whose ``settings``/``stats`` are objects of the training code's ``lib.*`` classes.
Nothing is ever unpickled with ``weights_only=False``: the file is read by torch's
weights-only unpickler, with ``argparse.Namespace``, numpy's array/scalar
reconstructors and inert stand-in classes for the ``lib.*`` names allowlisted.
The stand-ins carry data only; no code of the checkpoint's origin runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nlbench.errors import CheckpointError

#: Module prefixes of the training code whose pickled objects are replaced by inert stand-ins.
STAND_IN_PREFIXES = ("lib.",)


def _numpy_globals() -> list[Any]:
    allowed: list[Any] = [np.ndarray, np.dtype]
    allowed += [getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith("DType")]
    multiarray = np._core.multiarray  # numpy >= 2; pickles written by numpy 1.x name numpy.core.multiarray
    for func in (multiarray.scalar, multiarray._reconstruct):
        allowed += [func, (func, f"numpy.core.multiarray.{func.__name__}")]
    return allowed


def _stand_in(qualified_name: str) -> tuple[type, str]:
    module, _, name = qualified_name.rpartition(".")
    return type(name, (), {"__module__": module, "__doc__": "inert stand-in for a training-code class"}), qualified_name


def _read(path: Path) -> Any:
    try:
        needed = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception as exc:  # not a torch zip/pickle file at all
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({exc})") from exc
    allowed: list[Any] = [argparse.Namespace, *_numpy_globals()]
    allowed += [_stand_in(name) for name in needed if name.startswith(STAND_IN_PREFIXES)]
    try:
        with torch.serialization.safe_globals(allowed):
            return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path}: refused to unpickle ({exc}). Only tensors, plain containers and the official training "
            "metadata are accepted; re-save the file as a plain state_dict (or safetensors) and pass that."
        ) from exc


def read_state_dict(path: str | Path, keys: tuple[str, ...] = ("net", "model", "state_dict")) -> dict[str, torch.Tensor]:
    """The state_dict inside ``path`` (``.safetensors``, a bare state_dict, or a dict under one of ``keys``).

    A ``module.`` prefix (DataParallel) is stripped.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist; pass --checkpoint PATH to the official weights")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state: Any = load_file(str(path))
    else:
        state = _read(path)
        if isinstance(state, Mapping):
            for key in keys:
                if key in state and isinstance(state[key], Mapping):
                    state = state[key]
                    break
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: no state_dict found (looked for a bare state_dict or the keys {list(keys)})")
    return {k.removeprefix("module."): v for k, v in state.items()}


def load_strict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """``load_state_dict(strict=True)`` that reports key and shape mismatches as a CheckpointError.

    Frozen-BN ``num_batches_tracked`` entries are ignored as the original FrozenBatchNorm2d does.
    """
    expected = model.state_dict()
    state = {k: v for k, v in state.items() if not (k.endswith("num_batches_tracked") and k not in expected)}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if tuple(expected[k].shape) != tuple(state[k].shape))
    if missing or unexpected or wrong:
        parts = []
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)):
            if keys:
                parts.append(f"{len(keys)} {label} (e.g. {', '.join(keys[:3])})")
        raise CheckpointError(f"{source} does not match {type(model).__name__}: {'; '.join(parts)}; is it the right model?")
    model.load_state_dict(dict(state), strict=True)
