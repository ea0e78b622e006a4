"""Erasing a person (GDPR Art. 17): the person asks on /my/data, an admin checks the records plan and
carries it out with one action, and the person gets a mail when it is done.

Erasing empties rather than deletes: the person's row and registrations stay, without name, address,
answers or needs, so every report still counts them (by event, organisation, side and attendance)
and every certificate still verifies by its number and code, naming no one. The audit log keeps its
entries with a pseudonym (`person:<uid>`) in place of the name and addresses. What only served the
person (mail to them, sign-in links, the calendar feed, invitation links) is deleted.

An event marked "bevaras" keeps its attendance as an official record: a person registered to one
is not erased, and the admin is told why (nothing is left half done).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from piccolo.columns import JSON

from events_app.domain import audit, evaluation_privacy, outbox, registrations
from events_app.domain.errors import DomainError
from events_app.domain.personal_data import addresses_of, person_by_uid
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    AccessibilityFeedback,
    ApiToken,
    Attendance,
    AuditEntry,
    CalendarFeed,
    Certificate,
    CheckInConflict,
    EmailToken,
    ErasureRequest,
    EvaluationRequest,
    EvaluationResponse,
    Invitation,
    InvitationLink,
    MailingRecipient,
    MemberRole,
    MemberTerm,
    OutboxAttachment,
    OutboxMessage,
    Person,
    PreparatoryOfficial,
    Registration,
    RegistrationStatus,
    SessionChoice,
    StaffAccount,
)
from events_app.domain.transactions import atomic, is_sqlite, utcnow
from events_app.i18n import N_

ERASED_DOMAIN = "erased.invalid"  # never receives mail (outbox.can_receive_mail)
DONE_MAIL = "erasure_done"


# What erasing does to each table that holds a person (personal_data.EXPORTED and NOT_EXPORTED name
# them all; tests/test_personal_data.py holds this list to those): a table added there must be
# handled here too.
ERASED = {
    Person: "emptied; the row stays, so reports count the person",
    Registration: "emptied; event, organisation, status, days and check-ins stay",
    SessionChoice: "kept: which sessions, no personal text",
    Attendance: "kept: check-ins, no personal text (staff_name is the staff member's)",
    CheckInConflict: "kept: conflicts at the door, no personal text (staff and device names are the staff's)",
    Invitation: "emptied; its links deleted",
    InvitationLink: "deleted",
    Certificate: "the printed name emptied; number, code and hours stay for verification",
    OutboxMessage: "deleted when to them or naming them",
    OutboxAttachment: "deleted with their mail",
    MailingRecipient: "emptied",
    CalendarFeed: "deleted",
    EmailToken: "deleted",
    ErasureRequest: "kept, marked done: it names no one once the person is emptied",
    AuditEntry: "pseudonymised",
    AccessibilityFeedback: "deleted",
    MemberTerm: "kept: the council's composition (organisation, side, dates), naming no one once the person is emptied",
    MemberRole: "kept: who held which role when, naming no one once the person is emptied",
    PreparatoryOfficial: "kept: the preparatory group's periods, naming no one once the person is emptied",
    EvaluationRequest: "deleted",
    EvaluationResponse: "a named answer loses the person and its free text; anonymous answers name no one",
    StaffAccount: "not a participant's: untouched",
    ApiToken: "not a participant's: untouched",
}


def pseudonym(person: dict[str, Any]) -> str:
    """What the audit log says instead of the person: stable, and naming no one."""
    return f"person:{person['uid']}"


async def request_erasure(person: dict[str, Any], actor: audit.Actor) -> bool:
    """Record the person's request for the admins; False when one is already waiting."""
    async with atomic():
        if await open_request_of(person["id"]):
            return False
        await ErasureRequest.insert(ErasureRequest(person=person["id"]))
        await audit.record("person.erasure_requested", actor, object_type="person", object_id=person["uid"])
    return True


async def open_request_of(person_id: int) -> dict[str, Any] | None:
    return (
        await ErasureRequest.select()
        .where((ErasureRequest.person == person_id) & ErasureRequest.done_at.is_null())
        .first()
    )


async def open_requests() -> list[dict[str, Any]]:
    """Requests waiting for an admin, oldest first."""
    return await (
        ErasureRequest.select(
            ErasureRequest.uid,
            ErasureRequest.requested_at,
            ErasureRequest.person.uid.as_alias("person_uid"),
            ErasureRequest.person.name.as_alias("person_name"),
            ErasureRequest.person.email.as_alias("person_email"),
        )
        .where(ErasureRequest.done_at.is_null())
        .order_by(ErasureRequest.requested_at)
    )


async def preserved_events_of(person_id: int) -> list[str]:
    """Titles of the events marked "bevaras" the person has a place (or a place in the queue) at."""
    rows = await Registration.select(Registration.event.title.as_alias("title")).where(
        (Registration.person == person_id)
        & (Registration.event.preserve == True)
        & (Registration.status != RegistrationStatus.cancelled)
    )
    return sorted({row["title"] for row in rows})


async def _cancel_coming_places(person_id: int, actor: audit.Actor) -> None:
    """Give up the places the person still holds at events that have not ended: the queue moves on."""
    coming = await Registration.select(Registration.uid).where(
        (Registration.person == person_id)
        & (Registration.status != RegistrationStatus.cancelled)
        & (Registration.event.ends_at > utcnow())
    )
    for row in coming:
        await registrations.cancel_registration(str(row["uid"]), actor, by_organiser=True, notify=False)


@dataclass(frozen=True)
class Traces:
    """What identifies the person in text elsewhere: their addresses and full names (as given on the
    profile, each registration and each invitation), and the ids of the rows about them."""

    uids: list[str]
    words: list[str]  # as typed (for the database's LIKE), longest first

    @property
    def pattern(self) -> re.Pattern[str]:
        """Any of the words, whole (not "Ann" inside "Annika"), in any case."""
        alternatives = "|".join(re.escape(word) for word in self.words)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def full_names(names: Any) -> set[str]:
    """The names of two words or more: a single word ("Ann") would match other people's names too."""
    return {name.strip() for name in names if len(name.split()) >= 2}


async def _traces_of(person: dict[str, Any], addresses: list[str]) -> Traces:
    registrations_of = await Registration.select(Registration.uid, Registration.name).where(
        Registration.person == person["id"]
    )
    invitations_of = await Invitation.select(Invitation.uid, Invitation.name).where(
        (Invitation.person == person["id"]) | Invitation.email.is_in(addresses)
    )
    names = full_names([person["name"], *(row["name"] for row in registrations_of + invitations_of)])
    return Traces(
        uids=[str(person["uid"]), *(str(row["uid"]) for row in registrations_of + invitations_of)],
        words=sorted(names | set(addresses), key=len, reverse=True),
    )


async def _rows_mentioning(table: Any, columns: tuple[Any, ...], traces: Traces) -> AsyncIterator[dict[str, Any]]:
    """The rows of `table` whose text in `columns` holds any of the person's words, JSON values given
    back as unescaped text. The database narrows the search (LIKE, or ILIKE on PostgreSQL); Python
    decides, because SQLite folds the case of ASCII letters only."""
    if not traces.words:
        return
    like = "LIKE" if is_sqlite() else "ILIKE"
    names = [column._meta.db_column_name for column in columns]
    clauses = " OR ".join(f"CAST({name} AS TEXT) {like} {{}}" for _ in traces.words for name in names)
    patterns = [f"%{word}%" for word in traces.words for _ in names]
    query = f"SELECT id, {', '.join(names)} FROM {table._meta.tablename} WHERE {clauses}"
    for row in await table.raw(query, *patterns):
        for column in columns:
            value = row[column._meta.db_column_name]
            if isinstance(column, JSON) or not isinstance(value, str):
                # Parsed and written again unescaped: stored JSON may spell "ö" as an escape.
                parsed = json.loads(value) if isinstance(value, str) else value
                row[column._meta.db_column_name] = json.dumps(parsed, ensure_ascii=False)
        if any(traces.pattern.search(row[name] or "") for name in names):
            yield row


async def scrub_audit_log(traces: Traces, replacement: str) -> None:
    """Entries about the rows in `traces.uids` lose their summary, details and (unless a staff member
    acted) IP address; any entry naming the words gets `replacement` in their place. Every entry
    keeps its action, time and object."""
    about = AuditEntry.object_id.is_in(traces.uids or [""])
    await AuditEntry.update({AuditEntry.summary: replacement, AuditEntry.details: {}}).where(about)
    await AuditEntry.update({AuditEntry.ip: ""}).where(about & AuditEntry.actor_staff.is_null())
    columns = (AuditEntry.actor, AuditEntry.summary, AuditEntry.object_id, AuditEntry.details)
    async for row in _rows_mentioning(AuditEntry, columns, traces):
        await AuditEntry.update(
            {
                AuditEntry.actor: traces.pattern.sub(replacement, row["actor"]),
                AuditEntry.summary: traces.pattern.sub(replacement, row["summary"]),
                AuditEntry.object_id: traces.pattern.sub(replacement, row["object_id"])[:80],
                AuditEntry.details: json.loads(traces.pattern.sub(replacement, row["details"])),
            }
        ).where(AuditEntry.id == row["id"])


async def _pseudonymise_audit_log(person: dict[str, Any], traces: Traces) -> None:
    """Entries by or about the person keep their action and time, with the pseudonym for the person:
    their own actions lose the actor's name and IP; entries about them, their registrations or
    invitations lose summary and details; any other entry naming them (by full name or address)
    gets the pseudonym in place of the words."""
    name = pseudonym(person)
    await AuditEntry.update({AuditEntry.actor: name, AuditEntry.ip: ""}).where(AuditEntry.actor_person == person["id"])
    await scrub_audit_log(traces, name)


async def _delete_mail_mentioning(traces: Traces) -> int:
    """Mail to others that names the person (an admin's copy of their feedback, say) is deleted too:
    the stored copy is only a log of what went out."""
    columns = (OutboxMessage.subject, OutboxMessage.to_name, OutboxMessage.text_body, OutboxMessage.html_body)
    ids = [row["id"] async for row in _rows_mentioning(OutboxMessage, columns, traces)]
    if ids:
        await OutboxMessage.delete().where(OutboxMessage.id.is_in(ids))
    return len(ids)


async def empty_registrations(registration_ids: list[int]) -> None:
    """Empty what the registrations hold of their person: name (and its folded copy for the door's
    search), address, organisation text, title, needs and answers; their "my registration" links
    stop working. Event, organisation, status, days and check-ins stay, so reports count them as
    before."""
    if not registration_ids:
        return
    await Registration.update(
        {
            Registration.name: "",
            Registration.email: "",
            Registration.organisation_text: "",
            Registration.search_text: "",
            Registration.title: "",
            Registration.dietary: [],
            Registration.dietary_other: "",
            Registration.accessibility: "",
            Registration.answers: {},
            Registration.updated_at: utcnow(),  # the door lists on devices drop the name at their next sync
        }
    ).where(Registration.id.is_in(registration_ids))
    for registration_id in registration_ids:
        await Registration.update({Registration.manage_token: secrets.token_urlsafe(32)}).where(
            Registration.id == registration_id
        )


async def empty_invitations(invitation_ids: list[int]) -> None:
    """Empty the invitations' name, address, organisation text, note and decline reason; delete their links."""
    if not invitation_ids:
        return
    await InvitationLink.delete().where(InvitationLink.invitation.is_in(invitation_ids))
    await Invitation.update(
        {
            Invitation.email: "",
            Invitation.name: "",
            Invitation.organisation_text: "",
            Invitation.note: "",
            Invitation.decline_reason: "",
        }
    ).where(Invitation.id.is_in(invitation_ids))


async def empty_mailing_recipients(where: Any) -> None:
    """Empty the name and address of the mailing recipients matching `where`."""
    recipients = await MailingRecipient.select(MailingRecipient.id, MailingRecipient.mailing).where(where)
    for recipient in recipients:
        # The scope holds the address; what it must stay is unique per mailing.
        await MailingRecipient.update(
            {
                MailingRecipient.email: "",
                MailingRecipient.name: "",
                MailingRecipient.scope: f"{recipient['mailing']}/erased-{recipient['id']}",
            }
        ).where(MailingRecipient.id == recipient["id"])


async def _ids(table: Any, where: Any) -> list[int]:
    return [row["id"] for row in await table.select(table.id).where(where)]


async def _empty_rows(person: dict[str, Any], addresses: list[str]) -> None:
    person_id = person["id"]
    registration_ids = await _ids(Registration, Registration.person == person_id)
    await evaluation_privacy.erase(person_id)
    await empty_registrations(registration_ids)
    await empty_invitations(
        await _ids(Invitation, (Invitation.person == person_id) | Invitation.email.is_in(addresses))
    )
    await empty_mailing_recipients(
        MailingRecipient.email.is_in(addresses) | MailingRecipient.registration.is_in(registration_ids or [0])
    )
    await Certificate.update({Certificate.name: ""}).where(Certificate.person == person_id)
    held = Certificate.select(Certificate.id, Certificate.content).where(Certificate.person == person_id)
    for certificate in await held.output(load_json=True):
        await Certificate.update({Certificate.content: {**certificate["content"], "name": ""}}).where(
            Certificate.id == certificate["id"]
        )
    await OutboxMessage.delete().where(OutboxMessage.to_address.is_in(addresses))
    await AccessibilityFeedback.delete().where(AccessibilityFeedback.email.is_in(addresses))
    await EmailToken.delete().where(EmailToken.person == person_id)
    await CalendarFeed.delete().where(CalendarFeed.person == person_id)
    await Person.update(
        {
            Person.name: "",
            Person.email: f"{person['uid']}@{ERASED_DOMAIN}",
            Person.title: "",
            Person.active: False,
            Person.term_start: None,
            Person.term_end: None,
            Person.session_epoch: Person.session_epoch + 1,
            Person.erased_at: utcnow(),
            Person.updated_at: utcnow(),
        }
    ).where(Person.id == person_id)


@changes_public_pages
async def erase_person(uid: str, actor: audit.Actor, *, notify: bool = True) -> dict[str, Any]:
    """Erase the person now; refused (DomainError) when the records plan keeps them or they are gone.
    `notify`: mail the person that it is done (not when the retention rules anonymise a guest).

    Returns counts of what was emptied, for the admin's message and the audit entry.
    """
    async with atomic():
        person = await person_by_uid(uid)
        preserved = await preserved_events_of(person["id"])
        if preserved:
            raise DomainError(
                N_(
                    "The person is in the attendance of events the records plan keeps (bevaras): %(events)s. "
                    "Nothing was erased."
                ),
                code="preserved",
                events=", ".join(preserved),
            )
        # Claimed first: an admin's click and the daily run at the same moment erase once.
        claimed = (
            await Person.update({Person.erased_at: utcnow()})
            .where((Person.id == person["id"]) & Person.erased_at.is_null())
            .returning(Person.id)
        )
        if not claimed:
            raise DomainError(N_("This person has already been erased."), code="already_erased")
        # Someone who asked is told it is done, also when the retention rules got there first.
        notify = notify or await open_request_of(person["id"]) is not None
        addresses = sorted(await addresses_of(person))
        traces = await _traces_of(person, addresses)
        counts = {
            "registrations": await Registration.count().where(Registration.person == person["id"]),
            "mail": await OutboxMessage.count().where(OutboxMessage.to_address.is_in(addresses)),
            "certificates": await Certificate.count().where(Certificate.person == person["id"]),
        }
        await _cancel_coming_places(person["id"], actor)
        await _empty_rows(person, addresses)
        await _pseudonymise_audit_log(person, traces)
        counts["mail"] += await _delete_mail_mentioning(traces)
        await ErasureRequest.update({ErasureRequest.done_at: utcnow(), ErasureRequest.done_by: actor.staff_id}).where(
            (ErasureRequest.person == person["id"]) & ErasureRequest.done_at.is_null()
        )
        await audit.record(
            "person.erased",
            actor,
            object_type="person",
            object_id=person["uid"],
            summary=pseudonym(person),
            details=counts,
        )
        if notify:
            # The mail is deleted once sent (outbox.FORGOTTEN_ONCE_SENT): the address leaves no trace.
            await outbox.enqueue(
                to_address=person["email"], language=person["language"], template=DONE_MAIL, context={}, kind=DONE_MAIL
            )
    return counts
