"""Competence records: what a person has attended over the years (training modules, sustainability
days, council meetings, other events) with days, hours and certificates; how far they are towards
a training module's certificate; and the organisers' matrix of members × training modules.

Everything is judged the way certificates are (`certificates.assess`), so a record, a matrix cell
and an issued certificate never disagree about who completed what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from events_app.domain.certificates import (
    REVOKED,
    VALID,
    Assessment,
    assess,
    needed_days,
)
from events_app.domain.events import get_event
from events_app.domain.people import side_label
from events_app.domain.registration_reports import to_xlsx
from events_app.domain.tables import (
    Event,
    EventKind,
    EventStatus,
    Person,
    Registration,
)
from events_app.domain.transactions import utcnow
from events_app.i18n import N_, gettext, localtime, use_language

# The record's sections, in this order.
KIND_ORDER = [
    EventKind.training_module.value,
    EventKind.sustainability_day.value,
    EventKind.council_meeting.value,
    EventKind.other.value,
]
KIND_HEADINGS = {
    EventKind.training_module.value: N_("Training modules"),
    EventKind.sustainability_day.value: N_("Sustainability days"),
    EventKind.council_meeting.value: N_("Council meetings"),
    EventKind.other.value: N_("Other events"),
}
HELD = (EventStatus.published.value, EventStatus.archived.value)


@dataclass
class RecordEntry:
    """One event in a person's record."""

    event: dict[str, Any]  # slug, title, kind, starts_at, ends_at
    days: list[date]  # the days (occasions) attended
    total_days: int
    needed: int  # days the event's rule asks for (0: the event gives no certificates)
    minutes: int
    completed: bool  # the rule is met
    certificate: dict[str, Any] | None  # the valid or revoked certificate held, if any
    upcoming: list[date] = field(default_factory=list)  # occasions still ahead (training modules)

    @property
    def remaining(self) -> int:
        """How many more days or occasions the rule needs."""
        return max(self.needed - len(self.days), 0)

    @property
    def can_still_complete(self) -> bool:
        return not self.completed and self.needed > 0 and len(self.upcoming) >= self.remaining


def _entry(event: dict[str, Any], assessment: Assessment, now: datetime) -> RecordEntry:
    minutes = assessment.minutes
    certificate = assessment.certificate
    if certificate is not None and certificate["status"] == VALID:
        minutes = certificate["minutes"]  # what was certified stands
    return RecordEntry(
        event={key: event[key] for key in ("slug", "title", "kind", "starts_at", "ends_at", "status")},
        days=assessment.days,
        total_days=assessment.total_days,
        needed=needed_days(event, assessment.total_days),
        minutes=minutes,
        completed=assessment.earned,
        certificate=certificate,
        upcoming=[day["day"] for day in event["days"] if day["ends_at"] > now],
    )


async def _entries_of(person_id: int, kind: str | None = None) -> list[RecordEntry]:
    """The person's events (held, not cancelled; of one kind if given) with their attendance judged,
    newest first."""
    # Cancelled registrations too: one may still hold a certificate (`assess` skips the others).
    query = (
        Registration.select(Registration.id, Registration.event.slug.as_alias("slug"))
        .where((Registration.person == person_id) & Registration.event.status.is_in(list(HELD)))
        .order_by(Registration.event.starts_at, ascending=False)
    )
    if kind is not None:
        query = query.where(Registration.event.kind == kind)
    registrations = await query
    now = utcnow()
    entries = []
    for registration in registrations:
        event = await get_event(registration["slug"])
        for assessment in await assess(event, registration_ids=[registration["id"]]):
            entries.append(_entry(event, assessment, now))
    return entries


@dataclass
class Record:
    person: dict[str, Any]
    sections: list[tuple[str, list[RecordEntry]]]  # (kind, entries attended), in KIND_ORDER
    in_progress: list[RecordEntry]  # training modules not completed that can still be

    @property
    def minutes(self) -> int:
        return sum(entry.minutes for _, entries in self.sections for entry in entries)

    @property
    def certificates(self) -> int:
        return sum(
            1
            for _, entries in self.sections
            for entry in entries
            if entry.certificate is not None and entry.certificate["status"] == VALID
        )


async def record_of_person(person_id: int) -> Record:
    """Everything the person attended, by kind, and the training modules they are still working on."""
    person = (
        await Person.select(
            Person.id,
            Person.uid,
            Person.name,
            Person.email,
            Person.is_member,
            Person.side,
            Person.title,
            Person.organisation.name_sv.as_alias("organisation_sv"),
            Person.organisation.name_en.as_alias("organisation_en"),
        )
        .where(Person.id == person_id)
        .first()
    )
    entries = await _entries_of(person_id)
    attended = [entry for entry in entries if entry.days or entry.certificate is not None]
    sections = [(kind, [entry for entry in attended if entry.event["kind"] == kind]) for kind in KIND_ORDER]
    return Record(
        person=person,
        sections=[(kind, listed) for kind, listed in sections if listed],
        in_progress=_in_progress(entries),
    )


def _in_progress(entries: list[RecordEntry]) -> list[RecordEntry]:
    return [
        entry
        for entry in entries
        if entry.event["kind"] == EventKind.training_module.value and entry.can_still_complete
    ]


async def modules_in_progress(person_id: int) -> list[RecordEntry]:
    """The training modules the person has not completed and still can: My pages show what remains,
    without judging every other event the person ever attended."""
    return _in_progress(await _entries_of(person_id, EventKind.training_module.value))


# --- The organisers' matrix -------------------------------------------------------------------


@dataclass
class Cell:
    """A member's standing in one training module."""

    state: str  # "", registered, in_progress, completed, not_completed, revoked
    attended: int = 0
    total: int = 0
    certificate: str = ""  # the valid certificate's number


CELL_STATES = {
    "": "",
    "registered": N_("Registered"),
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
    "not_completed": N_("Not completed"),
    "revoked": N_("Certificate revoked"),
}


def _cell(event: dict[str, Any], assessment: Assessment | None, now: datetime) -> Cell:
    if assessment is None:
        return Cell("")
    certificate = assessment.certificate or {}
    number = certificate.get("number", "") if certificate.get("status") == VALID else ""
    attended, total = len(assessment.days), assessment.total_days
    if certificate.get("status") == REVOKED:
        state = "revoked"
    elif assessment.earned:
        state = "completed"
    elif now >= event["ends_at"]:
        state = "not_completed"
    else:
        state = "in_progress" if attended else "registered"
    return Cell(state, attended, total, number)


def cell_text(cell: Cell) -> str:
    """The cell as the matrix and its export show it: 'Completed (HR-2027-0042)', 'In progress: 1 of 3'."""
    if not cell.state:
        return ""
    words = gettext(CELL_STATES[cell.state])
    if cell.state == "completed" and cell.certificate:
        return f"{words} ({cell.certificate})"
    if cell.state in ("in_progress", "not_completed"):
        return gettext("%(state)s: %(attended)s of %(total)s", state=words, attended=cell.attended, total=cell.total)
    return words


@dataclass
class Matrix:
    year: int | None
    years: list[int]  # the years that have training modules, newest first
    modules: list[dict[str, Any]]  # slug, title, starts_at
    rows: list[dict[str, Any]]  # member (name, organisation, side) and cells, one per module

    def completed(self, row: dict[str, Any]) -> int:
        return sum(cell.state == "completed" for cell in row["cells"])


async def module_years() -> list[int]:
    rows = await Event.select(Event.starts_at).where(
        (Event.kind == EventKind.training_module.value) & Event.status.is_in(list(HELD))
    )
    return sorted({localtime(row["starts_at"]).year for row in rows}, reverse=True)


async def module_matrix(year: int | None = None) -> Matrix:
    """Council members (active ones, and former ones who took a module) × the training modules of the
    year (all years when None), with each member's municipality and side."""
    years = await module_years()
    query = (
        Event.select(Event.slug)
        .where((Event.kind == EventKind.training_module.value) & Event.status.is_in(list(HELD)))
        .order_by(Event.starts_at)
    )
    modules = [await get_event(row["slug"]) for row in await query]
    if year is not None:
        modules = [module for module in modules if localtime(module["starts_at"]).year == year]
    now = utcnow()
    by_module: list[dict[int, Assessment]] = []
    for module in modules:
        by_module.append({a.registration["person"]: a for a in await assess(module)})
    members = (
        await Person.select(
            Person.id,
            Person.uid,
            Person.name,
            Person.side,
            Person.active,
            Person.is_member,
            Person.organisation.name_sv.as_alias("organisation_sv"),
            Person.organisation.name_en.as_alias("organisation_en"),
        )
        .where(Person.is_member == True)
        .order_by(Person.organisation.id)
        .order_by(Person.name)
    )
    rows = []
    for member in members:
        cells = [
            _cell(module, judged.get(member["id"]), now) for module, judged in zip(modules, by_module, strict=True)
        ]
        if member["active"] or any(cell.state for cell in cells):
            rows.append({"member": member, "cells": cells})
    return Matrix(
        year=year,
        years=years,
        rows=rows,
        modules=[{key: module[key] for key in ("slug", "title", "starts_at")} for module in modules],
    )


def organisation_name(row: dict[str, Any], language: str) -> str:
    """A member's organisation (`organisation_sv`, `organisation_en` as selected) in `language`."""
    return (row["organisation_en"] if language == "en" else row["organisation_sv"]) or ""


def matrix_table(matrix: Matrix, language: str) -> tuple[list[str], list[list[str]]]:
    """The matrix as a header and rows of text, for the XLSX export."""
    header = [
        gettext("Name"),
        gettext("Organisation"),
        gettext("Side"),
        *[f"{module['title']} ({localtime(module['starts_at']).date().isoformat()})" for module in matrix.modules],
        gettext("Completed"),
    ]
    rows = [
        [
            row["member"]["name"],
            organisation_name(row["member"], language),
            side_label(row["member"]["side"]),
            *[cell_text(cell) for cell in row["cells"]],
            str(matrix.completed(row)),
        ]
        for row in matrix.rows
    ]
    return header, rows


def matrix_xlsx(matrix: Matrix, language: str) -> bytes:
    with use_language(language):
        header, rows = matrix_table(matrix, language)
        title = gettext("Training modules %(year)s", year=matrix.year) if matrix.year else gettext("Training modules")
    return to_xlsx(header, rows, title=title)
