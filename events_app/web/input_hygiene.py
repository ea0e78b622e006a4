"""Every request body as the controllers read it: text without control characters nor the invisible
characters that reorder or hide text (`validation.clean_text`), whether it came from a form or as
JSON, so no controller can forget it and no NUL reaches PostgreSQL.

Used as the app's `request_class`; uploads streamed by `uploads.py` and uploaded lists clean their
text themselves.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict, UploadFile

from events_app.domain.validation import clean_text


def cleaned(value: Any) -> Any:
    """`value` (decoded JSON, or a form's value) with every string in it cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    if isinstance(value, dict):
        return {cleaned(key): cleaned(item) for key, item in value.items()}
    return value


class CleanInputRequest(Request):
    async def form(self) -> FormMultiDict:
        form = await super().form()
        return FormMultiDict(
            [(key, value if isinstance(value, UploadFile) else cleaned(value)) for key, value in form.multi_items()]
        )

    async def json(self) -> Any:
        return cleaned(await super().json())
