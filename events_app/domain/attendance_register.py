"""A council meeting's attendance register (närvarolista), an official record kept for good
("bevaras", docs/privacy.md): the members present, the substitutes serving and for whom, the
preparatory group and the guests present, and the members absent (with apologies or not).

Who was present is who was checked in (an `Attendance` row of any day or session of the meeting);
why they were there is their invitation's `council_role`, and who the members were is the council as
it stood on the meeting's date (`council_members.terms_on`), so a later term changes nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from events_app.domain import council_meetings, council_members
from events_app.domain.tables import Attendance, Invitation, InvitationStatus, Registration
from events_app.domain.text_folding import surname_key


@dataclass(frozen=True)
class Present:
    name: str
    organisation: str
    side: str = ""
    substitute_for: str = ""  # a substitute's member, by name


@dataclass
class Register:
    event_title: str
    day: date
    members: list[Present] = field(default_factory=list)
    substitutes: list[Present] = field(default_factory=list)
    preparatory: list[Present] = field(default_factory=list)
    guests: list[Present] = field(default_factory=list)
    absent_with_apologies: list[Present] = field(default_factory=list)
    absent: list[Present] = field(default_factory=list)


async def _attended(event_id: int) -> list[dict[str, Any]]:
    """Every registration checked in at the meeting, once, with its invitation's role."""
    ids = {
        row["registration"]
        for row in await Attendance.select(Attendance.registration).where(Attendance.event == event_id)
    }
    if not ids:
        return []
    return await Registration.select(
        Registration.id,
        Registration.person,
        Registration.name,
        Registration.organisation.name_sv.as_alias("organisation_name"),
        Registration.organisation_text,
        Registration.invitation.council_role.as_alias("council_role"),
        Registration.invitation.substitute_for.name.as_alias("substitute_for_name"),
        Registration.invitation.substitute_for.person.name.as_alias("substitute_for_person_name"),
    ).where(Registration.id.is_in(list(ids)))


def _organisation(row: dict[str, Any]) -> str:
    return row["organisation_name"] or row["organisation_text"]


async def register_of(slug: str) -> Register:
    """The register of the meeting `slug` (NotFound for an unknown event)."""
    event = await council_meetings.meeting(slug)
    day = council_meetings.meeting_day(event)
    register = Register(event_title=event["title"], day=day)
    terms = {term["person_id"]: term for term in await council_members.terms_on(day)}
    present_people = set()
    for row in await _attended(event["id"]):
        present_people.add(row["person"])
        term = terms.get(row["person"])
        if term is not None:
            register.members.append(Present(row["name"], term["organisation_name"], term["side"]))
        elif row["council_role"] == "substitute":
            member = row["substitute_for_person_name"] or row["substitute_for_name"] or ""
            register.substitutes.append(Present(row["name"], _organisation(row), substitute_for=member))
        elif row["council_role"] == "preparatory":
            register.preparatory.append(Present(row["name"], _organisation(row)))
        else:
            register.guests.append(Present(row["name"], _organisation(row)))
    declined = {
        row["person"]
        for row in await Invitation.select(Invitation.person).where(
            (Invitation.event == event["id"]) & (Invitation.status == InvitationStatus.declined.value)
        )
    }
    for person_id, term in terms.items():
        if person_id in present_people:
            continue
        absent = Present(term["name"], term["organisation_name"], term["side"])
        (register.absent_with_apologies if person_id in declined else register.absent).append(absent)
    for rows in (register.members, register.substitutes, register.preparatory, register.guests):
        rows.sort(key=lambda present: surname_key(present.name))
    return register
