"""Personal invitations: an event's invite list, sending and reminding through the outbox, and the
invitee's answer.

Each mail carries a link of its own, and all of an invitation's links work until its deadline or
until it is revoked. A link's secret is an HMAC, under a key derived from SECRET_KEY, of a random
nonce kept in the queued mail's build_args; the database holds only the secret's SHA-256
(`InvitationLink`) and the nonce, so a copy of the database opens nothing, and a retried mail
carries the same link. Accepting is registering: `registrations.register` checks the link with
`invitation_for_registration`, checks it again under the event's lock and marks the invitation
accepted in the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.query import WhereRaw

from events_app.domain import audit, outbox, registrations, waiting_list
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.invitation_links import (
    EVENT_COLUMNS,
    check_usable,
    deadline,
    invitation_by_token,
    link_secret,
    token_hash,
)
from events_app.domain.organisation_names import OrganisationNames, organisation_names
from events_app.domain.tables import (
    Event,
    EventStatus,
    Invitation,
    InvitationLink,
    InvitationStatus,
    OutboxStatus,
    Person,
    Registration,
    RegistrationStatus,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.uploaded_tables import read_uploaded_table_in_thread
from events_app.domain.validation import normalise_email, parse_uid, required_text
from events_app.i18n import N_, normalise_language
from events_app.settings import get_settings

PENDING, ACCEPTED, DECLINED, REVOKED = (status.value for status in InvitationStatus)

# What the organisers' overview shows for each invitation, in this order.
STATES = {
    "not_sent": N_("Not sent"),
    "queued": N_("Being sent"),
    "sent": N_("Sent"),
    "opened": N_("Opened"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "failed": N_("Not delivered"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked"),
}
# Column names an organiser's spreadsheet may use, in Swedish or English.
IMPORT_ALIASES = {
    "namn": "name",
    "e-post": "email",
    "epost": "email",
    "e-postadress": "email",
    "e-mail": "email",
    "mail": "email",
    "organization": "organisation",
    "organisation/företag": "organisation",
    "företag": "organisation",
    "meddelande": "note",
    "personligt meddelande": "note",
    "anteckning": "note",
    "språk": "language",
    "reserverad plats": "reserved_place",
    "reserved place": "reserved_place",
}
MAX_NOTE = 2000
MAX_MESSAGE = 5000
_YES = {"1", "yes", "ja", "x", "true", "sant"}


@dataclass
class InviteeInput:
    """One invitee as an organiser types them (or a row of an uploaded file holds them)."""

    name: str = ""
    email: str = ""
    organisation: str = ""  # an organisation's code or name from the seed data, or free text
    note: str = ""
    language: str = "sv"
    reserved_place: bool = False


@dataclass
class ImportRow:
    line: int
    data: InviteeInput
    errors: dict[str, DomainError] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[ImportRow]
    missing_columns: list[str]

    @property
    def good_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.errors]

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]


def state(invitation: dict[str, Any], event: dict[str, Any], now: datetime | None = None) -> str:
    """One of STATES: the answer first, then whether the time ran out, then whether the invitee has
    opened a link (whatever became of a later reminder), then how far the latest mail got."""
    if invitation["status"] in (ACCEPTED, DECLINED, REVOKED):
        return invitation["status"]
    if (now or utcnow()) >= deadline(event):
        return "expired"
    if invitation["mailed_at"] is None:
        return "not_sent"
    if invitation["opened_at"]:
        return "opened"
    mail = invitation.get("mail_status")
    if mail == OutboxStatus.failed.value:
        return "failed"
    if mail in (OutboxStatus.pending.value, OutboxStatus.sending.value):
        return "queued"
    return "sent"


async def _event(slug: str) -> dict[str, Any]:
    event = await Event.select(*EVENT_COLUMNS).where(Event.slug == slug).first()
    if event is None:
        raise NotFound(N_("There is no such event."))
    return event


def _check_can_invite(event: dict[str, Any]) -> None:
    if event["status"] in (EventStatus.cancelled.value, EventStatus.archived.value):
        raise DomainError(
            N_("This event is cancelled or archived: nobody can be invited to it."), code="invalid_status"
        )


def _check_can_mail(event: dict[str, Any], now: datetime) -> None:
    _check_can_invite(event)
    if event["status"] != EventStatus.published.value:
        raise DomainError(
            N_("Publish the event before sending invitations: its page must be visible to the invitees."),
            code="invalid_status",
        )
    if now >= deadline(event):
        raise DomainError(N_("The deadline for answering has passed: move it before sending."), code="deadline_passed")


# --- The invite list --------------------------------------------------------------------------


def _clean(data: InviteeInput, organisations: OrganisationNames) -> dict[str, Any]:
    """Check one invitee; raises ValidationFailed with every field's error at once."""
    errors: dict[str, DomainError | str] = {}
    clean: dict[str, Any] = {}
    for name, check in (
        ("name", lambda: required_text(data.name, field="name")),
        ("email", lambda: normalise_email(data.email)),
    ):
        try:
            clean[name] = check()
        except DomainError as error:
            errors[name] = error
    clean["organisation"], clean["organisation_text"] = organisations.recognise(data.organisation)
    if len(clean["organisation_text"]) > 200:
        errors["organisation"] = DomainError(N_("At most %(max)s characters."), field="organisation", max=200)
    clean["note"] = (data.note or "").strip()
    if len(clean["note"]) > MAX_NOTE:
        errors["note"] = DomainError(N_("At most %(max)s characters."), field="note", max=MAX_NOTE)
    clean["language"] = normalise_language(data.language)
    clean["reserved_place"] = bool(data.reserved_place)
    if errors:
        raise ValidationFailed(errors)
    return clean


async def invited_addresses(event_id: int) -> set[str]:
    """Addresses already on the list (a revoked invitation does not block inviting the address again)."""
    rows = await Invitation.select(Invitation.email).where(
        (Invitation.event == event_id) & (Invitation.status != REVOKED)
    )
    return {row["email"] for row in rows}


_ALREADY_INVITED = N_("This address is already invited to the event.")


async def _insert(
    event: dict[str, Any], cleaned: list[dict[str, Any]], actor: Actor, *, person_ids: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """Inside a transaction holding the event's lock (so two organisers cannot add one address twice)."""
    rows = [Invitation(event=event["id"], person=(person_ids or {}).get(clean["email"]), **clean) for clean in cleaned]
    if rows:
        await Invitation.insert(*rows)
        await audit.record(
            "invitation.added",
            actor,
            object_type="event",
            object_id=event["uid"],
            summary=", ".join(clean["email"] for clean in cleaned)[:500],
        )
    return [row.to_dict() for row in rows]


async def add_invitee(slug: str, data: InviteeInput, actor: Actor) -> dict[str, Any]:
    """Put one person on the event's invite list (not yet mailed)."""
    event = await _event(slug)
    _check_can_invite(event)
    clean = _clean(data, await organisation_names())
    async with atomic():
        await waiting_list.lock_event(event["id"])
        if clean["email"] in await invited_addresses(event["id"]):
            raise ValidationFailed({"email": _ALREADY_INVITED})
        [row] = await _insert(event, [clean], actor)
    return row


async def invite_members(slug: str, person_uids: list[str], actor: Actor) -> int:
    """Put council members on the invite list (those already on it are left as they are)."""
    event = await _event(slug)
    _check_can_invite(event)
    uids = [uid for uid in (parse_uid(value) for value in person_uids) if uid]
    members = (
        await Person.select(Person.id, Person.name, Person.email, Person.organisation, Person.language)
        .where(
            Person.uid.is_in(uids or [parse_uid("00000000-0000-0000-0000-000000000000")])
            & (Person.is_member == True)
            & (Person.active == True)
        )
        .order_by(Person.name)
    )
    async with atomic():
        await waiting_list.lock_event(event["id"])
        invited = await invited_addresses(event["id"])
        cleaned = [
            {
                "name": m["name"],
                "email": m["email"],
                "organisation": m["organisation"],
                "organisation_text": "",
                "note": "",
                "language": normalise_language(m["language"]),
                "reserved_place": False,
            }
            for m in members
            if m["email"] not in invited
        ]
        await _insert(event, cleaned, actor, person_ids={m["email"]: m["id"] for m in members})
    return len(cleaned)


async def copy_guest_invitations(source_event_id: int, copy_event: dict[str, Any], actor: Actor) -> int:
    """Inside the caller's transaction: the source event's invited guests on the copy's invite list,
    as new invitations not yet sent (new uids, no links, no mail). Council members, substitutes and
    the preparatory group are left out: they are invited as who is in office on the copy's date.
    Revoked invitations and erased addresses stay behind. Returns how many."""
    guests = (
        await Invitation.select()
        .where(
            (Invitation.event == source_event_id)
            & (Invitation.council_role == "")
            & (Invitation.status != REVOKED)
            & (Invitation.email != "")
        )
        .order_by(Invitation.id)
    )
    columns = ("email", "name", "organisation", "organisation_text", "note", "language", "reserved_place")
    cleaned = [{key: guest[key] for key in columns} for guest in guests]
    person_ids = {guest["email"]: guest["person"] for guest in guests if guest["person"]}
    await _insert(copy_event, cleaned, actor, person_ids=person_ids)
    return len(cleaned)


def _row_input(values: dict[str, str]) -> InviteeInput:
    return InviteeInput(
        name=values.get("name", ""),
        email=values.get("email", ""),
        organisation=values.get("organisation", ""),
        note=values.get("note", ""),
        language=(values.get("language") or "sv").strip().lower()[:2],
        reserved_place=(values.get("reserved_place") or "").strip().lower() in _YES,
    )


async def check_import(slug: str, raw: bytes) -> ImportReport:
    """Read and check an uploaded list (CSV or XLSX) row by row, writing nothing."""
    return await _check_rows(await _event(slug), raw)


async def _check_rows(event: dict[str, Any], raw: bytes) -> ImportReport:
    table = await read_uploaded_table_in_thread(raw, aliases=IMPORT_ALIASES)
    missing = [name for name in ("name", "email") if name not in table.header]
    if missing:
        return ImportReport(rows=[], missing_columns=missing)
    rows = [(line, _row_input(values)) for line, values in table.rows]
    organisations = await organisation_names()
    invited = await invited_addresses(event["id"])
    seen: set[str] = set()
    report = ImportReport(rows=[], missing_columns=[])
    for line, data in rows:
        row = ImportRow(line=line, data=data)
        try:
            clean = _clean(data, organisations)
        except ValidationFailed as error:
            row.errors = error.errors
        else:
            if clean["email"] in invited:
                row.errors = {"email": DomainError(_ALREADY_INVITED, field="email")}
            elif clean["email"] in seen:
                row.errors = {"email": DomainError(N_("The same email address is on an earlier row."), field="email")}
            seen.add(clean["email"])
        report.rows.append(row)
    return report


async def import_invitees(slug: str, raw: bytes, actor: Actor, *, only_good_rows: bool = False) -> int:
    """Add an uploaded list: all its rows, or with `only_good_rows` those without an error.

    The rows are checked again under the event's lock; without `only_good_rows`, one bad row
    (or a missing column) means nothing is imported. Returns the number added.
    """
    event = await _event(slug)
    _check_can_invite(event)
    organisations = await organisation_names()
    async with atomic():
        await waiting_list.lock_event(event["id"])
        report = await _check_rows(event, raw)
        if report.missing_columns or not report.rows:
            raise DomainError(
                N_("The list needs a header row with at least the columns name and email."),
                field="file",
                code="import_has_errors",
            )
        if report.bad_rows and not only_good_rows:
            raise DomainError(
                N_("The list has rows with errors; nothing was imported."), field="file", code="import_has_errors"
            )
        cleaned = [_clean(row.data, organisations) for row in report.good_rows]
        await _insert(event, cleaned, actor)
    return len(cleaned)


async def _locked_invitation(slug: str, uid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    event = await _event(slug)
    await waiting_list.lock_event(event["id"])
    invitation = (
        await Invitation.select().where((Invitation.uid == parse_uid(uid)) & (Invitation.event == event["id"])).first()
        if parse_uid(uid)
        else None
    )
    if invitation is None:
        raise NotFound(N_("There is no such invitation."))
    return invitation, event


async def set_reserved_place(slug: str, uid: str, reserved: bool, actor: Actor) -> None:
    """Mark an invitation as holding a place on top of the public capacity (or not).

    An invitee already on the waiting list through the invitation gets the reserved place at once
    (and is told by mail). Taking the mark away applies to registrations made from then on: a
    confirmed place is not taken back.
    """
    async with atomic():
        invitation, _ = await _locked_invitation(slug, uid)
        if invitation["status"] == REVOKED:
            raise DomainError(N_("This invitation has been revoked."), code="invalid_status")
        await Invitation.update({Invitation.reserved_place: reserved}).where(Invitation.id == invitation["id"])
        await audit.record(
            "invitation.reserved" if reserved else "invitation.unreserved",
            actor,
            object_type="invitation",
            object_id=invitation["uid"],
            summary=invitation["email"],
        )
        waiting = (
            await Registration.select(Registration.uid)
            .where(
                (Registration.invitation == invitation["id"])
                & (Registration.status == RegistrationStatus.waitlisted.value)
            )
            .first()
            if reserved
            else None
        )
        if waiting is not None:
            await registrations.promote_by_hand(str(waiting["uid"]), actor, reserved_place=True)


async def revoke(slug: str, uid: str, actor: Actor) -> None:
    """Withdraw an invitation that has not been accepted: its links stop working at once."""
    async with atomic():
        invitation, _ = await _locked_invitation(slug, uid)
        if invitation["status"] == REVOKED:
            return
        if invitation["status"] == ACCEPTED:
            raise DomainError(
                N_("This invitation has been accepted: cancel the registration instead."), code="invalid_status"
            )
        await Invitation.update({Invitation.status: REVOKED, Invitation.revoked_at: utcnow()}).where(
            Invitation.id == invitation["id"]
        )
        await audit.record(
            "invitation.revoked",
            actor,
            object_type="invitation",
            object_id=invitation["uid"],
            summary=invitation["email"],
        )


async def set_deadline(slug: str, new_deadline: datetime | None, actor: Actor) -> None:
    """Until when invitations can be answered; None: until registration closes."""
    event = await _event(slug)
    if new_deadline is not None and new_deadline > event["starts_at"]:
        raise ValidationFailed({"deadline": N_("The deadline must be before the event starts.")})
    if new_deadline is not None and new_deadline <= utcnow():
        raise ValidationFailed(
            {"deadline": N_("The deadline must be in the future. To withdraw invitations, revoke them.")}
        )
    async with atomic():
        await Event.update({Event.invitation_deadline: new_deadline}).where(Event.id == event["id"])
        await audit.record(
            "invitation.deadline_set",
            actor,
            object_type="event",
            object_id=event["uid"],
            summary=new_deadline.isoformat() if new_deadline else "",
        )


# --- Sending ----------------------------------------------------------------------------------


async def _queue_mail(invitation: dict[str, Any], kind: str, message: str) -> None:
    """A new link for this mail (only its secret's hash is kept) and the mail itself, rendered at send time."""
    nonce = secrets.token_urlsafe(16)
    await InvitationLink.insert(InvitationLink(invitation=invitation["id"], token_hash=token_hash(link_secret(nonce))))
    message_id = await outbox.enqueue_later(
        to_address=invitation["email"],
        to_name=invitation["name"],
        language=invitation["language"],
        kind=kind,
        build_args={"invitation": str(invitation["uid"]), "link": nonce, "message": message},
    )
    await Invitation.update({Invitation.last_message: message_id}).where(Invitation.id == invitation["id"])


def _clean_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed(
            {"message": DomainError(N_("At most %(max)s characters."), field="message", max=MAX_MESSAGE)}
        )
    return message


_CLAIMED = (Invitation.id, Invitation.uid, Invitation.email, Invitation.name, Invitation.language)
_AUDIT_ACTIONS = {"invitation": "invitation.sent", "invitation_reminder": "invitation.reminded"}


async def _queue_mails(
    claimed: list[dict[str, Any]], kind: str, message: str, event: dict[str, Any], actor: Actor
) -> None:
    """Inside the transaction that claimed the invitations: a mail for each, and one audit entry."""
    for invitation in claimed:
        await _queue_mail(invitation, kind, message)
    if claimed:
        await audit.record(
            _AUDIT_ACTIONS[kind], actor, object_type="event", object_id=event["uid"], summary=f"{len(claimed)}"
        )


async def send_invitations(slug: str, message: str, actor: Actor, *, council_only: bool = False) -> int:
    """Mail every invitation on the list that has not been mailed yet; returns how many were queued.
    With `council_only`, only the council's (a council meeting's members, substitutes and
    preparatory group, council_meetings.py): the guests wait for the organiser's "send".

    Each invitation is claimed with one conditional UPDATE, so two organisers pressing "send" at
    the same moment still send each invitation once.
    """
    event = await _event(slug)
    _check_can_mail(event, utcnow())
    message = _clean_message(message)
    unmailed = (Invitation.event == event["id"]) & (Invitation.status == PENDING) & Invitation.mailed_at.is_null()
    if council_only:
        unmailed &= Invitation.council_role != ""
    async with atomic():
        claimed = await Invitation.update({Invitation.mailed_at: utcnow()}).where(unmailed).returning(*_CLAIMED)
        await _queue_mails(claimed, "invitation", message, event, actor)
    return len(claimed)


async def send_reminders(slug: str, actor: Actor, *, message: str = "", now: datetime | None = None) -> int:
    """Remind everyone who has not answered and was last mailed at least the reminder interval ago
    (`INVITATION_REMINDER_INTERVAL_DAYS`); returns how many were queued. Never twice within the
    interval, however often (or however many organisers at once) press the button."""
    event = await _event(slug)
    now = now or utcnow()
    _check_can_mail(event, now)
    message = _clean_message(message)
    async with atomic():
        claimed = (
            await Invitation.update(
                {Invitation.mailed_at: now, Invitation.reminders_sent: Invitation.reminders_sent + 1}
            )
            .where(_due_for_reminder(event["id"], now))
            .returning(*_CLAIMED)
        )
        await _queue_mails(claimed, "invitation_reminder", message, event, actor)
    return len(claimed)


def _due_for_reminder(event_id: int, now: datetime):
    """Not answered, mailed before but not within the interval, and not registered some other way
    (through the public form, or before being invited)."""
    interval = timedelta(days=get_settings().invitation_reminder_interval_days)
    return (
        (Invitation.event == event_id)
        & (Invitation.status == PENDING)
        & Invitation.mailed_at.is_not_null()
        & (Invitation.mailed_at <= now - interval)
        & WhereRaw(
            "email NOT IN (SELECT email FROM registration WHERE event = {} AND status <> {})",
            event_id,
            RegistrationStatus.cancelled.value,
        )
    )


# --- The organisers' overview -----------------------------------------------------------------


async def list_invitations(slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The event and its invitations (in the order added), each with its `state` and the status of
    the registration it led to."""
    event = await _event(slug)
    rows = (
        await Invitation.select(
            *Invitation.all_columns(),
            Invitation.last_message.status.as_alias("mail_status"),
            Invitation.last_message.last_error.as_alias("mail_error"),
            Invitation.organisation.name_sv.as_alias("organisation_sv"),
            Invitation.organisation.name_en.as_alias("organisation_en"),
        )
        .where(Invitation.event == event["id"])
        .order_by(Invitation.id)
    )
    live = await Registration.select(
        Registration.invitation, Registration.email, Registration.status, Registration.uid
    ).where((Registration.event == event["id"]) & (Registration.status != RegistrationStatus.cancelled.value))
    by_invitation = {row["invitation"]: row for row in live if row["invitation"]}
    by_address = {row["email"]: row for row in live}
    now = utcnow()
    for row in rows:
        row["state"] = state(row, event, now)
        row["registration"] = by_invitation.get(row["id"])
        if row["state"] == ACCEPTED and row["registration"] is None:
            row["state"] = DECLINED  # accepted, then cancelled the registration: no longer coming
        elif row["status"] == PENDING and row["email"] in by_address:
            # Registered without the link (the public form, or before being invited): coming all the same.
            row["state"], row["registration"] = ACCEPTED, by_address[row["email"]]
    return event, rows


def count_states(invitations: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for invitation in invitations:
        counts[invitation["state"]] += 1
    return counts


def sending_progress(invitations: list[dict[str, Any]]) -> dict[str, int]:
    """How far the latest mails to those still waiting for an answer have got: delivered, still
    queued, failed (a reminder left unsent because the invitee answered first is not counted)."""
    mailed = [i for i in invitations if i["mailed_at"] is not None and i["status"] == PENDING]
    queued = sum(1 for i in mailed if i.get("mail_status") in (OutboxStatus.pending.value, OutboxStatus.sending.value))
    failed = sum(1 for i in mailed if i.get("mail_status") == OutboxStatus.failed.value)
    return {"total": len(mailed), "queued": queued, "failed": failed, "delivered": len(mailed) - queued - failed}


async def reminder_due_count(event: dict[str, Any], now: datetime | None = None) -> int:
    """How many a reminder would reach now (for the button's label): the same condition as sending."""
    now = now or utcnow()
    if now >= deadline(event):
        return 0
    return await Invitation.count().where(_due_for_reminder(event["id"], now))


# --- The invitee's side -----------------------------------------------------------------------


async def open_invitation(token: str) -> dict[str, Any]:
    """The invitation behind a link, for the invitee's page: with its event and any live registration.

    The first opening is recorded. Raises InvitationUnusable for an unknown, revoked or expired link.
    """
    invitation = await invitation_by_token(token)
    event = (
        await Event.select(*EVENT_COLUMNS, Event.description).where(Event.id == invitation["event"]).first()
        if invitation
        else None
    )
    check_usable(invitation, event, utcnow())
    assert invitation is not None and event is not None
    if invitation["opened_at"] is None:
        await Invitation.update({Invitation.opened_at: utcnow()}).where(
            (Invitation.id == invitation["id"]) & Invitation.opened_at.is_null()
        )
    invitation["event"] = event
    invitation["deadline"] = deadline(event)
    invitation["registration"] = await _live_registration(invitation["id"])
    return invitation


async def _live_registration(invitation_id: int) -> dict[str, Any] | None:
    return (
        await Registration.select(
            Registration.uid, Registration.status, Registration.manage_token, Registration.reserved_place
        )
        .where((Registration.invitation == invitation_id) & (Registration.status != RegistrationStatus.cancelled.value))
        .first()
    )


async def decline(token: str, reason: str) -> dict[str, Any]:
    """The invitee says no (with an optional reason). A registration made with the invitation is
    cancelled, and its place goes to the first in line. Declining again only updates the reason."""
    reason = (reason or "").strip()
    if len(reason) > MAX_NOTE:
        raise ValidationFailed({"reason": DomainError(N_("At most %(max)s characters."), field="reason", max=MAX_NOTE)})
    found = await invitation_by_token(token)
    async with atomic():
        if found is not None:  # the lock first, then the invitation as it is under it
            await waiting_list.lock_event(found["event"])
        invitation = await open_invitation(token)
        actor = Actor(invitation["name"] or invitation["email"], person_id=invitation["person"])
        if invitation["registration"] is not None:
            await registrations.cancel_registration(str(invitation["registration"]["uid"]), actor)
        await Invitation.update(
            {Invitation.status: DECLINED, Invitation.answered_at: utcnow(), Invitation.decline_reason: reason}
        ).where(Invitation.id == invitation["id"])
        await audit.record(
            "invitation.declined", actor, object_type="invitation", object_id=invitation["uid"], summary=reason[:200]
        )
    return await open_invitation(token)
