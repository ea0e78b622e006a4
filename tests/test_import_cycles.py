"""The domain's modules import each other in one direction only, at the top of the file.

A cycle hidden by an import inside a function works until someone moves that import, and it makes
the order of the rules hard to follow. grimp builds the real import graph (function-level imports
included); the second test stops the next hidden import before it hides anything.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

import events_app

PACKAGE_DIR = Path(events_app.__file__).parent
# The command line defers its imports so that `events-app --help` answers at once; it is the
# entry point, not a module anything imports, so it cannot close a cycle.
DEFERRED_IMPORTS_ALLOWED = {"events_app.cli"}
# Libraries (never the app's own modules, so no cycle can hide) a module may import inside a function:
# each is megabytes in every web process that loads it, for work few requests do, so web processes
# that never do it stay without it:
DEFERRED_LIBRARIES_ALLOWED = {
    # fpdf2 and fontTools, about 20 MB: only drawing a PDF needs them.
    "events_app.domain.pdf_layout": {"fpdf", "fontTools"},
    # icalendar, 4 MB: only an .ics download or feed.
    "events_app.domain.calendar": {"icalendar"},
    # openpyxl, 8 MB: only an XLSX export or an uploaded spreadsheet.
    "events_app.domain.registration_reports": {"openpyxl"},
    "events_app.domain.uploaded_tables": {"openpyxl"},
    # zxing-cpp (and Pillow, though qrcode loads it for the ticket pages): only a camera frame from a
    # door scanner without BarcodeDetector.
    "events_app.domain.qr_frames": {"PIL", "zxingcpp"},
}


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


def _imported_packages(node: ast.Import | ast.ImportFrom) -> set[str]:
    names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    return {name.split(".")[0] for name in names}


def _function_level_imports(path: Path, libraries_allowed: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not _imported_packages(node) <= libraries_allowed:
                    found.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno}")
    return found


def test_domain_and_web_modules_import_at_the_top():
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if module not in DEFERRED_IMPORTS_ALLOWED:
            offenders += _function_level_imports(path, DEFERRED_LIBRARIES_ALLOWED.get(module, set()))
    assert not offenders, "imports inside functions (move them to the top, or break the cycle they dodge):\n" + (
        "\n".join(offenders)
    )


def test_the_check_finds_a_cycle_when_there_is_one():
    graph = _graph()
    graph.add_import(importer="events_app.domain.tables", imported="events_app.domain.registrations")
    assert _cycle_through(graph, "events_app.domain.tables", "events_app.domain.registrations")


def _printed_by_a_fresh_interpreter(script: str) -> list[str]:
    """The first two lines `script` prints, run by a new Python, as each of uvicorn's workers is."""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=PACKAGE_DIR.parent
    )
    return result.stdout.split("\n")[:2]


def test_a_web_process_loads_fpdf_only_when_it_draws_a_pdf():
    """The mail sender draws the certificates; a web process that serves pages only must not carry
    fpdf2, fontTools' subsetter and their 20 MB. A fresh interpreter, as uvicorn's workers are."""
    script = (
        "import sys\n"
        "from events_app.web.app import create_app\n"
        "create_app()\n"
        "print(sorted(m for m in ('fpdf', 'fontTools.subset') if m in sys.modules))\n"
        "from datetime import datetime\n"
        "from events_app.domain import pdf_layout\n"
        "document = pdf_layout.new_document(texts=['Åsa'], title='t', language='sv', created_at=datetime.now())\n"
        "document.add_page()\n"
        "assert document.finish().startswith(b'%PDF-')\n"
        "print('fpdf' in sys.modules)\n"
    )
    assert _printed_by_a_fresh_interpreter(script) == ["[]", "True"]


def test_a_web_process_loads_spreadsheet_calendar_and_picture_libraries_only_when_used():
    """openpyxl, icalendar and zxing-cpp are loaded by the request that needs them, not by every web
    process at start; and each still works when first used. (Pillow comes with qrcode, which the
    ticket pages use, so it is loaded at start anyway.)"""
    script = (
        "import sys\n"
        "from events_app.web.app import create_app\n"
        "create_app()\n"
        "print(sorted(m for m in ('openpyxl', 'icalendar', 'zxingcpp') if m in sys.modules))\n"
        "from events_app.domain import calendar, qr_frames, registration_reports\n"
        "assert registration_reports.to_xlsx(['a'], [['b']]).startswith(b'PK')\n"
        "assert calendar.personal_calendar('n', []).startswith(b'BEGIN:VCALENDAR')\n"
        "from events_app.domain.errors import DomainError\n"
        "try:\n"
        "    qr_frames.read_qr(b'not a picture')\n"
        "except DomainError:\n"
        "    pass\n"
        "print(sorted(m for m in ('openpyxl', 'icalendar', 'zxingcpp') if m in sys.modules))\n"
    )
    assert _printed_by_a_fresh_interpreter(script) == ["[]", "['icalendar', 'openpyxl', 'zxingcpp']"]
