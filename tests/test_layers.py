"""Imports run one way: every module of `openpcn` imports only its own layer or a lower one, and
no two packages import each other (lazy imports inside functions count too).

The layers, lowest first, are written in `LAYERS` below: a new package or top-level module must
be placed there before the suite passes, which is where its author decides what it may import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import openpcn

PACKAGE = Path(openpcn.__file__).parent

# Lowest first. A unit is a sub-package of openpcn (`orgs`) or a top-level module (`codes`).
LAYERS: list[tuple[str, set[str]]] = [
    # Identifier rules, errors, settings, shipped data, CSV text, Vega-Lite spec helpers and the
    # report's figure types: what every layer may use.
    (
        "foundation",
        {
            "__init__",
            "exceptions",
            "config",
            "codes",
            "exports",
            "figures",
            "vega",
            "progress",
            "data",
        },
    ),
    # The warehouse schema and connection, and the app database.
    ("store", {"store"}),
    # Readers of published files and the synthetic population: both write the store's tables.
    ("sources and synth", {"sources", "synth"}),
    # What OpenPCN computes; capabilities may use each other, but never in a cycle.
    (
        "capabilities",
        {
            "orgs",
            "quality",
            "funding",
            "workforce",
            "cohorts",
            "formation",
            "evaluation",
            "prevalence",
            "access",
        },
    ),
    # Orchestration over the capabilities: the default warehouse and imports, and the ICS report.
    ("orchestration", {"build", "reports"}),
    # What people use: the command line and the web app.
    ("surfaces", {"cli", "web", "__main__"}),
]

LAYER_OF = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}
NAME_OF = {rank: name for rank, (name, _) in enumerate(LAYERS)}


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import of an openpcn module, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from openpcn import orgs` imports the package orgs, not openpcn itself.
                yield (f"{base}.{alias.name}" if base == "openpcn" else base), node.lineno
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield str(node.args[0].value), node.lineno


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "openpcn":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def edges() -> list[tuple[str, str, str, int]]:
    """(importing unit, imported unit, file, line) for imports that cross units."""
    found = []
    for module, path in modules():
        source = unit_of(module)
        for target_module, line in imported(module, path):
            target = unit_of(target_module)
            if target is not None and source is not None and target != source:
                found.append((source, target, str(path.relative_to(PACKAGE)), line))
    return found


def test_every_package_and_top_level_module_has_a_layer():
    units = {unit_of(module) for module, _ in modules()}
    unplaced = sorted(u for u in units if u not in LAYER_OF)
    assert not unplaced, f"place these in tests/test_layers.py LAYERS: {unplaced}"


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{file}:{line} ({source}, {NAME_OF[LAYER_OF[source]]}) imports {target} "
        f"({NAME_OF[LAYER_OF[target]]})"
        for source, target, file, line in edges()
        if source in LAYER_OF and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[source]
    ]
    assert not upward, "\n".join(upward)


def test_no_two_packages_import_each_other():
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], str] = {}
    for source, target, file, line in edges():
        graph.setdefault(source, set()).add(target)
        where.setdefault((source, target), f"{file}:{line}")
    cycles = [
        f"{a} <-> {b}: {where[(a, b)]} and {where[(b, a)]}"
        for a in graph
        for b in graph[a]
        if a < b and a in graph.get(b, set())
    ]
    assert not cycles, "\n".join(cycles)
    assert not _longer_cycle(graph), _longer_cycle(graph)


def _longer_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle through three or more packages, if any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_only_the_entry_points_import_the_web_app():
    """Route modules and the web kit never import `openpcn.web.app` (datasette's rule: views
    render through one base and never import the app)."""
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for module, path in modules()
        for target, line in imported(module, path)
        if target == "openpcn.web.app" and not module.startswith("openpcn.cli")
    ]
    assert not offenders, offenders


@pytest.mark.parametrize(
    ("module", "code", "expected"),
    [
        ("openpcn.orgs.summary", "from openpcn.web import app", ["openpcn.web"]),
        ("openpcn.orgs.summary", "from openpcn import web", ["openpcn.web"]),
        ("openpcn.orgs.summary", "from . import hierarchy", ["openpcn.orgs"]),
        ("openpcn.orgs", "from .summary import x", ["openpcn.orgs.summary"]),
        ("openpcn.cli.orgs", "def f():\n    import openpcn.web.app", ["openpcn.web.app"]),
        ("openpcn.x", "importlib.import_module('openpcn.web')", ["openpcn.web"]),
    ],
)
def test_the_walk_sees_every_kind_of_import(tmp_path, module, code, expected):
    path = tmp_path / ("__init__.py" if module == "openpcn.orgs" else "m.py")
    path.write_text(code)
    assert [name for name, _ in imported(module, path)] == expected
