"""The numbers at the top of the back office: for each upcoming, running or recently ended event, its
places, waiting list, unanswered invitations, check-ins today and what needs doing.

The staff home shows many events at once, so every figure is counted for all of them together, one
grouped query per kind of number (not one per event, nor one per registration). Each count keeps the
meaning of the page it summarises, and the tests hold them to it: places as `waiting_list` counts
them, unanswered invitations as `invitations.state` names them, check-ins today as
`checkins.live_counts`, certificates ready as the "new" of `certificates.preview`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.query import WhereRaw
from piccolo.query.functions.aggregate import Count

from events_app.domain import certificates
from events_app.domain.invitation_links import deadline
from events_app.domain.tables import (
    Event,
    EventDay,
    EventStatus,
    Invitation,
    InvitationStatus,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from events_app.domain.transactions import is_sqlite, utcnow
from events_app.i18n import localtime

CONFIRMED = RegistrationStatus.confirmed.value
WAITLISTED = RegistrationStatus.waitlisted.value
CANCELLED = RegistrationStatus.cancelled.value
# How long after its end an event stays on the home: time to issue its certificates and follow it up.
RECENTLY_ENDED = timedelta(days=30)
# How close the end of registration must be to become something to do.
CLOSING_SOON = timedelta(days=14)
_COLUMNS = (
    Event.id,
    Event.slug,
    Event.title,
    Event.kind,
    Event.status,
    Event.starts_at,
    Event.ends_at,
    Event.capacity,
    Event.registration_opens_at,
    Event.registration_closes_at,
    Event.invitation_deadline,
    Event.completion_rule,
    Event.completion_min,
)


@dataclass
class EventFigures:
    """One event's numbers as the organisers' pages show them."""

    event: dict[str, Any]
    phase: str  # "upcoming", "running" (today is one of its days, or between them) or "ended"
    registered: int = 0  # confirmed places, reserved ones included
    places_taken: int = 0  # confirmed places that count against the capacity (as waiting_list counts them)
    waitlisted: int = 0
    unanswered_invitations: int = 0  # sent, not answered, not expired
    today_is_a_day: bool = False  # today is one of its days (a module's occasions): check-in is on
    checked_in_today: int = 0
    expected_today: int = 0
    certificates_ready: int = 0  # earned and not yet issued, while issuing is possible
    failed_mails: int = 0
    closes_in_days: int | None = None  # registration closes within CLOSING_SOON: in this many days
    todos: list[str] = field(default_factory=list)

    @property
    def capacity(self) -> int | None:
        return self.event["capacity"]

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.places_taken >= self.capacity


async def home_events(now: datetime | None = None) -> list[EventFigures]:
    """Running and upcoming events (drafts too), then published events ended in the last 30 days:
    each with its figures."""
    now = now or utcnow()
    rows = await (
        Event.select(*_COLUMNS)
        .where(
            ((Event.status == EventStatus.published.value) & (Event.ends_at >= now - RECENTLY_ENDED))
            | ((Event.status == EventStatus.draft.value) & (Event.ends_at >= now))
        )
        .order_by(Event.starts_at)
    )
    figures = await figures_of(rows, now)  # by start
    ended = sorted((f for f in figures if f.phase == "ended"), key=lambda f: f.event["ends_at"], reverse=True)
    return [f for f in figures if f.phase == "running"] + [f for f in figures if f.phase == "upcoming"] + ended


async def event_figures(slug: str, now: datetime | None = None) -> EventFigures:
    """One event's figures, for the top of its overview page."""
    event = await Event.select(*_COLUMNS).where(Event.slug == slug).first()
    return (await figures_of([event], now or utcnow()))[0]


async def door_events(now: datetime | None = None) -> list[EventFigures]:
    """For check-in staff: the events with a day today, with only the figures the scanner page shows
    them too (checked in / expected today); nothing about invitations, certificates or mail."""
    now = now or utcnow()
    today = localtime(now).date()
    rows = (
        await Event.select(*_COLUMNS)
        .where((Event.status == EventStatus.published.value) & Event.id.is_in(await _ids_with_day(today) or [0]))
        .order_by(Event.starts_at)
    )
    figures = [EventFigures(row, _phase(row, now, True), today_is_a_day=True) for row in rows]
    await _count_check_ins(figures, today)
    return figures


async def figures_of(rows: list[dict[str, Any]], now: datetime) -> list[EventFigures]:
    if not rows:
        return []
    today = localtime(now).date()
    days = await _days_of([row["id"] for row in rows])
    figures = []
    for row in rows:
        row = {**row, "days": [{"day": day} for day in days.get(row["id"], [])]}
        today_is_a_day = today in days.get(row["id"], [])
        figures.append(EventFigures(row, _phase(row, now, today_is_a_day), today_is_a_day=today_is_a_day))
    by_id = {f.event["id"]: f for f in figures}
    await _count_registrations(by_id)
    await _count_unanswered_invitations(by_id, now)
    await _count_check_ins([f for f in figures if f.today_is_a_day], today)
    await _count_certificates_ready([f for f in figures if not certificates.issuing_refusal(f.event, now)])
    await _count_failed_mails(by_id)
    for f in figures:
        f.closes_in_days = _closes_in_days(f.event, now)
        f.todos = _todos(f)
    return figures


def _phase(event: dict[str, Any], now: datetime, today_is_a_day: bool) -> str:
    """Running from the morning of its first day (the door opens before the programme starts)."""
    if now < event["starts_at"] and not today_is_a_day:
        return "upcoming"
    return "running" if now <= event["ends_at"] else "ended"


def _closes_in_days(event: dict[str, Any], now: datetime) -> int | None:
    closes = event["registration_closes_at"]
    if event["status"] != EventStatus.published.value or closes is None or not now < closes <= now + CLOSING_SOON:
        return None
    return (localtime(closes).date() - localtime(now).date()).days


def _todos(f: EventFigures) -> list[str]:
    """What needs doing, most urgent first, as keys the templates word."""
    todos = []
    if f.failed_mails:
        todos.append("failed_mails")
    if f.certificates_ready:
        todos.append("certificates_ready")
    if f.full and f.waitlisted and f.phase != "ended":
        todos.append("full_with_waiting_list")
    if f.closes_in_days is not None:
        todos.append("closes_soon")
    return todos


def _in(ids: Iterable[int]) -> tuple[str, list[int]]:
    """`IN (...)` for a raw query: its placeholders and values."""
    values = list(ids) or [0]
    return "(" + ", ".join("{}" for _ in values) + ")", values


async def _days_of(event_ids: list[int]) -> dict[int, list[date]]:
    days: dict[int, list[date]] = {}
    query = EventDay.select(EventDay.event, EventDay.day).where(EventDay.event.is_in(event_ids or [0]))
    for row in await query.order_by(EventDay.day):
        days.setdefault(row["event"], []).append(row["day"])
    return days


async def _ids_with_day(day: date) -> list[int]:
    return [row["event"] for row in await EventDay.select(EventDay.event).where(EventDay.day == day)]


async def _count_registrations(by_id: dict[int, EventFigures]) -> None:
    rows = await (
        Registration.select(Registration.event, Registration.status, Registration.reserved_place, Count(alias="n"))
        .where(Registration.event.is_in(list(by_id)) & (Registration.status != CANCELLED))
        .group_by(Registration.event, Registration.status, Registration.reserved_place)
    )
    for row in rows:
        figures = by_id[row["event"]]
        if row["status"] == CONFIRMED:
            figures.registered += row["n"]
            if not row["reserved_place"]:  # places reserved by invitations are on top of the capacity
                figures.places_taken += row["n"]
        elif row["status"] == WAITLISTED:
            figures.waitlisted += row["n"]


async def _count_unanswered_invitations(by_id: dict[int, EventFigures], now: datetime) -> None:
    """Mailed and still pending, before the deadline, and not registered another way (the states
    `invitations.state` calls queued, sent, opened and not delivered)."""
    open_ids = [event_id for event_id, f in by_id.items() if now < deadline(f.event)]
    if not open_ids:
        return
    rows = await (
        Invitation.select(Invitation.event, Count(alias="n"))
        .where(
            Invitation.event.is_in(open_ids)
            & (Invitation.status == InvitationStatus.pending.value)
            & Invitation.mailed_at.is_not_null()
            & WhereRaw(
                "NOT EXISTS (SELECT 1 FROM registration r WHERE r.event = invitation.event"
                " AND r.email = invitation.email AND r.status != {})",
                CANCELLED,
            )
        )
        .group_by(Invitation.event)
    )
    for row in rows:
        by_id[row["event"]].unanswered_invitations = row["n"]


async def _count_check_ins(figures: list[EventFigures], day: date) -> None:
    """Checked in / expected for `day`, as the live view counts them: confirmed registrations for the
    day, and of those the ones with any check-in that day (at the entrance or a session's door)."""
    if not figures:
        return
    by_id = {f.event["id"]: f for f in figures}
    placeholders, ids = _in(by_id)
    rows = await Registration.raw(
        "SELECT r.event AS event, COUNT(*) AS expected, SUM(CASE WHEN EXISTS (SELECT 1 FROM attendance a"
        " WHERE a.registration = r.id AND a.day = {}) THEN 1 ELSE 0 END) AS checked_in"
        f" FROM registration r WHERE r.status = {{}} AND r.event IN {placeholders}"
        " AND CAST(r.days AS TEXT) LIKE {} GROUP BY r.event",
        day,
        CONFIRMED,
        *ids,
        f'%"{day.isoformat()}"%',
    )
    for row in rows:
        by_id[row["event"]].expected_today = row["expected"]
        by_id[row["event"]].checked_in_today = row["checked_in"] or 0


async def _count_certificates_ready(figures: list[EventFigures]) -> None:
    """Registrations that have earned a certificate under their event's rule (`certificates.judge`)
    and hold none yet: counted by how many of the event's days each attended, judged per count."""
    if not figures:
        return
    by_id = {f.event["id"]: f for f in figures}
    placeholders, ids = _in(by_id)
    rows = await Registration.raw(
        "SELECT event, attended, COUNT(*) AS n FROM ("
        " SELECT a.event AS event, a.registration AS registration, COUNT(DISTINCT a.day) AS attended"
        " FROM attendance a"
        " JOIN registration r ON r.id = a.registration"
        " JOIN person p ON p.id = r.person"
        " JOIN event_day d ON d.event = a.event AND d.day = a.day"
        f" WHERE a.event IN {placeholders} AND r.status != {{}} AND p.erased_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM certificate c WHERE c.registration = r.id AND c.current_key IS NOT NULL)"
        " GROUP BY a.event, a.registration) AS per_registration GROUP BY event, attended",
        *ids,
        CANCELLED,
    )
    for row in rows:
        f = by_id[row["event"]]
        earned, _, _ = certificates.judge(f.event, row["attended"], len(f.event["days"]))
        if earned:
            f.certificates_ready += row["n"]


async def _count_failed_mails(by_id: dict[int, EventFigures]) -> None:
    """Mails about the event the sender gave up on: the latest invitation mails, mailings,
    certificates, and the registration mails (which name their registration in `build_args`)."""
    placeholders, ids = _in(by_id)
    registration_uid = (
        "json_extract(m.build_args, '$.registration') = r.uid"
        if is_sqlite()
        else "(m.build_args ->> 'registration') = CAST(r.uid AS TEXT)"
    )
    failed = OutboxStatus.failed.value
    rows = await Registration.raw(
        "SELECT event, COUNT(*) AS n FROM ("
        " SELECT i.event AS event, m.id AS message FROM invitation i JOIN outbox_message m ON m.id = i.last_message"
        f" WHERE m.status = {{}} AND i.event IN {placeholders}"
        " UNION SELECT g.event, m.id FROM mailing_recipient mr JOIN mailing g ON g.id = mr.mailing"
        f" JOIN outbox_message m ON m.id = mr.message WHERE m.status = {{}} AND g.event IN {placeholders}"
        " UNION SELECT c.event, m.id FROM certificate c JOIN outbox_message m ON m.id = c.message"
        f" WHERE m.status = {{}} AND c.event IN {placeholders}"
        f" UNION SELECT r.event, m.id FROM outbox_message m JOIN registration r ON {registration_uid}"
        f" WHERE m.status = {{}} AND r.event IN {placeholders}"
        ") AS failed GROUP BY event",
        *[value for _ in range(4) for value in (failed, *ids)],
    )
    for row in rows:
        by_id[row["event"]].failed_mails = row["n"]
