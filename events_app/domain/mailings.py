"""Follow-up mailings: an organiser's message to one audience of an event, sent once through the outbox.

A mailing is a draft until it is sent. Sending turns it into `sending` with one conditional UPDATE
(`WHERE status = 'draft'`) in the transaction that chooses the recipients and queues their mails,
so a double click, a retry or two organisers at once send it once: the others find it already
sent and queue nothing. `MailingRecipient.scope` ("<mailing id>/<address>") is unique besides, so
nobody is queued twice. Each mail is rendered when the sender sends it (`mailing_mail`), with the
recipient's personal link to the material they may see. The mailing counts as `sent` once none of
its mails is waiting any more (checked whenever its progress is read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from events_app.domain import audit, mailing_mail, mailing_opt_outs, outbox
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.tables import (
    Attendance,
    Event,
    Invitation,
    InvitationStatus,
    Mailing,
    MailingAudience,
    MailingRecipient,
    MailingStatus,
    OutboxMessage,
    OutboxStatus,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_, normalise_language

DRAFT, SENDING, SENT = (status.value for status in MailingStatus)
CONFIRMED = RegistrationStatus.confirmed.value

AUDIENCES = {
    "registered": N_("Everyone registered"),
    "attended": N_("Those who attended"),
    "not_attended": N_("Those registered who did not attend"),
    "session": N_("The participants of one session"),
    "declined": N_("Invitees who declined"),
}
# Each recipient's mail, in the words organisers see.
DELIVERY_STATES = {
    "pending": N_("Waiting to be sent"),
    "sending": N_("Being sent"),
    "sent": N_("Delivered"),
    "failed": N_("Not delivered"),
    "skipped": N_("Not sent: no longer applies"),
}
MAX_SUBJECT = 300
MAX_BODY = 20_000
MAX_URL = 500
_CHUNK = 500


@dataclass
class MailingInput:
    subject_sv: str = ""
    body_sv: str = ""
    subject_en: str = ""
    body_en: str = ""
    audience: str = "attended"
    session: str = ""  # a session's uid, for the audience "session"
    survey_url: str = ""


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    registration_id: int | None = None
    registration_uid: str = ""
    invitation_id: int | None = None


# --- Reading ------------------------------------------------------------------------------------


async def _event(slug: str) -> dict[str, Any]:
    event = (
        await Event.select(Event.id, Event.uid, Event.slug, Event.title, Event.status, Event.starts_at, Event.ends_at)
        .where(Event.slug == slug)
        .first()
    )
    if event is None:
        raise NotFound(N_("There is no such event."))
    return event


async def sessions_of(event_id: int) -> list[dict[str, Any]]:
    """The event's sessions, for the audience's session select (cancelled ones included)."""
    return (
        await ProgrammeSession.select(
            ProgrammeSession.id,
            ProgrammeSession.uid,
            ProgrammeSession.title,
            ProgrammeSession.starts_at,
            ProgrammeSession.status,
            ProgrammeSession.requires_signup,
        )
        .where(ProgrammeSession.event == event_id)
        .order_by(ProgrammeSession.starts_at)
        .order_by(ProgrammeSession.position)
    )


async def get_mailing(slug: str, uid: str) -> dict[str, Any]:
    """One mailing of the event, with the event (`event`) and its session's uid and title."""
    event = await _event(slug)
    parsed = parse_uid(uid)
    mailing = (
        await Mailing.select(
            *Mailing.all_columns(),
            Mailing.session.uid.as_alias("session_uid"),
            Mailing.session.title.as_alias("session_title"),
        )
        .where((Mailing.uid == parsed) & (Mailing.event == event["id"]))
        .first()
        if parsed
        else None
    )
    if mailing is None:
        raise NotFound(N_("There is no such mailing."))
    mailing["event"] = event
    return mailing


async def list_mailings(slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The event and its mailings, newest first, each with its `progress`."""
    event = await _event(slug)
    rows = (
        await Mailing.select(
            *Mailing.all_columns(),
            Mailing.session.title.as_alias("session_title"),
        )
        .where(Mailing.event == event["id"])
        .order_by(Mailing.id, ascending=False)
    )
    for row in rows:
        row["progress"] = await progress(row)
    return event, rows


# --- Drafts -------------------------------------------------------------------------------------


def _text(value: str, field: str, max_length: int, errors: dict, *, required: bool, one_line: bool) -> str:
    text = " ".join((value or "").split()) if one_line else (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        errors[field] = N_("This field is required.")
    elif len(text) > max_length:
        errors[field] = DomainError(N_("At most %(max)s characters."), field=field, max=max_length)
    return text


async def _clean(event: dict[str, Any], data: MailingInput) -> dict[str, Any]:
    """Check a draft; raises ValidationFailed with every field's error at once."""
    errors: dict[str, DomainError | str] = {}
    clean: dict[str, Any] = {
        "subject_sv": _text(data.subject_sv, "subject_sv", MAX_SUBJECT, errors, required=True, one_line=True),
        "body_sv": _text(data.body_sv, "body_sv", MAX_BODY, errors, required=True, one_line=False),
        "subject_en": _text(data.subject_en, "subject_en", MAX_SUBJECT, errors, required=False, one_line=True),
        "body_en": _text(data.body_en, "body_en", MAX_BODY, errors, required=False, one_line=False),
    }
    if clean["subject_en"] and not clean["body_en"] and "body_en" not in errors:
        errors["body_en"] = N_("Write the English text too, or leave the English subject empty.")
    if clean["body_en"] and not clean["subject_en"] and "subject_en" not in errors:
        errors["subject_en"] = N_("Write the English subject too, or leave the English text empty.")
    url = (data.survey_url or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
            errors["survey_url"] = N_("Give the survey's whole address, starting with https://.")
        elif len(url) > MAX_URL:
            errors["survey_url"] = DomainError(N_("At most %(max)s characters."), field="survey_url", max=MAX_URL)
    clean["survey_url"] = url
    clean["audience"] = data.audience
    clean["session"] = None
    if data.audience not in AUDIENCES:
        errors["audience"] = N_("Choose who gets the mailing.")
    elif data.audience == MailingAudience.session.value:
        uid = parse_uid(data.session)
        session = (
            await ProgrammeSession.select(ProgrammeSession.id)
            .where((ProgrammeSession.uid == uid) & (ProgrammeSession.event == event["id"]))
            .first()
            if uid
            else None
        )
        if session is None:
            errors["session"] = N_("Choose the session whose participants get the mailing.")
        else:
            clean["session"] = session["id"]
    if errors:
        raise ValidationFailed(errors)
    return clean


async def create_draft(slug: str, data: MailingInput, actor: Actor) -> dict[str, Any]:
    event = await _event(slug)
    clean = await _clean(event, data)
    async with atomic():
        row = Mailing(event=event["id"], created_by=actor.staff_id, **clean)
        await row.save()
        await audit.record(
            "mailing.created", actor, object_type="event", object_id=event["slug"], summary=clean["subject_sv"][:200]
        )
    return row.to_dict()


async def update_draft(slug: str, uid: str, data: MailingInput, actor: Actor) -> None:
    """Change a draft; a mailing that has been sent cannot be changed."""
    mailing = await get_mailing(slug, uid)
    clean = await _clean(mailing["event"], data)
    async with atomic():
        changed = (
            await Mailing.update({getattr(Mailing, name): value for name, value in clean.items()})
            .where((Mailing.id == mailing["id"]) & (Mailing.status == DRAFT))
            .returning(Mailing.id)
        )
        _check_was_draft(changed, N_("This mailing has already been sent: it can no longer be changed."))
        await audit.record(
            "mailing.changed",
            actor,
            object_type="event",
            object_id=mailing["event"]["slug"],
            summary=clean["subject_sv"][:200],
        )


def _check_was_draft(touched_rows: list[dict[str, Any]], refusal: str) -> None:
    """A change made only `WHERE status = draft` touched nothing: the mailing went out meanwhile."""
    if not touched_rows:
        raise DomainError(refusal, code="already_sent")


async def delete_draft(slug: str, uid: str, actor: Actor) -> None:
    mailing = await get_mailing(slug, uid)
    async with atomic():
        deleted = (
            await Mailing.delete()
            .where((Mailing.id == mailing["id"]) & (Mailing.status == DRAFT))
            .returning(Mailing.id)
        )
        _check_was_draft(deleted, N_("This mailing has already been sent: it can no longer be deleted."))
        await audit.record(
            "mailing.deleted",
            actor,
            object_type="event",
            object_id=mailing["event"]["slug"],
            summary=mailing["subject_sv"][:200],
        )


# --- The audience -------------------------------------------------------------------------------

_REGISTRATION_COLUMNS = (
    Registration.id,
    Registration.uid,
    Registration.email,
    Registration.name,
    Registration.language,
)


def _from_registrations(rows: list[dict[str, Any]]) -> list[Recipient]:
    return [
        Recipient(
            email=row["email"],
            name=row["name"],
            language=normalise_language(row["language"]),
            registration_id=row["id"],
            registration_uid=str(row["uid"]),
        )
        for row in rows
    ]


async def _attended_ids(event_id: int) -> set[int]:
    rows = await Attendance.select(Attendance.registration).where(Attendance.event == event_id)
    return {row["registration"] for row in rows}


async def audience_of(mailing: dict[str, Any]) -> list[Recipient]:
    """Who the mailing goes to, in name order, each address once; addresses that can never receive
    mail (a walk-in's placeholder) and those who declined the event's mailings are left out."""
    event_id = mailing["event"]["id"] if isinstance(mailing["event"], dict) else mailing["event"]
    audience = mailing["audience"]
    confirmed = (Registration.event == event_id) & (Registration.status == CONFIRMED)
    recipients: list[Recipient]
    if audience == "registered":
        recipients = _from_registrations(await Registration.select(*_REGISTRATION_COLUMNS).where(confirmed))
    elif audience in ("attended", "not_attended"):
        attended = await _attended_ids(event_id)
        if audience == "attended":
            rows = await Registration.select(*_REGISTRATION_COLUMNS).where(
                Registration.id.is_in(sorted(attended) or [0])
            )
        else:
            rows = [
                row
                for row in await Registration.select(*_REGISTRATION_COLUMNS).where(confirmed)
                if row["id"] not in attended
            ]
        recipients = _from_registrations(rows)
    elif audience == "session":
        session_id = mailing["session"]
        chosen = await SessionChoice.select(SessionChoice.registration).where(
            (SessionChoice.session == session_id) & (SessionChoice.status == CONFIRMED)
        )
        at_door = await Attendance.select(Attendance.registration).where(Attendance.session == session_id)
        ids = {row["registration"] for row in chosen} | {row["registration"] for row in at_door}
        rows = (
            await Registration.select(*_REGISTRATION_COLUMNS).where(
                Registration.id.is_in(sorted(ids) or [0]) & (Registration.status == CONFIRMED)
            )
            if session_id
            else []
        )
        recipients = _from_registrations(rows)
    elif audience == "declined":
        rows = await Invitation.select(Invitation.id, Invitation.email, Invitation.name, Invitation.language).where(
            (Invitation.event == event_id) & (Invitation.status == InvitationStatus.declined.value)
        )
        recipients = [
            Recipient(
                email=row["email"],
                name=row["name"],
                language=normalise_language(row["language"]),
                invitation_id=row["id"],
            )
            for row in rows
        ]
    else:
        recipients = []
    seen: set[str] = await mailing_opt_outs.declined_addresses(event_id)  # they asked for no more
    unique = []
    for recipient in sorted(recipients, key=lambda r: (r.name.casefold(), r.email, r.registration_id or 0)):
        address = recipient.email.lower()
        if address in seen or not outbox.can_receive_mail(address):
            continue
        seen.add(address)
        unique.append(recipient)
    return unique


def scope(mailing_id: int, address: str) -> str:
    return f"{mailing_id}/{address.lower()}"[:300]


# --- Preview ------------------------------------------------------------------------------------


async def preview(slug: str, uid: str, address: str = "") -> dict[str, Any]:
    """How the mailing looks for one recipient (the one with `address`, else the first): the
    `mailing`, its `audience`, the `recipient` and the rendered `subject`, `text` and `html`."""
    mailing = await get_mailing(slug, uid)
    audience = await audience_of(mailing)
    chosen = next(
        (r for r in audience if r.email == (address or "").strip().lower()), audience[0] if audience else None
    )
    result: dict[str, Any] = {"mailing": mailing, "audience": audience, "recipient": chosen}
    if chosen is not None:
        registration = (
            await Registration.select().where(Registration.id == chosen.registration_id).first()
            if chosen.registration_id
            else None
        )
        built = mailing_mail.build(mailing, mailing["event"], chosen.name, chosen.language, registration, preview=True)
        result["subject"], result["text"], result["html"] = outbox.render(
            built.template, built.context, built.language or "sv"
        )
        result["language"] = built.language
    return result


# --- Sending ------------------------------------------------------------------------------------


def _chunks(rows: list) -> list[list]:
    return [rows[start : start + _CHUNK] for start in range(0, len(rows), _CHUNK)]


async def send(slug: str, uid: str, actor: Actor) -> int:
    """Send the mailing to its audience, exactly once; returns how many mails were queued.

    Raises DomainError `already_sent` when it was sent before (or is being sent by someone else at
    this moment), and `empty_audience` when nobody would get it (it then stays a draft).
    """
    mailing = await get_mailing(slug, uid)
    event = mailing["event"]
    async with atomic():
        claimed = (
            await Mailing.update({Mailing.status: SENDING, Mailing.sent_at: utcnow(), Mailing.sent_by: actor.staff_id})
            .where((Mailing.id == mailing["id"]) & (Mailing.status == DRAFT))
            .returning(Mailing.id)
        )
        if not claimed:
            raise DomainError(N_("This mailing has already been sent. Nothing more was sent."), code="already_sent")
        current = await Mailing.select().where(Mailing.id == mailing["id"]).first()  # as it stands under the claim
        current["event"] = event
        audience = await audience_of(current)
        if not audience:  # rolls the claim back: the mailing stays a draft
            raise DomainError(
                N_("Nobody is in this mailing's audience, so it cannot be sent. Choose another audience."),
                code="empty_audience",
            )
        message_ids: dict[str, int] = {}
        for chunk in _chunks(audience):
            rows = await OutboxMessage.insert(
                *[
                    OutboxMessage(
                        kind="mailing",
                        to_address=r.email,
                        to_name=r.name,
                        language=r.language,
                        subject="",
                        text_body="",
                        builder="mailing",
                        build_args={"scope": scope(mailing["id"], r.email), "registration": r.registration_uid},
                    )
                    for r in chunk
                ]
            ).returning(OutboxMessage.id, OutboxMessage.to_address)
            # Matched by address (unique in a mailing): neither engine promises RETURNING's order.
            message_ids.update({scope(mailing["id"], row["to_address"]): row["id"] for row in rows})
        for chunk in _chunks(audience):
            await MailingRecipient.insert(
                *[
                    MailingRecipient(
                        mailing=mailing["id"],
                        scope=scope(mailing["id"], r.email),
                        registration=r.registration_id,
                        invitation=r.invitation_id,
                        email=r.email,
                        name=r.name,
                        language=r.language,
                        message=message_ids[scope(mailing["id"], r.email)],
                    )
                    for r in chunk
                ]
            )
        await Mailing.update({Mailing.recipients_count: len(audience)}).where(Mailing.id == mailing["id"])
        await audit.record(
            "mailing.sent",
            actor,
            object_type="event",
            object_id=event["slug"],
            summary=f"{current['subject_sv'][:200]} ({len(audience)})",
            details={"mailing": str(mailing["uid"]), "audience": current["audience"], "recipients": len(audience)},
        )
    return len(audience)


# --- Progress and recipients --------------------------------------------------------------------


def delivery_state(status: str | None, last_error: str = "") -> str:
    if status == OutboxStatus.failed.value and (last_error or "").startswith("no longer applies"):
        return "skipped"
    if status in DELIVERY_STATES:
        return status
    return "skipped"  # the mail itself is gone (cleaned away): nothing more will happen to it


async def recipients(mailing: dict[str, Any]) -> list[dict[str, Any]]:
    """The mailing's recipients in name order, each with its mail's `state` (one of DELIVERY_STATES)."""
    rows = (
        await MailingRecipient.select(
            MailingRecipient.email,
            MailingRecipient.name,
            MailingRecipient.language,
            MailingRecipient.message.status.as_alias("mail_status"),
            MailingRecipient.message.last_error.as_alias("mail_error"),
            MailingRecipient.message.sent_at.as_alias("mail_sent_at"),
        )
        .where(MailingRecipient.mailing == mailing["id"])
        .order_by(MailingRecipient.name)
        .order_by(MailingRecipient.id)
    )
    for row in rows:
        row["state"] = delivery_state(row["mail_status"], row["mail_error"])
    return rows


async def progress(mailing: dict[str, Any]) -> dict[str, int]:
    """How far the mailing's mails have got ({state: count, "total", "done"}); a mailing being sent
    turns `sent` here once no mail of it is waiting or being sent any more."""
    counts = dict.fromkeys(DELIVERY_STATES, 0)
    if mailing["status"] != DRAFT:
        for row in await recipients(mailing):
            counts[row["state"]] += 1
    counts["total"] = sum(counts.values())
    counts["waiting"] = counts["pending"] + counts["sending"]
    if mailing["status"] == SENDING and not counts["waiting"]:
        await Mailing.update({Mailing.status: SENT}).where((Mailing.id == mailing["id"]) & (Mailing.status == SENDING))
        mailing["status"] = SENT
    return counts
