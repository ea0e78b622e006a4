"""The msgspec structs more than one part of the JSON API answers with: errors, and a theme as it
appears in events, sessions and the list of themes; and the error responses a route documents.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar.exceptions import ValidationException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath


class FieldError(msgspec.Struct):
    field: str
    message: str


class ErrorOut(msgspec.Struct):
    """Every error: a stable `code`, a `message` for people and, for fields, one message per field."""

    code: str
    message: str
    request_id: str
    errors: list[FieldError] | msgspec.UnsetType = msgspec.UNSET


TOKEN_REFUSED = "No token where one is needed, or a token that is unknown or revoked (code `not_authenticated`)."
"""What a 401 means wherever a token may be sent."""


def error_responses(descriptions: Mapping[int, str], *statuses: int) -> dict[int, ResponseSpec]:
    """The error responses of a route for the OpenAPI document: the given statuses (all of `descriptions`
    when none are named), each with what it means there."""
    return {status: ResponseSpec(ErrorOut, description=descriptions[status]) for status in statuses or descriptions}


class ThemeOut(msgspec.Struct):
    slug: FromPath[str]
    name_sv: str
    name_en: str


def theme_out(row: dict[str, Any]) -> ThemeOut:
    return ThemeOut(slug=row["slug"], name_sv=row["name_sv"], name_en=row["name_en"])


@functools.cache
def _boolean_fields(body_type: type[msgspec.Struct]) -> tuple[str, ...]:
    """The names of `body_type`'s yes/no fields, found once per type (reading a type's annotations
    cost 2 % of a registration through the API)."""
    return tuple(field.encode_name for field in msgspec.structs.fields(body_type) if field.type in (bool, bool | None))


def check_booleans(raw: Any, body_type: type[msgspec.Struct]) -> None:
    """Refuse a yes/no field of `body_type` that is not a JSON boolean.

    Litestar converts request bodies leniently, so "true" and 1 would become True; a consent must be
    given as `true` itself. `raw` is the decoded body (`await request.json()`, cached).
    """
    if not isinstance(raw, dict):
        return
    wrong = [
        name for name in _boolean_fields(body_type) if name in raw and not isinstance(raw[name], (bool, type(None)))
    ]
    if wrong:
        raise ValidationException(extra=[{"key": name, "message": "Expected `bool`"} for name in wrong])
