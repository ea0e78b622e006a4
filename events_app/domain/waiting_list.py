"""Places and waiting lists: counting confirmed places and promoting the first in line.

Every change to an event's places runs inside a transaction that first calls `lock_event`: on
PostgreSQL a row lock on the event, on SQLite the write lock `atomic()` already holds. So counting
places and taking one are never interleaved between two requests, and a capacity is never exceeded
by the automatic rules. (An organiser may confirm someone beyond the capacity by hand: an explicit,
audited decision.)

The queue order is the order of arrival: a registration's or a session choice's id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from events_app.domain import audit, outbox, reminders
from events_app.domain.audit import Actor
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    Event,
    EventStatus,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from events_app.domain.transactions import is_sqlite, utcnow

CONFIRMED = RegistrationStatus.confirmed.value
WAITLISTED = RegistrationStatus.waitlisted.value
CANCELLED = RegistrationStatus.cancelled.value


async def lock_event(event_id: int) -> None:
    """Serialise every change to this event's places until the transaction ends."""
    if not is_sqlite():  # SQLite's IMMEDIATE transaction already holds the database's write lock
        await Event.raw("SELECT id FROM event WHERE id = {} FOR UPDATE", event_id)


async def lock_and_read_event(event_id: int) -> dict:
    """`lock_event`, and the event's state as it is now that nobody else can change it."""
    query = Event.select(
        Event.status,
        Event.published_at,
        Event.capacity,
        Event.starts_at,
        Event.registration_opens_at,
        Event.registration_closes_at,
        Event.invitation_deadline,
    ).where(Event.id == event_id)
    if not is_sqlite():
        query = query.lock_rows()
    return await query.first()


def _taking_places(events):
    """Registrations of `events` (a condition on Registration.event) that take a place: confirmed,
    and not on a place an invitation reserved on top of the capacity."""
    return events & (Registration.status == CONFIRMED) & (Registration.reserved_place == False)


async def confirmed_registrations(event_id: int) -> int:
    """The event's confirmed places that count against its capacity: places reserved by invitations
    are on top of it."""
    return await Registration.count().where(_taking_places(Registration.event == event_id))


async def confirmed_registrations_of(event_ids: list[int]) -> dict[int, int]:
    """`confirmed_registrations` of many events in one grouped query, for a listing (no lock: what a
    listing shows may be a moment old; registering counts again under the lock). {event id: places}"""
    if not event_ids:
        return {}
    rows = (
        await Registration.select(Registration.event, Count(Registration.id, alias="taken"))
        .where(_taking_places(Registration.event.is_in(event_ids)))
        .group_by(Registration.event)
    )
    return {row["event"]: row["taken"] for row in rows}


def places_left(capacity: int | None, confirmed: int) -> int | None:
    """The places registering can still take (0: full, the next goes on the waiting list); None when
    the event has no capacity."""
    return None if capacity is None else max(capacity - confirmed, 0)


async def queue_position(registration: dict[str, Any]) -> int:
    """A waitlisted registration's place in its event's queue: the order of arrival, as promotion takes it."""
    return await Registration.count().where(
        (Registration.event == registration["event"])
        & (Registration.status == WAITLISTED)
        & (Registration.id <= registration["id"])
    )


async def confirmed_places(session_id: int) -> int:
    return await SessionChoice.count().where(
        (SessionChoice.session == session_id) & (SessionChoice.status == CONFIRMED)
    )


async def confirm(
    registration: dict[str, Any],
    event_starts_at: datetime,
    actor: Actor,
    action: str,
    *,
    reserved_place: bool | None = None,
) -> None:
    """Give a waiting registration its place: confirmed now, audited as `action`, and mailed.

    Inside the transaction that holds `lock_event`. `reserved_place`, when given, says whether the
    place is one an invitation reserved on top of the capacity (an organiser's decision).
    """
    now = utcnow()
    values = {
        Registration.status: CONFIRMED,
        Registration.confirmed_at: now,
        Registration.updated_at: now,
        Registration.reminder_queued_at: reminders.already_reminded(event_starts_at, now),
    }
    if reserved_place is not None:
        values[Registration.reserved_place] = reserved_place
    await Registration.update(values).where(Registration.id == registration["id"])
    await audit.record(
        action, actor, object_type="registration", object_id=registration["uid"], summary=registration["name"]
    )
    await outbox.enqueue_later_for_registration(registration, "registration_promoted")


@changes_public_pages
async def fill_event(event_id: int, actor: Actor) -> list[int]:
    """Confirm waiting registrations while the event has places, then fill its sessions' places.

    Call inside a transaction that holds `lock_event`. Each promoted person is mailed once (the
    mail lists their sessions as they stand when it is sent). Returns the promoted registrations' ids.
    """
    event = (
        await Event.select(Event.id, Event.capacity, Event.starts_at, Event.status).where(Event.id == event_id).first()
    )
    if event["status"] != EventStatus.published.value:
        return []  # nobody gets a place in a draft, cancelled or archived event
    waiting = (
        Registration.select(
            Registration.id, Registration.uid, Registration.email, Registration.name, Registration.language
        )
        .where((Registration.event == event_id) & (Registration.status == WAITLISTED))
        .order_by(Registration.id)
    )
    if event["capacity"] is not None:
        free = event["capacity"] - await confirmed_registrations(event_id)
        waiting = None if free <= 0 else waiting.limit(free)
    promoted: list[int] = []
    for registration in await waiting if waiting is not None else []:
        await confirm(registration, event["starts_at"], actor, "registration.promoted")
        promoted.append(registration["id"])
    sessions = await ProgrammeSession.select(ProgrammeSession.id).where(
        (ProgrammeSession.event == event_id) & (ProgrammeSession.requires_signup == True)
    )
    for session in sessions:
        await fill_session(session["id"], actor, already_told=set(promoted))
    return promoted


@changes_public_pages
async def fill_session(session_id: int, actor: Actor, *, already_told: set[int] | None = None) -> list[int]:
    """Confirm waiting choices of confirmed registrations while the session has places.

    Call inside a transaction that holds `lock_event`. Someone promoted to the event in the same
    step (`already_told`) gets no second mail: their promotion mail lists the session.
    """
    session = (
        await ProgrammeSession.select(
            ProgrammeSession.id,
            ProgrammeSession.uid,
            ProgrammeSession.capacity,
            ProgrammeSession.status,
            ProgrammeSession.event.status.as_alias("event_status"),
        )
        .where(ProgrammeSession.id == session_id)
        .first()
    )
    if session is None or session["status"] != "scheduled" or session["event_status"] != EventStatus.published.value:
        return []
    waiting = (
        SessionChoice.select(
            SessionChoice.id,
            SessionChoice.registration,
            SessionChoice.registration.uid.as_alias("registration_uid"),
            SessionChoice.registration.email.as_alias("email"),
            SessionChoice.registration.name.as_alias("name"),
            SessionChoice.registration.language.as_alias("language"),
        )
        .where(
            (SessionChoice.session == session_id)
            & (SessionChoice.status == WAITLISTED)
            & (SessionChoice.registration.status == CONFIRMED)
        )
        .order_by(SessionChoice.id)
    )
    if session["capacity"] is not None:
        free = session["capacity"] - await confirmed_places(session_id)
        if free <= 0:
            return []
        waiting = waiting.limit(free)
    promoted = []
    for choice in await waiting:
        await SessionChoice.update({SessionChoice.status: CONFIRMED}).where(SessionChoice.id == choice["id"])
        # The ticket now admits to the session: the door lists on devices sync by updated_at.
        await Registration.update({Registration.updated_at: utcnow()}).where(Registration.id == choice["registration"])
        await audit.record(
            "session_choice.promoted",
            actor,
            object_type="registration",
            object_id=choice["registration_uid"],
            summary=str(session["uid"]),
        )
        if choice["registration"] not in (already_told or set()):
            await outbox.enqueue_later(
                to_address=choice["email"],
                to_name=choice["name"],
                language=choice["language"],
                kind="session_place",
                build_args={"registration": str(choice["registration_uid"]), "session": str(session["uid"])},
            )
        promoted.append(choice["id"])
    return promoted
