"""The council's year planned in one step: last year's council meetings and sustainability days copied
as drafts into the new year, each on the same ISO week and weekday, for the organiser to adjust and
publish.

A copy is made by `events.copy_event` (days and sessions moved by whole days, so 09.00 stays 09.00 in
Stockholm across daylight saving), and takes over the questions, the certificate rule, the records
plan (`preserve`) and the invited guests (new invitations, not sent). Members, substitutes and the
preparatory group are not copied: they are invited as who is in office on the new date. Every copy
knows its source (`Event.copied_from`), which is what keeps a second press of the button from
copying the year twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from events_app.domain import audit, events, invitations, questions, waiting_list
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.tables import Event, EventKind, EventStatus
from events_app.domain.transactions import atomic
from events_app.domain.validation import required_text
from events_app.i18n import N_, STOCKHOLM, localtime

# The kinds of event the council's year is made of (training modules are planned on their own).
PLANNED_KINDS = (EventKind.council_meeting.value, EventKind.sustainability_day.value)
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass
class ProposedCopy:
    """One event of the source year and what its copy is proposed to be."""

    source: dict[str, Any]
    start: date
    title: str
    title_en: str


@dataclass
class Adjustment:
    """The organiser's changes to one proposed copy; None keeps the proposal."""

    start: date | None = None
    title: str | None = None


def weeks_in(iso_year: int) -> int:
    """52 or 53: 28 December is always in the ISO year's last week."""
    return date(iso_year, 12, 28).isocalendar().week


def same_week_and_weekday(day: date, years_on: int) -> date:
    """The day with the same ISO week number and weekday `years_on` ISO years later; a week 53 the
    target year lacks becomes its last week."""
    iso = day.isocalendar()
    year = iso.year + years_on
    return date.fromisocalendar(year, min(iso.week, weeks_in(year)), iso.weekday)


def renamed(title: str, from_year: int, to_year: int) -> str:
    """The title with the source year, written as a year of its own, replaced by the target year."""
    return re.sub(rf"(?<!\d){from_year}(?!\d)", str(to_year), title)


def _year_start(year: int) -> datetime:
    """New Year in Stockholm, as UTC (the form every stored instant is compared in)."""
    return datetime(year, 1, 1, tzinfo=STOCKHOLM).astimezone(UTC)


def check_years(from_year: int, to_year: int) -> None:
    errors: dict[str, DomainError | str] = {}
    for name, year in (("from_year", from_year), ("to_year", to_year)):
        if not MIN_YEAR <= year <= MAX_YEAR:
            errors[name] = DomainError(N_("Give a year between %(min)s and %(max)s."), min=MIN_YEAR, max=MAX_YEAR)
    if not errors and to_year <= from_year:
        errors["to_year"] = N_("The year to plan must come after the year copied from.")
    if errors:
        raise ValidationFailed(errors)


async def _sources(from_year: int) -> list[dict[str, Any]]:
    """The council meetings and sustainability days starting in the year (Stockholm time), not cancelled."""
    return (
        await Event.select()
        .where(
            Event.kind.is_in(list(PLANNED_KINDS))
            & (Event.status != EventStatus.cancelled)
            & (Event.starts_at >= _year_start(from_year))
            & (Event.starts_at < _year_start(from_year + 1))
        )
        .order_by(Event.starts_at)
        .order_by(Event.id)
    )


async def proposed_plan(from_year: int, to_year: int) -> list[ProposedCopy]:
    """What copying `from_year` into `to_year` would create, in the order of the source events."""
    check_years(from_year, to_year)
    return [
        ProposedCopy(
            source=source,
            start=same_week_and_weekday(localtime(source["starts_at"]).date(), to_year - from_year),
            title=renamed(source["title"], from_year, to_year),
            title_en=renamed(source["title_en"], from_year, to_year),
        )
        for source in await _sources(from_year)
    ]


def start_field(item: ProposedCopy) -> str:
    """The form field of the copy's start date (and of its message)."""
    return f"start_{item.source['uid']}"


def title_field(item: ProposedCopy) -> str:
    return f"title_{item.source['uid']}"


def _adjusted(plan: list[ProposedCopy], to_year: int, adjustments: dict[str, Adjustment]) -> list[ProposedCopy]:
    """The plan with the organiser's changes, or ValidationFailed naming every bad date and title."""
    errors: dict[str, DomainError | str] = {}
    for item in plan:
        change = adjustments.get(str(item.source["uid"]), Adjustment())
        if change.start is not None:
            item.start = change.start
        if item.start.year != to_year:
            errors[start_field(item)] = DomainError(N_("Choose a date in %(year)s."), year=to_year)
        if change.title is not None:
            try:
                item.title = required_text(change.title, field=title_field(item))
            except DomainError as error:
                errors[title_field(item)] = error
    if errors:
        raise ValidationFailed(errors)
    return plan


async def _refuse_copied_twice(plan: list[ProposedCopy], to_year: int) -> None:
    """Under the sources' locks: refuse when any of them already has a live copy in the target year."""
    for item in plan:
        await waiting_list.lock_event(item.source["id"])
    copies = await Event.select(Event.title, Event.starts_at).where(
        Event.copied_from.is_in([item.source["id"] for item in plan]) & (Event.status != EventStatus.cancelled)
    )
    already = [copy for copy in copies if localtime(copy["starts_at"]).year == to_year]
    if already:
        raise DomainError(
            N_("%(year)s has already been planned from these events (%(title)s). Nothing was created."),
            code="already_copied",
            year=to_year,
            title=already[0]["title"],
        )


async def _copy(item: ProposedCopy, actor: Actor) -> dict[str, Any]:
    """Inside the year's transaction: one event copied with its questions and invited guests."""
    source = await events.get_event(item.source["slug"])
    shift = timedelta(days=(item.start - localtime(source["starts_at"]).date()).days)
    copy = await events.copy_event(
        source,
        item.start,
        actor,
        title=item.title,
        title_en=item.title_en,
        extra={
            "copied_from": source["id"],
            "preserve": source["preserve"],
            "invitation_deadline": events.moved_by_days(source["invitation_deadline"], shift),
        },
    )
    await questions.copy_questions(source["id"], copy["id"])
    await invitations.copy_guest_invitations(source["id"], copy, actor)
    return copy


async def create_year(
    from_year: int, to_year: int, adjustments: dict[str, Adjustment], actor: Actor
) -> list[dict[str, Any]]:
    """Create the year's drafts, all or none; `adjustments` by the source event's uid. Returns the copies."""
    plan = await proposed_plan(from_year, to_year)
    if not plan:
        raise DomainError(
            N_("There are no council meetings or sustainability days in %(year)s to copy."),
            field="from_year",
            code="nothing_to_copy",
            year=from_year,
        )
    plan = _adjusted(plan, to_year, adjustments)
    async with atomic():
        await _refuse_copied_twice(plan, to_year)
        copies = [await _copy(item, actor) for item in plan]
        await audit.record(
            "council_year.created",
            actor,
            object_type="council_year",
            object_id=to_year,
            summary=f"{from_year} -> {to_year}: {len(copies)}",
            details={"copies": [copy["slug"] for copy in copies]},
        )
    return [await events.get_event(copy["slug"]) for copy in copies]
