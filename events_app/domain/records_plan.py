"""What the federation's records plan says about an event: kept ("bevaras": its attendance is an
official record, so nothing of it is deleted, anonymised or erased) or thinned out by the retention
rules; and an organiser's anonymising of an ended event by hand, after a confirmation that shows
what will go.

Anonymising empties what the event's registrations, invitations and mailing recipients copied of
their people (names, addresses, organisation texts, titles, needs and answers), deletes the stored
mail about the event to them and takes them out of the audit log's entries about the event, keeping
the counts of needs (`Event.needs_counts`) and every number the reports count. The people's own profiles,
check-ins and certificates stay: a member's certificates and competence record are kept as long as
the records plan says (retention.py), and a guest is anonymised after their own period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from events_app.domain import audit, erasure, retention, sensitive_answers
from events_app.domain.errors import DomainError
from events_app.domain.events import get_event
from events_app.domain.tables import Event, Invitation, Mailing, MailingRecipient, OutboxMessage, Registration
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import N_

ANONYMISED = "anonymised"  # what the audit log says in place of a participant of an anonymised event


@dataclass(frozen=True)
class AnonymisationPreview:
    """What anonymising the event would empty, in numbers, for the organiser's confirmation."""

    registrations: int
    with_needs_or_answers: int
    invitations: int
    mailing_recipients: int


def refuse_if_preserved(event: dict[str, Any]) -> None:
    if event["preserve"]:
        raise DomainError(
            N_("The records plan keeps this event (bevaras): its registrations are not anonymised or deleted."),
            code="preserved",
        )


async def set_preserved(slug: str, preserve: bool, actor: audit.Actor, *, by_admin: bool = False) -> None:
    """Mark the event as kept by the records plan (bevaras), or take the mark away: only an admin may,
    or an organiser could lift the protection and anonymise the official record at once."""
    async with atomic():
        event = await get_event(slug)
        if event["preserve"] == preserve:
            return
        if not preserve and not by_admin:
            raise DomainError(
                N_("Only an administrator can take away the mark that the records plan keeps this event."),
                code="admins_only",
            )
        await Event.update({Event.preserve: preserve, Event.updated_at: utcnow()}).where(Event.id == event["id"])
        await audit.record(
            "event.preserved" if preserve else "event.not_preserved", actor, object_type="event", object_id=slug
        )


async def _anonymisable(slug: str) -> dict[str, Any]:
    event = await get_event(slug)
    refuse_if_preserved(event)
    if event["anonymised_at"] is not None:
        raise DomainError(N_("The event has already been anonymised."), code="already_anonymised")
    if event["ends_at"] > utcnow():
        raise DomainError(N_("An event can be anonymised once it has ended."), code="not_ended")
    return event


def _recipients_of(event_id: int) -> Any:
    return MailingRecipient.mailing.is_in(Mailing.select(Mailing.id).where(Mailing.event == event_id)) & (
        MailingRecipient.email != ""
    )


async def preview(slug: str) -> AnonymisationPreview:
    """What anonymising would empty; refused like `anonymise_event` when it cannot be done."""
    return await _preview(await _anonymisable(slug))


async def _preview(event: dict[str, Any]) -> AnonymisationPreview:
    questions = await sensitive_answers.event_questions(event["id"])
    rows = (
        await Registration.select(
            Registration.dietary, Registration.dietary_other, Registration.accessibility, Registration.answers
        )
        .where(Registration.event == event["id"])
        .output(load_json=True)
    )
    return AnonymisationPreview(
        registrations=len(rows),
        with_needs_or_answers=sum(
            1 for row in rows if sensitive_answers.holds_sensitive(row, questions) or row["answers"]
        ),
        invitations=await Invitation.count().where(Invitation.event == event["id"]),
        mailing_recipients=await MailingRecipient.count().where(_recipients_of(event["id"])),
    )


async def _delete_mail_about(event: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Delete the stored copies of the mail about the event to its participants (a log of what went
    out): those naming the event, and those still to be drawn for one of its registrations."""
    addresses = sorted({row["email"] for row in rows if row["email"]})
    uids = {str(row["uid"]) for row in rows}
    mail = await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.subject, OutboxMessage.text_body, OutboxMessage.build_args
    ).where(OutboxMessage.to_address.is_in(addresses or [""]))
    about = [
        message["id"]
        for message in mail
        if event["title"] in message["subject"] + message["text_body"]
        or any(uid in json.dumps(message["build_args"]) for uid in uids)
    ]
    if about:
        await OutboxMessage.delete().where(OutboxMessage.id.is_in(about))


async def anonymise_event(slug: str, actor: audit.Actor) -> AnonymisationPreview:
    """Empty what the event's rows copied of their people (see the module's docstring)."""
    async with atomic():
        event = await _anonymisable(slug)
        emptied = await _preview(event)
        await retention.keep_needs_counts(event)
        registered = await Registration.select(
            Registration.id, Registration.uid, Registration.name, Registration.email
        ).where(Registration.event == event["id"])
        invited = await Invitation.select(Invitation.id, Invitation.uid, Invitation.name, Invitation.email).where(
            Invitation.event == event["id"]
        )
        rows = registered + invited
        traces = erasure.Traces(
            uids=[str(row["uid"]) for row in rows],
            words=sorted(
                erasure.full_names(row["name"] for row in rows) | {row["email"] for row in rows if row["email"]},
                key=len,
                reverse=True,
            ),
        )
        await erasure.empty_registrations([row["id"] for row in registered])
        await erasure.empty_invitations([row["id"] for row in invited])
        await erasure.empty_mailing_recipients(_recipients_of(event["id"]))
        await _delete_mail_about(event, rows)
        # The log keeps each action on the event's registrations and invitations, naming no one.
        await erasure.scrub_audit_log(traces, ANONYMISED)
        await Event.update({Event.anonymised_at: utcnow(), Event.updated_at: utcnow()}).where(Event.id == event["id"])
        await audit.record(
            "event.anonymised",
            actor,
            object_type="event",
            object_id=slug,
            details={
                "registrations": emptied.registrations,
                "invitations": emptied.invitations,
                "mailing_recipients": emptied.mailing_recipients,
            },
        )
    return emptied
