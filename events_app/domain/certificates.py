"""Certificates of attendance and of training-module completion: who has earned one under the
event's rule (and, if not, why), issuing them in bulk, issuing again after a correction, revoking,
and the public verification.

A certificate is earned by attendance (the `Attendance` rows check-in writes). The event's
`completion_rule` says how many of its days (a training module's occasions) are needed and its
`hours_credit` how hours are counted. What a certificate states is frozen in its `content` when it
is issued. Issuing again compares what each person would get now with what they hold: only new and
changed certificates are issued, a changed one under a new number, and the one it replaces is
marked superseded. Every issue runs under the event's lock, so two organisers pressing "Issue" at
once issue each certificate once.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from events_app.domain import audit
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.events import get_event
from events_app.domain.outbox import can_receive_mail
from events_app.domain.tables import (
    Attendance,
    Certificate,
    CertificateCounter,
    CertificateKind,
    CertificateStatus,
    CompletionRule,
    Event,
    EventKind,
    EventStatus,
    HoursCredit,
    OutboxMessage,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import parse_uid
from events_app.domain.waiting_list import lock_event
from events_app.i18n import N_, gettext, localtime

NUMBER_PREFIX = "HR"
# Crockford's base 32 (no I, L, O or U, which are misread): 12 characters are 60 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NUMBER = re.compile(rf"^{NUMBER_PREFIX}[\s-]*(\d{{4}})[\s-]*(\d{{1,6}})$")
VALID, SUPERSEDED, REVOKED = (status.value for status in CertificateStatus)
CANCELLED = RegistrationStatus.cancelled.value
CONFIRMED = RegistrationStatus.confirmed.value
ISSUABLE_STATUSES = (EventStatus.published.value, EventStatus.archived.value)
MAIL_KIND = "certificate"
MAX_REASON = 500

# What a rule is called on the organisers' pages and in the API.
RULE_LABELS = {
    CompletionRule.none.value: N_("No certificates"),
    CompletionRule.any_day.value: N_("Checked in on at least one day"),
    CompletionRule.all_occasions.value: N_("Checked in on every day (every occasion of a module)"),
    CompletionRule.at_least.value: N_("Checked in on at least a number of days or occasions"),
}


# --- Numbers and verification codes ------------------------------------------------------------


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """'K7QXM2PA9TRD' -> 'K7QX-M2PA-9TRD', as printed."""
    return "-".join(code[n : n + 4] for n in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    """A code as typed (any case, with dashes or spaces, O for 0) in its stored form, or ""."""
    code = "".join((typed or "").upper().split()).replace("-", "").translate(_MISREAD)
    return code if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code) else ""


async def _take_numbers(year: int, count: int) -> int:
    """The first of `count` consecutive numbers in `year`, taken by one atomic upsert."""
    rows = await CertificateCounter.raw(
        "INSERT INTO certificate_counter (year, last_number) VALUES ({}, {}) ON CONFLICT (year) "
        "DO UPDATE SET last_number = certificate_counter.last_number + {} RETURNING last_number",
        year,
        count,
        count,
    )
    return rows[0]["last_number"] - count + 1


def format_number(year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{sequence:04d}"


def normalise_number(typed: str) -> str:
    """'hr 2027 42' -> 'HR-2027-0042'; anything else as typed, in capitals."""
    match = _NUMBER.match((typed or "").strip().upper())
    return format_number(int(match[1]), int(match[2])) if match else (typed or "").strip().upper()


# --- The rule --------------------------------------------------------------------------------


def is_module(event: dict[str, Any]) -> bool:
    return event["kind"] == EventKind.training_module.value


def needed_days(event: dict[str, Any], total: int) -> int:
    """How many of the event's `total` days (occasions) the rule asks for; 0 when it gives none."""
    rule = event["completion_rule"]
    if rule == CompletionRule.none.value or total == 0:
        return 0
    if rule == CompletionRule.any_day.value:
        return 1
    if rule == CompletionRule.at_least.value and event.get("completion_min"):
        return min(event["completion_min"], total)
    return total


def judge(event: dict[str, Any], attended: int, total: int) -> tuple[bool, str, dict[str, Any]]:
    """(earned, why not as an English message id, its parameters) for `attended` of `total` days."""
    needed = needed_days(event, total)
    if needed == 0:
        return False, N_("This event gives no certificates."), {}
    if attended >= needed:
        return True, "", {}
    if attended == 0:
        return False, N_("Not checked in."), {}
    if is_module(event):
        return (
            False,
            N_("Attended %(attended)s of %(total)s occasions; %(needed)s are needed."),
            {"attended": attended, "total": total, "needed": needed},
        )
    return (
        False,
        N_("Checked in on %(attended)s of %(total)s days; %(needed)s are needed."),
        {"attended": attended, "total": total, "needed": needed},
    )


def _minutes(event: dict[str, Any], days: list[date], sessions: list[dict[str, Any]]) -> int:
    if event["hours_credit"] == HoursCredit.per_day.value:
        return (event.get("minutes_per_day") or 0) * len(days)
    if event["hours_credit"] == HoursCredit.per_session.value:
        return sum(session["minutes"] for session in sessions)
    return 0


# --- Judging an event's registrations ----------------------------------------------------------


@dataclass
class Assessment:
    """One registration judged against its event's rule, and what issuing would do for it."""

    registration: dict[str, Any]
    days: list[date]
    total_days: int
    sessions: list[dict[str, Any]]
    minutes: int
    earned: bool
    reason: str = ""  # why not earned: an English message id
    reason_params: dict[str, Any] = field(default_factory=dict)
    certificate: dict[str, Any] | None = None  # the latest one it holds (valid or revoked)
    content: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def action(self) -> str:
        """new, changed, unchanged (issuing does these), revoked, ineligible, no_longer_eligible."""
        if self.certificate is not None and self.certificate["status"] == REVOKED:
            return "revoked"
        if not self.earned:
            return "no_longer_eligible" if self.certificate is not None else "ineligible"
        if self.certificate is None:
            return "new"
        return "unchanged" if self.certificate["fingerprint"] == self.fingerprint else "changed"

    def reason_text(self) -> str:
        return gettext(self.reason, **self.reason_params) if self.reason else ""


def _content(
    event: dict[str, Any],
    registration: dict[str, Any],
    days: list[date],
    total: int,
    sessions: list[dict[str, Any]],
    minutes: int,
) -> dict[str, Any]:
    """Everything a certificate states, as plain JSON: what is frozen at issue and printed."""
    event_days = [day["day"] for day in event["days"]] or [localtime(event["starts_at"]).date()]
    return {
        "kind": (CertificateKind.completion if is_module(event) else CertificateKind.attendance).value,
        "name": registration["name"],
        "event": {
            "title": event["title"],
            "kind": event["kind"],
            "first_day": min(event_days).isoformat(),
            "last_day": max(event_days).isoformat(),
            "venue": event["venue_name"],
        },
        "days": [day.isoformat() for day in days],
        "total_days": total,
        "sessions": sessions,
        "minutes": minutes,
        "signatory": {"name": event["signatory_name"], "title": event["signatory_title"]},
    }


def _fingerprint(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def _attendance_by_registration(
    event_id: int,
    registration_ids: list[int] | None = None,
) -> tuple[dict[int, set[date]], dict[int, list[dict]]]:
    """Each registration's days present, and the sessions it was checked in at the door of."""
    query = Attendance.select(Attendance.registration, Attendance.day, Attendance.session).where(
        Attendance.event == event_id
    )
    if registration_ids is not None:
        query = query.where(Attendance.registration.is_in(registration_ids or [0]))
    rows = await query
    session_ids = {row["session"] for row in rows if row["session"]}
    sessions = {
        row["id"]: row
        for row in await ProgrammeSession.select(
            ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.starts_at, ProgrammeSession.ends_at
        ).where(ProgrammeSession.id.is_in(list(session_ids) or [0]))
    }
    days: dict[int, set[date]] = {}
    attended_sessions: dict[int, list[dict]] = {}
    for row in rows:
        days.setdefault(row["registration"], set()).add(row["day"])
        if row["session"] in sessions:
            session = sessions[row["session"]]
            attended_sessions.setdefault(row["registration"], []).append(
                {
                    "title": session["title"],
                    "day": localtime(session["starts_at"]).date().isoformat(),
                    "starts_at": localtime(session["starts_at"]).isoformat(timespec="minutes"),
                    "minutes": int((session["ends_at"] - session["starts_at"]).total_seconds() // 60),
                }
            )
    for listed in attended_sessions.values():
        listed.sort(key=lambda session: (session["starts_at"], session["title"], session["minutes"]))
    return days, attended_sessions


async def assess(event: dict[str, Any], *, registration_ids: list[int] | None = None) -> list[Assessment]:
    """Every registration with a place or a check-in, judged (by name); `registration_ids` narrows it."""
    query = Registration.select(
        Registration.id,
        Registration.uid,
        Registration.person,
        Registration.name,
        Registration.email,
        Registration.language,
        Registration.status,
        Registration.organisation_text,
        Registration.organisation.name_sv.as_alias("organisation_sv"),
        Registration.organisation.name_en.as_alias("organisation_en"),
        # An erased person's certificates stay as issued (verifiable, naming no one); none is drawn again.
    ).where((Registration.event == event["id"]) & Registration.person.erased_at.is_null())
    if registration_ids is not None:
        query = query.where(Registration.id.is_in(registration_ids or [0]))
    registrations = await query
    days_present, sessions_present = await _attendance_by_registration(event["id"], registration_ids)
    held_query = Certificate.select(
        Certificate.id,
        Certificate.uid,
        Certificate.number,
        Certificate.status,
        Certificate.fingerprint,
        Certificate.registration,
        Certificate.issued_at,
        Certificate.revoked_reason,
        Certificate.minutes,
    ).where((Certificate.event == event["id"]) & Certificate.current_key.is_not_null())
    if registration_ids is not None:
        held_query = held_query.where(Certificate.registration.is_in(registration_ids or [0]))
    held = {row["registration"]: row for row in await held_query}
    event_days = {day["day"] for day in event["days"]}
    total = len(event_days)
    assessments = []
    for registration in registrations:
        days = sorted(days_present.get(registration["id"], set()) & event_days)
        cancelled = registration["status"] == CANCELLED
        if registration["id"] not in held and (cancelled or (registration["status"] != CONFIRMED and not days)):
            continue  # cancelled, or on the waiting list and never came: not a participant
        sessions = sessions_present.get(registration["id"], [])
        if event["hours_credit"] != HoursCredit.per_session.value:
            sessions = []  # listed (and fingerprinted) only where they are what the hours count
        minutes = _minutes(event, days, sessions)
        earned, reason, params = judge(event, len(days), total)
        if cancelled:  # holds a certificate from before: the organiser decides whether to revoke it
            earned, reason, params = False, N_("The registration has been cancelled."), {}
        assessment = Assessment(
            registration=registration,
            days=days,
            total_days=total,
            sessions=sessions,
            minutes=minutes,
            earned=earned,
            reason=reason,
            reason_params=params,
            certificate=held.get(registration["id"]),
        )
        if earned:
            assessment.content = _content(event, registration, days, total, sessions, minutes)
            assessment.fingerprint = _fingerprint(assessment.content)
        assessments.append(assessment)
    assessments.sort(key=lambda a: (a.registration["name"].casefold(), a.registration["id"]))
    return assessments


def issuing_refusal(event: dict[str, Any], now: datetime | None = None) -> str:
    """Why certificates cannot be issued for the event now (an English message id), or ""."""
    now = now or utcnow()
    if event["completion_rule"] == CompletionRule.none.value:
        return N_("This event gives no certificates. Choose a rule for them in the event's settings first.")
    if event["status"] not in ISSUABLE_STATUSES:
        return N_("Certificates can only be issued for a published event.")
    if is_module(event):
        # A module's completion can be certified as soon as its rule is met, before the last occasion.
        if now < event["starts_at"]:
            return N_("Certificates can be issued once the module has started.")
    elif now < event["ends_at"]:
        return N_("Certificates can be issued once the event has ended.")
    return ""


@dataclass
class Preview:
    event: dict[str, Any]
    assessments: list[Assessment]
    refusal: str  # why issuing is not possible now (English message id), or ""

    def with_action(self, *actions: str) -> list[Assessment]:
        return [a for a in self.assessments if a.action in actions]

    @property
    def to_issue(self) -> list[Assessment]:
        return self.with_action("new", "changed")


async def preview(event_slug: str) -> Preview:
    """Who would get a certificate if the organiser issued now, who would not and why."""
    event = await get_event(event_slug)
    return Preview(event, await assess(event), issuing_refusal(event))


# PostgreSQL takes at most 32,767 parameters in one statement: bulk inserts go in chunks of rows.
_CHUNK = 500


def _chunks(rows: list) -> list[list]:
    return [rows[start : start + _CHUNK] for start in range(0, len(rows), _CHUNK)]


async def _event_id(event_slug: str) -> int:
    row = await Event.select(Event.id).where(Event.slug == event_slug).first()
    if row is None:
        raise NotFound(N_("There is no such event."))
    return row["id"]


@dataclass
class IssueResult:
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    mailed: int = 0


async def issue_certificates(event_slug: str, actor: Actor) -> IssueResult:
    """Issue every new or changed certificate the event's rule earns, each mailed with its PDF.

    Runs under the event's lock: of two issues at the same moment, the second finds nothing new.
    """
    async with atomic():
        await lock_event(await _event_id(event_slug))
        event = await get_event(event_slug)  # read under the lock: the rule and days as they now stand
        refusal = issuing_refusal(event)
        if refusal:
            raise DomainError(refusal, code="not_issuable")
        assessments = await assess(event)
        todo = [a for a in assessments if a.action in ("new", "changed")]
        result = IssueResult(unchanged=sum(a.action == "unchanged" for a in assessments))
        if not todo:
            return result
        now = utcnow()
        year = localtime(now).year
        first = await _take_numbers(year, len(todo))
        numbers = [format_number(year, first + offset) for offset in range(len(todo))]
        # The replaced certificates step aside first: `current_key` is unique.
        for assessment, number in zip(todo, numbers, strict=True):
            if assessment.certificate is not None:
                stepped_aside = (
                    await Certificate.update(
                        {
                            Certificate.status: SUPERSEDED,
                            Certificate.current_key: None,
                            Certificate.superseded_at: now,
                            Certificate.replaced_by: number,
                        }
                    )
                    .where((Certificate.id == assessment.certificate["id"]) & (Certificate.status == VALID))
                    .returning(Certificate.id)
                )
                if not stepped_aside:  # revoked a moment ago: roll everything back rather than override it
                    raise DomainError(N_("A certificate changed while issuing. Please try again."), code="conflict")
        uids = [uuid.uuid4() for _ in todo]
        mailed = [(a, uid) for a, uid in zip(todo, uids, strict=True) if can_receive_mail(a.registration["email"])]
        message_ids: dict[uuid.UUID, int] = {}
        for chunk in _chunks(mailed):
            rows = await OutboxMessage.insert(
                *[
                    OutboxMessage(
                        kind=MAIL_KIND,
                        to_address=a.registration["email"],
                        to_name=a.registration["name"],
                        language=a.registration["language"],
                        subject="",
                        text_body="",
                        builder=MAIL_KIND,
                        build_args={"certificate": str(uid)},
                    )
                    for a, uid in chunk
                ]
            ).returning(OutboxMessage.id, OutboxMessage.build_args)
            # Matched by the certificate named in each row: neither engine promises RETURNING's order.
            for row in rows:
                args = json.loads(row["build_args"]) if isinstance(row["build_args"], str) else row["build_args"]
                message_ids[uuid.UUID(args["certificate"])] = row["id"]
        certificates = [
            Certificate(
                uid=uid,
                number=number,
                verification_code=new_verification_code(),
                event=event["id"],
                registration=a.registration["id"],
                person=a.registration["person"],
                kind=a.content["kind"],
                status=VALID,
                current_key=str(a.registration["id"]),
                name=a.registration["name"],
                language=a.registration["language"],
                content=a.content,
                fingerprint=a.fingerprint,
                minutes=a.minutes,
                issued_at=now,
                issued_by=actor.staff_id,
                message=message_ids.get(uid),
            )
            for a, uid, number in zip(todo, uids, numbers, strict=True)
        ]
        for chunk in _chunks(certificates):
            await Certificate.insert(*chunk)
        result.new = sum(a.action == "new" for a in todo)
        result.replaced = len(todo) - result.new
        result.mailed = len(mailed)
        await audit.record(
            "certificates.issue",
            actor,
            object_type="event",
            object_id=event["slug"],
            summary=f"{len(todo)} certificates ({numbers[0]}–{numbers[-1]})",
            details={"new": result.new, "replaced": result.replaced},
        )
    return result


async def revoke(certificate_uid: str, reason: str, actor: Actor, *, event_slug: str) -> dict[str, Any]:
    """Withdraw a valid certificate of the event; the verification page says so from now on."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(N_("Give a reason for revoking the certificate."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(N_("Keep the reason under %(max)s characters."), field="reason", max=MAX_REASON)
    uid = parse_uid(certificate_uid)
    async with atomic():
        await lock_event(await _event_id(event_slug))  # not while the event's certificates are being issued
        row = (
            await Certificate.select(Certificate.id, Certificate.number, Certificate.status)
            .where((Certificate.uid == uid) & (Certificate.event.slug == event_slug))
            .first()
            if uid
            else None
        )
        if row is None:
            raise NotFound(N_("There is no such certificate."))
        if row["status"] != VALID:
            raise DomainError(N_("Only a valid certificate can be revoked."), code="not_valid")
        await Certificate.update(
            {
                Certificate.status: REVOKED,
                Certificate.revoked_at: utcnow(),
                Certificate.revoked_reason: reason,
                Certificate.revoked_by: actor.staff_id,
            }
        ).where((Certificate.id == row["id"]) & (Certificate.status == VALID))
        await audit.record(
            "certificates.revoke", actor, object_type="certificate", object_id=row["number"], summary=reason
        )
    return row


# --- Reading ---------------------------------------------------------------------------------

_LISTED = (
    Certificate.uid,
    Certificate.number,
    Certificate.verification_code,
    Certificate.kind,
    Certificate.status,
    Certificate.name,
    Certificate.minutes,
    Certificate.issued_at,
    Certificate.superseded_at,
    Certificate.replaced_by,
    Certificate.revoked_at,
    Certificate.revoked_reason,
    Certificate.language,
    Certificate.content,
)


async def list_certificates(event_slug: str) -> list[dict[str, Any]]:
    """Every certificate of the event, newest number first, with its mail's delivery state."""
    return (
        await Certificate.select(
            *_LISTED,
            Certificate.registration.uid.as_alias("registration_uid"),
            Certificate.message.status.as_alias("mail_status"),
            Certificate.message.sent_at.as_alias("mail_sent_at"),
        )
        .where(Certificate.event.slug == event_slug)
        .order_by(Certificate.id, ascending=False)
        .output(load_json=True)
    )


async def certificates_of_person(person_id: int) -> list[dict[str, Any]]:
    """A person's certificates that stand (valid or revoked), newest event first."""
    return (
        await Certificate.select(
            *_LISTED,
            Certificate.event.slug.as_alias("event_slug"),
            Certificate.event.title.as_alias("event_title"),
            Certificate.event.title_en.as_alias("event_title_en"),
            Certificate.event.starts_at.as_alias("event_starts_at"),
            Certificate.event.kind.as_alias("event_kind"),
        )
        .where((Certificate.person == person_id) & Certificate.current_key.is_not_null())
        .order_by(Certificate.event.starts_at, ascending=False)
        .output(load_json=True)
    )


async def get_certificate(
    certificate_uid: str, *, person_id: int | None = None, event_slug: str | None = None
) -> dict[str, Any]:
    """One certificate, when it belongs to the person (or the event) asked for."""
    uid = parse_uid(certificate_uid)
    query = Certificate.select(*_LISTED, Certificate.event.slug.as_alias("event_slug")).where(Certificate.uid == uid)
    if person_id is not None:
        query = query.where(Certificate.person == person_id)
    if event_slug is not None:
        query = query.where(Certificate.event.slug == event_slug)
    row = await query.output(load_json=True).first() if uid else None
    if row is None:
        raise NotFound(N_("There is no such certificate."))
    return row


def pdf_filename(certificate: dict[str, Any]) -> str:
    word = gettext("certificate")  # outside the f-string, where the extractor finds it
    return f"{word}-{certificate['number']}.pdf"


# --- Verification ----------------------------------------------------------------------------


async def verify(code: str, number: str = "") -> dict[str, Any] | None:
    """What the public verification page may show of the certificate with this code (and number,
    when one is given): its state, the name, the event and its dates; None when there is none."""
    code = normalise_code(code)
    if not code:
        return None
    query = Certificate.select(
        Certificate.number,
        Certificate.status,
        Certificate.kind,
        Certificate.name,
        Certificate.content,
        Certificate.issued_at,
        Certificate.superseded_at,
        Certificate.revoked_at,
    ).where(Certificate.verification_code == code)
    if number:
        query = query.where(Certificate.number == normalise_number(number))
    row = await query.output(load_json=True).first()
    if row is None:
        return None
    event = row.pop("content")["event"]
    return {
        **row,
        "event_title": event["title"],
        "first_day": date.fromisoformat(event["first_day"]),
        "last_day": date.fromisoformat(event["last_day"]),
    }
