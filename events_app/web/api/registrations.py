"""The JSON API's registrations: registering for an event, the organisers' list of registrations, cancelling,
and the public key that verifies tickets.

Registering is public, like the form, and follows the form's rules and rate limits (the domain's
`register()`, with the client's IP). The answer never carries the ticket or the private link: those
are mailed to the address, so registering someone else's address gives nothing away.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter

from events_app import i18n
from events_app.domain import events, registrations, tickets
from events_app.domain.errors import ValidationFailed
from events_app.domain.registrations import Registrant, RegistrationInput
from events_app.domain.tables import RegistrationStatus
from events_app.web.api.auth import NO_TOKEN, ORGANISER_TOKEN, TOKEN_OPTIONAL, token_account, token_actor
from events_app.web.api.schemas import TOKEN_REFUSED, check_booleans, error_responses
from events_app.web.auth import client_ip

MAX_PER_PAGE = 200

# --- what clients send ---------------------------------------------------------------------------


class RegistrationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A registration, as the form takes it. `organisation` is an organisation code (e.g. `sundsvall`) or
    the organisation's name (a county organisation's, e.g. "Sundsvalls kommun", is stored as it);
    `dietary` are codes (vegetarian, vegan, gluten_free, lactose_free, nut_allergy, no_pork); `answers`
    go by question key; `sessions` are the ids of sign-up sessions (a full one is refused) and
    `waitlist_sessions` those whose waiting list to join; `days` are the event's dates attended (every
    day when left out). `consent` must be true."""

    name: str
    email: str
    consent: bool
    organisation: str = ""
    title: str = ""
    dietary: list[str] = []
    dietary_other: str = ""
    accessibility: str = ""
    answers: dict[str, str | bool | list[str]] = {}
    sessions: list[str] = []
    waitlist_sessions: list[str] = []
    days: list[date] | None = None
    language: Literal["sv", "en"] | None = None
    invitation_token: str = ""


# --- what the API answers ------------------------------------------------------------------------


class ChoiceOut(msgspec.Struct):
    """A chosen session: a place (`confirmed`) or a place in its queue (`waitlisted`)."""

    id: str
    title: str
    status: RegistrationStatus


class RegistrationCreated(msgspec.Struct):
    """`held`: the registration came in a burst (many from one address) and its place is held until the
    person confirms by the link mailed to them; `held_until` says until when (UTC)."""

    id: str
    event: str
    status: RegistrationStatus
    sessions: list[ChoiceOut]
    held: bool = False
    held_until: datetime | None = None


class RegistrationOut(msgspec.Struct):
    """A registration as organisers see it. Times are in UTC."""

    id: str
    event: str
    name: str
    email: str
    organisation: str
    title: str
    status: RegistrationStatus
    created_at: datetime
    sessions: list[ChoiceOut]
    answers: dict[str, Any]
    dietary: list[str]
    dietary_other: str
    accessibility: str
    days: list[str]
    language: str
    source: str
    checked_in: bool
    checked_in_at: datetime | None
    cancelled_at: datetime | None


class RegistrationPage(msgspec.Struct):
    registrations: list[RegistrationOut]
    page: int
    per_page: int
    total: int
    next: str | None


class TicketKeyOut(msgspec.Struct):
    """What an offline scanner needs to check a ticket code `HR1.<ticket>.<event>.<signature>`."""

    version: str
    algorithm: str
    public_key: str


# --- turning rows into responses -----------------------------------------------------------------


def _choices(registration: dict[str, Any]) -> list[ChoiceOut]:
    return [
        ChoiceOut(id=str(c["session_uid"]), title=c["title"], status=RegistrationStatus(c["status"]))
        for c in registration["choices"]
    ]


def registration_out(row: dict[str, Any]) -> RegistrationOut:
    return RegistrationOut(
        id=str(row["uid"]),
        event=row["event_slug"],
        name=row["name"],
        email=row["email"],
        organisation=row["organisation_code"] or row["organisation_text"] or "",
        title=row["title"],
        status=RegistrationStatus(row["status"]),
        created_at=row["created_at"],
        sessions=_choices(row),
        answers=dict(row["answers"] or {}),
        dietary=list(row["dietary"] or []),
        dietary_other=row["dietary_other"],
        accessibility=row["accessibility"],
        days=list(row["days"] or []),
        language=row["language"],
        source=row["source"],
        checked_in=row["checked_in_at"] is not None,
        checked_in_at=row["checked_in_at"],
        cancelled_at=row["cancelled_at"],
    )


def _api_fields(failure: ValidationFailed) -> ValidationFailed:
    """The form's field names for answers (`answer_<key>`) become the body's (`answers.<key>`)."""
    renamed = {
        (f"answers.{name.removeprefix('answer_')}" if name.startswith("answer_") else name): error
        for name, error in failure.errors.items()
    }
    return ValidationFailed(renamed)


# --- the endpoints -------------------------------------------------------------------------------

# What each error status means on these routes.
_ERRORS = {
    400: "The request could not be read: not JSON, a wrong type, a missing or unknown field, or a bad query "
    "parameter (code `validation_error`, with `errors`).",
    401: TOKEN_REFUSED,
    403: "Registering: the event is for members only (`members_only`: the API has no member sign-in) or by "
    "invitation and no `invitation_token` was given (`invitation_required`), or the `invitation_token` is not "
    "a valid link to this event (`invitation_unknown`). Otherwise: the token's account is not an organiser or "
    "admin (`forbidden`).",
    404: "No such event or registration (code `not_found`).",
    409: "Registering: the address is already registered (`already_registered`; the link to that registration "
    "is mailed to it again), or registration is not open (`registration_not_yet`, `registration_closed`, "
    "`registration_unavailable`).",
    410: "Registering with an invitation that no longer works: revoked by an organiser (`invitation_revoked`), "
    "past its deadline (`invitation_expired`) or to a cancelled event (`invitation_event_cancelled`).",
    422: "The data breaks a rule, with every field at fault (code `validation_error`): an invalid address, an "
    "address other than the invitation's (`email`) when registering with an `invitation_token`, no "
    "consent, an unknown or cancelled session, two sessions at the same time, a full session (join its "
    "waiting list instead), a missing answer to a required question (`answers.<key>`), …",
    429: "Too many attempts from this address or IP; try again later (code `rate_limited`).",
}


class RegistrationsApiController(Controller):
    path = "/"
    tags = ["registrations"]

    @post(
        "/events/{slug:str}/registrations",
        **NO_TOKEN,
        status_code=201,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 409, 410, 422, 429),
    )
    async def register(
        self, request: Request, slug: FromPath[str], data: JSONBody[RegistrationCreate]
    ) -> RegistrationCreated:
        """Register for a published event; no token needed. The person gets a confirmed place while the event
        has places, else a place on its waiting list (`status`). The ticket and the link to change or cancel
        the registration are mailed to the address, never returned here."""
        await token_account(request)  # a token that is sent must be valid, as everywhere in the API
        check_booleans(await request.json(), RegistrationCreate)  # consent: true, not "true" or 1
        try:
            result = await registrations.register(
                slug,
                RegistrationInput(
                    name=data.name,
                    email=data.email,
                    organisation=data.organisation,
                    title=data.title,
                    dietary=list(data.dietary),
                    dietary_other=data.dietary_other,
                    accessibility=data.accessibility,
                    answers=dict(data.answers),
                    sessions=list(data.sessions),
                    waitlist_sessions=list(data.waitlist_sessions),
                    days=[day.isoformat() for day in data.days] if data.days is not None else None,
                    consent=data.consent,
                    language=data.language or i18n.current_language(),
                    invitation_token=data.invitation_token,
                ),
                Registrant(source="api", ip=client_ip(request)),
            )
        except ValidationFailed as failure:
            raise _api_fields(failure) from None
        registration = result.registration
        return RegistrationCreated(
            id=str(registration["uid"]),
            event=registration["event_slug"],
            status=RegistrationStatus(registration["status"]),
            sessions=_choices(registration),
            held=registration["held_until"] is not None,
            held_until=registration["held_until"],
        )

    @get("/events/{slug:str}/registrations", **ORGANISER_TOKEN, responses=error_responses(_ERRORS, 400, 401, 403, 404))
    async def list_registrations(
        self,
        request: Request,
        slug: FromPath[str],
        status: Annotated[
            RegistrationStatus | None, Parameter(description="only registrations with this status")
        ] = None,
        page: Annotated[int, Parameter(ge=1, le=1_000_000, description="the page, from 1")] = 1,
        per_page: Annotated[int, Parameter(ge=1, le=MAX_PER_PAGE, description="registrations per page")] = 50,
    ) -> RegistrationPage:
        """An event's registrations in order of arrival (organisers and admins), a page at a time; `next` is
        the path of the next page, or null on the last."""
        event = await events.get_event(slug)
        total, rows = await registrations.list_registrations(
            event["id"], status=status.value if status else None, offset=(page - 1) * per_page, limit=per_page
        )
        following = None
        if page * per_page < total:
            following = f"{request.url.path}?page={page + 1}&per_page={per_page}"
            if status:
                following += f"&status={status.value}"
        return RegistrationPage(
            registrations=[registration_out(row) for row in rows],
            page=page,
            per_page=per_page,
            total=total,
            next=following,
        )

    @post(
        "/registrations/{uid:str}/cancel",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_ERRORS, 401, 403, 404),
    )
    async def cancel_registration(self, request: Request, uid: FromPath[str]) -> RegistrationOut:
        """Cancel a registration (organisers and admins, also after the event has started). The person is
        mailed, and the freed places go to the first in line at once. Cancelling again changes nothing."""
        return registration_out(await registrations.cancel_registration(uid, token_actor(request), by_organiser=True))


@get("/ticket-key", tags=["tickets"], **TOKEN_OPTIONAL, responses=error_responses(_ERRORS, 401))
async def ticket_key(request: Request) -> TicketKeyOut:
    """The Ed25519 public key (PEM, SubjectPublicKeyInfo) that verifies the signature of a ticket code, and
    the code's format version; a scanner can then check tickets without a connection (docs/tickets.md)."""
    await token_account(request)
    return TicketKeyOut(version=tickets.VERSION, algorithm="Ed25519", public_key=tickets.public_key_pem())
