"""Option types shared by the CLI verbs."""

from __future__ import annotations

import click


class DatasetName(click.ParamType):
    """A registered dataset name, checked when the option is parsed (the list comes from the entry points)."""

    name = "dataset"

    def __init__(self, kind: str | None = None) -> None:
        self.kind = kind

    def convert(self, value, param, ctx):
        from nlbench.registry import dataset_names

        known = dataset_names(self.kind)
        if value not in known:
            self.fail(f"{value!r} is not a registered dataset; choose one of {', '.join(known)}", param, ctx)
        return value

    def get_metavar(self, param, ctx=None) -> str:
        return "DATASET"
