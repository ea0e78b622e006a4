"""The JSON API's list of the council's themes, whose slugs tag events and sessions."""

from __future__ import annotations

import msgspec
from litestar import Request, get

from events_app.domain import themes
from events_app.web.api.auth import TOKEN_OPTIONAL, token_account
from events_app.web.api.schemas import TOKEN_REFUSED, ThemeOut, error_responses, theme_out


class ThemeList(msgspec.Struct):
    themes: list[ThemeOut]


@get("/themes", tags=["themes"], **TOKEN_OPTIONAL, responses=error_responses({401: TOKEN_REFUSED}))
async def list_themes(request: Request) -> ThemeList:
    """The council's themes; events and sessions are tagged with their slugs."""
    await token_account(request)  # a token that is sent must be valid, as everywhere in the API
    return ThemeList(themes=[theme_out(row) for row in await themes.all_themes()])
