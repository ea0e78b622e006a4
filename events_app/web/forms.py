"""Reading HTML forms (and lists uploaded with them) and showing them again with field-level messages.

Forms are read as plain strings and checked by the domain, which raises DomainError or
ValidationFailed; `form_errors` turns either into {field: translated message} for the template.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.response import Template

from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.uploaded_tables import MAX_FILE_BYTES
from events_app.i18n import N_


async def read_form(request: Request, *fields: str) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "") for name in fields}


def form_errors(error: DomainError) -> dict[str, str]:
    if isinstance(error, ValidationFailed):
        return error.translated_errors()
    return {error.field or "__all__": error.translated()}


def form_page(
    template: str, *, values: dict[str, Any] | None = None, error: DomainError | None = None, **context: Any
) -> Template:
    """The form page, with status 400 and the messages when `error` is given."""
    return Template(
        template,
        context={"values": values or {}, "errors": form_errors(error) if error else {}, **context},
        status_code=400 if error else 200,
    )


async def uploaded_file(data: dict[str, Any]) -> bytes:
    """The content of the list uploaded in a multipart form's `file` field (at most 2 MB)."""
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise DomainError(N_("Choose a CSV or XLSX file."), field="file")
    raw = await upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise DomainError(N_("The file is too large (at most 2 MB)."), field="file")
    return raw


def encoded_file(raw: bytes) -> str:
    """An uploaded file as it travels back with the confirmation of its import (see checked_file)."""
    return base64.b64encode(raw).decode()


def checked_file(content: object) -> bytes:
    """The file a preview checked, sent back with the confirmation (base64 in a hidden field), so
    nothing is stored in between."""
    text = str(content or "")
    if len(text) > MAX_FILE_BYTES * 4 // 3 + 4:
        raise DomainError(N_("The file is too large (at most 2 MB)."), field="file")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(N_("Choose a CSV or XLSX file."), field="file") from None
