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
import secrets
from collections.abc import AsyncIterator
from typing import Any

from piccolo.columns import JSON

from events_app.domain import audit, outbox, registrations
from events_app.domain.errors import DomainError
from events_app.domain.personal_data import addresses_of, person_by_uid
from events_app.domain.tables import (
    AccessibilityFeedback,
    AuditEntry,
    CalendarFeed,
    Certificate,
    EmailToken,
    ErasureRequest,
    Invitation,
    InvitationLink,
    MailingRecipient,
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import N_

ERASED_DOMAIN = "erased.invalid"  # never receives mail (outbox.can_receive_mail)
DONE_MAIL = "erasure_done"
BATCH = 1000  # rows read at a time when searching a table for the person


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
    """Titles of the events marked "bevaras" the person is registered to."""
    rows = await Registration.select(Registration.event.title.as_alias("title")).where(
        (Registration.person == person_id) & (Registration.event.preserve == True)
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


def _replace_all(text: str, needles: list[str], replacement: str) -> str:
    lowered = text.lower()
    for needle in needles:
        start = lowered.find(needle)
        while start != -1:
            text = text[:start] + replacement + text[start + len(needle) :]
            lowered = text.lower()
            start = lowered.find(needle, start + len(replacement))
    return text


async def _rows_mentioning(table: Any, columns: tuple[Any, ...], needles: list[str]) -> AsyncIterator[dict[str, Any]]:
    """The rows of `table` whose text in `columns` holds any of `needles` (lower case), JSON values
    given back as unescaped text.

    Read in Python, batch by batch: SQLite's LOWER() folds only ASCII, so a database search would
    miss "Ödmark" written "ÖDMARK". Erasure is rare; reading the table is affordable.
    """
    last_id = 0
    while batch := await table.select(table.id, *columns).where(table.id > last_id).order_by(table.id).limit(BATCH):
        last_id = batch[-1]["id"]
        for row in batch:
            for column in columns:
                value = row[column._meta.name]
                if not isinstance(value, str) or isinstance(column, JSON):
                    # Parsed and written again unescaped: stored JSON may spell "ö" as an escape.
                    parsed = json.loads(value) if isinstance(value, str) else value
                    row[column._meta.name] = json.dumps(parsed, ensure_ascii=False)
            if any(needle in (row[c._meta.name] or "").lower() for c in columns for needle in needles):
                yield row


async def _pseudonymise_audit_log(person: dict[str, Any], needles: list[str]) -> None:
    """Entries by or about the person keep their action, with the pseudonym for the name and addresses."""
    name = pseudonym(person)
    await AuditEntry.update({AuditEntry.actor: name}).where(AuditEntry.actor_person == person["id"])
    columns = (AuditEntry.actor, AuditEntry.summary, AuditEntry.object_id, AuditEntry.details)
    async for row in _rows_mentioning(AuditEntry, columns, needles):
        await AuditEntry.update(
            {
                AuditEntry.actor: _replace_all(row["actor"], needles, name),
                AuditEntry.summary: _replace_all(row["summary"], needles, name),
                AuditEntry.object_id: _replace_all(row["object_id"], needles, name)[:80],
                AuditEntry.details: json.loads(_replace_all(row["details"], needles, name)),
            }
        ).where(AuditEntry.id == row["id"])


async def _delete_mail_mentioning(needles: list[str]) -> int:
    """Mail to others that names the person (an admin's copy of their feedback, say) is deleted too:
    the stored copy is only a log of what went out."""
    columns = (OutboxMessage.subject, OutboxMessage.to_name, OutboxMessage.text_body, OutboxMessage.html_body)
    ids = [row["id"] async for row in _rows_mentioning(OutboxMessage, columns, needles)]
    if ids:
        await OutboxMessage.delete().where(OutboxMessage.id.is_in(ids))
    return len(ids)


async def empty_registrations(registration_ids: list[int]) -> None:
    """Empty what the registrations hold of their person: name, address, organisation text, title,
    needs and answers; their "my registration" links stop working. Event, organisation, status,
    days and check-ins stay, so reports count them as before."""
    if not registration_ids:
        return
    await Registration.update(
        {
            Registration.name: "",
            Registration.email: "",
            Registration.organisation_text: "",
            Registration.title: "",
            Registration.dietary: [],
            Registration.dietary_other: "",
            Registration.accessibility: "",
            Registration.answers: {},
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


async def erase_person(uid: str, actor: audit.Actor, *, notify: bool = True) -> dict[str, Any]:
    """Erase the person now; refused (DomainError) when the records plan keeps them or they are gone.
    `notify`: mail the person that it is done (not when the retention rules anonymise a guest).

    Returns counts of what was emptied, for the admin's message and the audit entry.
    """
    async with atomic():
        person = await person_by_uid(uid)
        if person["erased_at"] is not None:
            raise DomainError(N_("This person has already been erased."), code="already_erased")
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
        addresses = sorted(await addresses_of(person))
        needles = sorted({person["name"].lower(), *addresses} - {""}, key=len, reverse=True)
        counts = {
            "registrations": await Registration.count().where(Registration.person == person["id"]),
            "mail": await OutboxMessage.count().where(OutboxMessage.to_address.is_in(addresses)),
            "certificates": await Certificate.count().where(Certificate.person == person["id"]),
        }
        await _cancel_coming_places(person["id"], actor)
        await _empty_rows(person, addresses)
        await _pseudonymise_audit_log(person, needles)
        counts["mail"] += await _delete_mail_mentioning(needles)
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
