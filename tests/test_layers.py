"""The import graph of the code points down only, and has no cycle.

Layers, bottom up: ``resources`` (storage, calendar, schemas, sources, models: knows nothing
of Dagster assets or automation), ``assets`` and ``service`` (both built on resources; the
service never imports assets), ``sensors`` (jobs, schedules, sensors over the assets), then
``definitions.py`` at the top. The graph is drawn with ``ast`` over every module of the
packages, imports inside functions included (a lazy import is still an arrow).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"resources": 0, "assets": 1, "service": 1, "sensors": 2, "definitions": 3}
# Same-level packages that must still not see each other.
FORBIDDEN = {("service", "assets"), ("assets", "service")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {"definitions": ROOT / "definitions.py"}
    for package in LAYERS:
        folder = ROOT / package
        if folder.is_dir():
            found |= {_module_name(p): p for p in folder.rglob("*.py")}
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module ``name`` stands for: itself, or its nearest enclosing package."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (``from pkg import sub`` counts ``pkg.sub``)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                # ``from pkg import sub`` imports pkg.sub; ``from pkg import name``, pkg itself
                names = [
                    full if _resolve(full := f"{base}.{alias.name}", modules) == full else base
                    for alias in node.names
                ]
            else:
                continue
            for name in names:
                target = _resolve(name, modules) if name.split(".")[0] in LAYERS else None
                if target and target != module:
                    targets.add(target)
        graph[module] = targets
    return graph


def _layer(module: str) -> str:
    return module.split(".")[0]


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in graph.items():
        for target in targets:
            a, b = _layer(source), _layer(target)
            if LAYERS[b] > LAYERS[a] or (a, b) in FORBIDDEN:
                wrong.append(f"{source} -> {target}")
    return sorted(wrong)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_drawn_over_every_layer():
    graph = import_graph()
    assert {_layer(m) for m in graph} == set(LAYERS)
    # the graph sees real arrows: assets use the storage API, sensors the jobs
    assert "resources.storage" in graph["resources.lake_io"]
    assert any(t.startswith("resources.") for t in graph["assets.raw"])


def test_no_import_points_up_a_layer():
    assert upward_arrows(import_graph()) == []


def test_no_import_cycle():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "up", "cyclic"),
    [
        ({"resources.a": {"assets.b"}, "assets.b": set()}, ["resources.a -> assets.b"], []),
        ({"assets.a": {"assets.b"}, "assets.b": {"assets.a"}}, [], [["assets.a", "assets.b"]]),
        ({"sensors.a": {"assets.b"}, "assets.b": {"resources.c"}, "resources.c": set()}, [], []),
        ({"service.a": {"assets.b"}, "assets.b": set()}, ["service.a -> assets.b"], []),
    ],
)
def test_the_checks_see_a_wrong_arrow(graph, up, cyclic):
    assert upward_arrows(graph) == up
    assert cycles(graph) == cyclic
