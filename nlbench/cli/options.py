"""Option types shared by the CLI verbs."""

from __future__ import annotations

from pathlib import Path

import click

#: A file the verb writes, a folder, and a file that must exist.
OUT_FILE = click.Path(dir_okay=False, path_type=Path)
FOLDER = click.Path(file_okay=False, path_type=Path)
IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class DatasetName(click.ParamType):
    """A registered dataset name, checked when the option is parsed (the list comes from the entry points)."""

    name = "dataset"

    def __init__(self, kind: str | None = None) -> None:
        self.kind = kind

    def convert(self, value, param, ctx):
        from nlbench.core.registry import dataset_names

        known = dataset_names(self.kind)
        if value not in known:
            self.fail(f"{value!r} is not a registered dataset; choose one of {', '.join(known)}", param, ctx)
        return value

    def get_metavar(self, param, ctx=None) -> str:
        return "DATASET"
