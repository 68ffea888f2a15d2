"""Where nlbench finds dataset roots and caches.

Order: an explicit ``--root``; the dataset's environment variable
(``NLBENCH_<NAME>_ROOT``); the ``[roots]`` table of the user config file
(``$NLBENCH_CONFIG`` or ``~/.config/nlbench/config.toml``); a dataset that can
build itself (``synth``) supplies its own default.  Nothing is ever downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from nlbench.core.errors import DatasetError
from nlbench.core.types import DatasetPlugin

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def config_path() -> Path:
    env = os.environ.get("NLBENCH_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "nlbench" / "config.toml"


def load_config() -> dict:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DatasetError(f"{path}: not valid TOML ({exc})") from exc


def source_checkout() -> Path | None:
    """The repository root when nlbench runs from a source checkout (editable install), else None."""
    root = Path(__file__).resolve().parents[2]  # nlbench/core/config.py -> the checkout
    return root if (root / "pyproject.toml").is_file() and (root / "trackers").is_dir() else None


def cache_dir() -> Path:
    """Generated data (the synth benchmark).

    ``$NLBENCH_CACHE``; else ``.nlbench-cache/`` inside a source checkout, so the
    README's demo writes nothing outside the repository; else ``~/.cache/nlbench``.
    """
    env = os.environ.get("NLBENCH_CACHE")
    if env:
        return Path(env).expanduser()
    checkout = source_checkout()
    if checkout is not None:
        return checkout / ".nlbench-cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nlbench"


def resolve_root(plugin: DatasetPlugin, root: str | os.PathLike | None = None) -> Path:
    """The dataset root to read, or a DatasetError saying how to point nlbench at one."""
    if root is not None:
        where = "--root"
        path = Path(root).expanduser()
    elif os.environ.get(plugin.env_var):
        where = f"${plugin.env_var}"
        path = Path(os.environ[plugin.env_var]).expanduser()
    elif (cfg := load_config().get("roots", {}).get(plugin.name)) is not None:
        where = f"{config_path()} [roots] {plugin.name}"
        path = Path(cfg).expanduser()
    elif plugin.default_root is not None:
        return plugin.default_root()
    else:
        raise DatasetError(
            f"no root given for dataset '{plugin.name}'. It comes from {plugin.source}. "
            f"Point nlbench at it with --root DIR, the environment variable {plugin.env_var}=DIR, "
            f"or 'roots.{plugin.name} = \"DIR\"' in {config_path()}."
        )
    if not path.is_dir():
        raise DatasetError(
            f"dataset '{plugin.name}': root {path} (from {where}) does not exist or is not a directory. "
            f"The dataset comes from {plugin.source}."
        )
    return path
