"""Reminders: one mail to each confirmed registrant a few days (REMINDER_DAYS) before the event.

The sender of every web and worker process calls `queue_due_reminders` once a minute; each
registration is reminded exactly once however many run it at the same moment. Someone whose
confirmation (or promotion) mail already falls within the reminder period is not reminded again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events_app.domain import outbox
from events_app.domain.tables import Event, EventStatus, Registration
from events_app.domain.transactions import atomic, utcnow
from events_app.settings import get_settings


def already_reminded(event_starts_at: datetime, now: datetime | None = None) -> datetime | None:
    """The reminder mark for a place confirmed now: set when its mail already does a reminder's job."""
    now = now or utcnow()
    days = get_settings().reminder_days
    return now if days > 0 and event_starts_at - now <= timedelta(days=days) else None


async def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every confirmed registration whose event starts within REMINDER_DAYS.

    Exactly once per registration, however many processes run this at the same moment: the
    conditional UPDATE marks a registration and the mail is queued in the same transaction, and a
    second process's UPDATE finds the mark already set (PostgreSQL re-checks the condition after
    waiting for the row lock; SQLite runs the transactions one after the other).
    """
    days = get_settings().reminder_days
    if days <= 0:
        return 0
    now = now or utcnow()
    due_events = await Event.select(Event.id).where(
        (Event.status == EventStatus.published)
        & (Event.starts_at > now)
        & (Event.starts_at <= now + timedelta(days=days))
    )
    if not due_events:
        return 0
    queued = 0
    async with atomic():
        rows = await Registration.raw(
            "UPDATE registration SET reminder_queued_at = {} WHERE event IN ("
            + ", ".join(str(int(e["id"])) for e in due_events)
            + ") AND status = 'confirmed' AND reminder_queued_at IS NULL RETURNING uid, email, name, language",
            now,
        )
        for row in rows:
            await outbox.enqueue_later_for_registration(row, "event_reminder")
            queued += 1
    return queued
