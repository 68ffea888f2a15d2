"""Options the verbs share, declared once: each means the same wherever it appears.

A decorator per shared option (``@dataset_option()``, ``@root_option()``, ...), each giving the click
parameter the name of the request field it fills, so a verb body is ``XRequest(**params)``.  Parameters of
a factory only say what differs legitimately between verbs (one ``--dataset`` or several, whether
``--protocol`` may list several, the help of ``--results``), never what the option means.
:func:`parse_request` parses a command line into its request without running the verb (the round-trip
tests use it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from nlbench.core.request import Request, comma_list
from nlbench.eval.protocols import DEFAULT_PROTOCOL, PROTOCOLS

#: A file the verb writes, a folder, and a file that must exist.
OUT_FILE = click.Path(dir_okay=False, path_type=Path)
FOLDER = click.Path(file_okay=False, path_type=Path)
IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
#: A file the verb writes, checked by the library only (``--json``, as the evaluation verbs always took it).
ANY_PATH = click.Path(path_type=Path)

#: The protocols a verb may name and the default, as ``nlbench.eval.protocols`` has them (a test checks they
#: agree: importing the evaluator here would cost every ``nlbench --help`` a quarter second).
PROTOCOL_NAMES = tuple(PROTOCOLS)

NON_FINITE_HELP = (
    "By default inf/nan in a result file is an error naming the file and line. With this flag: "
    "read inf/nan in result files as numbers (any spelling: inf, -inf, Infinity, nan, NaN) and apply the protocol's "
    "rules to them, as the reference does: JointNLT/pytracking read files with numpy.loadtxt, which accepts them, "
    "then abort the whole evaluation on a NaN anywhere in a result or a -inf width/height ('Error: Invalid "
    "results'); any other infinity is scored as a number: its frame fails (IoU 0, infinite centre errors) unless it "
    "is frame 1 (replaced by the ground truth), has zero width/height (carried forward from the previous box) or is "
    "an invalid ground-truth frame; an overlap that comes out NaN (x=-inf with w=+inf) on a valid frame aborts "
    "('Nans in calculated overlap'). The MATLAB protocols carry NaN rows forward; got10k scores them as failures."
)

F = TypeVar("F", bound=Callable[..., Any])


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


class CommaList(click.ParamType):
    """``a,b,c`` -> ``("a", "b", "c")`` (:func:`nlbench.core.request.comma_list`, the one parser of such lists)."""

    name = "list"

    def convert(self, value, param, ctx):
        return value if isinstance(value, tuple) else comma_list(value)


def dataset_option(*, multiple: bool = False, required: bool = True, checked: bool = False, short: bool = True,
                   help: str = "Registered tracking dataset (see `nlbench datasets`).") -> Callable[[F], F]:
    """``--dataset NAME`` (``-d`` with ``short``): a registered dataset (field ``dataset``, or ``datasets`` with
    ``multiple``).

    ``checked`` rejects an unregistered name while parsing (a usage error listing the names); otherwise the
    registry's error ("unknown dataset 'x'. Did you mean ...") comes when the stage loads it.  The verbs that
    never had ``-d`` keep their usage errors as they were (click names every spelling of an option in them).
    """
    names = ("--dataset", "-d") if short else ("--dataset",)
    return click.option(*names, "datasets" if multiple else "dataset", multiple=multiple,
                        required=required, type=DatasetName() if checked else None, metavar="DATASET", help=help)


def root_option(help: str = "Dataset root (else $NLBENCH_<NAME>_ROOT or the config file).") -> Callable[[F], F]:
    """``--root DIR``: the dataset's folder (field ``root``)."""
    return click.option("--root", type=FOLDER, default=None, help=help)


def split_option(help: str = "Dataset split (default: the dataset's test split).") -> Callable[[F], F]:
    """``--split NAME`` (field ``split``)."""
    return click.option("--split", default=None, help=help)


def sequences_option(help: str = "Only these sequences (default: the whole split).") -> Callable[[F], F]:
    """``--sequences S1,S2``: a subset of the split, in the dataset's order (field ``sequences``, a tuple)."""
    return click.option("--sequences", type=CommaList(), default=None, metavar="S1,S2,...", help=help)


def skip_missing_option(
    help: str = "Drop sequences some tracker has no result for (from every tracker).",
) -> Callable[[F], F]:
    """``--skip-missing``: evaluate the sequences every results folder has (field ``skip_missing``)."""
    return click.option("--skip-missing", is_flag=True, help=help)


def results_option(*, required: bool = True, metavar: str = "NAME=DIR",
                   help: str = "A tracker's result folder (repeatable).") -> Callable[[F], F]:
    """``--results NAME=DIR`` (repeatable): a tracker's raw result folder (field ``results``, the words given)."""
    return click.option("--results", "results", multiple=True, required=required, metavar=metavar, help=help)


def protocol_option(*, default: str | None = DEFAULT_PROTOCOL, several: bool = False, choice: bool = True,
                    help: str = "Whose rules: JointNLT's analysis (paper numbers), current pytracking, got10k, "
                    "the MATLAB toolkits.") -> Callable[[F], F]:
    """``--protocol NAME``: the scoring rules (field ``protocol``).

    ``several`` also takes ``all`` or a comma list (checked by the stage); ``choice`` checks the name while
    parsing, otherwise the stage's "unknown protocol" error names the known ones.
    """
    if several:
        return click.option("--protocol", default=default, show_default=True,
                            metavar="|".join(("all", *PROTOCOL_NAMES)), help=help)
    kind = click.Choice(PROTOCOL_NAMES) if choice else None
    return click.option("--protocol", type=kind, default=default, show_default=default is not None, help=help)


def allow_non_finite_option(help: str = NON_FINITE_HELP) -> Callable[[F], F]:
    """``--allow-non-finite``: read inf/nan in result files as numbers (field ``allow_non_finite``)."""
    return click.option("--allow-non-finite", is_flag=True, help=help)


def parse_request(argv: Sequence[str], request_class: type[Request]) -> Request:
    """The request the verb ``argv`` names would run, parsed as ``nlbench ARGV`` parses it (nothing runs)."""
    from nlbench.cli.group import main  # the group, not the package: no verb module reaches back into cli/__init__

    command: click.Command = main
    words = list(argv)
    for word in request_class.verb:
        assert isinstance(command, click.Group) and words and words[0] == word, (argv, request_class.verb)
        command = command.commands[word]
        words.pop(0)
    ctx = command.make_context(" ".join(request_class.verb), words)
    # a verb whose options need converting first names that step ``command.request_from(params)``
    build = getattr(command, "request_from", None)
    return build(ctx.params) if build is not None else request_class(**ctx.params)
