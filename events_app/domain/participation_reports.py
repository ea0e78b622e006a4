"""Participation reports for the secretariat: registered, attended and no-show per event and per year,
by organisation and (for council members) by side, and the members' attendance rate per kind of event.

Definitions (docs/participation-reports.md says the same for readers):

- registered: the confirmed registrations, plus any other registration that was checked in (someone
  whose registration changed after the door), so that everyone who attended was also registered;
- attended: registrations with at least one check-in (an `Attendance` row: a day or a session door);
- no-show: registered − attended;
- the year's events: published or archived events that start in the year (Europe/Stockholm) and have
  started by now; drafts, cancelled events and events still ahead are left out;
- a member's rate for a kind of event: the year's events of that kind the member attended, of those held.

A report is a handful of queries whatever its size: the events, their registrations (with the
organisation and the person joined), the registrations checked in, the organisations, the members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from events_app import i18n
from events_app.domain.events import get_event
from events_app.domain.people import side_label
from events_app.domain.registrations import CONFIRMED
from events_app.domain.tables import (
    Attendance,
    Event,
    EventKind,
    EventStatus,
    Organisation,
    OrganisationKind,
    Person,
    Registration,
    Side,
)
from events_app.domain.text_folding import swedish_key
from events_app.domain.transactions import utcnow
from events_app.i18n import N_

HELD = (EventStatus.published.value, EventStatus.archived.value)
# Listed one by one, in this order (each kind's organisations alphabetically); all else is "others".
LISTED_KINDS = (
    OrganisationKind.municipality.value,
    OrganisationKind.region.value,
    OrganisationKind.county_board.value,
    OrganisationKind.federation.value,
)
OTHERS = "_others"
OTHERS_LABEL = N_("Others")
SIDES = (Side.majority.value, Side.opposition.value)
# The kinds members' attendance rates are reported for, in this order.
RATE_KINDS = (EventKind.council_meeting.value, EventKind.training_module.value, EventKind.sustainability_day.value)
KIND_LABELS = {
    EventKind.council_meeting.value: N_("Council meetings"),
    EventKind.training_module.value: N_("Training modules"),
    EventKind.sustainability_day.value: N_("Sustainability days"),
    EventKind.other.value: N_("Other events"),
}


def _blank() -> dict[str, int]:
    return {"registered": 0, "attended": 0, "no_show": 0}


def _count(bucket: dict[str, int], attended: bool) -> None:
    bucket["registered"] += 1
    if attended:
        bucket["attended"] += 1
    else:
        bucket["no_show"] += 1


def rate(attended: int, held: int) -> int | None:
    """A share in whole percent (rounded half up), None when nothing was held."""
    return (attended * 200 + held) // (2 * held) if held else None


@dataclass
class Breakdown:
    """Registered / attended / no-show overall, by organisation (the last row is "others") and by side."""

    total: dict[str, int] = field(default_factory=_blank)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    sides: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class YearReport:
    year: int
    years: list[int]
    events: list[dict[str, Any]]
    breakdown: Breakdown
    kinds: list[dict[str, Any]]  # per kind: held, members, attended (member-events), rate
    members: list[dict[str, Any]]  # per member: name, organisation, side, "rates" by kind


@dataclass
class EventReport:
    event: dict[str, Any]
    breakdown: Breakdown


# --- Queries ------------------------------------------------------------------------------------


async def _organisation_rows() -> list[dict[str, Any]]:
    organisations = await Organisation.select(
        Organisation.id, Organisation.code, Organisation.name_sv, Organisation.name_en, Organisation.kind
    )
    listed = [org for org in organisations if org["kind"] in LISTED_KINDS]
    listed.sort(key=lambda org: (LISTED_KINDS.index(org["kind"]), swedish_key(org["name_sv"])))
    return listed


async def _registrations(event_ids: list[int]) -> list[dict[str, Any]]:
    """The registrations that count as registered (see the module's definitions), each with
    "attended"; two queries for any number of events."""
    if not event_ids:
        return []
    checked_in = {
        row["registration"]
        for row in await Attendance.select(Attendance.registration).where(Attendance.event.is_in(event_ids)).distinct()
    }
    rows = await Registration.select(
        Registration.id,
        Registration.event,
        Registration.status,
        Registration.person,
        Registration.organisation,
        Registration.organisation_text,
        Registration.person.is_member.as_alias("is_member"),
        Registration.person.side.as_alias("side"),
    ).where(Registration.event.is_in(event_ids))
    counted = []
    for row in rows:
        row["attended"] = row["id"] in checked_in
        if row["status"] == CONFIRMED or row["attended"]:
            counted.append(row)
    return counted


def _breakdown(rows: list[dict[str, Any]], organisations: list[dict[str, Any]]) -> Breakdown:
    result = Breakdown()
    by_id = {
        org["id"]: {
            "key": org["code"],
            "kind": org["kind"],
            "name_sv": org["name_sv"],
            "name_en": org["name_en"],
            **_blank(),
        }
        for org in organisations
    }
    others = {"key": OTHERS, "kind": OrganisationKind.other.value, "name_sv": "", "name_en": "", **_blank()}
    sides = {side: {"key": side, **_blank()} for side in SIDES}
    for row in rows:
        _count(result.total, row["attended"])
        _count(by_id.get(row["organisation"], others), row["attended"])
        if row["is_member"] and row["side"] in sides:
            _count(sides[row["side"]], row["attended"])
    result.organisations = [*by_id.values(), others]
    result.sides = list(sides.values())
    return result


def current_year() -> int:
    return i18n.localtime(utcnow()).year


async def report_years() -> list[int]:
    """The years with held events, newest first, and the current year."""
    rows = await Event.select(Event.starts_at).where(Event.status.is_in(list(HELD)) & (Event.starts_at <= utcnow()))
    return sorted({current_year(), *(i18n.localtime(row["starts_at"]).year for row in rows)}, reverse=True)


async def held_events(year: int) -> list[dict[str, Any]]:
    """The year's published or archived events that have started, in order of start."""
    rows = (
        await Event.select(Event.id, Event.slug, Event.title, Event.kind, Event.status, Event.starts_at, Event.ends_at)
        .where(Event.status.is_in(list(HELD)) & (Event.starts_at <= utcnow()))
        .order_by(Event.starts_at)
        .order_by(Event.id)
    )
    return [row for row in rows if i18n.localtime(row["starts_at"]).year == year]


# --- Reports ------------------------------------------------------------------------------------


async def event_report(slug: str) -> EventReport:
    """One event's registered / attended / no-show, overall, by organisation and by side (any status)."""
    event = await get_event(slug)
    rows = await _registrations([event["id"]])
    return EventReport(event=event, breakdown=_breakdown(rows, await _organisation_rows()))


async def year_report(year: int) -> YearReport:
    events = await held_events(year)
    rows = await _registrations([event["id"] for event in events])
    organisations = await _organisation_rows()
    for event in events:
        event.update(_blank())
    by_event = {event["id"]: event for event in events}
    for row in rows:
        _count(by_event[row["event"]], row["attended"])

    # The members: active ones, and former ones who attended one of the year's events.
    attended_by_person: dict[int, set[int]] = {}
    for row in rows:
        if row["attended"]:
            attended_by_person.setdefault(row["person"], set()).add(row["event"])
    people = await Person.select(
        Person.id,
        Person.uid,
        Person.name,
        Person.side,
        Person.active,
        Person.organisation.name_sv.as_alias("organisation_sv"),
        Person.organisation.name_en.as_alias("organisation_en"),
    ).where(Person.is_member == True)
    people = [p for p in people if p["active"] or p["id"] in attended_by_person]
    people.sort(key=lambda p: (swedish_key(p["name"]), p["id"]))
    held = {kind: [event["id"] for event in events if event["kind"] == kind] for kind in RATE_KINDS}
    kinds = []
    for kind in RATE_KINDS:
        total_attended = sum(len(attended_by_person.get(p["id"], set()) & set(held[kind])) for p in people)
        possible = len(held[kind]) * len(people)
        kinds.append(
            {
                "kind": kind,
                "held": len(held[kind]),
                "members": len(people),
                "attended": total_attended,
                "possible": possible,
                "rate": rate(total_attended, possible),
            }
        )
    members = []
    for person in people:
        mine = attended_by_person.get(person["id"], set())
        rates = {
            kind: {
                "attended": len(mine & set(held[kind])),
                "held": len(held[kind]),
                "rate": rate(len(mine & set(held[kind])), len(held[kind])),
            }
            for kind in RATE_KINDS
        }
        members.append({**person, "rates": rates})
    return YearReport(
        year=year,
        years=await report_years(),
        events=events,
        breakdown=_breakdown(rows, organisations),
        kinds=kinds,
        members=members,
    )


# --- Labels and exports -----------------------------------------------------------------------------


def organisation_label(row: dict[str, Any]) -> str:
    """A breakdown row's name in the current language ("Others" translated)."""
    if row["key"] == OTHERS:
        return i18n.gettext(OTHERS_LABEL)
    return row["name_sv"] if i18n.current_language() == "sv" else row["name_en"]


def kind_label(kind: str) -> str:
    return i18n.gettext(KIND_LABELS.get(kind, kind))


def rate_text(value: int | None) -> str:
    return "" if value is None else f"{value} %"


def _header() -> list[str]:
    gettext = i18n.gettext
    return [
        gettext(label)
        for label in (
            N_("Section"),
            N_("Name"),
            N_("Registered"),
            N_("Attended"),
            N_("No-show"),
            N_("Held"),
            N_("Attendance rate"),
        )
    ]


def _breakdown_rows(breakdown: Breakdown) -> list[list[str]]:
    gettext = i18n.gettext

    def row(section: str, name: str, counts: dict[str, Any]) -> list[str]:
        # "Held" and the rate belong to the events' rows; a breakdown row leaves them empty.
        return [section, name, str(counts["registered"]), str(counts["attended"]), str(counts["no_show"]), "", ""]

    return [
        row(gettext(N_("All")), gettext(N_("Everyone")), breakdown.total),
        *(row(gettext(N_("By organisation")), organisation_label(org), org) for org in breakdown.organisations),
        *(row(gettext(N_("Council members by side")), side_label(side["key"]), side) for side in breakdown.sides),
    ]


def event_export_rows(report: EventReport) -> tuple[list[str], list[list[str]]]:
    return _header(), _breakdown_rows(report.breakdown)


def year_export_rows(report: YearReport) -> tuple[list[str], list[list[str]]]:
    """One table: the events, the breakdown, each kind's rate and each member's rate per kind."""
    gettext = i18n.gettext
    rows = []
    for event in report.events:
        day = i18n.localtime(event["starts_at"]).date().isoformat()
        rows.append(
            [
                gettext(N_("Event")),
                f"{event['title']} ({day})",
                str(event["registered"]),
                str(event["attended"]),
                str(event["no_show"]),
                "",
                "",
            ]
        )
    rows += _breakdown_rows(report.breakdown)
    for kind in report.kinds:
        rows.append(
            [
                gettext(N_("Members' attendance")),
                kind_label(kind["kind"]),
                "",
                str(kind["attended"]),
                "",
                str(kind["held"]),
                rate_text(kind["rate"]),
            ]
        )
    for member in report.members:
        for kind in RATE_KINDS:
            cell = member["rates"][kind]
            rows.append(
                [
                    f"{gettext(N_('Member'))}: {kind_label(kind)}",
                    member["name"],
                    "",
                    str(cell["attended"]),
                    "",
                    str(cell["held"]),
                    rate_text(cell["rate"]),
                ]
            )
    return _header(), rows
