"""A pickle reader that builds plain containers only and never imports or calls anything.

The RefCOCOg ``refs(*).p`` files are Python-2 pickles of lists of dicts (eval-spec §3.5).  Unpickling
runs code whenever the stream names a global (``os.system``, ``builtins.eval``, a class to
reconstruct); this unpickler refuses every global and every persistent id, so a tampered file
fails with an error instead of executing.  Python-2 byte strings are decoded as latin-1.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from nlbench.core.errors import DatasetError

_PLAIN = (dict, list, tuple, str, int, float, bool, type(None))


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle referenced a global (an importable object), which a data file never needs."""


class PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:  # noqa: D102
        raise RefusedGlobal(f"refuses global '{module}.{name}'")

    def persistent_load(self, pid: Any) -> Any:  # noqa: D102
        raise RefusedGlobal("refuses persistent ids")


def _check_plain(value: Any, depth: int = 0) -> None:
    if depth > 64:
        raise pickle.UnpicklingError("nesting deeper than 64 levels")
    if not isinstance(value, _PLAIN):
        raise pickle.UnpicklingError(f"holds a {type(value).__name__}, not a plain container")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(k, depth + 1)
            _check_plain(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_plain(v, depth + 1)


def loads_plain(data: bytes, source: str = "<bytes>") -> Any:
    """Unpickle ``data`` into dict/list/tuple/str/int/float/bool/None, or raise DatasetError."""
    try:
        value = PlainUnpickler(io.BytesIO(data), encoding="latin1").load()
        _check_plain(value)
    except RefusedGlobal as exc:
        raise DatasetError(
            f"{source}: unsafe pickle: it {exc}; a REFER refs file (refs(*).p) holds only lists and dicts, so this file is "
            f"not one (or was tampered with). Nothing in it was executed."
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise DatasetError(f"{source}: not a readable refs pickle ({type(exc).__name__}: {exc})") from None
    return value


def load_plain(path: Path) -> Any:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file is missing") from None
    return loads_plain(data, str(path))
