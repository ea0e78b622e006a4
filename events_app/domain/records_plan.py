"""What the federation's records plan says about an event: kept ("bevaras": its attendance is an
official record, so nothing of it is deleted, anonymised or erased) or thinned out by the retention
rules; and an organiser's anonymising of an ended event by hand, after a confirmation that shows
what will go.

Anonymising empties what the event's registrations, invitations and mailing recipients copied of
their people (names, addresses, organisation texts, titles, needs and answers), keeping the counts
of needs (`Event.needs_counts`) and every number the reports count. The people's own profiles,
check-ins and certificates stay: a member's certificates and competence record are kept as long as
the records plan says (retention.py), and a guest is anonymised after their own period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events_app.domain import audit, erasure, retention, sensitive_answers
from events_app.domain.errors import DomainError
from events_app.domain.events import get_event
from events_app.domain.tables import AuditEntry, Event, Invitation, Mailing, MailingRecipient, Registration
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import N_


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


async def set_preserved(slug: str, preserve: bool, actor: audit.Actor) -> None:
    """Mark the event as kept by the records plan (bevaras), or take the mark away."""
    async with atomic():
        event = await get_event(slug)
        if event["preserve"] == preserve:
            return
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
    event = await _anonymisable(slug)
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


async def anonymise_event(slug: str, actor: audit.Actor) -> AnonymisationPreview:
    """Empty what the event's rows copied of their people (see the module's docstring)."""
    async with atomic():
        event = await _anonymisable(slug)
        emptied = await preview(slug)
        await retention.keep_needs_counts(event)
        registration_ids = [
            row["id"] for row in await Registration.select(Registration.id).where(Registration.event == event["id"])
        ]
        await erasure.empty_registrations(registration_ids)
        await erasure.empty_invitations(
            [row["id"] for row in await Invitation.select(Invitation.id).where(Invitation.event == event["id"])]
        )
        await erasure.empty_mailing_recipients(_recipients_of(event["id"]))
        # Entries about the event's registrations named their registrants: the log keeps the action.
        await AuditEntry.update({AuditEntry.summary: f"{slug}: anonymised"}).where(
            (AuditEntry.object_type == "registration")
            & AuditEntry.object_id.is_in(
                [
                    str(row["uid"])
                    for row in await Registration.select(Registration.uid).where(Registration.event == event["id"])
                ]
                or [""]
            )
        )
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
