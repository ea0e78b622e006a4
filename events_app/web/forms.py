"""Reading HTML forms and showing them again with field-level messages.

Forms are read as plain strings and checked by the domain, which raises DomainError or
ValidationFailed; `form_errors` turns either into {field: translated message} for the template.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from events_app.domain.errors import DomainError, ValidationFailed


async def read_form(request: Request, *fields: str) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "") for name in fields}


def form_errors(error: DomainError) -> dict[str, str]:
    if isinstance(error, ValidationFailed):
        return error.translated_errors()
    return {error.field or "__all__": error.translated()}


def form_page(template: str, *, values: dict[str, Any] | None = None, error: DomainError | None = None, **context: Any) -> Template:
    """The form page, with status 400 and the messages when `error` is given."""
    return Template(
        template,
        context={"values": values or {}, "errors": form_errors(error) if error else {}, **context},
        status_code=400 if error else 200,
    )
