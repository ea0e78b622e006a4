"""Registrations held until confirmed: those from a burst (many anonymous registrations for one event
from one IP address, see `registrations._burst_of`). A held registration keeps its place, but its
person must confirm by the link in the mail within REGISTRATION_HOLD_HOURS; the ticket is mailed
then. Unconfirmed, the place is released when the time passes and goes to the next in line. The
organisers see the held registrations grouped by burst and can cancel a burst at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events_app.domain import audit, outbox, registrations, waiting_list
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError
from events_app.domain.events import get_event
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import Registration, RegistrationStatus
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import N_

CANCELLED = RegistrationStatus.cancelled.value


def _held():
    """The condition of a registration whose place is still held (neither confirmed nor cancelled)."""
    return Registration.held_until.is_not_null() & (Registration.status != CANCELLED)


@changes_public_pages
async def confirm(manage_token: str) -> dict[str, Any]:
    """The person confirms their held registration (its private page's button): the hold ends and
    the ticket is mailed. Confirming again changes nothing; an expired hold cannot be confirmed."""
    found = await registrations.by_manage_token(manage_token)
    async with atomic():
        await waiting_list.lock_event(found["event"])
        current = await registrations.by_manage_token(manage_token)
        if current["held_until"] is None:
            return current
        if current["status"] == CANCELLED or current["held_until"] <= utcnow():
            raise DomainError(N_("The time to confirm this registration has passed."), code="hold_expired")
        await Registration.update({Registration.held_until: None, Registration.updated_at: utcnow()}).where(
            Registration.id == current["id"]
        )
        await outbox.enqueue_later_for_registration(current, "registration_received")
        await audit.record(
            "registration.hold_confirmed",
            Actor(current["name"], person_id=current["person"]),
            object_type="registration",
            object_id=current["uid"],
            summary=f"{current['event_slug']}: {current['name']}",
        )
    return await registrations.by_manage_token(manage_token)


async def mail_confirmation_again(uid: str, *, ip: str) -> dict[str, Any]:
    """Mail a held registration's confirmation link again (the "check your email" page's button).

    Counted like registering (`registrations.count_attempt`, raises RateLimited), since re-sending
    the form mails the link again too. A registration no longer held has nothing to confirm.
    """
    current = await registrations.get_registration(uid)
    if current["held_until"] is None or current["status"] == CANCELLED or current["held_until"] <= utcnow():
        raise DomainError(N_("This registration is no longer waiting for a confirmation."), code="not_held")
    await registrations.count_attempt(current["email"], ip)
    async with atomic():
        await outbox.enqueue_later_for_registration(current, "registration_held")
    return current


@changes_public_pages
async def release_expired(now: datetime | None = None) -> int:
    """Cancel the held registrations nobody confirmed in time; their places go to the next in line.
    Run by the mail sender once a minute. Returns how many were released."""
    expired = await Registration.select(Registration.uid).where(
        _held() & (Registration.held_until <= (now or utcnow()))
    )
    for row in expired:
        await registrations.cancel_registration(
            str(row["uid"]), Actor.system("unconfirmed registration"), by_organiser=True, notify=False
        )
    return len(expired)


async def held_bursts(event_id: int) -> list[dict[str, Any]]:
    """The event's held registrations, grouped by burst: each burst's key, registrations and latest hold."""
    rows = (
        await Registration.select(
            Registration.uid, Registration.name, Registration.email, Registration.burst, Registration.held_until
        )
        .where((Registration.event == event_id) & _held())
        .order_by(Registration.id)
    )
    bursts: dict[str, dict[str, Any]] = {}
    for row in rows:
        burst = bursts.setdefault(row["burst"], {"burst": row["burst"], "registrations": []})
        burst["registrations"].append(row)
    return list(bursts.values())


@changes_public_pages
async def cancel_burst(event_slug: str, burst: str, actor: Actor) -> int:
    """An organiser cancels every held registration of one burst at once; returns how many."""
    event = await get_event(event_slug)
    rows = (
        await Registration.select(Registration.uid).where(
            (Registration.event == event["id"]) & (Registration.burst == burst) & _held()
        )
        if burst
        else []
    )
    for row in rows:
        await registrations.cancel_registration(str(row["uid"]), actor, by_organiser=True, notify=False)
    if rows:
        await audit.record(
            "registration.burst_cancelled", actor, object_type="event", object_id=event_slug, summary=str(len(rows))
        )
    return len(rows)
