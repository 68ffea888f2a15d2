"""No import cycle in ``nlbench`` or ``nlbench_trackers``, imports inside functions and packages' own ``__init__`` included.

The graph (:mod:`tests.import_graph`) has an edge for every import statement that can run, at module level or
inside a function: a deferred import is a dependency as much as any other, and a cycle through one is a module
reaching a layer above its own (the layers themselves: ``tests/test_layers.py``). Only ``if TYPE_CHECKING:``
imports are left out (they never run). A submodule importing a sibling through its package
(``from a.b import c`` in ``a/b/x.py``) is no edge to ``a.b``; taking a name that ``a/b/__init__.py`` defines is,
and closes a cycle when that ``__init__`` imports the submodule. A failure prints each cycle as the imports of
a shortest loop, file and line each.
"""

from __future__ import annotations

from pathlib import Path

from tests.import_graph import describe_cycles, graph, import_edges, strongly_connected


def _tree(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {"pkg": root / "pkg"}


def _cycles(packages: dict[str, Path]) -> list[list[str]]:
    return strongly_connected(graph(import_edges(packages)))


def test_type_checking_and_sibling_imports_are_no_cycle(tmp_path):
    packages = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.sub.b import x\n",
        "pkg/sub/__init__.py": "from pkg.sub.b import x\n",
        "pkg/sub/b.py": (
            "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    import pkg.a\n"
            "from pkg.sub import c\n"  # a sibling through the own package: an edge to pkg.sub.c only
            "x = 1\n"
        ),
        "pkg/sub/c.py": "",
    })
    assert _cycles(packages) == []


def test_a_deferred_import_closes_a_cycle(tmp_path):
    packages = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/low.py": "def f():\n    from pkg.high import g\n    return g\n",
        "pkg/high.py": "from pkg.low import f\ndef g():\n    return f\n",
    })
    assert _cycles(packages) == [["pkg.high", "pkg.low"]]
    (text,) = describe_cycles(import_edges(packages))
    low, high = tmp_path / "pkg" / "low.py", tmp_path / "pkg" / "high.py"
    assert text == (
        "cycle of 2 modules (pkg.high, pkg.low); a shortest loop:\n"
        f"  pkg.high -> pkg.low   {high}:1\n"
        f"  pkg.low -> pkg.high   {low}:2 (inside a function)"
    )


def test_a_name_from_the_own_package_init_is_a_cycle(tmp_path):
    packages = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/report/__init__.py": "from pkg.report.writer import write\nVERSION = 1\n",
        "pkg/report/writer.py": "def write():\n    from pkg.report import VERSION\n    return VERSION\n",
    })
    assert _cycles(packages) == [["pkg.report", "pkg.report.writer"]]


def test_reaching_a_package_runs_its_init(tmp_path):
    # pkg.eval's __init__ imports x, x imports pkg.store.y (running pkg/store/__init__.py), which imports
    # pkg.eval.z (running pkg/eval/__init__.py): a cycle through both packages' __init__ files
    packages = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/eval/__init__.py": "from pkg.eval.x import v\n",
        "pkg/eval/x.py": "from pkg.store.y import v\n",
        "pkg/eval/z.py": "w = 1\n",
        "pkg/store/__init__.py": "try:\n    from pkg.eval.z import w\nexcept ImportError:\n    pass\n",
        "pkg/store/y.py": "v = 1\n",
    })
    assert _cycles(packages) == [["pkg.eval", "pkg.eval.x", "pkg.store"]]


def test_no_import_cycle():
    cycles = describe_cycles(import_edges())
    assert not cycles, "import cycles (imports inside functions count; see docs/ARCHITECTURE.md, Import layers):\n" + "\n".join(cycles)
