"""Stage requests: every verb is a frozen dataclass whose command line is derived from its fields.

Naming, one scheme for every verb (``datasets verify`` joins its words): the request is ``<Verb>Request``
(``EvalRequest``, ``DatasetsVerifyRequest``), the stage function ``<verb>_stage(request) -> <Verb>Summary``
(``eval_stage``, ``datasets_verify_stage``), the summary a frozen dataclass holding the request and what the
stage computed and wrote.  They live in the layer that owns the verb's work, in its ``stages.py``
(``nlbench/eval/stages.py``: eval, compare, explain, sensitivity; ``nlbench/report/stages.py``: report,
leaderboard, visualize); the terminal text of a summary is a library function too (``eval_text(summary)``
in ``nlbench/eval/text.py``), so a CLI verb is: options -> ``XRequest(**params)`` -> stage -> text.
Options several verbs share are declared once, in ``nlbench/cli/options.py``, each named after the field
it fills.

A stage is one library function ``stage(request) -> record`` (it never prints); the CLI parses options
into the request, and ``request.to_argv()`` gives the equivalent command line back, for ``--dry-run``
and for the ``command`` field of provenance.  Each field says how it is spelled on the command line
through :func:`option` (a flag) or :func:`argument` (a positional); a field without either is not
part of the command line (e.g. a callback) and must not change what the stage computes.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class EchoRequest(Request):
    ...     verb = ("echo",)
    ...     word: str = argument()
    ...     times: int = option("--times", default=1)
    ...     loud: bool = option("--loud/--quiet", default=False)
    ...     tags: tuple[str, ...] = option("--tag", default=())
    >>> EchoRequest("hi", times=2, loud=True, tags=("a", "b")).to_argv()
    ['echo', 'hi', '--times', '2', '--loud', '--tag', 'a', '--tag', 'b']
    >>> EchoRequest("hi").to_argv()
    ['echo', 'hi']

A list given as one comma-separated word (``--sequences a,b``) is a :func:`comma_option`, read back by
:func:`comma_list`, the one parser of such words:

    >>> @dataclass(frozen=True)
    ... class PickRequest(Request):
    ...     verb = ("pick",)
    ...     sequences: tuple[str, ...] | None = comma_option("--sequences")
    >>> PickRequest(("a", "b")).to_argv()
    ['pick', '--sequences', 'a,b']
    >>> comma_list(" a, b,,"), comma_list(""), comma_list(None)
    (('a', 'b'), None, None)
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["Request", "argument", "comma_list", "comma_option", "option", "render_value", "shell_line"]

_MISSING = dataclasses.MISSING


def option(
    flag: str,
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | Any = _MISSING,
    render: Callable[[Any], list[str]] | None = None,
    always: bool = False,
) -> Any:
    """A field spelled ``flag VALUE`` (repeated for tuples, ``KEY=VALUE`` for mappings).

    ``"--on/--off"`` declares a boolean pair; ``"--flag"`` with a bool field is a plain switch.
    Values equal to the default are left out unless ``always``; ``render`` overrides the spelling
    (it returns the whole argv fragment, flag included).
    """
    metadata = {"flag": flag, "render": render, "always": always}
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def argument(*, default: Any = _MISSING, render: Callable[[Any], list[str]] | None = None) -> Any:
    """A positional field (``nlbench experiment FILE``); a tuple gives one word per item."""
    return dataclasses.field(default=default, metadata={"positional": True, "render": render})


def comma_list(text: str | None) -> tuple[str, ...] | None:
    """``"a, b"`` -> ``("a", "b")``: blank items dropped; no text (None or "") means no list was given."""
    if not text:
        return None
    return tuple(item.strip() for item in text.split(",") if item.strip())


def comma_option(flag: str, *, default: tuple[str, ...] | None = None) -> Any:
    """A tuple field spelled as one comma-joined word, ``flag a,b`` (an empty tuple is ``flag ,``)."""
    return option(flag, default=default, render=lambda value: [] if value is None else [flag, ",".join(value) or ","])


def render_value(value: Any) -> str:
    """One command-line word for a value (paths as written, floats in their shortest repr)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def shell_line(argv: list[str]) -> str:
    """The line a user types: ``nlbench`` and the shell-quoted words."""
    return "nlbench " + shlex.join(argv)


def _default_of(field: dataclasses.Field) -> Any:
    if field.default is not _MISSING:
        return field.default
    if field.default_factory is not _MISSING:  # type: ignore[misc]
        return field.default_factory()  # type: ignore[misc]
    return _MISSING


def _flag_words(flag: str, value: Any) -> list[str]:
    if "/" in flag:  # --on/--off pair
        on, off = flag.split("/", 1)
        return [on if value else off]
    if isinstance(value, bool):
        return [flag] if value else []
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [w for key, item in value.items() for w in (flag, f"{key}={render_value(item)}")]
    if isinstance(value, (tuple, list)):
        return [w for item in value for w in (flag, render_value(item))]
    return [flag, render_value(value)]


_PATH_TYPES = ("Path", "Path | None", "Optional[Path]")


class Request:
    """Base of every stage request (subclasses are frozen dataclasses).

    ``verb`` is the command path (``("datasets", "verify")``).  Positional fields come first, in field
    order, then the options in field order.  Values get one spelling each, so that a request equals the
    one its command line parses into: a list becomes a tuple, and a string given to a field typed ``Path``
    (or ``Path | None``) becomes a ``Path``.  A subclass with its own ``__post_init__`` calls
    ``super().__post_init__()`` to keep this.
    """

    verb: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, list):
                object.__setattr__(self, field.name, tuple(value))
            elif isinstance(value, str) and str(field.type).replace("pathlib.", "") in _PATH_TYPES:
                object.__setattr__(self, field.name, Path(value))

    def to_argv(self) -> list[str]:
        positional: list[str] = []
        options: list[str] = []
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            meta = field.metadata
            value = getattr(self, field.name)
            render = meta.get("render")
            if meta.get("positional"):
                if render is not None:
                    positional += render(value)
                elif isinstance(value, (tuple, list)):
                    positional += [render_value(v) for v in value]
                elif value is not None:
                    positional.append(render_value(value))
                continue
            flag = meta.get("flag")
            if flag is None:
                continue
            default = _default_of(field)
            if not meta.get("always") and default is not _MISSING and value == default:
                continue
            options += render(value) if render is not None else _flag_words(flag, value)
        return [*self.verb, *positional, *options]

    def shell_line(self) -> str:
        return shell_line(self.to_argv())
