"""Every import goes down or sideways in the layer list of docs/ARCHITECTURE.md ("Import layers").

The two tables of that section are the rules; this test reads them (so the document and the check cannot drift
apart) and walks every import statement of ``nlbench`` and ``nlbench_trackers``, those inside functions too
(:mod:`tests.import_graph`). A failure names the file and line of each import that breaks a rule, the two
modules, their layers and the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import entry_points

import pytest

from tests.import_graph import PACKAGES, REPO, Edge, import_edges, modules

DOC = REPO / "docs" / "ARCHITECTURE.md"
HARNESS, PLUGINS = PACKAGES  # "nlbench", "nlbench_trackers"


@dataclass(frozen=True)
class Layers:
    """Ranks: harness layers 0.. bottom to top; plugin layers their own ranks 0..; ``plugin_reach``: the top
    harness layer plugins may import."""

    harness: dict[str, tuple[int, str]]  # entry -> (rank, layer name)
    plugins: dict[str, tuple[int, str]]
    harness_names: list[str]
    plugin_reach: int

    def place(self, module: str) -> tuple[bool, int, str] | None:
        """(is a plugin, rank, layer name) of the most specific entry covering ``module``; None if none does."""
        table = self.plugins if module.split(".")[0] == PLUGINS else self.harness
        best: tuple[tuple[int, int], int, str] | None = None
        for entry, (rank, name) in table.items():
            wildcard = entry.endswith(".*")
            base = entry[:-2] if wildcard else entry
            covers = module.startswith(base + ".") if wildcard else (module == base or module.startswith(base + "."))
            if covers:
                specificity = (base.count(".") + (1 if wildcard else 0), 0 if wildcard else 1)
                if best is None or specificity > best[0]:
                    best = (specificity, rank, name)
        return None if best is None else (table is self.plugins, best[1], best[2])


def _table_rows(text: str) -> list[tuple[str, list[str]]]:
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and line.lstrip().startswith("|") and not set(cells[0]) <= set("-: "):
            rows.append((cells[0], re.findall(r"`([A-Za-z_.*]+)`", cells[1])))
    return rows


def parse_layers(markdown: str) -> Layers:
    match = re.search(r"^## Import layers\n(.*?)(?=^## |\Z)", markdown, flags=re.S | re.M)
    assert match, f"{DOC}: no '## Import layers' section"
    section = match.group(1)
    tables = re.findall(r"((?:^\|.*\n)+)", section, flags=re.M)
    assert len(tables) == 2, f"{DOC}: the Import layers section must hold two tables (harness, plugins)"
    harness_rows = [(n, e) for n, e in _table_rows(tables[0]) if e]
    plugin_rows = [(n, e) for n, e in _table_rows(tables[1]) if e]
    harness = {entry: (rank, name) for rank, (name, entries) in enumerate(harness_rows) for entry in entries}
    plugins = {entry: (rank, name) for rank, (name, entries) in enumerate(plugin_rows) for entry in entries}
    reach = re.search(r"Plugins import the harness up to the `(\w+)` layer", section)
    assert reach, f"{DOC}: the section must say 'Plugins import the harness up to the `LAYER` layer'"
    names = [n for n, _ in harness_rows]
    assert reach.group(1) in names, f"{DOC}: plugins reach '{reach.group(1)}', which is not a harness layer"
    return Layers(harness, plugins, names, names.index(reach.group(1)))


def dataset_plugin_modules() -> set[str]:
    """The modules the ``nlbench.datasets`` entry points name, and the packages a named module sits in
    below ``nlbench.datasets`` (``nlbench.datasets.synth``)."""
    found = set()
    for ep in entry_points(group="nlbench.datasets"):
        module = ep.value.partition(":")[0]
        parts = module.split(".")
        if module.startswith(f"{HARNESS}.datasets."):
            found.add(".".join(parts[:3]))  # the dataset's own module or package
    return found


def _within(module: str, packages: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def broken_rules(edges: list[Edge], layers: Layers, dataset_plugins: set[str]) -> list[str]:
    found = []
    for edge in edges:
        source, target = layers.place(edge.source), layers.place(edge.target)
        if source is None or target is None:
            continue  # reported by test_every_module_has_a_layer
        (src_plugin, src_rank, src_name), (dst_plugin, dst_rank, dst_name) = source, target
        what = f"{edge.where()}: {edge.source} (layer {src_name}) imports {edge.target} (layer {dst_name})"
        if not src_plugin and dst_plugin:
            found.append(f"{what}: the harness never imports a plugin (reach it through the registry's entry points)")
        elif src_plugin and not dst_plugin and dst_rank > layers.plugin_reach:
            reach = layers.harness_names[layers.plugin_reach]
            found.append(f"{what}: plugins import the harness only up to the {reach} layer")
        elif src_plugin == dst_plugin and dst_rank > src_rank:
            found.append(f"{what}: a module imports only its own layer or the layers below it")
        elif not src_plugin and _within(edge.target, dataset_plugins) and not _within(edge.source, {f"{HARNESS}.datasets"}):
            found.append(f"{what}: only nlbench.datasets imports a dataset plugin's own module "
                         "(the harness reads the plugin's fields through nlbench.core.registry)")
    return found


@pytest.fixture(scope="module")
def layers() -> Layers:
    return parse_layers(DOC.read_text(encoding="utf-8"))


def test_every_module_has_a_layer(layers):
    unplaced = sorted(m for m in modules() if layers.place(m) is None)
    assert not unplaced, f"modules in no layer of {DOC.name} (add their package to a table):\n" + "\n".join(unplaced)
    roots = {m.split(".")[1] for m in modules() if m.startswith(HARNESS + ".")}
    unnamed = sorted(r for r in roots if not any(e == f"{HARNESS}.{r}" for e in layers.harness))
    assert not unnamed, f"top-level parts of nlbench that {DOC.name} does not name (they would fall in core): {unnamed}"


def test_every_import_goes_down_or_sideways(layers):
    broken = broken_rules(import_edges(), layers, dataset_plugin_modules())
    assert not broken, f"imports that break the layers of {DOC.name}:\n" + "\n".join(broken)


_DOC = """## Import layers
| layer | packages |
|---|---|
| core | `nlbench`, `nlbench.core` |
| datasets | `nlbench.datasets` |
| stages | `nlbench.eval`, `nlbench.run` |
| cli | `nlbench.cli` |

Plugins import the harness up to the `datasets` layer.

| plugin layer | packages |
|---|---|
| base | `nlbench_trackers`, `nlbench_trackers.common` |
| models | `nlbench_trackers.*` |
| pipelines | `nlbench_trackers.separated` |
## Next
"""


def _edge(source: str, target: str, deferred: bool = False) -> Edge:
    return Edge(source, target, source.replace(".", "/") + ".py", 7, deferred)


def test_the_rules_catch_what_they_should():
    layers = parse_layers(_DOC)
    assert layers.place("nlbench.eval.scorer") == (False, 2, "stages")
    assert layers.place("nlbench") == (False, 0, "core")
    assert layers.place("nlbench_trackers.stark.plugin") == (True, 1, "models")  # the wildcard
    assert layers.place("nlbench_trackers.common.crop") == (True, 0, "base")  # named beats the wildcard
    assert layers.place("nlbench_trackers") == (True, 0, "base")
    assert layers.place("nlbench_trackers.separated") == (True, 2, "pipelines")
    assert layers.place("elsewhere.module") is None
    fine = [
        _edge("nlbench.cli.run", "nlbench.run.runner"),  # down
        _edge("nlbench.run.grounding", "nlbench.eval.grounding"),  # sideways
        _edge("nlbench.datasets.synth", "nlbench.datasets.tnl2k"),  # a dataset plugin inside nlbench.datasets
        _edge("nlbench_trackers.separated", "nlbench_trackers.stark.plugin"),
        _edge("nlbench_trackers.jointnlt.train_data", "nlbench.datasets.synth.scene"),  # plugin -> plugin
    ]
    assert broken_rules(fine, layers, {"nlbench.datasets.synth", "nlbench.datasets.tnl2k"}) == []
    wrong = [
        _edge("nlbench.datasets.base", "nlbench.eval.scorer", deferred=True),
        _edge("nlbench.core.registry", "nlbench_trackers.separated", deferred=True),
        _edge("nlbench_trackers.common.plugin", "nlbench_trackers.stark.variants"),
        _edge("nlbench_trackers.stark.plugin", "nlbench.eval.protocols"),
        _edge("nlbench.eval.attributes", "nlbench.datasets.synth.scene"),
    ]
    assert broken_rules(wrong, layers, {"nlbench.datasets.synth"}) == [
        "nlbench/datasets/base.py:7 (inside a function): nlbench.datasets.base (layer datasets) imports "
        "nlbench.eval.scorer (layer stages): a module imports only its own layer or the layers below it",
        "nlbench/core/registry.py:7 (inside a function): nlbench.core.registry (layer core) imports "
        "nlbench_trackers.separated (layer pipelines): the harness never imports a plugin (reach it through the "
        "registry's entry points)",
        "nlbench_trackers/common/plugin.py:7: nlbench_trackers.common.plugin (layer base) imports "
        "nlbench_trackers.stark.variants (layer models): a module imports only its own layer or the layers below it",
        "nlbench_trackers/stark/plugin.py:7: nlbench_trackers.stark.plugin (layer models) imports "
        "nlbench.eval.protocols (layer stages): plugins import the harness only up to the datasets layer",
        "nlbench/eval/attributes.py:7: nlbench.eval.attributes (layer stages) imports nlbench.datasets.synth.scene "
        "(layer datasets): only nlbench.datasets imports a dataset plugin's own module (the harness reads the "
        "plugin's fields through nlbench.core.registry)",
    ]
