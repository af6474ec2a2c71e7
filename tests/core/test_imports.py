"""The package's layering, read from the source with ``ast``: no import cycles, no upward imports.

Every ``import`` counts, also one inside a function or under ``if TYPE_CHECKING:``: a late
import hides a cycle from the interpreter, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dialogue"

#: the bottom layer: the bus vocabulary, the bus, and domains (what a bot is, as read from YAML)
BOTTOM = ("dialogue.messages", "dialogue.bus", "dialogue.domain")
#: what the bottom layer may use besides itself: name lookup and its table of built-in names
FOUNDATION = ("dialogue.registry", "dialogue.builtins")
#: edges kept on purpose, each with why; anything else that closes a cycle fails
ALLOWED_CYCLE_EDGES = {
    # `Bot.from_domain` (published API) builds through `assemble`, which constructs a `Bot`
    ("dialogue.pipeline", "dialogue.assembly"),
}


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = module_names()


def _owner(name: str) -> str | None:
    """The module of ours that ``name`` (a module or ``module.attr``) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> dict[str, int]:
    """Modules of the package that ``module`` imports → the first line doing so."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            owner = _owner(target)
            if owner is not None and owner != module:
                found.setdefault(owner, node.lineno)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
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
                    work.append((child, iter(sorted(graph[child]))))
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
                    found.append(sorted(component))
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_walk_sees_the_package() -> None:
    assert {"dialogue.pipeline", "dialogue.domain.loader", "dialogue.bus.redis"} <= set(MODULES)
    assert "dialogue.domain.loader" in GRAPH["dialogue.domain"]  # `from x import y` and relative imports resolve
    assert "dialogue.messages" in GRAPH["dialogue.bus.base"]


def test_no_import_cycles() -> None:
    graph = {m: {t for t in targets if (m, t) not in ALLOWED_CYCLE_EDGES} for m, targets in GRAPH.items()}
    described = [
        " ⇄ ".join(component) + ": " + "; ".join(
            f"{a} → {b} (line {GRAPH[a][b]})" for a in component for b in component if b in graph[a])
        for component in cycles(graph)
    ]
    assert described == []


def test_allowed_cycle_edges_are_still_needed() -> None:
    """An allowance outlives its reason only by mistake: each must still close a cycle."""
    for source, target in ALLOWED_CYCLE_EDGES:
        assert target in GRAPH[source], f"{source} no longer imports {target}: drop the allowance"
        assert any(source in component and target in component for component in cycles(
            {m: set(t) for m, t in GRAPH.items()})), f"{source} → {target} no longer closes a cycle: drop it"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, BOTTOM)))
def test_the_bottom_layer_imports_nothing_above_it(module: str) -> None:
    upward = {t: line for t, line in GRAPH[module].items() if not _within(t, BOTTOM + FOUNDATION)}
    assert upward == {}, f"{module} imports from above the domain/messages/bus layer"


def test_the_foundation_stays_at_the_bottom() -> None:
    """The registry is the bottom layer's one way up (components named as strings); it imports no component."""
    for module in FOUNDATION:
        assert set(GRAPH[module]) <= set(FOUNDATION), module


def test_a_cycle_and_an_upward_import_are_caught() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    late = ast.parse("def f():\n    from dialogue.nlu.base import NLUComponent\n")
    lines = [n for n in ast.walk(late) if isinstance(n, ast.ImportFrom)]
    assert _owner(lines[0].module or "") == "dialogue.nlu.base"
    assert not _within("dialogue.nlu.base", BOTTOM + FOUNDATION)
