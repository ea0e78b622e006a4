"""Telling registered people about changes: a moved, changed or cancelled session, a cancelled event.

Each function queues one mail per person, in the transaction of the change (the mail is rendered
when sent, by `registration_mail.py`).
"""

from __future__ import annotations

from typing import Any

from events_app.domain import outbox
from events_app.domain.tables import Registration, RegistrationStatus, SessionChoice

CANCELLED = RegistrationStatus.cancelled.value


async def registrations_of_session(session: dict[str, Any]) -> list[dict[str, Any]]:
    """Who is registered to a session: those who chose it (sign-up sessions), else everyone registered
    to the event; cancelled registrations and choices left out."""
    columns = (Registration.id, Registration.uid, Registration.email, Registration.name, Registration.language)
    if session["requires_signup"]:
        ids = [
            row["registration"]
            for row in await SessionChoice.select(SessionChoice.registration).where(
                (SessionChoice.session == session["id"]) & (SessionChoice.status != CANCELLED)
            )
        ]
        query = Registration.select(*columns).where(Registration.id.is_in(ids or [0]))
    else:
        query = Registration.select(*columns).where(Registration.event == session["event"])
    return await query.where(Registration.status != CANCELLED).order_by(Registration.id)


async def notify_session_changed(session: dict[str, Any], change: dict[str, Any]) -> int:
    """Queue one mail to each person registered to a moved, changed or cancelled session.

    `change` is {"fields": [...], "before": {...}} for this one edit. Call inside the edit's transaction.
    """
    people = await registrations_of_session(session)
    for row in people:
        await outbox.enqueue_later_for_registration(
            row, "session_changed", session=str(session["uid"]), fields=change["fields"], before=change["before"]
        )
    return len(people)


async def notify_event_cancelled(event_id: int) -> int:
    """Queue one mail to each person registered (or waiting) for a cancelled event."""
    rows = await Registration.select(
        Registration.uid, Registration.email, Registration.name, Registration.language
    ).where((Registration.event == event_id) & (Registration.status != CANCELLED))
    for row in rows:
        await outbox.enqueue_later_for_registration(row, "event_cancelled")
    return len(rows)
