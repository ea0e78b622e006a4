"""The JSON API's events: the list, one event with its days, themes and programme, creating an event
(as a draft), publishing and cancelling it, and adding sessions to its programme. The rules are the
domain's (`domain/events.py`, `domain/programme.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter

from events_app.domain import events, programme
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.tables import (
    Audience,
    CompletionRule,
    EventKind,
    EventStatus,
    HoursCredit,
    SessionKind,
    SessionStatus,
)
from events_app.i18n import localtime
from events_app.web.api.auth import ORGANISER_TOKEN, TOKEN_OPTIONAL, sees_drafts, token_actor
from events_app.web.api.schemas import TOKEN_REFUSED, ThemeOut, check_booleans, error_responses, theme_out

# A moment with its offset from UTC; a time without one is refused (400, on its field).
Instant = Annotated[
    datetime, msgspec.Meta(tz=True, description="ISO 8601 with the offset from UTC, e.g. 2027-05-11T09:00:00+02:00")
]


# --- what clients send ---------------------------------------------------------------------------


class SpeakerBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    title: str = ""
    organisation: str = ""


class EventCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new event; it starts as a draft. `themes` are theme slugs (GET /api/v1/themes)."""

    title: str
    kind: EventKind
    starts_at: Instant
    ends_at: Instant
    audience: Audience = Audience.public
    capacity: int | None = None
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    themes: list[str] = []
    venue_name: str = ""
    venue_address: str = ""
    venue_map_url: str = ""
    description: str = ""
    completion_rule: CompletionRule = CompletionRule.all_occasions
    completion_min: int | None = None
    hours_credit: HoursCredit = HoursCredit.none
    hours_per_day: float | None = None
    signatory_name: str = ""
    signatory_title: str = ""
    occasion_dates: list[date] = []
    # Optional English texts, shown to English readers instead of the Swedish ones.
    title_en: str = ""
    description_en: str = ""


class CancelBody(msgspec.Struct, forbid_unknown_fields=True):
    message: str = ""


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A programme session on one of the event's days. `themes` are theme slugs."""

    title: str
    starts_at: Instant
    ends_at: Instant
    kind: SessionKind = SessionKind.plenary
    room: str = ""
    capacity: int | None = None
    requires_signup: bool = False
    themes: list[str] = []
    speakers: list[SpeakerBody] = []
    description: str = ""
    title_en: str = ""
    description_en: str = ""


# --- what the API answers ------------------------------------------------------------------------


class SpeakerOut(msgspec.Struct):
    name: str
    title: str
    organisation: str


class SessionChange(msgspec.Struct):
    """What changed after publication: the fields, and their first values before the change."""

    fields: list[str]
    before: dict[str, Any]


class SessionOut(msgspec.Struct):
    id: str
    title: str
    description: str
    title_en: str
    description_en: str
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    room: str
    capacity: int | None
    requires_signup: bool
    status: SessionStatus
    themes: list[ThemeOut]
    speakers: list[SpeakerOut]
    change: SessionChange | None


class DayOut(msgspec.Struct):
    date: date
    starts_at: datetime
    ends_at: datetime


class EventSummary(msgspec.Struct):
    slug: FromPath[str]
    title: str
    kind: EventKind
    status: EventStatus
    audience: Audience
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    capacity: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    themes: list[ThemeOut]


class EventList(msgspec.Struct):
    events: list[EventSummary]


class EventOut(msgspec.Struct):
    slug: FromPath[str]
    title: str
    kind: EventKind
    status: EventStatus
    audience: Audience
    description: str
    title_en: str
    description_en: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    venue_name: str
    venue_address: str
    venue_map_url: str
    completion_rule: CompletionRule
    completion_min: int | None
    hours_credit: HoursCredit
    hours_per_day: float | None
    signatory_name: str
    signatory_title: str
    cancel_message: str
    published_at: datetime | None
    days: list[DayOut]
    themes: list[ThemeOut]
    sessions: list[SessionOut]


# --- turning rows into responses -----------------------------------------------------------------


def _local(value: datetime | None) -> datetime | None:
    return localtime(value) if value is not None else None


def session_out(session: dict[str, Any]) -> SessionOut:
    change = session.get("change") or {}
    return SessionOut(
        id=str(session["uid"]),
        title=session["title"],
        description=session["description"],
        title_en=session["title_en"],
        description_en=session["description_en"],
        kind=SessionKind(session["kind"]),
        starts_at=localtime(session["starts_at"]),
        ends_at=localtime(session["ends_at"]),
        room=session["room"],
        capacity=session["capacity"],
        requires_signup=bool(session["requires_signup"]),
        status=SessionStatus(session["status"]),
        themes=[theme_out(t) for t in session.get("themes", [])],
        speakers=[
            SpeakerOut(name=s["name"], title=s["title"], organisation=s["organisation"])
            for s in session.get("speakers", [])
        ],
        change=SessionChange(fields=list(change.get("fields", [])), before=dict(change.get("before", {})))
        if change
        else None,
    )


async def event_out(event: dict[str, Any]) -> EventOut:
    return EventOut(
        slug=event["slug"],
        title=event["title"],
        kind=EventKind(event["kind"]),
        status=EventStatus(event["status"]),
        audience=Audience(event["audience"]),
        description=event["description"],
        title_en=event["title_en"],
        description_en=event["description_en"],
        starts_at=localtime(event["starts_at"]),
        ends_at=localtime(event["ends_at"]),
        capacity=event["capacity"],
        registration_opens_at=_local(event["registration_opens_at"]),
        registration_closes_at=_local(event["registration_closes_at"]),
        venue_name=event["venue_name"],
        venue_address=event["venue_address"],
        venue_map_url=event["venue_map_url"],
        completion_rule=CompletionRule(event["completion_rule"]),
        completion_min=event["completion_min"],
        hours_credit=HoursCredit(event["hours_credit"]),
        hours_per_day=round(event["minutes_per_day"] / 60, 2) if event["minutes_per_day"] is not None else None,
        signatory_name=event["signatory_name"],
        signatory_title=event["signatory_title"],
        cancel_message=event["cancel_message"],
        published_at=_local(event["published_at"]),
        days=[
            DayOut(date=d["day"], starts_at=localtime(d["starts_at"]), ends_at=localtime(d["ends_at"]))
            for d in event["days"]
        ],
        themes=[theme_out(t) for t in event["themes"]],
        sessions=[session_out(s) for s in await programme.programme(event["id"])],
    )


def event_summary(event: dict[str, Any]) -> EventSummary:
    return EventSummary(
        slug=event["slug"],
        title=event["title"],
        kind=EventKind(event["kind"]),
        status=EventStatus(event["status"]),
        audience=Audience(event["audience"]),
        starts_at=localtime(event["starts_at"]),
        ends_at=localtime(event["ends_at"]),
        venue_name=event["venue_name"],
        capacity=event["capacity"],
        registration_opens_at=_local(event["registration_opens_at"]),
        registration_closes_at=_local(event["registration_closes_at"]),
        themes=[theme_out(t) for t in event.get("themes", [])],
    )


# --- the endpoints -------------------------------------------------------------------------------


# What each error status means on these routes.
_ERRORS = {
    400: "The request could not be read: not JSON, a wrong type, a missing or unknown field, or a time "
    "without its UTC offset (code `validation_error`, with `errors`).",
    401: TOKEN_REFUSED,
    403: "The token's account is not an organiser or admin (code `forbidden`).",
    404: "No such event, or a draft without an organiser's token (code `not_found`).",
    409: "The event's status does not allow this (code `invalid_status`).",
    422: "The data breaks a rule, e.g. an end before the start, an unknown theme, a booked room or a "
    "session outside the event's days (code `validation_error`, with `errors`).",
}


class EventsApiController(Controller):
    path = "/events"
    tags = ["events"]

    @get("/", **TOKEN_OPTIONAL, responses=error_responses(_ERRORS, 400, 401))
    async def list_events(
        self,
        request: Request,
        when: Annotated[
            Literal["upcoming", "past", "all"],
            Parameter(
                description="upcoming: not yet ended, soonest first; past: ended, latest first; all: latest first"
            ),
        ] = "upcoming",
        theme: Annotated[str, Parameter(description="only events with this theme (a slug)")] = "",
        kind: Annotated[EventKind | None, Parameter(description="only events of this kind")] = None,
    ) -> EventList:
        """Published, cancelled and archived events (with an organiser's token, drafts too)."""
        found = await events.list_events(
            public=not await sees_drafts(request), when=when, theme=theme, kind=kind.value if kind else ""
        )
        return EventList(events=[event_summary(event) for event in found])

    @post("/", **ORGANISER_TOKEN, status_code=201, responses=error_responses(_ERRORS, 400, 401, 403, 422))
    async def create_event(self, request: Request, data: JSONBody[EventCreate]) -> EventOut:
        """Create an event, as a draft. Each day runs from the start's time of day to the end's."""
        event = await events.create_event(
            EventInput(
                title=data.title,
                kind=data.kind.value,
                description=data.description,
                audience=data.audience.value,
                capacity=data.capacity,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                registration_opens_at=data.registration_opens_at,
                registration_closes_at=data.registration_closes_at,
                venue_name=data.venue_name,
                venue_address=data.venue_address,
                venue_map_url=data.venue_map_url,
                themes=list(data.themes),
                completion_rule=data.completion_rule.value,
                completion_min=data.completion_min,
                hours_credit=data.hours_credit.value,
                hours_per_day=data.hours_per_day,
                signatory_name=data.signatory_name,
                signatory_title=data.signatory_title,
                occasion_dates=list(data.occasion_dates),
                title_en=data.title_en,
                description_en=data.description_en,
            ),
            token_actor(request),
        )
        return await event_out(event)

    @get("/{slug:str}", **TOKEN_OPTIONAL, responses=error_responses(_ERRORS, 401, 404))
    async def get_event(self, request: Request, slug: FromPath[str]) -> EventOut:
        """An event with its days, themes and programme (sessions by start time, then the organiser's order)."""
        event = await (events.get_event(slug) if await sees_drafts(request) else events.get_public_event(slug))
        return await event_out(event)

    @post(
        "/{slug:str}/publish",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_ERRORS, 401, 403, 404, 409),
    )
    async def publish_event(self, request: Request, slug: FromPath[str]) -> EventOut:
        """Publish a draft. Publishing a published event changes nothing."""
        return await event_out(await events.publish_event(slug, token_actor(request)))

    @post(
        "/{slug:str}/cancel",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 409),
    )
    async def cancel_event(
        self, request: Request, slug: FromPath[str], data: JSONBody[CancelBody | None] = None
    ) -> EventOut:
        """Cancel a draft or published event; the optional message is shown on the event's page."""
        message = data.message if data is not None else ""
        return await event_out(await events.cancel_event(slug, token_actor(request), message))

    @post(
        "/{slug:str}/sessions",
        **ORGANISER_TOKEN,
        status_code=201,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 422),
    )
    async def create_session(self, request: Request, slug: FromPath[str], data: JSONBody[SessionCreate]) -> SessionOut:
        """Add a session to the event's programme. Its `id` names it from then on."""
        check_booleans(await request.json(), SessionCreate)
        session = await programme.add_session(
            slug,
            SessionInput(
                title=data.title,
                description=data.description,
                kind=data.kind.value,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                room=data.room,
                capacity=data.capacity,
                requires_signup=data.requires_signup,
                themes=list(data.themes),
                speakers=[SpeakerInput(name=s.name, title=s.title, organisation=s.organisation) for s in data.speakers],
                title_en=data.title_en,
                description_en=data.description_en,
            ),
            token_actor(request),
        )
        return session_out(session)
