"""Templates link by route name, never by a written path, and every name they use is a real route.

A path written into a template is a link that breaks silently when its route moves. The pages use
`url_for('route_name', …)`; the mails get finished links from domain/links.py. The first test reads
every template and fails on a written internal path; the second parses the templates with Jinja and
checks each `url_for` against the app's routes: the name exists and the path parameters given are
exactly the route's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import nodes

from events_app.templating import TEMPLATE_DIR, environment

TEMPLATES = sorted(path for path in TEMPLATE_DIR.rglob("*.html"))
# Where a path may be written out: our own static files (served by a router of their own).
ALLOWED_PREFIXES = ("/static/",)
# An attribute holding a written path: href="/…", action="/…", src="/…", data-live-url="/…".
ATTRIBUTE_PATH = re.compile(r'\b(?:href|action|formaction|src|data-[a-z-]+-url)\s*=\s*"(/[^"]*)"')
# A path in a Jinja string ("/organiser/…" ~ event.slug) or glued to base_url.
STRING_PATH = re.compile(r"""(?:["'](/[a-z][^"'\s]*)["'])|(\{\{\s*base_url\s*\}\}/\S*)""")
# Templates whose url_for takes its route name from a variable (a table of tabs); their names are
# the string constants of that table, checked below.
DYNAMIC_NAMES = {"organiser/_event_tabs.html"}


def _name(path: Path, root: Path = TEMPLATE_DIR) -> str:
    return path.relative_to(root).as_posix()


def _written_paths(path: Path, root: Path = TEMPLATE_DIR) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("{#"):
            continue
        values = [next(group for group in match.groups() if group) for match in STRING_PATH.finditer(line)]
        values += [match.group(1) for match in ATTRIBUTE_PATH.finditer(line)]
        for value in dict.fromkeys(values):  # an attribute's value is also a quoted string: report it once
            if not value.startswith(ALLOWED_PREFIXES):
                found.append(f"{_name(path, root)}:{number}: {value}")
    return found


def test_no_template_writes_out_an_internal_path():
    written = [found for path in TEMPLATES for found in _written_paths(path)]
    assert not written, "use url_for('route_name', ...) (pages) or domain/links.py (mails):\n" + "\n".join(written)


def test_the_check_catches_a_written_path(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<a href="/organiser/events">x</a>\n{% set u = "/events/" ~ slug %}\n<link href="/static/site.css">\n'
        "<p>{{ base_url }}/login/link/{{ token }}</p>\n"
    )
    assert _written_paths(page, tmp_path) == [
        "page.html:1: /organiser/events",
        "page.html:2: /events/",
        "page.html:4: {{ base_url }}/login/link/{{",
    ]


@pytest.fixture(scope="module")
def route_parameters(_application) -> dict[str, set[str]]:
    """Each named route's path parameters, from the app itself."""
    parameters: dict[str, set[str]] = {}
    for route in _application.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.name:
                parameters[handler.name] = set(re.findall(r"\{(\w+):", route.path))
    return parameters


def _url_for_calls(path: Path) -> list[nodes.Call]:
    tree = environment().parse(path.read_text(encoding="utf-8"))
    return [
        call for call in tree.find_all(nodes.Call) if isinstance(call.node, nodes.Name) and call.node.name == "url_for"
    ]


def test_every_url_for_names_a_route_with_its_parameters(route_parameters):
    problems = []
    for path in TEMPLATES:
        for call in _url_for_calls(path):
            given = {keyword.key for keyword in call.kwargs}
            first = call.args[0] if call.args else None
            if isinstance(first, nodes.Const):
                names = [first.value]
            elif _name(path) in DYNAMIC_NAMES:
                # The table's rows are (key, route name, label): the route is each row's second item.
                tree = environment().parse(path.read_text(encoding="utf-8"))
                rows = [row for row in tree.find_all(nodes.Tuple) if len(row.items) == 3]
                names = [row.items[1].value for row in rows if isinstance(row.items[1], nodes.Const)]
                if not names:
                    problems.append(f"{_name(path)}:{call.lineno}: no route names found for url_for({first})")
            else:
                problems.append(f"{_name(path)}:{call.lineno}: url_for needs the route's name as a string")
                continue
            for name in names:
                if name not in route_parameters:
                    problems.append(f"{_name(path)}:{call.lineno}: no route is named {name!r}")
                elif given != route_parameters[name]:
                    expected = sorted(route_parameters[name])
                    problems.append(f"{_name(path)}:{call.lineno}: {name} takes {expected}, given {sorted(given)}")
    assert not problems, "\n".join(problems)


def test_the_templates_do_use_url_for():
    # Guards the test above against passing on an empty harvest (e.g. a renamed helper).
    assert sum(len(_url_for_calls(path)) for path in TEMPLATES) > 150
