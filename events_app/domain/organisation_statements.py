"""What each organisation's representatives attended in a year, because each organisation pays its own
costs (meeting allowances, travel): council meetings, sustainability days and training modules, with
dates and hours; and the county-wide summary for the council's annual report (council meetings
attended by organisation and side, training hours per member).

A representative of an organisation on a day is someone holding a term for it that day
(`member_term`), or a substitute serving at a council meeting in the place of such a member. An
attendance counts once per person, event and day (checked in for the day or at any of its sessions),
for the day's scheduled length: the time the organisation paid for, whatever the certificate credits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from events_app.domain import council_members, participation_reports
from events_app.domain.errors import NotFound
from events_app.domain.people import side_label
from events_app.domain.tables import (
    Attendance,
    EventDay,
    EventKind,
    Invitation,
    MemberTerm,
    Organisation,
    Registration,
)
from events_app.i18n import N_, format_hours, gettext

# The kinds a statement counts, in the order it lists them.
KINDS = (EventKind.council_meeting.value, EventKind.sustainability_day.value, EventKind.training_module.value)


@dataclass(frozen=True)
class Visit:
    """One person at one event on one day."""

    person_id: int
    name: str
    side: str
    substitute_for: str  # the member a substitute served for, by name ("" for a member)
    event_title: str
    kind: str
    day: date
    minutes: int


@dataclass
class Statement:
    organisation: dict[str, Any]
    year: int
    visits: list[Visit] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(visit.minutes for visit in self.visits)

    def minutes_by_kind(self) -> dict[str, int]:
        totals = dict.fromkeys(KINDS, 0)
        for visit in self.visits:
            totals[visit.kind] += visit.minutes
        return totals

    def people(self) -> list[tuple[str, int, int]]:
        """(name, visits, minutes) for each representative, by name."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for visit in self.visits:
            totals[visit.name][0] += 1
            totals[visit.name][1] += visit.minutes
        return [(name, count, minutes) for name, (count, minutes) in sorted(totals.items())]


async def _terms() -> dict[int, list[dict[str, Any]]]:
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for term in await MemberTerm.select(
        MemberTerm.person, MemberTerm.organisation, MemberTerm.side, MemberTerm.starts_on, MemberTerm.ends_on
    ):
        by_person[term["person"]].append(term)
    return by_person


def _term_on(terms: dict[int, list[dict[str, Any]]], person_id: int | None, day: date) -> dict[str, Any] | None:
    return next((term for term in terms.get(person_id or 0, []) if council_members.period_covers(term, day)), None)


async def _visits(year: int) -> list[dict[str, Any]]:
    """Every check-in at the year's held events of the counted kinds, with who and where, one a day."""
    events = {event["id"]: event for event in await participation_reports.held_events(year) if event["kind"] in KINDS}
    if not events:
        return []
    rows = await Attendance.select(Attendance.event, Attendance.day, Attendance.registration).where(
        Attendance.event.is_in(list(events))
    )
    people = await _who(list({row["registration"] for row in rows}))
    for row in rows:
        row.update(people[row["registration"]])
    lengths = {
        (day["event"], day["day"]): int((day["ends_at"] - day["starts_at"]).total_seconds() // 60)
        for day in await EventDay.select().where(EventDay.event.is_in(list(events)))
    }
    once: dict[tuple[int, int, date], dict[str, Any]] = {}
    for row in rows:
        event = events[row["event"]]
        row.update(title=event["title"], kind=event["kind"], minutes=lengths.get((row["event"], row["day"]), 0))
        once.setdefault((row["person"], row["event"], row["day"]), row)
    return sorted(once.values(), key=lambda row: (row["day"], row["title"], row["name"]))


async def _who(registration_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each registration's person, their invitation's council role and, for a substitute, the member
    (read in two steps: PostgreSQL cuts the joined names of one long chain to the same alias)."""
    if not registration_ids:
        return {}
    registrations = await Registration.select(
        Registration.id,
        Registration.person,
        Registration.person.name.as_alias("name"),
        Registration.invitation.council_role.as_alias("council_role"),
        Registration.invitation.substitute_for.as_alias("member_invitation"),
    ).where(Registration.id.is_in(registration_ids))
    member_invitations = [row["member_invitation"] for row in registrations if row["member_invitation"]]
    members = {
        row["id"]: row
        for row in (
            await Invitation.select(
                Invitation.id, Invitation.person, Invitation.person.name.as_alias("member_name")
            ).where(Invitation.id.is_in(member_invitations))
            if member_invitations
            else []
        )
    }
    return {
        row["id"]: {
            "person": row["person"],
            "name": row["name"],
            "council_role": row["council_role"],
            "member": members.get(row["member_invitation"], {}).get("person"),
            "member_name": members.get(row["member_invitation"], {}).get("member_name") or "",
        }
        for row in registrations
    }


def _visit(row: dict[str, Any], term: dict[str, Any], substitute_for: str) -> Visit:
    return Visit(
        person_id=row["person"],
        name=row["name"],
        side=term["side"],
        substitute_for=substitute_for,
        event_title=row["title"],
        kind=row["kind"],
        day=row["day"],
        minutes=row["minutes"],
    )


def _representing(row: dict[str, Any], terms: dict[int, list[dict[str, Any]]]) -> tuple[dict[str, Any], str] | None:
    """The term a visit was made under (the member's own, or, for a substitute, the member's), and the
    member's name for a substitute; None for someone who represented no organisation that day."""
    own = _term_on(terms, row["person"], row["day"])
    if own is not None:
        return own, ""
    if row["council_role"] == "substitute":
        member = _term_on(terms, row["member"], row["day"])
        if member is not None:
            return member, row["member_name"]
    return None


async def statements(year: int) -> dict[int, Statement]:
    """Every organisation's statement for the year, by organisation id (organisations without any
    attendance have an empty one)."""
    organisations = await Organisation.select().order_by(Organisation.id)
    found = {organisation["id"]: Statement(organisation, year) for organisation in organisations}
    terms = await _terms()
    for row in await _visits(year):
        represented = _representing(row, terms)
        if represented is None or represented[0]["organisation"] not in found:
            continue
        term, substitute_for = represented
        found[term["organisation"]].visits.append(_visit(row, term, substitute_for))
    return found


async def statement(organisation_code: str, year: int) -> Statement:
    organisation = await Organisation.select(Organisation.id).where(Organisation.code == organisation_code).first()
    if organisation is None:
        raise NotFound()
    return (await statements(year))[organisation["id"]]


# --- In words, for the PDF, the spreadsheets and the page ----------------------------------------

KIND_LABELS = {
    EventKind.council_meeting.value: N_("Council meeting"),
    EventKind.sustainability_day.value: N_("Sustainability day"),
    EventKind.training_module.value: N_("Training module"),
}


def visit_role(visit: Visit) -> str:
    if visit.substitute_for:
        return gettext("substitute for %(member)s", member=visit.substitute_for)
    return gettext("Member")


def statement_rows(statement: Statement) -> tuple[list[str], list[list[str]]]:
    """The statement as a table: one row a visit, then the totals by kind and in all."""
    header = [gettext("Name"), gettext("Side"), gettext("As"), gettext("Event"), gettext("Kind"), gettext("Date"),
              gettext("Hours")]  # fmt: skip
    rows = [
        [
            visit.name,
            side_label(visit.side),
            visit_role(visit),
            visit.event_title,
            gettext(KIND_LABELS[visit.kind]),
            visit.day.isoformat(),
            format_hours(visit.minutes),
        ]
        for visit in statement.visits
    ]
    for kind, minutes in statement.minutes_by_kind().items():
        rows.append([gettext("Total"), "", "", "", gettext(KIND_LABELS[kind]), "", format_hours(minutes)])
    rows.append([gettext("Total"), "", "", "", "", "", format_hours(statement.minutes)])
    return header, rows


@dataclass
class SeatAttendance:
    organisation: dict[str, Any]
    side: str
    meetings: int  # council meetings held in the year
    attended: int  # of them, those where the seat was filled by its member or a substitute


@dataclass
class CountySummary:
    year: int
    seats: list[SeatAttendance]
    training: list[tuple[str, str, int]]  # (member, organisation, minutes at training modules)


async def county_summary(year: int) -> CountySummary:
    """Council meetings attended by organisation and side, and training hours per member."""
    meetings = [event for event in await participation_reports.held_events(year) if event["kind"] == KINDS[0]]
    found = await statements(year)
    seats = []
    for statement in found.values():
        if statement.organisation["kind"] not in ("municipality", "region"):
            continue
        for side in ("majority", "opposition"):
            attended = {
                (visit.event_title, visit.day)
                for visit in statement.visits
                if visit.kind == KINDS[0] and visit.side == side
            }
            seats.append(SeatAttendance(statement.organisation, side, len(meetings), len(attended)))
    training = sorted(
        (visit.name, statement.organisation["name_sv"], visit.minutes)
        for statement in found.values()
        for visit in statement.visits
        if visit.kind == KINDS[2]
    )
    per_member: dict[tuple[str, str], int] = defaultdict(int)
    for name, organisation, minutes in training:
        per_member[(name, organisation)] += minutes
    return CountySummary(year, seats, [(name, org, minutes) for (name, org), minutes in sorted(per_member.items())])


def summary_rows(summary: CountySummary) -> tuple[list[str], list[list[str]]]:
    header = [gettext("Organisation"), gettext("Side"), gettext("Council meetings held"), gettext("Attended")]
    rows = [
        [seat.organisation["name_sv"], side_label(seat.side), str(seat.meetings), str(seat.attended)]
        for seat in summary.seats
    ]
    return header, rows


def training_rows(summary: CountySummary) -> tuple[list[str], list[list[str]]]:
    header = [gettext("Member"), gettext("Organisation"), gettext("Hours at training modules")]
    return header, [[name, organisation, format_hours(minutes)] for name, organisation, minutes in summary.training]
