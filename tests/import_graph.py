"""The import graph of ``nlbench`` and ``nlbench_trackers`` (``trackers/``), read with ``ast``; nothing is imported.

One node per module, one :class:`Edge` per import statement that names another module of the two packages,
wherever the statement stands: at module level, inside ``if``/``try``/``with`` blocks, and inside functions
and methods (``deferred``: it runs on the first call, but it is a dependency all the same). Only imports under
``if TYPE_CHECKING:`` are left out: they never run, they name a type for the checker.

What a statement reaches:

- ``import a.b.c`` runs the packages ``a`` and ``a.b`` and the module ``a.b.c``: an edge to each;
- ``from a.b import c`` runs ``a`` and ``a.b``; then ``c`` is the submodule ``a.b.c`` if there is one (an edge to
  it), else a name defined by ``a/b/__init__.py``;
- a module's own packages are running already when it is imported, so ``from a.b import c`` inside
  ``a/b/x.py`` is an edge to ``a.b.c`` alone; but a name taken from the own package's ``__init__``
  (``from a.b import some_function``) is an edge to ``a.b``: that is the cycle a package's ``__init__``
  closes with its own submodules.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: package name -> folder, as setup.py installs them.
PACKAGES = {"nlbench": REPO / "nlbench", "nlbench_trackers": REPO / "trackers"}


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str
    path: str  # the importing file, relative to the repository
    line: int
    deferred: bool  # inside a function: runs on first call

    def where(self) -> str:
        return f"{self.path}:{self.line}{' (inside a function)' if self.deferred else ''}"


def _module_name(package: str, folder: Path, path: Path) -> str:
    parts = [package, *path.relative_to(folder).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement that can run, with whether it sits inside a function."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
    pending: list[tuple[ast.AST, bool]] = [(tree, False)]
    while pending:
        node, deferred = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, deferred))
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending += [(child, deferred) for child in node.orelse]
            continue
        inside = deferred or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        pending += [(child, inside) for child in ast.iter_child_nodes(node)]
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def modules(packages: dict[str, Path] = PACKAGES) -> dict[str, Path]:
    return {
        _module_name(package, folder, path): path
        for package, folder in packages.items()
        for path in sorted(folder.rglob("*.py"))
    }


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: dict[str, Path]) -> set[str]:
    own = set(_ancestors(module))
    reached: set[str] = set()

    def run(name: str) -> None:  # importing `name` initialises its packages first
        reached.update(a for a in (*_ancestors(name), name) if a not in own)

    if isinstance(node, ast.Import):
        for alias in node.names:
            run(alias.name)
        return reached & known.keys()
    base = node.module or ""
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    run(base)
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in known:
            run(submodule)
        else:
            reached.add(base)  # a name the package's own __init__ defines
    return (reached - {module}) & known.keys()


def import_edges(packages: dict[str, Path] = PACKAGES) -> list[Edge]:
    known = modules(packages)
    edges: set[Edge] = set()
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        try:
            shown = str(path.relative_to(REPO))
        except ValueError:  # a synthetic tree (the checker's own tests)
            shown = str(path)
        for node, deferred in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, module, is_package, known):
                edges.add(Edge(module, target, shown, node.lineno, deferred))
    return sorted(edges)


def graph(edges: list[Edge]) -> dict[str, dict[str, Edge]]:
    """source -> target -> the first statement (module-level ones before deferred ones) that makes the edge."""
    out: dict[str, dict[str, Edge]] = {}
    for edge in sorted(edges, key=lambda e: (e.deferred, e.path, e.line)):
        out.setdefault(edge.source, {}).setdefault(edge.target, edge)
        out.setdefault(edge.target, {})
    return out


def strongly_connected(g: dict[str, dict[str, Edge]]) -> list[list[str]]:
    """The components with more than one module (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(g[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(components)


def shortest_cycle(g: dict[str, dict[str, Edge]], component: list[str]) -> list[Edge]:
    """A shortest cycle through the component's first module (breadth-first), as the edges that make it."""
    members = set(component)
    start = component[0]
    came_from: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, edge in sorted(g[node].items()):
                if target not in members:
                    continue
                if target == start:
                    cycle = [edge]
                    while cycle[0].source != start:
                        cycle.insert(0, came_from[cycle[0].source])
                    return cycle
                if target not in came_from:
                    came_from[target] = edge
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {component}")


def describe_cycles(edges: list[Edge]) -> list[str]:
    """One paragraph per cycle: the modules in it, and each import of a shortest cycle with its file and line."""
    g = graph(edges)
    out = []
    for component in strongly_connected(g):
        cycle = shortest_cycle(g, component)
        lines = [f"cycle of {len(component)} modules ({', '.join(component)}); a shortest loop:"]
        lines += [f"  {e.source} -> {e.target}   {e.where()}" for e in cycle]
        out.append("\n".join(lines))
    return out
