"""No function of the app is more complex than radon's grade C (cyclomatic complexity 20 or less).

Functions past that were the form cleaners and the upload reader, each a long chain of ifs that a
change could break in a branch nobody reads; they are built from small collectors now, and this
test keeps new code from growing back into that shape.
"""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

import events_app

PACKAGE_DIR = Path(events_app.__file__).parent
ALLOWED_RANKS = {"A", "B", "C"}


def _blocks():
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            yield path, block


def test_no_function_is_graded_worse_than_c():
    too_complex = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{block.lineno} {block.fullname}: {cc_rank(block.complexity)} "
        f"({block.complexity})"
        for path, block in _blocks()
        if cc_rank(block.complexity) not in ALLOWED_RANKS
    ]
    assert not too_complex, "split these into smaller functions (radon cc -s -n D events_app):\n" + "\n".join(
        too_complex
    )


def test_the_grading_sees_the_functions():
    # Guards the test above against passing on an empty harvest.
    assert sum(1 for _ in _blocks()) > 500
    assert cc_rank(21) == "D"
