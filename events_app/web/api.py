"""The JSON API, version 1: events, their programme and the council's themes (registrations and the
ticket key: `api_registrations.py`, on the same router).

Reading is open to everyone and shows what the public site shows (never drafts). Writing needs
`Authorization: Bearer <token>` of an organiser or admin (tokens: `events-app token create`); the
token's staff account is the actor in the audit log. Session cookies count for nothing here, which
is why the CSRF check can leave /api/ alone. A token sent with a read must be valid too, and an
organiser's token also shows drafts.

Bodies and responses are msgspec Structs, decoded and checked by Litestar; the rules themselves are
the domain services' (`events.py`, `programme.py`). Errors are JSON, made by `web/errors.py`:
400 for a body that cannot be read (not JSON, wrong types, missing or unknown fields, a time without
its UTC offset), 401/403 for the token, 404, 409 for a status change that is not allowed and 422 for
data that breaks a rule; each with a stable `code`, a `message` in the Accept-Language language (sv
or en, else the default language) and, for fields, `errors: [{field, message}]`.

Times in responses are ISO 8601 in Stockholm local time with the offset (2027-05-11T09:00:00+02:00).
The schema and its rendered documentation are at /api/v1/schema (OpenAPI: /api/v1/schema/openapi.json).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.params import FromPath, JSONBody, Parameter

from events_app.domain import api_tokens, events, programme, staff
from events_app.domain.audit import Actor
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.tables import (
    Audience,
    CompletionRule,
    EventKind,
    EventStatus,
    HoursCredit,
    Role,
    SessionKind,
    SessionStatus,
    Theme,
)
from events_app.i18n import localtime
from events_app.web.auth import client_ip

API_PATH = "/api/v1"
SCHEMA_PATH = f"{API_PATH}/schema"
BEARER = "bearerAuth"

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


# --- what the API answers ------------------------------------------------------------------------


class ThemeOut(msgspec.Struct):
    slug: FromPath[str]
    name_sv: str
    name_en: str


class ThemeList(msgspec.Struct):
    themes: list[ThemeOut]


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


class FieldError(msgspec.Struct):
    field: str
    message: str


class ErrorOut(msgspec.Struct):
    """Every error: a stable `code`, a `message` for people and, for fields, one message per field."""

    code: str
    message: str
    request_id: str
    errors: list[FieldError] | msgspec.UnsetType = msgspec.UNSET


# --- turning rows into responses -----------------------------------------------------------------


def _local(value: datetime | None) -> datetime | None:
    return localtime(value) if value is not None else None


def _theme(row: dict[str, Any]) -> ThemeOut:
    return ThemeOut(slug=row["slug"], name_sv=row["name_sv"], name_en=row["name_en"])


def session_out(session: dict[str, Any]) -> SessionOut:
    change = session.get("change") or {}
    return SessionOut(
        id=str(session["uid"]),
        title=session["title"],
        description=session["description"],
        kind=SessionKind(session["kind"]),
        starts_at=localtime(session["starts_at"]),
        ends_at=localtime(session["ends_at"]),
        room=session["room"],
        capacity=session["capacity"],
        requires_signup=bool(session["requires_signup"]),
        status=SessionStatus(session["status"]),
        themes=[_theme(t) for t in session.get("themes", [])],
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
        themes=[_theme(t) for t in event["themes"]],
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
        themes=[_theme(t) for t in event.get("themes", [])],
    )


# --- the bearer token ----------------------------------------------------------------------------


async def token_account(connection: ASGIConnection) -> dict[str, Any] | None:
    """The staff account behind the request's bearer token; None without one; 401 for a bad one.

    Looked up once per request (the guard and the handler share it).
    """
    if "api_account" in connection.state:
        return connection.state.api_account
    header = connection.headers.get("authorization", "")
    account = None
    if header:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            account = await api_tokens.staff_for_token(token.strip())
        if account is None:
            raise NotAuthorizedException()
    connection.state.api_account = account
    return account


async def requires_organiser_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    account = await token_account(connection)
    if account is None:
        raise NotAuthorizedException()
    # A scanner's token only checks in, whoever paired the scanner.
    if not staff.has_role(account["role"], Role.organiser) or account.get("scope") == api_tokens.CHECKIN_SCOPE:
        raise PermissionDeniedException()


async def requires_checkin_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Any staff role may check people in (check-in staff, organisers, admins)."""
    account = await token_account(connection)
    if account is None:
        raise NotAuthorizedException()
    if not staff.has_role(account["role"], Role.checkin):
        raise PermissionDeniedException()


async def _sees_drafts(request: Request) -> bool:
    account = await token_account(request)
    return (
        account is not None
        and staff.has_role(account["role"], Role.organiser)
        and account.get("scope") != api_tokens.CHECKIN_SCOPE
    )


def _actor(request: Request) -> Actor:
    account = request.state.api_account
    return Actor(f"{account['name']} <{account['email']}> (API)", staff_id=account["id"], ip=client_ip(request))


# --- the endpoints -------------------------------------------------------------------------------


def _errors(*statuses: int) -> dict[int, ResponseSpec]:
    descriptions = {
        400: "The request could not be read: not JSON, a wrong type, a missing or unknown field, or a time "
        "without its UTC offset (code `validation_error`, with `errors`).",
        401: "No token where one is needed, or a token that is unknown or revoked (code `not_authenticated`).",
        403: "The token's account is not an organiser or admin (code `forbidden`).",
        404: "No such event, or a draft without an organiser's token (code `not_found`).",
        409: "The event's status does not allow this (code `invalid_status`).",
        422: "The data breaks a rule, e.g. an end before the start, an unknown theme, a booked room or a "
        "session outside the event's days (code `validation_error`, with `errors`).",
    }
    return {status: ResponseSpec(ErrorOut, description=descriptions[status]) for status in statuses}


WRITE = {"guards": [requires_organiser_token], "security": [{BEARER: []}]}
# Reads need no token; an organiser's token also shows drafts.
READ: dict[str, Any] = {"security": [{}, {BEARER: []}]}


class EventsApiController(Controller):
    path = "/events"
    tags = ["events"]

    @get("/", **READ, responses=_errors(400, 401))
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
            public=not await _sees_drafts(request), when=when, theme=theme, kind=kind.value if kind else ""
        )
        return EventList(events=[event_summary(event) for event in found])

    @post("/", **WRITE, status_code=201, responses=_errors(400, 401, 403, 422))
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
            ),
            _actor(request),
        )
        return await event_out(event)

    @get("/{slug:str}", **READ, responses=_errors(401, 404))
    async def get_event(self, request: Request, slug: FromPath[str]) -> EventOut:
        """An event with its days, themes and programme (sessions by start time, then the organiser's order)."""
        event = await (events.get_event(slug) if await _sees_drafts(request) else events.get_public_event(slug))
        return await event_out(event)

    @post("/{slug:str}/publish", **WRITE, status_code=200, responses=_errors(401, 403, 404, 409))
    async def publish_event(self, request: Request, slug: FromPath[str]) -> EventOut:
        """Publish a draft. Publishing a published event changes nothing."""
        return await event_out(await events.publish_event(slug, _actor(request)))

    @post("/{slug:str}/cancel", **WRITE, status_code=200, responses=_errors(400, 401, 403, 404, 409))
    async def cancel_event(
        self, request: Request, slug: FromPath[str], data: JSONBody[CancelBody | None] = None
    ) -> EventOut:
        """Cancel a draft or published event; the optional message is shown on the event's page."""
        message = data.message if data is not None else ""
        return await event_out(await events.cancel_event(slug, _actor(request), message))

    @post("/{slug:str}/sessions", **WRITE, status_code=201, responses=_errors(400, 401, 403, 404, 422))
    async def create_session(self, request: Request, slug: FromPath[str], data: JSONBody[SessionCreate]) -> SessionOut:
        """Add a session to the event's programme. Its `id` names it from then on."""
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
            ),
            _actor(request),
        )
        return session_out(session)


@get("/themes", tags=["themes"], **READ, responses=_errors(401))
async def list_themes(request: Request) -> ThemeList:
    """The council's themes; events and sessions are tagged with their slugs."""
    await token_account(request)  # a token that is sent must be valid, as everywhere in the API
    rows = await Theme.select(Theme.slug, Theme.name_sv, Theme.name_en).order_by(Theme.id)
    return ThemeList(themes=[_theme(row) for row in rows])


def api_router() -> Router:
    """A fresh router per app (a router belongs to the app it is registered with)."""
    from events_app.web import (  # they build on this module
        api_checkins,
        api_registrations,
    )

    return Router(
        path=API_PATH,
        route_handlers=[
            EventsApiController,
            list_themes,
            *api_registrations.ROUTE_HANDLERS,
            *api_checkins.ROUTE_HANDLERS,
        ],
        include_in_schema=True,
    )


def openapi_config() -> OpenAPIConfig:
    """The schema of the API alone (the app's pages are left out), at /api/v1/schema."""
    return OpenAPIConfig(
        title="Hållbarhetsrådet events API",
        version="1",
        description=(
            "Events, programmes, themes and registrations of Hållbarhetsrådet i Västernorrland.\n\n"
            "Reading and registering need no token. Writing and the lists of registrations need "
            "`Authorization: Bearer <token>` of an organiser or admin "
            "(`events-app token create --email ...`). Times are ISO 8601 with the offset from UTC; responses give "
            "them in Europe/Stockholm time. Errors are `{code, message, request_id, errors?: [{field, message}]}`, "
            "with the message in Swedish or English after Accept-Language."
        ),
        path=SCHEMA_PATH,
        render_plugins=[ScalarRenderPlugin(path="/"), JsonRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API token from `events-app token create`, sent as "
                    "`Authorization: Bearer hr_...`. Its account's role must be "
                    "organiser or admin to write.",
                ),
            }
        ),
        tags=[
            Tag(name="events", description="Events and their programme"),
            Tag(name="registrations", description="Registering for an event; organisers' lists and cancelling"),
            Tag(name="themes", description="The council's themes"),
            Tag(name="tickets", description="Verifying ticket codes offline"),
        ],
        use_handler_docstrings=True,
    )
