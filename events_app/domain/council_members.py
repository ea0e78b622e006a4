"""The council's members (docs/council.md): terms of office, roles held for periods of their own,
personal substitutes, the preparatory group, and the council as it stood on any date.

A member's terms are `MemberTerm` rows, one per appointment, so the council's history stays. The
person's own `organisation`, `side`, `term_start` and `term_end` mirror their latest term
(`_mirror_latest_term`), for the pages that only ask whether someone is a member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from events_app.domain import audit
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
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
    Side,
)
from events_app.domain.transactions import atomic
from events_app.domain.validation import (
    collect_choice,
    collect_max_length,
    normalise_email,
    parse_iso_date,
    parse_uid,
    required_text,
)
from events_app.i18n import N_, current_language, gettext, local_today, localtime

# What a row of `record_of` is, in words.
RECORD_KINDS = {
    "member": N_("Member"),
    "substitute": N_("Personal substitute"),
    CouncilPosition.chair.value: N_("Chair"),
    CouncilPosition.vice_chair.value: N_("Vice chair"),
    CouncilPosition.sekom_contact.value: N_("Sekom contact politician"),
    "preparatory": N_("Preparatory group"),
}


def position_label(position: str) -> str:
    """A role's name (or a `record_of` row's kind) in the reader's language."""
    return gettext(RECORD_KINDS[position]) if position in RECORD_KINDS else position


# The organisations that hold seats: each of the county's municipalities and the region, two seats
# each (one for the majority, one for the opposition).
SEAT_KINDS = (OrganisationKind.municipality.value, OrganisationKind.region.value)


def period_covers(period: dict[str, Any], day: date) -> bool:
    """Whether a term's, role's or official's period (`starts_on`, `ends_on` inclusive or open) holds `day`."""
    return period["starts_on"] <= day and (period["ends_on"] is None or day <= period["ends_on"])


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
        if any(period_covers(period, day) for period in periods):
            found.add(meeting["id"])
    return found & {meeting["id"] for meeting in meetings}


@dataclass
class Seat:
    """One of the council's seats on a date: an organisation's majority or opposition seat."""

    organisation: dict[str, Any]
    side: str
    terms: list[dict[str, Any]] = field(default_factory=list)  # normally one; none is a gap, two a mistake

    @property
    def empty(self) -> bool:
        return not self.terms

    def gap_message(self) -> str:
        """ "Kramfors saknar ledamot för oppositionen", in the reader's language."""
        message = GAP_MESSAGES[self.side]
        return gettext(message, organisation=seat_name(self.organisation))

    def double_message(self) -> str:
        return gettext(DOUBLE_MESSAGES[self.side], organisation=seat_name(self.organisation))


GAP_MESSAGES = {
    Side.majority.value: N_("%(organisation)s has no member for the majority"),
    Side.opposition.value: N_("%(organisation)s has no member for the opposition"),
}
DOUBLE_MESSAGES = {
    Side.majority.value: N_("%(organisation)s has more than one member for the majority: check their terms"),
    Side.opposition.value: N_("%(organisation)s has more than one member for the opposition: check their terms"),
}


def seat_name(organisation: dict[str, Any]) -> str:
    """A municipality by its place name ("Kramfors", not "Kramfors kommun": the English name without
    "Municipality" is the place name, where the Swedish one is in the genitive), the region in full."""
    if organisation["kind"] == OrganisationKind.municipality.value:
        return organisation["name_en"].removesuffix(" Municipality")
    return organisation["name_sv"] if current_language() == "sv" else organisation["name_en"]


@dataclass
class Council:
    """The council as it stood on `day`."""

    day: date
    seats: list[Seat]
    roles: dict[int, list[str]]  # person id -> CouncilPosition values held that day
    officials: list[dict[str, Any]]
    others: list[dict[str, Any]]  # members in office for an organisation without seats

    @property
    def gaps(self) -> list[Seat]:
        return [seat for seat in self.seats if seat.empty]

    @property
    def doubles(self) -> list[Seat]:
        return [seat for seat in self.seats if len(seat.terms) > 1]

    def rows(self) -> list[tuple[dict[str, Any], Seat, Seat]]:
        """The seats as the page's table has them: (organisation, majority seat, opposition seat)."""
        by_organisation: dict[int, dict[str, Seat]] = {}
        for seat in self.seats:
            by_organisation.setdefault(seat.organisation["id"], {})[seat.side] = seat
        return [
            (sides[Side.majority.value].organisation, sides[Side.majority.value], sides[Side.opposition.value])
            for sides in by_organisation.values()
        ]


async def council_on(day: date) -> Council:
    """Every seat on `day` with the member(s) holding it, the roles held, and the preparatory group."""
    organisations = await seat_organisations()
    seats = {
        (organisation["id"], side.value): Seat(organisation, side.value)
        for organisation in organisations
        for side in (Side.majority, Side.opposition)
    }
    others = []
    for term in await terms_on(day):
        seat = seats.get((term["organisation"], term["side"]))
        if seat is None:
            others.append(term)
        else:
            seat.terms.append(term)
    return Council(
        day=day, seats=list(seats.values()), roles=await roles_on(day), officials=await officials_on(day), others=others
    )


async def history() -> list[dict[str, Any]]:
    """Every term there has been, the latest first: the council's history."""
    return await (
        MemberTerm.select(
            MemberTerm.uid,
            MemberTerm.side,
            MemberTerm.starts_on,
            MemberTerm.ends_on,
            MemberTerm.organisation.name_sv.as_alias("organisation_sv"),
            MemberTerm.organisation.name_en.as_alias("organisation_en"),
            MemberTerm.person.uid.as_alias("person_uid"),
            MemberTerm.person.name.as_alias("name"),
            MemberTerm.person.erased_at.as_alias("erased_at"),
            MemberTerm.substitute.name.as_alias("substitute_name"),
        )
        .order_by(MemberTerm.starts_on, ascending=False)
        .order_by(MemberTerm.organisation)
        .order_by(MemberTerm.side)
    )


async def roles_history() -> list[dict[str, Any]]:
    """Every role held, the latest first."""
    return await (
        MemberRole.select(
            MemberRole.uid,
            MemberRole.position,
            MemberRole.starts_on,
            MemberRole.ends_on,
            MemberRole.person.uid.as_alias("person_uid"),
            MemberRole.person.name.as_alias("name"),
        )
        .order_by(MemberRole.starts_on, ascending=False)
        .order_by(MemberRole.position)
    )


async def terms_of(person_id: int) -> list[dict[str, Any]]:
    """One member's terms, the latest first, with their roles' rows alongside (`roles_of`)."""
    return await (
        MemberTerm.select(
            *MemberTerm.all_columns(),
            MemberTerm.organisation.name_sv.as_alias("organisation_sv"),
            MemberTerm.organisation.name_en.as_alias("organisation_en"),
            MemberTerm.substitute.name.as_alias("substitute_name"),
            MemberTerm.substitute.email.as_alias("substitute_email"),
        )
        .where(MemberTerm.person == person_id)
        .order_by(MemberTerm.starts_on, ascending=False)
    )


async def roles_of(person_id: int) -> list[dict[str, Any]]:
    return await (
        MemberRole.select().where(MemberRole.person == person_id).order_by(MemberRole.starts_on, ascending=False)
    )


# ---- Terms --------------------------------------------------------------------------------------


@dataclass
class TermInput:
    """A term as an organiser types it on the member's page."""

    organisation: str = ""  # an organisation code
    side: str = ""
    starts_on: str = ""
    ends_on: str = ""
    substitute_name: str = ""
    substitute_email: str = ""


def _overlaps(starts_on: date, ends_on: date | None, other_start: date, other_end: date | None) -> bool:
    return (other_end is None or starts_on <= other_end) and (ends_on is None or other_start <= ends_on)


def _collect_period(starts: str, ends: str, errors: dict) -> tuple[date | None, date | None]:
    """The from and to dates of a form (the to date may be empty: open-ended)."""
    period: list[date | None] = [None, None]
    for index, (name, value) in enumerate((("starts_on", starts), ("ends_on", ends))):
        try:
            period[index] = parse_iso_date(value, name)
        except DomainError as error:
            errors[name] = error
    if period[0] is None and "starts_on" not in errors:
        errors["starts_on"] = N_("Give the date it starts.")
    if period[0] and period[1] and period[1] < period[0]:
        errors["ends_on"] = N_("It cannot end before it starts.")
    return period[0], period[1]


async def person_by_uid(uid: str) -> dict[str, Any]:
    person_uid = parse_uid(uid)
    person = (
        await Person.select().where((Person.uid == person_uid) & Person.erased_at.is_null()).first()
        if person_uid
        else None
    )
    if person is None:
        raise NotFound()
    return person


async def _clean_term(person: dict[str, Any], data: TermInput) -> dict[str, Any]:
    errors: dict[str, DomainError | str] = {}
    organisation = await Organisation.select().where(Organisation.code == data.organisation.strip().lower()).first()
    if organisation is None:
        errors["organisation"] = N_("Choose the member's municipality or organisation.")
    side = collect_choice(data.side, Side, "side", N_("Choose majority or opposition."), errors)
    starts_on, ends_on = _collect_period(data.starts_on, data.ends_on, errors)
    substitute = await _collect_substitute(person, data, organisation, side, errors)
    if starts_on and "ends_on" not in errors:
        for term in await MemberTerm.select().where(MemberTerm.person == person["id"]):
            if _overlaps(starts_on, ends_on, term["starts_on"], term["ends_on"]):
                errors["starts_on"] = N_("The member already has a term in this period.")
    if errors:
        raise ValidationFailed(errors)
    return {
        "organisation": organisation["id"],
        "side": side,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "substitute": substitute,
    }


async def _collect_substitute(
    member: dict[str, Any], data: TermInput, organisation: dict[str, Any] | None, side: str, errors: dict
) -> dict[str, Any] | None:
    """The named substitute: an existing person found by address, or a new one (not a member).
    They must be of the member's organisation and side, and not the member."""
    name, email = " ".join(data.substitute_name.split()), data.substitute_email.strip()
    if not name and not email:
        return None
    try:
        email = normalise_email(email, field="substitute_email")
        name = required_text(name, field="substitute_name")
    except DomainError as error:
        errors[error.field] = error
        return None
    if email == member["email"]:
        errors["substitute_email"] = N_("A member cannot be their own substitute.")
        return None
    existing = await Person.select().where(Person.email == email).first()
    if existing is not None and organisation is not None:
        if existing["erased_at"] is not None:
            errors["substitute_email"] = N_("That address belongs to someone who has been erased.")
        elif existing["organisation"] not in (None, organisation["id"]):
            errors["substitute_email"] = N_("The substitute must be from the member's organisation.")
        elif existing["side"] not in ("", side):
            errors["substitute_email"] = N_("The substitute must be from the member's side.")
    return existing or {"name": name, "email": email, "organisation": organisation["id"] if organisation else None}


async def _substitute_id(substitute: dict[str, Any] | None, side: str) -> int | None:
    if substitute is None:
        return None
    if "id" in substitute:
        return substitute["id"]
    person = Person(
        name=substitute["name"], email=substitute["email"], organisation=substitute["organisation"], side=side
    )
    await person.save()
    return person.id


async def add_term(person_uid: str, data: TermInput, actor: Actor) -> str:
    """A new term of office for the member (a re-appointment, or their first)."""
    async with atomic():
        person = await person_by_uid(person_uid)
        clean = await _clean_term(person, data)
        term = MemberTerm(
            person=person["id"],
            organisation=clean["organisation"],
            side=clean["side"],
            starts_on=clean["starts_on"],
            ends_on=clean["ends_on"],
            substitute=await _substitute_id(clean["substitute"], clean["side"]),
        )
        await term.save()
        await _mirror_latest_term(person["id"])
        await audit.record(
            "member.term_added",
            actor,
            object_type="person",
            object_id=person_uid,
            summary=f"{person['name']}: {clean['starts_on']} – {clean['ends_on'] or ''}",
        )
    return str(term.uid)


async def term_of(person: dict[str, Any], term_uid: str) -> dict[str, Any]:
    """One of the person's terms, with the substitute's name and address; NotFound otherwise."""
    uid = parse_uid(term_uid)
    term = (
        await MemberTerm.select(
            *MemberTerm.all_columns(),
            MemberTerm.substitute.name.as_alias("substitute_name"),
            MemberTerm.substitute.email.as_alias("substitute_email"),
        )
        .where((MemberTerm.uid == uid) & (MemberTerm.person == person["id"]))
        .first()
        if uid
        else None
    )
    if term is None:
        raise NotFound()
    return term


async def end_term(person_uid: str, term_uid: str, ends_on_text: str, actor: Actor) -> None:
    """End a term on a date (a member who leaves before the term's end)."""
    async with atomic():
        person = await person_by_uid(person_uid)
        term = await term_of(person, term_uid)
        ends_on = parse_iso_date(ends_on_text, "ends_on")
        if ends_on is None:
            raise DomainError(N_("Give the date it ends."), field="ends_on")
        if ends_on < term["starts_on"]:
            raise DomainError(N_("It cannot end before it starts."), field="ends_on")
        others = await MemberTerm.select().where((MemberTerm.person == person["id"]) & (MemberTerm.id != term["id"]))
        if any(_overlaps(term["starts_on"], ends_on, other["starts_on"], other["ends_on"]) for other in others):
            raise DomainError(N_("The member already has a term in this period."), field="ends_on")
        await MemberTerm.update({MemberTerm.ends_on: ends_on}).where(MemberTerm.id == term["id"])
        await _mirror_latest_term(person["id"])
        await audit.record(
            "member.term_ended",
            actor,
            object_type="person",
            object_id=person_uid,
            summary=f"{person['name']}: {ends_on}",
        )


async def set_substitute(person_uid: str, term_uid: str, data: TermInput, actor: Actor) -> None:
    """Name (or, with both fields empty, remove) the personal substitute of one term."""
    async with atomic():
        person = await person_by_uid(person_uid)
        term = await term_of(person, term_uid)
        organisation = await Organisation.select().where(Organisation.id == term["organisation"]).first()
        errors: dict[str, DomainError | str] = {}
        substitute = await _collect_substitute(person, data, organisation, term["side"], errors)
        if errors:
            raise ValidationFailed(errors)
        substitute_id = await _substitute_id(substitute, term["side"])
        await MemberTerm.update({MemberTerm.substitute: substitute_id}).where(MemberTerm.id == term["id"])
        await audit.record(
            "member.substitute_set",
            actor,
            object_type="person",
            object_id=person_uid,
            summary=f"{person['name']}: {substitute['name'] if substitute else '-'}",
        )


async def delete_term(person_uid: str, term_uid: str, actor: Actor) -> None:
    """Remove a term entered by mistake (a term that was served is ended, not deleted)."""
    async with atomic():
        person = await person_by_uid(person_uid)
        term = await term_of(person, term_uid)
        await MemberTerm.delete().where(MemberTerm.id == term["id"])
        await _mirror_latest_term(person["id"])
        await audit.record(
            "member.term_deleted",
            actor,
            object_type="person",
            object_id=person_uid,
            summary=f"{person['name']}: {term['starts_on']} – {term['ends_on'] or ''}",
        )


async def end_terms_of(person_id: int, day: date) -> None:
    """A member deactivated leaves the council: terms running past `day` end on it (inside the
    caller's transaction). Their history stays."""
    await MemberTerm.update({MemberTerm.ends_on: day}).where(
        (MemberTerm.person == person_id)
        & (MemberTerm.starts_on <= day)
        & (MemberTerm.ends_on.is_null() | (MemberTerm.ends_on > day))
    )
    await _mirror_latest_term(person_id)


async def record_term_from_member_form(person_id: int, organisation_id: int, side: str, starts_on, ends_on) -> None:
    """The member form (and the import) edit the member's latest term, or give them their first one
    (from today when no start is given). A row without any term dates (a list re-imported to correct
    addresses) leaves the term's dates as they are. Called inside the caller's transaction."""
    latest = await (
        MemberTerm.select(MemberTerm.id, MemberTerm.starts_on, MemberTerm.ends_on)
        .where(MemberTerm.person == person_id)
        .order_by(MemberTerm.starts_on, ascending=False)
        .first()
    )
    if latest is not None and starts_on is None and ends_on is None:
        starts_on, ends_on = latest["starts_on"], latest["ends_on"]
    values = {
        MemberTerm.organisation: organisation_id,
        MemberTerm.side: side,
        MemberTerm.starts_on: starts_on or (latest["starts_on"] if latest else local_today()),
        MemberTerm.ends_on: ends_on,
    }
    if latest is None:
        await MemberTerm.insert(MemberTerm(person=person_id, **{column._meta.name: v for column, v in values.items()}))
    else:
        await MemberTerm.update(values).where(MemberTerm.id == latest["id"])
    await _mirror_latest_term(person_id)


# ---- Roles --------------------------------------------------------------------------------------


@dataclass
class RoleInput:
    position: str = ""
    starts_on: str = ""
    ends_on: str = ""


# The chair and the vice chair are chosen for one year at a time.
YEARLY_POSITIONS = (CouncilPosition.chair.value, CouncilPosition.vice_chair.value)


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


async def _collect_role_holders(position: str, starts_on: date, ends_on: date | None, errors: dict) -> None:
    """The chair and the vice chair are held by one member at a time."""
    if position not in YEARLY_POSITIONS:
        return
    for row in await MemberRole.select().where(MemberRole.position == position):
        if _overlaps(starts_on, ends_on, row["starts_on"], row["ends_on"]):
            errors["starts_on"] = N_("Someone else holds this role in that period.")


async def add_role(person_uid: str, data: RoleInput, actor: Actor) -> str:
    """A role for the member, for a period within one of their terms."""
    errors: dict[str, DomainError | str] = {}
    position = collect_choice(data.position, CouncilPosition, "position", N_("Choose a role."), errors)
    starts_on, ends_on = _collect_period(data.starts_on, data.ends_on, errors)
    if position in YEARLY_POSITIONS and starts_on and "ends_on" not in errors:
        if ends_on is None:
            errors["ends_on"] = N_("The chair and the vice chair are chosen for one year at a time: give the end date.")
        elif ends_on > _one_year_after(starts_on):
            errors["ends_on"] = N_("The chair and the vice chair are chosen for one year at a time.")
    async with atomic():
        person = await person_by_uid(person_uid)
        if starts_on and not errors:
            term = await _term_holding(person["id"], starts_on, ends_on)
            if term is None:
                errors["starts_on"] = N_("The role must fall within one of the member's terms.")
            elif ends_on is None:
                ends_on = term["ends_on"]  # an open-ended role ends with the term
            await _collect_role_holders(position, starts_on, ends_on, errors)
        if errors:
            raise ValidationFailed(errors)
        role = MemberRole(person=person["id"], position=position, starts_on=starts_on, ends_on=ends_on)
        await role.save()
        await audit.record(
            "member.role_added",
            actor,
            object_type="person",
            object_id=person_uid,
            summary=f"{person['name']}: {position} {starts_on} – {ends_on or ''}",
        )
    return str(role.uid)


async def _term_holding(person_id: int, starts_on: date, ends_on: date | None) -> dict[str, Any] | None:
    """The member's term that the period falls within (an open-ended period: that it starts in)."""
    for term in await MemberTerm.select().where(MemberTerm.person == person_id):
        starts_within = term["starts_on"] <= starts_on and (term["ends_on"] is None or starts_on <= term["ends_on"])
        ends_within = ends_on is None or term["ends_on"] is None or ends_on <= term["ends_on"]
        if starts_within and ends_within:
            return term
    return None


async def delete_role(person_uid: str, role_uid: str, actor: Actor) -> None:
    async with atomic():
        person = await person_by_uid(person_uid)
        uid = parse_uid(role_uid)
        role = (
            await MemberRole.select().where((MemberRole.uid == uid) & (MemberRole.person == person["id"])).first()
            if uid
            else None
        )
        if role is None:
            raise NotFound()
        await MemberRole.delete().where(MemberRole.id == role["id"])
        await audit.record(
            "member.role_deleted",
            actor,
            object_type="person",
            object_id=person_uid,
            summary=f"{person['name']}: {role['position']} {role['starts_on']}",
        )


# ---- The preparatory group ----------------------------------------------------------------------

# The organisations whose officials form the preparatory group: the county board, the region and
# Kommunförbundet (the founding document).
PREPARATORY_KINDS = (
    OrganisationKind.county_board.value,
    OrganisationKind.region.value,
    OrganisationKind.federation.value,
)


@dataclass
class OfficialInput:
    name: str = ""
    email: str = ""
    organisation: str = ""  # an organisation code
    title: str = ""
    starts_on: str = ""
    ends_on: str = ""


async def add_official(data: OfficialInput, actor: Actor) -> str:
    """An official joins the preparatory group: found by address, or added as a person (not a member)."""
    errors: dict[str, DomainError | str] = {}
    fields = {"name": lambda: required_text(data.name, field="name"), "email": lambda: normalise_email(data.email)}
    values = {}
    for name, check in fields.items():
        try:
            values[name] = check()
        except DomainError as error:
            errors[name] = error
    title = " ".join(data.title.split())
    collect_max_length(title, "title", 200, errors)
    organisation = await Organisation.select().where(Organisation.code == data.organisation.strip().lower()).first()
    if organisation is None or organisation["kind"] not in PREPARATORY_KINDS:
        errors["organisation"] = N_("Choose the county board, the region or Kommunförbundet.")
    starts_on, ends_on = _collect_period(data.starts_on, data.ends_on, errors)
    async with atomic():
        person = await Person.select().where(Person.email == values.get("email", "")).first() if not errors else None
        if person is not None and person["erased_at"] is not None:
            errors["email"] = N_("That address belongs to someone who has been erased.")
        if person is not None and not errors:
            periods = await PreparatoryOfficial.select().where(PreparatoryOfficial.person == person["id"])
            if any(_overlaps(starts_on, ends_on, p["starts_on"], p["ends_on"]) for p in periods):
                errors["starts_on"] = N_("The official is already in the preparatory group in this period.")
        if errors:
            raise ValidationFailed(errors)
        if person is None:
            new = Person(name=values["name"], email=values["email"], organisation=organisation["id"], title=title)
            await new.save()
            person = {"id": new.id, "uid": new.uid, "name": new.name}
        official = PreparatoryOfficial(person=person["id"], starts_on=starts_on, ends_on=ends_on)
        await official.save()
        await audit.record(
            "preparatory_group.added", actor, object_type="person", object_id=str(person["uid"]), summary=person["name"]
        )
    return str(official.uid)


async def _official(uid: str) -> dict[str, Any]:
    official_uid = parse_uid(uid)
    official = (
        await PreparatoryOfficial.select(
            *PreparatoryOfficial.all_columns(), PreparatoryOfficial.person.name.as_alias("name")
        )
        .where(PreparatoryOfficial.uid == official_uid)
        .first()
        if official_uid
        else None
    )
    if official is None:
        raise NotFound()
    return official


async def end_official(uid: str, ends_on_text: str, actor: Actor) -> None:
    async with atomic():
        official = await _official(uid)
        ends_on = parse_iso_date(ends_on_text, "ends_on")
        if ends_on is None:
            raise DomainError(N_("Give the date it ends."), field="ends_on")
        if ends_on < official["starts_on"]:
            raise DomainError(N_("It cannot end before it starts."), field="ends_on")
        await PreparatoryOfficial.update({PreparatoryOfficial.ends_on: ends_on}).where(
            PreparatoryOfficial.id == official["id"]
        )
        await audit.record(
            "preparatory_group.ended",
            actor,
            object_type="preparatory_official",
            object_id=uid,
            summary=official["name"],
        )


async def officials_history() -> list[dict[str, Any]]:
    """Everyone who has been in the preparatory group, the latest first."""
    return await (
        PreparatoryOfficial.select(
            PreparatoryOfficial.uid,
            PreparatoryOfficial.starts_on,
            PreparatoryOfficial.ends_on,
            PreparatoryOfficial.person.name.as_alias("name"),
            PreparatoryOfficial.person.email.as_alias("email"),
            PreparatoryOfficial.person.title.as_alias("title"),
            PreparatoryOfficial.person.organisation.name_sv.as_alias("organisation_sv"),
            PreparatoryOfficial.person.organisation.name_en.as_alias("organisation_en"),
        )
        .where(PreparatoryOfficial.person.erased_at.is_null())
        .order_by(PreparatoryOfficial.starts_on, ascending=False)
    )


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
