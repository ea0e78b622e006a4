"""The domain's modules import each other in one direction only, at the top of the file.

A cycle hidden by an import inside a function works until someone moves that import, and it makes
the order of the rules hard to follow. grimp builds the real import graph (function-level imports
included); the second test stops the next hidden import before it hides anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

import events_app

PACKAGE_DIR = Path(events_app.__file__).parent
# The command line defers its imports so that `events-app --help` answers at once; it is the
# entry point, not a module anything imports, so it cannot close a cycle.
DEFERRED_IMPORTS_ALLOWED = {"events_app.cli"}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("events_app", include_external_packages=False, cache_dir=None)


def _cycle_through(graph: grimp.ImportGraph, importer: str, imported: str) -> list[str] | None:
    """The modules of a cycle in which `importer` imports `imported`, or None."""
    back = graph.find_shortest_chain(importer=imported, imported=importer)
    return [importer, *back] if back else None


def test_no_module_of_the_app_takes_part_in_an_import_cycle():
    graph = _graph()
    cycles = set()
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            cycle = _cycle_through(graph, module, imported)
            if cycle:
                cycles.add(" -> ".join(cycle))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno}")
    return found


def test_domain_and_web_modules_import_at_the_top():
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if module not in DEFERRED_IMPORTS_ALLOWED:
            offenders += _function_level_imports(path)
    assert not offenders, "imports inside functions (move them to the top, or break the cycle they dodge):\n" + (
        "\n".join(offenders)
    )


def test_the_check_finds_a_cycle_when_there_is_one():
    graph = _graph()
    graph.add_import(importer="events_app.domain.tables", imported="events_app.domain.registrations")
    assert _cycle_through(graph, "events_app.domain.tables", "events_app.domain.registrations")
