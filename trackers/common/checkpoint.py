"""The one checkpoint loader of every tracker and grounder: reads weights without executing pickled code.

Accepted files:
- a trainer dict ``.pth.tar`` as the pytracking/STARK/JointNLT/OSTrack trainers write it (weights under ``net``),
  which also pickles training classes (``lib.train.admin.settings.Settings``, stats meters, ...;
  jointnlt-spec §2, §8.14; baselines-spec §3.1, §4.1, §9);
- VLTVG's ``{"model", "epoch", "args": argparse.Namespace, ...}`` (baselines-spec §2.5);
- a bare state_dict saved with ``torch.save``;
- a ``.safetensors`` file.

Pickles are read only with ``torch.load(weights_only=True)``. Globals of the original training code
(module ``lib.*``) and of a few data-only modules are replaced by an inert placeholder class that stores
its arguments and never calls anything; any other global (``os.system``, ``builtins.eval``, ...) makes the
file refused. Placeholders are allowed only outside the weights: a state_dict must hold tensors only.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn

from nlbench.core.errors import CheckpointError

#: Module prefixes whose globals may be replaced by inert placeholders (never imported, never called).
PLACEHOLDER_MODULE_PREFIXES: tuple[str, ...] = (
    "lib.",  # the original repositories' training code (pytracking / STARK / JointNLT / OSTrack layout)
    "numpy.",  # scalars and arrays in training statistics
    "argparse.",
    "pathlib.",
    "datetime.",
    "_codecs.",  # numpy's pickles encode raw bytes with _codecs.encode
)
_PLACEHOLDER_EXACT = {"numpy.ndarray", "numpy.dtype", "argparse.Namespace", "_codecs.encode"}
#: Keys under which a trainer dict stores the weights, in order of preference.
WEIGHT_KEYS = ("net", "state_dict", "model")
_MAX_PLACEHOLDER_ROUNDS = 64


class Placeholder:
    """Inert stand-in for an object of a class nlbench does not trust: it keeps its pickled data only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<placeholder for {type(self).__module__}.{type(self).__qualname__}>"


def _may_be_placeholder(name: str) -> bool:
    return name in _PLACEHOLDER_EXACT or any(name.startswith(prefix) for prefix in PLACEHOLDER_MODULE_PREFIXES)


def _placeholder_for(name: str) -> tuple[type, str]:
    module, _, qualname = name.rpartition(".")
    cls = type(qualname.rsplit(".", 1)[-1], (Placeholder,), {"__module__": module, "__qualname__": qualname})
    return cls, name


_GLOBAL_IN_MESSAGE = re.compile(r"GLOBAL ([A-Za-z_][\w.]*)")


def _unsafe_globals(path: Path, error: Exception) -> list[str]:
    try:
        return list(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # legacy (non-zip) files: read the name from weights_only's error message
        return _GLOBAL_IN_MESSAGE.findall(str(error))[:1]


def _reason(exc: Exception) -> str:
    """The informative line of torch's weights_only error (its first lines are generic advice)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    specific = [line for line in lines if "Unsupported" in line or "GLOBAL" in line or "magic" in line.lower()]
    return (specific or lines or [type(exc).__name__])[0]


def _refuse(path: Path, names: Iterable[str]) -> CheckpointError:
    shown = ", ".join(sorted(set(names))[:5])
    return CheckpointError(
        f"{path}: refused to load: its pickle references {shown}, which could execute code. "
        "Only tensors, plain containers and the original training classes (lib.*) are accepted; "
        "if you trust the file, re-save its weights as a bare state_dict or as safetensors."
    )


#: Every pickle of protocol 2 or later (``torch.save``'s legacy files, plain pickles) begins with PROTO.
_PICKLE_HEADER = b"\x80"
_ZIP_HEADER = b"PK\x03\x04"
_HINT = "pass the weights file itself (.pth / .pth.tar from torch.save, or .safetensors)"


def _not_a_checkpoint(path: Path, why: str) -> CheckpointError:
    return CheckpointError(f"{path}: not a checkpoint: {why}; {_HINT}")


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    """safetensors: an 8-byte little-endian header length, then the JSON header."""
    return len(head) > 8 and head[8:9] == b"{" and 8 + int.from_bytes(head[:8], "little") <= size


def _check_torch_file(path: Path, head: bytes) -> None:
    """Refuse, before unpickling, what ``torch.save`` cannot have written: empty files, other zips, text, noise."""
    if not head:
        raise _not_a_checkpoint(path, "the file is empty")
    if head.startswith(_ZIP_HEADER):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _not_a_checkpoint(path, f"a damaged zip archive ({exc})") from None
        if not any(name.count("/") == 1 and name.endswith("/data.pkl") for name in names):
            raise _not_a_checkpoint(path, "a zip archive without the <name>/data.pkl record of a torch.save file")
        return
    if not head.startswith(_PICKLE_HEADER):
        raise _not_a_checkpoint(
            path, f"neither a torch.save file (zip or pickle) nor safetensors (it begins with {head[:8]!r})"
        )


def load_pickle_safely(path: str | Path) -> Any:
    """``torch.load(weights_only=True)``, with inert placeholders for the original's training classes."""
    path = Path(path)
    with path.open("rb") as handle:
        _check_torch_file(path, handle.read(16))
    allowed: dict[str, tuple[type, str]] = {}
    for _ in range(_MAX_PLACEHOLDER_ROUNDS):
        try:
            with torch.serialization.safe_globals(list(allowed.values())):
                return torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            names = [n for n in _unsafe_globals(path, exc) if n not in allowed]
            if not names:
                raise CheckpointError(
                    f"{path}: refused to load: not a checkpoint that torch.load(weights_only=True) can read "
                    f"({_reason(exc)}); re-save its weights as a bare state_dict or as safetensors"
                ) from None
            refused = [n for n in names if not _may_be_placeholder(n)]
            if refused:
                raise _refuse(path, refused) from None
            allowed.update({n: _placeholder_for(n) for n in names})
        except Exception as exc:  # a damaged file can fail anywhere in the unpickler (KeyError, IndexError, ...)
            raise CheckpointError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {_reason(exc)})") from exc
    raise CheckpointError(f"{path}: too many unknown classes in the pickle; re-save its weights as a state_dict")


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and len(obj) > 0 and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    )


def extract_state_dict(obj: Any, source: str | Path = "checkpoint") -> dict[str, torch.Tensor]:
    """The weights of a loaded checkpoint: ``obj['net']`` (or 'state_dict'/'model') or ``obj`` itself."""
    if isinstance(obj, Mapping) and not _is_state_dict(obj):
        for key in WEIGHT_KEYS:
            if key in obj:
                return extract_state_dict(obj[key], f"{source}['{key}']")
    if not _is_state_dict(obj):
        raise CheckpointError(
            f"{source}: no state_dict found (expected a mapping of names to tensors, or a trainer dict with one "
            f"of the keys {', '.join(WEIGHT_KEYS)})"
        )
    return strip_prefix(dict(obj), "module.")


def strip_prefix(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """Remove a DDP/DataParallel-style prefix from every key that has it."""
    return {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state.items()}


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read weights from a trainer dict, a bare state_dict or a safetensors file, on the CPU."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found")
    with path.open("rb") as handle:
        head = handle.read(16)
    if path.suffix == ".safetensors" or _looks_like_safetensors(head, path.stat().st_size):
        if not head:
            raise _not_a_checkpoint(path, "the file is empty")
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return strip_prefix(load_file(str(path), device="cpu"), "module.")
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from exc
    return extract_state_dict(load_pickle_safely(path), path)


def safetensors_metadata(path: str | Path) -> dict[str, str]:
    """The string metadata of a safetensors header (e.g. a JSON model config), {} when none."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            return dict(handle.metadata() or {})
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc}); {_HINT}") from exc


def _listing(keys: list[str], limit: int = 5) -> str:
    shown = ", ".join(keys[:limit])
    return f"{len(keys)} ({shown}{', ...' if len(keys) > limit else ''})"


def load_into(model: nn.Module, state: Mapping[str, torch.Tensor], source: str | Path = "checkpoint") -> None:
    """Strict load; any missing, unexpected or mis-shaped key raises a CheckpointError that lists them."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mis_shaped = sorted(
        f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in set(own) & set(state)
        if tuple(own[k].shape) != tuple(state[k].shape)
    )
    if missing or unexpected or mis_shaped:
        parts = []
        if missing:
            parts.append(f"missing keys {_listing(missing)}")
        if unexpected:
            parts.append(f"unexpected keys {_listing(unexpected)}")
        if mis_shaped:
            parts.append(f"shape mismatches {_listing(mis_shaped)}")
        raise CheckpointError(
            f"{source}: does not match {type(model).__name__} ({len(own)} keys): " + "; ".join(parts)
            + ". Check that the checkpoint belongs to this tracker and configuration."
        )
    model.load_state_dict(dict(state), strict=True)


def load_checkpoint(model: nn.Module, path: str | Path) -> nn.Module:
    """Read ``path`` safely and load it strictly into ``model``; returns the model."""
    load_into(model, read_state_dict(path), path)
    return model


def load_strict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Strict load for models with frozen BatchNorm: ``num_batches_tracked`` entries the model does not have
    are dropped first, as the original ``FrozenBatchNorm2d`` does on load; any other mismatch raises."""
    expected = model.state_dict()
    kept = {k: v for k, v in state.items() if not (k.endswith("num_batches_tracked") and k not in expected)}
    load_into(model, kept, source)
