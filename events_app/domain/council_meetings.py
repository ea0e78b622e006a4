"""Council meetings (an Event of kind council_meeting, docs/council.md): inviting the council as it
stands on the meeting's date, the members' answers (coming, apologies, the invitation passed to their
personal substitute), the agenda with its papers and minutes, the organiser's overview (who comes,
whether every organisation and side is represented) and attendance ticked on that page.

Invitations, their links and mails, accepting (registering) and declining are `invitations`'; the
papers are `materials` with visibility `council`; attendance is `checkins`'. This module decides
who the council is for one meeting and what their answers mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from events_app.domain import (
    audit,
    checkins,
    council_members,
    events,
    invitation_links,
    invitations,
    materials,
    people,
    registrations,
    waiting_list,
)
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.invitation_links import deadline
from events_app.domain.tables import (
    AgendaItem,
    Attendance,
    CheckInMethod,
    CouncilRole,
    Event,
    EventKind,
    EventStatus,
    Invitation,
    InvitationStatus,
    MaterialPurpose,
    MaterialVisibility,
    Registration,
    RegistrationStatus,
    Theme,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_, localtime, normalise_language

MEMBER, SUBSTITUTE, PREPARATORY = CouncilRole.member.value, CouncilRole.substitute.value, CouncilRole.preparatory.value
GUEST = CouncilRole.guest.value
# The organiser's words for an invitee's answer, in the overview's order.
ANSWERS = {
    "coming": N_("Coming"),
    "substitute_sent": N_("Apologies, substitute sent"),
    "apologies": N_("Apologies"),
    "not_answered": N_("Not answered"),
}
ROLE_LABELS = {
    MEMBER: N_("Members"),
    SUBSTITUTE: N_("Substitutes"),
    PREPARATORY: N_("Preparatory group"),
    GUEST: N_("Invited guests"),
}
MAX_TITLE = 300
MAX_PROJECT = 200
MAX_DESCRIPTION = 5000


def meeting_day(event: dict[str, Any]) -> date:
    """The date the council is taken on: the meeting's first day in Stockholm."""
    return localtime(event["starts_at"]).date()


async def meeting(slug: str) -> dict[str, Any]:
    """The event, which must be a council meeting."""
    event = await events.get_event(slug)
    if event["kind"] != EventKind.council_meeting.value:
        raise NotFound(N_("This event is not a council meeting."))
    return event


# --- Inviting the council ----------------------------------------------------------------------


def _invitee(row: dict[str, Any], role: str) -> dict[str, Any]:
    return {
        "person": row["person_id"],
        "email": row["email"],
        "name": row["name"],
        "organisation": row["organisation"],
        "language": normalise_language(row["language"]),
        "council_role": role,
    }


async def _add_council(event: dict[str, Any], actor: Actor) -> int:
    """Inside a transaction holding the event's lock: an invitation for each member in office and
    each official of the preparatory group on the meeting's date who has none (by person or address)."""
    day = meeting_day(event)
    existing = await Invitation.select(Invitation.person, Invitation.email).where(
        (Invitation.event == event["id"]) & (Invitation.status != InvitationStatus.revoked.value)
    )
    persons = {row["person"] for row in existing if row["person"]}
    addresses = {row["email"] for row in existing}
    wanted = [_invitee(row, MEMBER) for row in await council_members.terms_on(day)]
    wanted += [_invitee(row, PREPARATORY) for row in await council_members.officials_on(day)]
    rows = []
    for invitee in wanted:
        if invitee["person"] in persons or invitee["email"] in addresses:
            continue
        persons.add(invitee["person"])
        addresses.add(invitee["email"])
        rows.append(Invitation(event=event["id"], **invitee))
    if rows:
        await Invitation.insert(*rows)
        await audit.record(
            "council.invited",
            actor,
            object_type="event",
            object_id=event["uid"],
            summary=", ".join(row.email for row in rows)[:500],
        )
    return len(rows)


async def _mail_council(event: dict[str, Any], actor: Actor) -> None:
    """Mail the council's unmailed invitations, while the meeting can still be answered."""
    if event["status"] == EventStatus.published.value and utcnow() < deadline(event):
        await invitations.send_invitations(event["slug"], "", actor, council_only=True)


async def invite_council(slug: str, actor: Actor) -> int:
    """Invite the members in office and the preparatory group on the meeting's date who are not
    invited yet (so, again later: those who came into office since), and mail them when the meeting
    is published. Returns how many were added."""
    event = await meeting(slug)
    if event["status"] in (EventStatus.cancelled.value, EventStatus.archived.value):
        raise DomainError(
            N_("This event is cancelled or archived: nobody can be invited to it."), code="invalid_status"
        )
    async with atomic():
        await waiting_list.lock_event(event["id"])
        added = await _add_council(event, actor)
        await _mail_council(await meeting(slug), actor)
    return added


async def _on_publish(slug: str, actor: Actor) -> None:
    await invite_council(slug, actor)


events.ON_PUBLISH[EventKind.council_meeting.value] = _on_publish


# --- Answering ---------------------------------------------------------------------------------


async def substitute_of(invitation: dict[str, Any], event: dict[str, Any]) -> dict[str, Any] | None:
    """The member's term on the meeting's date, when it names a substitute (else None)."""
    if invitation["council_role"] != MEMBER or invitation["person"] is None:
        return None
    for term in await council_members.terms_on(meeting_day(event)):
        if term["person_id"] == invitation["person"] and term["substitute_id"]:
            return term
    return None


async def _existing_substitute(invitation_id: int) -> dict[str, Any] | None:
    return (
        await Invitation.select()
        .where((Invitation.substitute_for == invitation_id) & (Invitation.status != InvitationStatus.revoked.value))
        .first()
    )


async def _pass_on(invitation: dict[str, Any], event: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Inside the caller's transaction (event locked): invite the member's substitute in their place
    and mail them at once. Passing on again does nothing new."""
    if invitation["council_role"] == SUBSTITUTE:
        raise DomainError(N_("A substitute cannot pass the invitation on."), field="substitute", code="not_a_member")
    if invitation["council_role"] != MEMBER:
        raise DomainError(
            N_("Only a member's invitation can go to a substitute."), field="substitute", code="not_a_member"
        )
    existing = await _existing_substitute(invitation["id"])
    if existing is not None:
        return existing
    term = await substitute_of(invitation, event)
    if term is None:
        raise DomainError(
            N_("No personal substitute is named for you on the meeting's date. Tell the organiser who comes instead."),
            field="substitute",
            code="no_substitute",
        )
    taken = await Invitation.select(Invitation.id).where(
        (Invitation.event == event["id"])
        & (Invitation.email == term["substitute_email"])
        & (Invitation.status != InvitationStatus.revoked.value)
    )
    if taken:
        raise DomainError(
            N_("The substitute, %(name)s, is already invited to this meeting."),
            field="substitute",
            code="already_invited",
            name=term["substitute_name"],
        )
    row = Invitation(
        event=event["id"],
        person=term["substitute_id"],
        email=term["substitute_email"],
        name=term["substitute_name"],
        organisation=term["organisation"],
        language=invitation["language"],
        council_role=SUBSTITUTE,
        substitute_for=invitation["id"],
    )
    await row.save()
    await audit.record(
        "council.substitute_invited",
        actor,
        object_type="invitation",
        object_id=invitation["uid"],
        summary=f"{invitation['name']} -> {term['substitute_name']}",
    )
    try:
        await invitations.send_invitations(event["slug"], "", actor, council_only=True)
    except DomainError as error:
        # Past the answer deadline (a member taken ill on the morning): the substitute takes the place
        # all the same; the organiser tells them, as the meeting page says.
        if error.code != "deadline_passed":
            raise
    return row.to_dict()


async def decline(token: str, reason: str, *, pass_to_substitute: bool = False) -> dict[str, Any]:
    """The invitee sends apologies (`invitations.decline`), and a member may pass the invitation to
    their substitute in the same step. Nothing is written when the invitation cannot be passed on."""
    async with atomic():
        invitation = await invitations.decline(token, reason)
        if pass_to_substitute:
            actor = Actor(invitation["name"] or invitation["email"], person_id=invitation["person"])
            await _pass_on(invitation, await meeting(invitation["event"]["slug"]), actor)
    return invitation


async def was_mailed(invitation_uid: Any) -> bool:
    """Whether the invitation's mail has been queued (not, for one made after the answer deadline)."""
    row = await Invitation.select(Invitation.mailed_at).where(Invitation.uid == invitation_uid).first()
    return bool(row and row["mailed_at"])


async def _invitation_not_coming(event: dict[str, Any], invitation_uid: str) -> dict[str, Any]:
    """The invitation, refused when its invitee has a place (cancel that first) or it was revoked.
    Inside the caller's transaction, with the event locked."""
    invitation = await _invitation_of(event, invitation_uid)
    if await _live_registration(invitation) is not None:
        raise DomainError(
            N_("%(name)s is registered to come: cancel the registration first."),
            code="coming",
            name=invitation["name"],
        )
    if invitation["status"] == InvitationStatus.revoked.value:
        raise DomainError(N_("This invitation has been revoked."), code="invalid_status")
    return invitation


async def record_apologies(slug: str, invitation_uid: str, actor: Actor, reason: str = "") -> None:
    """The organiser records apologies an invitee sent some other way (by phone, by mail). Not once
    they have a place: that registration is cancelled first."""
    event = await meeting(slug)
    async with atomic():
        await waiting_list.lock_event(event["id"])
        invitation = await _invitation_not_coming(event, invitation_uid)
        await Invitation.update(
            {
                Invitation.status: InvitationStatus.declined.value,
                Invitation.answered_at: utcnow(),
                Invitation.decline_reason: " ".join(reason.split())[:1000],
            }
        ).where(Invitation.id == invitation["id"])
        await audit.record(
            "council.apologies_recorded",
            actor,
            object_type="invitation",
            object_id=invitation["uid"],
            summary=invitation["name"],
        )


async def pass_to_substitute(slug: str, invitation_uid: str, actor: Actor) -> dict[str, Any]:
    """The organiser passes a member's invitation to their substitute: the member has sent apologies
    (or not answered yet: the apologies are recorded now). Not once the member has a place."""
    event = await meeting(slug)
    async with atomic():
        await waiting_list.lock_event(event["id"])
        invitation = await _invitation_not_coming(event, invitation_uid)
        await Invitation.update(
            {Invitation.status: InvitationStatus.declined.value, Invitation.answered_at: utcnow()}
        ).where((Invitation.id == invitation["id"]) & (Invitation.status != InvitationStatus.declined.value))
        return await _pass_on(invitation, event, actor)


async def _invitation_of(event: dict[str, Any], uid: str) -> dict[str, Any]:
    value = parse_uid(uid)
    row = (
        await Invitation.select().where((Invitation.uid == value) & (Invitation.event == event["id"])).first()
        if value
        else None
    )
    if row is None:
        raise NotFound(N_("There is no such invitation."))
    return row


async def _live_registration(invitation: dict[str, Any]) -> dict[str, Any] | None:
    """The invitee's live registration: made with the invitation, or with its address."""
    return (
        await Registration.select(Registration.id, Registration.uid, Registration.status)
        .where(
            (Registration.event == invitation["event"])
            & ((Registration.invitation == invitation["id"]) | (Registration.email == invitation["email"]))
            & (Registration.status != RegistrationStatus.cancelled.value)
        )
        .first()
    )


async def accept(token: str, ip: str = "") -> dict[str, Any]:
    """A council invitation accepted with one click: the invitee is registered with what the
    invitation holds (no form; the page says that answering agrees to the privacy notice). Raises
    DomainError when the event needs more (its own questions): then the form is the way."""
    invitation = await invitations.open_invitation(token)
    if not is_council_invitation(invitation):  # a council role is only ever given at a council meeting
        raise NotFound()  # another invitation answers with the registration form, which asks for consent
    if invitation["registration"] is not None:
        return invitation["registration"]
    if await _existing_substitute(invitation["id"]) is not None:
        raise DomainError(
            N_("Your substitute is invited in your place. Tell the organiser if you can come after all."),
            code="substitute_sent",
        )
    data = registrations.RegistrationInput(
        name=invitation["name"],
        email=invitation["email"],
        organisation=await people.organisation_code(invitation["organisation"]) or invitation["organisation_text"],
        language=invitation["language"],
        consent=True,
        invitation_token=token,
    )
    registrant = registrations.Registrant(person_id=invitation["person"], source="form", ip=ip)
    result = await registrations.register(invitation["event"]["slug"], data, registrant)
    return result.registration


def is_council_invitation(invitation: dict[str, Any]) -> bool:
    return invitation.get("council_role") in (MEMBER, SUBSTITUTE, PREPARATORY)


# --- The organiser's overview ------------------------------------------------------------------


def _answer(row: dict[str, Any], substitutes: dict[int, dict[str, Any]]) -> str:
    if row["state"] == invitations.ACCEPTED:
        return "coming"
    if row["state"] == invitations.DECLINED:
        return "substitute_sent" if row["id"] in substitutes else "apologies"
    return "not_answered"


async def invitees(slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The meeting and everyone invited to it (revoked invitations left out), each with `answer`
    (ANSWERS), `role` (member, substitute, preparatory or "" for a guest), `substitute_for_name` for a
    substitute, `substitute_name` for a member who sent one, the member's `side` and organisation
    (a substitute's are the member's seat), `registration` and `attended` (checked in)."""
    await meeting(slug)
    event, rows = await invitations.list_invitations(slug)
    rows = [row for row in rows if row["status"] != InvitationStatus.revoked.value]
    by_id = {row["id"]: row for row in rows}
    substitutes = {row["substitute_for"]: row for row in rows if row["substitute_for"] in by_id}
    seats = {term["person_id"]: term for term in await council_members.terms_on(meeting_day(event))}
    attended = {
        row["uid"]
        for row in await Attendance.select(Attendance.registration.uid.as_alias("uid")).where(
            Attendance.event == event["id"]
        )
    }
    for row in rows:
        row["role"] = row["council_role"]
        row["answer"] = _answer(row, substitutes)
        member = by_id.get(row["substitute_for"]) if row["substitute_for"] else row
        term = seats.get(member["person"]) if member else None
        row["side"] = term["side"] if term else ""
        row["seat_organisation"] = term["organisation"] if term else None
        row["substitute_for_name"] = member["name"] if row["substitute_for"] and member else ""
        row["substitute_name"] = substitutes[row["id"]]["name"] if row["id"] in substitutes else ""
        registration = row["registration"]
        row["attended"] = bool(registration) and registration["uid"] in attended
    return event, rows


@dataclass
class SeatCover:
    organisation: dict[str, Any]
    side: str
    represented: bool
    by: list[str]  # who comes for the seat: the member, or "Anna (substitute for Bertil)"


async def representation(rows: list[dict[str, Any]]) -> list[SeatCover]:
    """Each seat organisation x side: whether a member or substitute for it is coming (`invitees`' rows)."""
    coming: dict[tuple[int, str], list[str]] = {}
    for row in rows:
        if row["role"] in (MEMBER, SUBSTITUTE) and row["answer"] == "coming" and row["seat_organisation"]:
            coming.setdefault((row["seat_organisation"], row["side"]), []).append(row["name"])
    return [
        SeatCover(
            organisation, side, bool(coming.get((organisation["id"], side))), coming.get((organisation["id"], side), [])
        )
        for organisation in await council_members.seat_organisations()
        for side in ("majority", "opposition")
    ]


# --- Ticking attendance ------------------------------------------------------------------------


async def tick_attendance(slug: str, invitation_uid: str, staff: dict[str, Any]) -> str:
    """Check an invitee in at the meeting from the organiser's page, registering them first if they
    never did (a member who came without answering). Ticking twice keeps one check-in. Returns the
    check-in's result ("ok" or "already_checked_in")."""
    event = await meeting(slug)
    actor = Actor(staff.get("name", ""), staff_id=staff.get("id"))
    invitation = await _invitation_of(event, invitation_uid)
    if invitation["status"] == InvitationStatus.revoked.value:
        raise DomainError(N_("This invitation has been revoked."), code="invalid_status")
    registration = await _live_registration(invitation)
    if registration is None:
        registration = await _register_at_the_meeting(invitation, event, actor)
    scan = checkins.Scan(
        code="",
        event=slug,
        day=meeting_day(event),
        method=CheckInMethod.search.value,
        # The organiser ticks the meeting's own day on its page: the confirmation the door asks for.
        reason="council meeting page",
        confirmed=True,
    )
    answer = await checkins.check_in_registration(str(registration["uid"]), scan, staff)
    if answer.result not in ("ok", "already_checked_in"):
        raise DomainError(checkins.RESULTS[answer.result])
    return answer.result


async def _register_at_the_meeting(invitation: dict[str, Any], event: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """An invitee who came without a registration: registered by the organiser (no mail), the
    registration tied to the invitation and the invitation accepted."""
    data = registrations.RegistrationInput(
        name=invitation["name"],
        email=invitation["email"],
        organisation=await people.organisation_code(invitation["organisation"]) or invitation["organisation_text"],
        language=invitation["language"],
        send_mail=False,
    )
    async with atomic():
        result = await registrations.register(
            event["slug"], data, registrations.Registrant(source="organiser", actor=actor)
        )
        await Registration.update({Registration.invitation: invitation["id"]}).where(
            Registration.uid == result.registration["uid"]
        )
        await invitation_links.mark_accepted(invitation, result.registration["person"])
    return result.registration


# --- The agenda --------------------------------------------------------------------------------


@dataclass
class AgendaItemInput:
    title: str = ""
    theme: str = ""  # a theme's slug, or "" for none
    project: str = ""
    description: str = ""


async def _clean_item(data: AgendaItemInput) -> dict[str, Any]:
    errors: dict[str, DomainError | str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = N_("Give the item a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = DomainError(N_("At most %(max)s characters."), field="title", max=MAX_TITLE)
    project = " ".join((data.project or "").split())
    if len(project) > MAX_PROJECT:
        errors["project"] = DomainError(N_("At most %(max)s characters."), field="project", max=MAX_PROJECT)
    description = (data.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = DomainError(N_("At most %(max)s characters."), field="description", max=MAX_DESCRIPTION)
    theme = None
    if data.theme:
        row = await Theme.select(Theme.id).where(Theme.slug == data.theme).first()
        if row is None:
            errors["theme"] = N_("Choose one of the council's themes.")
        else:
            theme = row["id"]
    if errors:
        raise ValidationFailed(errors)
    return {"title": title, "project": project, "description": description, "theme": theme}


async def add_item(slug: str, data: AgendaItemInput, actor: Actor) -> dict[str, Any]:
    """A new item last on the agenda (numbered n + 1)."""
    event = await meeting(slug)
    clean = await _clean_item(data)
    async with atomic():
        await waiting_list.lock_event(event["id"])
        number = await AgendaItem.count().where(AgendaItem.event == event["id"]) + 1
        row = AgendaItem(event=event["id"], number=number, **clean)
        await row.save()
        await audit.record(
            "agenda.added", actor, object_type="agenda_item", object_id=row.uid, summary=f"{number}. {clean['title']}"
        )
    return row.to_dict()


async def _item_of(event: dict[str, Any], uid: str) -> dict[str, Any]:
    value = parse_uid(uid)
    row = (
        await AgendaItem.select().where((AgendaItem.uid == value) & (AgendaItem.event == event["id"])).first()
        if value
        else None
    )
    if row is None:
        raise NotFound(N_("There is no such agenda item."))
    return row


async def update_item(slug: str, uid: str, data: AgendaItemInput, actor: Actor) -> None:
    event = await meeting(slug)
    clean = await _clean_item(data)
    async with atomic():
        item = await _item_of(event, uid)
        await AgendaItem.update({getattr(AgendaItem, key): value for key, value in clean.items()}).where(
            AgendaItem.id == item["id"]
        )
        await audit.record(
            "agenda.changed", actor, object_type="agenda_item", object_id=item["uid"], summary=clean["title"]
        )


async def _renumber(event_id: int, ordered: list[dict[str, Any]]) -> None:
    for number, row in enumerate(ordered, start=1):
        if row["number"] != number:
            await AgendaItem.update({AgendaItem.number: number}).where(AgendaItem.id == row["id"])


async def _items(event_id: int) -> list[dict[str, Any]]:
    return (
        await AgendaItem.select()
        .where(AgendaItem.event == event_id)
        .order_by(AgendaItem.number)
        .order_by(AgendaItem.id)
    )


async def move_item(slug: str, uid: str, direction: int, actor: Actor) -> None:
    """Swap with the item before (direction -1) or after (+1); the agenda is numbered 1..n again."""
    event = await meeting(slug)
    async with atomic():
        await waiting_list.lock_event(event["id"])
        rows = await _items(event["id"])
        index = next((i for i, row in enumerate(rows) if str(row["uid"]) == str(parse_uid(uid))), None)
        if index is None:
            raise NotFound(N_("There is no such agenda item."))
        other = index + (1 if direction > 0 else -1)
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
        await _renumber(event["id"], rows)
        await audit.record("agenda.moved", actor, object_type="agenda_item", object_id=uid)


async def delete_item(slug: str, uid: str, actor: Actor) -> None:
    """Take an item off the agenda (its papers stay among the meeting's material) and renumber."""
    event = await meeting(slug)
    async with atomic():
        await waiting_list.lock_event(event["id"])
        item = await _item_of(event, uid)
        await AgendaItem.delete().where(AgendaItem.id == item["id"])
        await _renumber(event["id"], await _items(event["id"]))
        await audit.record(
            "agenda.deleted", actor, object_type="agenda_item", object_id=item["uid"], summary=item["title"]
        )


async def agenda(event: dict[str, Any], viewer: materials.Viewer) -> dict[str, Any]:
    """The agenda as `viewer` may read it: {"items": [item with "theme_name_*" and "papers"],
    "minutes": [...], "may_read": whether the viewer may read the council's papers}."""
    items = (
        await AgendaItem.select(
            *AgendaItem.all_columns(),
            AgendaItem.theme.slug.as_alias("theme_slug"),
            AgendaItem.theme.name_sv.as_alias("theme_name_sv"),
            AgendaItem.theme.name_en.as_alias("theme_name_en"),
        )
        .where(AgendaItem.event == event["id"])
        .order_by(AgendaItem.number)
        .order_by(AgendaItem.id)
    )
    documents = await materials.visible_for_event(event["id"], viewer)
    for item in items:
        item["papers"] = [
            row
            for row in documents
            if row["purpose"] == MaterialPurpose.paper.value and row["agenda_item"] == item["id"]
        ]
    minutes = [row for row in documents if row["purpose"] == MaterialPurpose.minutes.value]
    access = await materials.Access.of(viewer)
    return {"items": items, "minutes": minutes, "may_read": access.organiser or event["id"] in access.council}


async def add_document(
    slug: str, purpose: str, agenda_item: str, title: str, upload: Any, filename: str, actor: Actor
) -> dict[str, Any]:
    """A paper for an agenda item, or the minutes: an uploaded file (`materials.add_file`, which
    consumes `upload`) that only the council may read."""
    await meeting(slug)
    data = materials.MaterialInput(
        title=title, visibility=MaterialVisibility.council.value, purpose=purpose, agenda_item=agenda_item
    )
    if purpose not in (MaterialPurpose.paper.value, MaterialPurpose.minutes.value):
        raise ValidationFailed({"purpose": N_("Choose what the document is.")})
    return await materials.add_file(slug, data, upload, filename, actor)


async def meetings_of(person_id: int) -> list[dict[str, Any]]:
    """The council meetings whose papers the person may read (council_members.council_meetings_of),
    the latest first: for their own pages."""
    ids = await council_members.council_meetings_of(person_id)
    if not ids:
        return []
    return (
        await Event.select(Event.id, Event.slug, Event.title, Event.title_en, Event.starts_at, Event.status)
        .where(Event.id.is_in(list(ids)))
        .order_by(Event.starts_at, ascending=False)
    )


async def meeting_for_person(slug: str, person_id: int) -> dict[str, Any]:
    """A council meeting as one of its council reads it; NotFound for anyone else."""
    event = await meeting(slug)
    if event["id"] not in await council_members.council_meetings_of(person_id):
        raise NotFound(N_("There is no such event."))
    return event
