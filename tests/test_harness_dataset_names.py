"""The harness never names a dataset: it reads the plugin's fields and branches on ``plugin.kind``.

Rule (issue 14): in ``nlbench/eval``, ``nlbench/report``, ``nlbench/cli`` and ``nlbench/store`` no string
literal in the code and no Jinja template may contain a registered dataset's name or display name as a
whole word.  What is checked is what code can compare, pass or print: every ``str`` constant and every
literal part of an f-string, and the whole text of every template.  Allowed, because they are clearly not
references to a dataset:

- docstrings and comments (documentation for people, e.g. CLI help examples ``--dataset NAME``; they cannot
  steer behaviour);
- registered evaluation protocols' names and descriptions (``lasot-matlab``, "official LaSOT MATLAB
  toolkit ..."): a protocol is named after the official toolkit that defines its rules and applies to
  any dataset.

Dataset-specific values (the embedded benchmark's name, the default grounding dataset) come from the
dataset package (``nlbench.datasets``), which owns them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import nlbench
from nlbench.eval.protocols import PROTOCOLS
from nlbench.core.registry import dataset_names, get_dataset

HARNESS = ("eval", "report", "cli", "store")
PACKAGE = Path(nlbench.__file__).parent


def _forbidden_words() -> set[str]:
    words = set()
    for name in dataset_names():
        plugin = get_dataset(name)
        words |= {plugin.name, plugin.label, plugin.reported_key}
    return words


def _pattern(words: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


def _without_protocol_names(text: str) -> str:
    if text in {p.description for p in PROTOCOLS.values()}:
        return ""
    for name in sorted(PROTOCOLS, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


def literal_hits(source: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """(line, literal) of every non-docstring string constant that names a dataset."""
    tree = ast.parse(source)
    docstrings = _docstring_nodes(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if pattern.search(_without_protocol_names(node.value)):
                hits.append((node.lineno, node.value))
    return hits


def test_the_rule_catches_what_it_should():
    pattern = _pattern({"lasot", "LaSOT", "otb99"})
    code = '''
"""Module doc: nlbench eval --dataset lasot is fine here."""
def f(dataset):
    """So is lasot here."""
    # and here: lasot
    if dataset == "lasot":
        return f"results/{dataset}/otb99.json"
    return ("lasot-matlab", "lasot_quirks", "LaSOTx", "auc_lasot")
'''
    assert literal_hits(code, pattern) == [(6, "lasot"), (7, "/otb99.json")]


def test_no_dataset_name_literal_in_the_harness():
    pattern = _pattern(_forbidden_words())
    found = []
    for package in HARNESS:
        for path in sorted((PACKAGE / package).rglob("*.py")):
            for line, literal in literal_hits(path.read_text(encoding="utf-8"), pattern):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {literal!r}")
        for path in sorted((PACKAGE / package).rglob("*.j2")):
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(_without_protocol_names(text)):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {text.strip()}")
    assert not found, "dataset names in the harness (use the plugin's fields):\n" + "\n".join(found)


@pytest.mark.parametrize("name", ["lasot", "lasot_ext", "tnl2k", "otb99", "refcocog", "synth"])
def test_every_builtin_declares_its_metadata(name):
    plugin = get_dataset(name)
    assert plugin.label and plugin.reported_key and plugin.kind in ("tracking", "grounding")
    assert (plugin.kind == "tracking") == bool(plugin.attributes)  # every tracking benchmark has attributes
