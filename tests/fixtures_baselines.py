"""What the baseline model tests (STARK, OSTrack, VLTVG) share: the spec's key list, a state-dict signature, seeded
order-independent weights and the golden frames."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import numpy as np
import torch

KEYS_TSV = Path(__file__).resolve().parent / "data" / "specs" / "baselines-state-dict-keys.tsv"  # baselines-spec


def state_signature(model: torch.nn.Module) -> tuple[int, str]:
    """(number of entries, SHA-256 of the sorted "key, shape, dtype" lines) of the model's state dict."""
    lines = sorted(
        f"{k}\t{'x'.join(map(str, v.shape)) or 'scalar'}\t{str(v.dtype).removeprefix('torch.')}"
        for k, v in model.state_dict().items()
    )
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def spec_keys(model: str) -> dict[str, tuple[tuple[int, ...], str]]:
    """``key -> (shape, dtype)`` of one official model in the spec's TSV."""
    rows = [line.split("\t") for line in KEYS_TSV.read_text().splitlines() if line and not line.startswith("#")]
    return {r[1]: (() if r[2] == "scalar" else tuple(int(x) for x in r[2].split("x")), r[3]) for r in rows if r[0] == model}


def seeded_value(key: str, value: torch.Tensor, scale: float = 0.05) -> torch.Tensor:
    """Random weights seeded by crc32 of the key, so they do not depend on the order of the state dict; BN variances
    positive. The same function produced the golden boxes."""
    gen = torch.Generator().manual_seed(zlib.crc32(key.encode()))
    if key.endswith("running_var"):
        return torch.rand(value.shape, generator=gen) + 0.5
    return torch.randn(value.shape, generator=gen) * scale


def seeded_state(model: torch.nn.Module, head_gain: float) -> dict[str, torch.Tensor]:
    """A box tracker's seeded weights; integer buffers kept, the corner heads (``conv5``) scaled by ``head_gain``."""
    return {
        key: value.clone() if value.dtype == torch.int64
        else seeded_value(key, value, 0.05 * (head_gain if "conv5" in key else 1.0))
        for key, value in model.state_dict().items()
    }


def golden_frames(count: int) -> list[np.ndarray]:
    """A red target moving right and down over dark noise, 160x120."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(count):
        frame = (rng.random((120, 160, 3)) * 60).astype(np.uint8)
        frame[30 + 2 * i : 60 + 2 * i, 40 + 3 * i : 80 + 3 * i] = [220, 40, 40]
        frames.append(frame)
    return frames
