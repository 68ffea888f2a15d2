"""No import cycle within ``nlbench/``.

The graph has one node per module of the ``nlbench`` package and an edge A -> B for every import of B that
runs when A is imported: the imports at module level (inside ``if``/``try`` blocks too), not those under
``if TYPE_CHECKING:``.  ``import a.b.c`` / ``from a.b import c`` also initialise the packages ``a`` and ``a.b``,
so the edge goes to each of those packages as well, except to A's own ancestors (a submodule importing
from its own package while that package imports it is how packages work, not a cycle).

Imports inside functions are not edges: they run after every module has finished loading, so they cannot
meet a half-initialised module.  They are the sanctioned way for a low layer to reach a higher one lazily
(e.g. ``nlbench.datasets`` calling the registry); the module-level graph must be acyclic.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nlbench

ROOT = Path(nlbench.__file__).parent


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports executed at import time: module body, descending into if/try/with but not defs or TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            pending += node.orelse if _is_type_checking(node) else node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        elif isinstance(node, ast.With):
            pending += node.body
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: list[str] = []
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets += [alias.name for alias in node.names]
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets.append(base)
            targets += [f"{base}.{alias.name}" for alias in node.names]  # names that are submodules
        own = set(_ancestors(module))
        for target in targets:
            for name in (*_ancestors(target), target):
                if name in modules and name != module and name not in own:
                    graph[module].add(name)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_checker_finds_a_cycle_through_a_package(tmp_path):
    pkg = tmp_path / "nlbench"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from nlbench.sub.b import x\n")
    (pkg / "sub" / "__init__.py").write_text("from nlbench.sub.b import x\n")
    (pkg / "sub" / "b.py").write_text(
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import nlbench.a\n"
        "def f():\n    import nlbench.a\n"
        "x = 1\n"
    )
    assert find_cycles(import_graph(pkg)) == []  # TYPE_CHECKING and function-level imports are not edges
    (pkg / "c.py").write_text("from . import a\n")
    (pkg / "sub" / "b.py").write_text("try:\n    from nlbench import c\nexcept ImportError:\n    pass\nx = 1\n")
    assert find_cycles(import_graph(pkg)) == [["nlbench.a", "nlbench.c", "nlbench.sub", "nlbench.sub.b"]]


def test_no_import_cycle_in_nlbench():
    cycles = find_cycles(import_graph())
    assert not cycles, "module-level import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)
