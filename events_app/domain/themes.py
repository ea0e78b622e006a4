"""The council's themes, and what is tagged with them for the public theme pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events_app.domain.errors import NotFound
from events_app.domain.events import public_condition
from events_app.domain.tables import ProgrammeSession, SessionTheme, Theme
from events_app.domain.transactions import utcnow
from events_app.i18n import N_


async def all_themes() -> list[dict[str, Any]]:
    """Every theme, in the order they were made (the seed's order)."""
    return await Theme.select().order_by(Theme.id)


async def get_theme(slug: str) -> dict[str, Any]:
    theme = await Theme.select().where(Theme.slug == slug).first()
    if theme is None:
        raise NotFound(N_("There is no such theme."))
    return theme


async def theme_sessions(theme_id: int, *, when: str = "upcoming", now: datetime | None = None) -> list[dict[str, Any]]:
    """Sessions tagged with the theme, in events the public may see (never drafts), with their event.

    Upcoming (not yet ended) sessions come soonest first, past ones latest first.
    """
    now = now or utcnow()
    session_ids = [
        row["session"] for row in await SessionTheme.select(SessionTheme.session).where(SessionTheme.theme == theme_id)
    ]
    query = ProgrammeSession.select(
        ProgrammeSession.uid,
        ProgrammeSession.title,
        ProgrammeSession.title_en,
        ProgrammeSession.kind,
        ProgrammeSession.starts_at,
        ProgrammeSession.ends_at,
        ProgrammeSession.room,
        ProgrammeSession.status,
        ProgrammeSession.event.slug.as_alias("event_slug"),
        ProgrammeSession.event.title.as_alias("event_title"),
        ProgrammeSession.event.title_en.as_alias("event_title_en"),
        ProgrammeSession.event.status.as_alias("event_status"),
    ).where(ProgrammeSession.id.is_in(session_ids or [0]) & public_condition(ProgrammeSession.event))
    if when == "past":
        query = query.where(ProgrammeSession.ends_at < now).order_by(ProgrammeSession.starts_at, ascending=False)
    else:
        query = query.where(ProgrammeSession.ends_at >= now).order_by(ProgrammeSession.starts_at)
    return await query.order_by(ProgrammeSession.position)
