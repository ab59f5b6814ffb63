"""The package layering: every import points down the stack, never up or around.

    core <- lang <- compiler <- profile <- vm <- jit <- records <- session <- front ends

A module may import its own package and the packages below it. Front ends
(tui, repl, scripting, cli and the text views) sit on the Session; among them
the only rule is that their imports form no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ruffdbg"
LAYERS = ["core", "lang", "compiler", "profile", "vm", "jit", "records", "session"]
FRONT = len(LAYERS)   # everything else: cli, tui, repl, scripting, textviews, bench, harness


def unit_of(module: str) -> str:
    """The layer unit a module belongs to: its first name under ruffdbg."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def rank(unit: str) -> int:
    return LAYERS.index(unit) if unit in LAYERS else FRONT


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every ruffdbg module ``path`` imports, at any depth (lazy imports count too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
    return {module for module in found if module.startswith("ruffdbg.")}


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_no_import_points_up_the_layers():
    upward = [
        f"{module} ({unit_of(module)}) imports {target} ({unit_of(target)})"
        for module, targets in import_graph().items()
        for target in targets
        if rank(unit_of(target)) > rank(unit_of(module))
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_packages_import_each_other_without_cycles():
    edges: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        for target in targets:
            if unit_of(target) != unit_of(module):
                edges.setdefault(unit_of(module), set()).add(unit_of(target))
    cycles = []

    def visit(unit: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(unit, ())):
            if nxt in path:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif len(path) < len(edges) + 1:
                visit(nxt, path + [nxt])

    for unit in sorted(edges):
        visit(unit, [unit])
    assert not cycles, "package cycles:\n" + "\n".join(sorted(set(cycles)))


def test_core_imports_nothing_else_of_ruffdbg():
    graph = import_graph()
    outside = {f"{module} imports {target}" for module, targets in graph.items() if unit_of(module) == "core"
               for target in targets if unit_of(target) != "core"}
    assert not outside


@pytest.mark.parametrize("module, target, expected", [
    ("ruffdbg.vm.interpreter", "ruffdbg.jit.runtime", True),
    ("ruffdbg.jit.manager", "ruffdbg.vm.interpreter", False),
    ("ruffdbg.tui.app", "ruffdbg.session", False),
])
def test_the_rule_itself(module, target, expected):
    assert (rank(unit_of(target)) > rank(unit_of(module))) is expected
