"""The app's layout stays findable: no two modules with one name, no import cycles, development
tooling kept out of the product."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "obligations"
# Commands that run development tooling on purpose.
DEVTOOL_COMMANDS = {"bench", "seed_synthetic", "load_demo"}


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the app except migrations."""
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every import, in functions too (a cycle hidden in a function is still a cycle), but not the
    ones only type checkers see."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports(name: str, path: Path) -> set[str]:
    """The app modules ``name`` imports, resolved to modules (``from .x import y`` is x.y when y is a
    module), including the packages Python runs first to reach them from outside."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names]
            names: list[str] = []
        else:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                bases = [".".join(base + ([node.module] if node.module else []))]
            else:
                bases = [node.module or ""]
            names = [alias.name for alias in node.names]
        for base in bases:
            hits = [f"{base}.{item}" for item in names if f"{base}.{item}" in MODULES]
            targets.update(hits or ([base] if base in MODULES else []))
    reached = set()
    for target in targets:
        parts = target.split(".")
        for end in range(2, len(parts) + 1):
            ancestor = ".".join(parts[:end])
            # Importing from outside a package runs its __init__ first; from inside, it is running.
            if ancestor == target or not (name == ancestor or name.startswith(ancestor + ".")):
                reached.add(ancestor)
    reached.discard(name)
    return {module for module in reached if module in MODULES}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_no_two_modules_share_a_name():
    by_name: dict[str, list[str]] = defaultdict(list)
    for name in MODULES:
        if name != "obligations":
            by_name[name.rpartition(".")[2]].append(name)
    assert {short: names for short, names in by_name.items() if len(names) > 1} == {}


def test_the_layout_check_sees_the_app():
    # Guards the two checks above and below against passing on an empty or misread tree.
    assert {"obligations.models.work", "obligations.roles", "obligations.reminders.jobs"} <= set(MODULES)
    assert "obligations.roles" in GRAPH["obligations.models.work"]
    assert "obligations.models" in GRAPH["obligations.light_window"]
    assert "obligations.workflow" in GRAPH["obligations.plans.review"]  # its package runs first


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
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


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function():
    source = {"a": "from . import b\n", "b": "def f():\n    from . import a\n"}
    graph = {
        name: {f"pkg.{node.names[0].name}" for node in _import_nodes(ast.parse(text))}
        for name, text in (("pkg." + key, value) for key, value in source.items())
    }
    assert _cycles(graph) == [["pkg.a", "pkg.b"]]


def test_the_product_does_not_import_devtools():
    allowed = {f"obligations.management.commands.{command}" for command in DEVTOOL_COMMANDS}
    offenders = {
        name: sorted(target for target in targets if target.startswith("obligations.devtools"))
        for name, targets in GRAPH.items()
        if not name.startswith("obligations.devtools") and name not in allowed
    }
    assert {name: targets for name, targets in offenders.items() if targets} == {}
