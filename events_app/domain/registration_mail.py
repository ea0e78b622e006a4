"""The registration mails, rendered when the sender sends them (queued with `outbox.enqueue_later`).

Rendering at send time keeps a registration request to one small insert, and each mail shows the
registration as it stands when it leaves: a mail queued for someone who cancelled a second later is
not sent at all (the builder returns None).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events_app.domain import calendar, links, registrations, tickets
from events_app.domain.errors import NotFound
from events_app.domain.events import get_event
from events_app.domain.outbox import Attachment, BuiltMail, mail_builder
from events_app.domain.programme import get_session
from events_app.domain.tables import EventStatus
from events_app.i18n import N_, format_datetime, gettext, use_language

CONFIRMED, CANCELLED = registrations.CONFIRMED, registrations.CANCELLED
PUBLISHED = EventStatus.published.value
CALLED_OFF = (EventStatus.cancelled.value, EventStatus.archived.value)

# How a changed field is named in the mail.
_FIELD_LABELS = {
    "title": N_("Title"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "room": N_("Room"),
    "status": N_("Status"),
}
_STATUS_LABELS = {"scheduled": N_("as planned"), "cancelled": N_("cancelled")}


async def _load(args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    try:
        registration = await registrations.get_registration(args["registration"])
        event = await get_event(registration["event_slug"])
    except NotFound:
        return None
    return registration, event


def _ticket_attachments(registration: dict[str, Any], event: dict[str, Any]) -> list[Attachment]:
    """The QR code shown inline and the event's calendar file, for a confirmed place (not while it is
    held: the ticket comes when the person confirms)."""
    if not registrations.has_ticket(registration):
        return []
    return [
        Attachment("ticket.png", "image/png", tickets.qr_png(registration["ticket_code"]), content_id="ticket-qr"),
        Attachment(f"{event['slug']}.ics", "text/calendar", _calendar_file(registration, event)),
    ]


def _calendar_file(registration: dict[str, Any], event: dict[str, Any]) -> bytes:
    """The event's calendar file in the language of the mail it goes with."""
    with use_language(registration["language"]):
        return calendar.event_calendar(event)


def _mail(
    template: str, registration: dict[str, Any], event: dict[str, Any], *, ticket: bool = False, **extra: Any
) -> BuiltMail:
    return BuiltMail(
        template=template,
        context={
            "registration": registration,
            "event": event,
            "manage_url": links.my_registration_url(registration["manage_token"]),
            **extra,
        },
        attachments=_ticket_attachments(registration, event) if ticket else [],
        language=registration["language"],
    )


@mail_builder("registration_received")
async def registration_received(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    # A draft is fine (an organiser registering people before publishing); an event called off is not.
    if loaded is None or loaded[0]["status"] == CANCELLED or loaded[1]["status"] in CALLED_OFF:
        return None
    return _mail("registration_received", *loaded, ticket=True)


@mail_builder("registration_promoted")
async def registration_promoted(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None or loaded[0]["status"] != CONFIRMED or loaded[1]["status"] != PUBLISHED:
        return None
    return _mail("registration_promoted", *loaded, ticket=True)


@mail_builder("registration_link")
async def registration_link(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None or loaded[0]["status"] == CANCELLED:
        return None
    return _mail("registration_link", *loaded, ticket=True)


@mail_builder("registration_held")
async def registration_held(args: dict[str, Any]) -> BuiltMail | None:
    """A registration from a burst: confirm it (its page has the button), or say it was not you."""
    loaded = await _load(args)
    if loaded is None or loaded[0]["status"] == CANCELLED or loaded[0].get("held_until") is None:
        return None
    registration = loaded[0]
    return _mail(
        "registration_held",
        *loaded,
        held_until=registration["held_until"],
        not_me_url=links.cancel_registration_url(registration["manage_token"]),
    )


@mail_builder("registration_cancelled")
async def registration_cancelled(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None or loaded[0]["status"] != CANCELLED:
        return None
    return _mail("registration_cancelled", *loaded, place_given_on=bool(args.get("place_given_on")))


@mail_builder("event_cancelled")
async def event_cancelled(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None:
        return None
    return _mail("event_cancelled", *loaded)


@mail_builder("event_reminder")
async def event_reminder(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None or loaded[0]["status"] != CONFIRMED or loaded[1]["status"] != PUBLISHED:
        return None
    return _mail("event_reminder", *loaded, ticket=True)


@mail_builder("session_place")
async def session_place(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None:
        return None
    registration, event = loaded
    choice = next((c for c in registration["choices"] if str(c["session_uid"]) == args["session"]), None)
    if (
        registration["status"] != CONFIRMED
        or choice is None
        or choice["status"] != CONFIRMED
        or event["status"] != PUBLISHED
    ):
        return None
    return _mail("session_place", registration, event, session=await get_session(args["session"]))


@mail_builder("session_changed")
async def session_changed(args: dict[str, Any]) -> BuiltMail | None:
    loaded = await _load(args)
    if loaded is None or loaded[0]["status"] == CANCELLED:
        return None
    registration, event = loaded
    session = await get_session(args["session"])
    with use_language(registration["language"]):
        changes = [
            {
                "label": gettext(_FIELD_LABELS[name]),
                "before": _shown(name, args["before"].get(name)),
                "after": _shown(name, session[name]),
            }
            for name in args["fields"]
            if name in _FIELD_LABELS
        ]
    return _mail("session_changed", registration, event, session=session, changes=changes)


def _shown(field: str, value: Any) -> str:
    """A changed value as the reader should see it: times in Stockholm, statuses in words."""
    if field in ("starts_at", "ends_at") and value:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return format_datetime(moment)
    if field == "status":
        return gettext(_STATUS_LABELS.get(value, value or ""))
    return str(value or "–")
