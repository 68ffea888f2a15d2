"""The harness never names a plugin: it reads the plugin's fields and branches on ``plugin.kind``.

Rule (issues 14 and 24): nowhere in ``nlbench/`` may a string literal in the code or a Jinja template contain a
registered dataset's name, display name or reported key, or a registered tracker's name, as a whole word. The
only exemption is a dataset plugin's own module: the module an ``nlbench.datasets`` entry point names
(``nlbench/datasets/lasot.py``) or the package it sits in (``nlbench/datasets/synth/``); a plugin may name
itself. What is checked is what code can compare, pass or print: every ``str`` constant and every literal part
of an f-string, and the whole text of every template. Allowed, because they are clearly not references to a
plugin:

- docstrings and comments (documentation for people, e.g. CLI help examples ``--dataset NAME``; they cannot
  steer behaviour);
- registered evaluation protocols' names and descriptions (``lasot-matlab``, "official LaSOT MATLAB
  toolkit ..."; ``jointnlt``, the rules of JointNLT's analysis code): a protocol is named after the toolkit that
  defines its rules and applies to any dataset and tracker.

Defaults that single out one plugin (the grounding dataset ``nlbench ground`` reads, the dataset a tracker trains
on) come from plugin metadata, not from a constant in the harness.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from importlib.metadata import entry_points

import nlbench
from nlbench.core.registry import DATASET_GROUP, TRACKER_GROUP, dataset_names, get_dataset, names
from nlbench.eval.protocols import PROTOCOLS

PACKAGE = Path(nlbench.__file__).parent


def _forbidden_words() -> set[str]:
    words = set(names(TRACKER_GROUP))
    for name in dataset_names():
        plugin = get_dataset(name)
        words |= {plugin.name, plugin.label, plugin.reported_key}
    return words


def dataset_plugin_paths() -> set[Path]:
    """The files and folders of the dataset plugins' own modules (those below ``nlbench/datasets/``)."""
    paths = set()
    for ep in entry_points(group=DATASET_GROUP):
        parts = ep.value.partition(":")[0].split(".")
        if parts[:2] == ["nlbench", "datasets"] and len(parts) > 2:
            folder = PACKAGE / "datasets" / parts[2]
            paths.add(folder if folder.is_dir() else folder.with_suffix(".py"))
    return paths


def harness_files(suffix: str) -> list[Path]:
    exempt = dataset_plugin_paths()
    return [
        path for path in sorted(PACKAGE.rglob(f"*{suffix}"))
        if not any(path == e or e in path.parents for e in exempt)
    ]


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
    for path in harness_files(".py"):
        for line, literal in literal_hits(path.read_text(encoding="utf-8"), pattern):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {literal!r}")
    for path in harness_files(".j2"):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(_without_protocol_names(text)):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {text.strip()}")
    assert not found, "plugin names in the harness (use the plugin's fields or metadata):\n" + "\n".join(found)


def test_only_the_dataset_plugins_own_modules_are_exempt():
    exempt = {str(p.relative_to(PACKAGE)) for p in dataset_plugin_paths()}
    assert {"datasets/lasot.py", "datasets/tnl2k.py", "datasets/otb99.py", "datasets/refcocog.py",
            "datasets/synth"} <= exempt
    assert not exempt & {"datasets/__init__.py", "datasets/base.py", "datasets/verify.py", "datasets/frames.py"}
    checked = {str(p.relative_to(PACKAGE)) for p in harness_files(".py")}
    assert {"datasets/__init__.py", "datasets/base.py", "core/registry.py", "run/runner.py", "profile/macs.py",
            "experiment/plan.py"} <= checked
    assert not any(c.startswith(("datasets/synth/", "datasets/lasot")) for c in checked)


@pytest.mark.parametrize("name", ["lasot", "lasot_ext", "tnl2k", "otb99", "refcocog", "synth"])
def test_every_builtin_declares_its_metadata(name):
    plugin = get_dataset(name)
    assert plugin.label and plugin.reported_key and plugin.kind in ("tracking", "grounding")
    assert (plugin.kind == "tracking") == bool(plugin.attributes)  # every tracking benchmark has attributes
