"""The council's members (docs/council.md): terms of office, roles held for periods of their own,
personal substitutes, the preparatory group, and the council as it stood on any date.

A member's terms are `MemberTerm` rows, one per appointment, so the council's history stays. The
person's own `organisation`, `side`, `term_start` and `term_end` mirror their latest term
(`_mirror_latest_term`), for the pages that only ask whether someone is a member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from events_app.domain.tables import (
    CouncilPosition,
    Event,
    EventKind,
    EventStatus,
    Invitation,
    InvitationStatus,
    MemberRole,
    MemberTerm,
    Organisation,
    OrganisationKind,
    Person,
    PreparatoryOfficial,
)
from events_app.i18n import N_, localtime

# What a row of `record_of` is, in words.
RECORD_KINDS = {
    "member": N_("Member"),
    "substitute": N_("Personal substitute"),
    CouncilPosition.chair.value: N_("Chair"),
    CouncilPosition.vice_chair.value: N_("Vice chair"),
    CouncilPosition.sekom_contact.value: N_("Sekom contact politician"),
    "preparatory": N_("Preparatory group"),
}

# The organisations that hold seats: each of the county's municipalities and the region, two seats
# each (one for the majority, one for the opposition).
SEAT_KINDS = (OrganisationKind.municipality.value, OrganisationKind.region.value)


def _covers(starts_on, ends_on, day: date):
    """A period's rows that include `day` (inclusive at both ends; open-ended when it has no end)."""
    return (starts_on <= day) & (ends_on.is_null() | (ends_on >= day))


async def terms_on(day: date) -> list[dict[str, Any]]:
    """The members in office on `day`: their terms, with the person, the organisation and the
    substitute named, ordered by organisation and side. Erased people are left out."""
    return await (
        MemberTerm.select(
            MemberTerm.id,
            MemberTerm.uid,
            MemberTerm.side,
            MemberTerm.starts_on,
            MemberTerm.ends_on,
            MemberTerm.organisation,
            MemberTerm.organisation.code.as_alias("organisation_code"),
            MemberTerm.organisation.name_sv.as_alias("organisation_name"),
            MemberTerm.person.as_alias("person_id"),
            MemberTerm.person.uid.as_alias("person_uid"),
            MemberTerm.person.name.as_alias("name"),
            MemberTerm.person.email.as_alias("email"),
            MemberTerm.person.language.as_alias("language"),
            MemberTerm.substitute.as_alias("substitute_id"),
            MemberTerm.substitute.uid.as_alias("substitute_uid"),
            MemberTerm.substitute.name.as_alias("substitute_name"),
            MemberTerm.substitute.email.as_alias("substitute_email"),
        )
        .where(_covers(MemberTerm.starts_on, MemberTerm.ends_on, day) & MemberTerm.person.erased_at.is_null())
        .order_by(MemberTerm.organisation)
        .order_by(MemberTerm.side)
    )


async def officials_on(day: date) -> list[dict[str, Any]]:
    """The preparatory group on `day`: each official with their person and organisation."""
    return await (
        PreparatoryOfficial.select(
            PreparatoryOfficial.id,
            PreparatoryOfficial.uid,
            PreparatoryOfficial.starts_on,
            PreparatoryOfficial.ends_on,
            PreparatoryOfficial.person.as_alias("person_id"),
            PreparatoryOfficial.person.uid.as_alias("person_uid"),
            PreparatoryOfficial.person.name.as_alias("name"),
            PreparatoryOfficial.person.email.as_alias("email"),
            PreparatoryOfficial.person.language.as_alias("language"),
            PreparatoryOfficial.person.organisation.as_alias("organisation"),
            PreparatoryOfficial.person.organisation.name_sv.as_alias("organisation_name"),
        )
        .where(
            _covers(PreparatoryOfficial.starts_on, PreparatoryOfficial.ends_on, day)
            & PreparatoryOfficial.person.erased_at.is_null()
        )
        .order_by(PreparatoryOfficial.person.name)
    )


async def roles_on(day: date) -> dict[int, list[str]]:
    """The roles held on `day`, by person id (CouncilPosition values)."""
    rows = await MemberRole.select(MemberRole.person, MemberRole.position).where(
        _covers(MemberRole.starts_on, MemberRole.ends_on, day)
    )
    held: dict[int, list[str]] = {}
    for row in rows:
        held.setdefault(row["person"], []).append(row["position"])
    return held


async def seat_organisations() -> list[dict[str, Any]]:
    """The organisations holding seats, in the seed's order."""
    return await Organisation.select().where(Organisation.kind.is_in(list(SEAT_KINDS))).order_by(Organisation.id)


async def council_meetings_of(person_id: int) -> set[int]:
    """The council meetings (published ones and after) whose papers `person_id` may read: as a member
    in office or in the preparatory group on the meeting's first day (Stockholm), or as a substitute
    invited in a member's place. A handful of meetings a year: read them all, match the dates here."""
    meetings = await Event.select(Event.id, Event.starts_at).where(
        (Event.kind == EventKind.council_meeting.value) & (Event.status != EventStatus.draft.value)
    )
    if not meetings:
        return set()
    periods = [
        *await MemberTerm.select(MemberTerm.starts_on, MemberTerm.ends_on).where(MemberTerm.person == person_id),
        *await PreparatoryOfficial.select(PreparatoryOfficial.starts_on, PreparatoryOfficial.ends_on).where(
            PreparatoryOfficial.person == person_id
        ),
    ]
    substituting = await Invitation.select(Invitation.event).where(
        (Invitation.person == person_id)
        & (Invitation.council_role == "substitute")
        & (Invitation.status != InvitationStatus.revoked.value)
    )
    found = {row["event"] for row in substituting}
    for meeting in meetings:
        day = localtime(meeting["starts_at"]).date()
        if any(p["starts_on"] <= day and (p["ends_on"] is None or p["ends_on"] >= day) for p in periods):
            found.add(meeting["id"])
    return found & {meeting["id"] for meeting in meetings}


@dataclass
class Seat:
    organisation: dict[str, Any]
    side: str
    term: dict[str, Any] | None  # the member's term in office, or None: the seat is empty
    roles: list[str] = field(default_factory=list)


async def _mirror_latest_term(person_id: int) -> None:
    """Write the person's latest term into their own columns (called in the transaction that changed
    their terms)."""
    latest = await (
        MemberTerm.select()
        .where(MemberTerm.person == person_id)
        .order_by(MemberTerm.starts_on, ascending=False)
        .first()
    )
    if latest is None:
        await Person.update({Person.is_member: False}).where(Person.id == person_id)
        return
    await Person.update(
        {
            Person.is_member: True,
            Person.organisation: latest["organisation"],
            Person.side: latest["side"],
            Person.term_start: latest["starts_on"],
            Person.term_end: latest["ends_on"],
        }
    ).where(Person.id == person_id)


async def record_of(person_id: int) -> list[dict[str, Any]]:
    """Everything the council's records hold about one person, for their data export: their terms,
    the terms they are the named substitute in, their roles and their periods in the preparatory
    group, oldest first."""
    terms = await MemberTerm.select(
        MemberTerm.starts_on,
        MemberTerm.ends_on,
        MemberTerm.side,
        MemberTerm.organisation.name_sv.as_alias("organisation"),
        MemberTerm.substitute.name.as_alias("substitute"),
    ).where(MemberTerm.person == person_id)
    substituting = await MemberTerm.select(
        MemberTerm.starts_on,
        MemberTerm.ends_on,
        MemberTerm.side,
        MemberTerm.organisation.name_sv.as_alias("organisation"),
        MemberTerm.person.name.as_alias("substitute_for"),
    ).where(MemberTerm.substitute == person_id)
    roles = await MemberRole.select(MemberRole.position, MemberRole.starts_on, MemberRole.ends_on).where(
        MemberRole.person == person_id
    )
    periods = await PreparatoryOfficial.select(PreparatoryOfficial.starts_on, PreparatoryOfficial.ends_on).where(
        PreparatoryOfficial.person == person_id
    )
    record = (
        [{"kind": "member", **row} for row in terms]
        + [{"kind": "substitute", **row} for row in substituting]
        + [{"kind": row.pop("position"), **row} for row in roles]
        + [{"kind": "preparatory", **row} for row in periods]
    )
    return sorted(record, key=lambda row: row["starts_on"])
