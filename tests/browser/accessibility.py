"""Accessibility checks with axe-core (through axe-playwright-python) on the page as the browser shows it."""

from __future__ import annotations

import pytest
from axe_playwright_python.async_playwright import Axe

FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.0/2.1 level A and AA plus axe's best practices (landmarks, one h1, skip links...).
RUN_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
}

_axe = Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}  <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


async def assert_accessible(page, what: str = "") -> None:
    """Fail when axe finds any serious or critical violation on `page`, naming rule, help text and nodes."""
    results = await _axe.run(page, options=RUN_OPTIONS)
    violations = [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]
    if violations:
        where = what or page.url
        pytest.fail(f"accessibility violations on {where} ({page.url}):\n{describe(violations)}", pytrace=False)
