"""The public side of events: the listing, an event's page and programme, theme pages, calendar files.

Drafts do not exist for the public (404, page and calendar file alike); a signed-in organiser or
admin sees a draft with a "preview" banner, so they can check it before publishing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from events_app.domain import (
    calendar,
    events,
    materials,
    programme,
    registrations,
    rich_text,
    staff,
    themes,
)
from events_app.domain.errors import NotFound
from events_app.domain.events import is_public, slugify
from events_app.domain.localized_texts import localized
from events_app.domain.tables import EventKind, Role
from events_app.domain.transactions import utcnow
from events_app.i18n import N_, localtime
from events_app.web.material import viewer_of
from events_app.web.registration import registration_call

# Served from the public page cache to visitors without a session (web/public_page_cache.py).
PUBLIC_PAGE = {"public_page": True}
CALENDAR_TYPE = "text/calendar"  # Litestar adds "; charset=utf-8"
FRONT_PAGE_EVENTS = 5


def may_preview(request: Request) -> bool:
    """Organisers and admins may look at drafts; check-in staff and everyone else may not."""
    account = request.state.get("staff")
    return bool(account) and staff.has_role(account["role"], Role.organiser)


async def visible_event(request: Request, slug: str) -> tuple[dict[str, Any], bool]:
    """The event and whether it is shown as a preview (a draft, to an organiser); NotFound otherwise."""
    event = await events.get_event(slug)
    if is_public(event):
        return event, False
    if may_preview(request):
        return event, True
    raise NotFound(N_("There is no such event."))


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def change_of(session: dict[str, Any]) -> dict[str, Any]:
    """What the public should be told about a session changed after publication.

    The session's `change` record keeps the first 'before' value of every field that changed; a
    field changed and later changed back is no longer news, so it is left out.
    """
    record = session.get("change") or {}
    changed = set(record.get("fields") or [])
    before = record.get("before") or {}
    notes: dict[str, Any] = {}
    if changed & {"starts_at", "ends_at"}:
        old_start = _instant(before.get("starts_at")) or session["starts_at"]
        old_end = _instant(before.get("ends_at")) or session["ends_at"]
        if (old_start, old_end) != (session["starts_at"], session["ends_at"]):
            notes["moved_from"] = {
                "starts_at": old_start,
                "ends_at": old_end,
                "other_day": localtime(old_start).date() != localtime(session["starts_at"]).date(),
            }
    if "room" in changed and (before.get("room") or "") != session["room"]:
        notes["room_before"] = before.get("room") or ""
    if "title" in changed and before.get("title") and before["title"] != session["title"]:
        notes["title_before"] = before["title"]
    return notes


def _calendar_response(content: bytes, filename: str, *, disposition: str = "attachment") -> Response:
    return Response(
        content=content,
        media_type=CALENDAR_TYPE,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


class PublicEventsController(Controller):
    path = "/"

    @get("/events", name="events", opt=PUBLIC_PAGE)
    async def event_list(
        self, when: FromQuery[str] = "upcoming", theme: FromQuery[str] = "", kind: FromQuery[str] = ""
    ) -> Template:
        all_themes = await themes.all_themes()
        when = "past" if when == "past" else "upcoming"
        # Unknown filter values are ignored rather than answered with an empty list.
        theme = theme if theme in {row["slug"] for row in all_themes} else ""
        kind = kind if kind in {value.value for value in EventKind} else ""
        found = await events.list_events(public=True, when=when, theme=theme, kind=kind)
        await registrations.attach_availability(found)
        return Template(
            "public/events.html",
            context={
                "events": found,
                "themes": all_themes,
                "kinds": [value.value for value in EventKind],
                "filters": {"when": when, "theme": theme, "kind": kind},
            },
        )

    @get("/events/{slug:str}", name="event", opt=PUBLIC_PAGE)
    async def event_page(self, request: Request, slug: FromPath[str]) -> Template:
        event, preview = await visible_event(request, slug)
        days = programme.by_day_and_track(await programme.programme(event["id"]))
        event_material, session_material = materials.by_session(
            await materials.visible_for_event(event["id"], viewer_of(request))
        )
        for day in days:
            for slot in day["slots"]:
                for session in slot["sessions"]:
                    session["notes"] = change_of(session)
                    session["material"] = session_material.get(session["id"], [])
                    session["description_html"] = rich_text.render(localized(session, "description"))
        event["description_html"] = rich_text.render(localized(event, "description"))
        return Template(
            "public/event.html",
            context={
                "event": event,
                "preview": preview,
                "days": days,
                "ended": event["ends_at"] < utcnow(),
                "material": event_material,
                "registration": await registration_call(event, request.state.get("person")),
            },
        )

    @get("/events/{slug:str}/calendar.ics", name="event_calendar", opt=PUBLIC_PAGE)
    async def event_calendar(self, request: Request, slug: FromPath[str]) -> Response:
        event, _ = await visible_event(request, slug)
        return _calendar_response(calendar.event_calendar(event), f"{event['slug']}.ics")

    @get("/events/{slug:str}/sessions/{uid:str}/calendar.ics", name="session_calendar", opt=PUBLIC_PAGE)
    async def session_calendar(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        event, _ = await visible_event(request, slug)
        session = await programme.get_session(uid)
        if session["event_slug"] != event["slug"]:
            raise NotFound(N_("There is no such session."))
        return _calendar_response(
            calendar.session_calendar(event, session), f"{event['slug']}-{slugify(session['title'])}.ics"
        )

    @get("/themes/{slug:str}", name="theme", opt=PUBLIC_PAGE)
    async def theme_page(self, request: Request, slug: FromPath[str]) -> Template:
        theme = await themes.get_theme(slug)
        upcoming = await events.list_events(public=True, when="upcoming", theme=slug)
        await registrations.attach_availability(upcoming)
        return Template(
            "public/theme.html",
            context={
                "theme": theme,
                "material": await materials.theme_archive(theme["id"], viewer_of(request)),
                "upcoming": upcoming,
                "past": await events.list_events(public=True, when="past", theme=slug),
                "upcoming_sessions": await themes.theme_sessions(theme["id"], when="upcoming"),
                "past_sessions": await themes.theme_sessions(theme["id"], when="past"),
            },
        )

    @get("/calendar/{token:str}/feed.ics", name="calendar_feed")
    async def calendar_feed(self, token: FromPath[str]) -> Response:
        content = await calendar.person_feed(token)
        if content is None:
            raise NotFound(N_("There is no such calendar."))
        response = _calendar_response(content, "hallbarhetsradet.ics", disposition="inline")
        # A secret URL: keep it out of shared caches.
        response.headers["Cache-Control"] = "private, no-cache"
        return response


async def upcoming_for_front_page() -> list[dict[str, Any]]:
    upcoming = (await events.list_events(public=True, when="upcoming"))[:FRONT_PAGE_EVENTS]
    await registrations.attach_availability(upcoming)
    return upcoming
