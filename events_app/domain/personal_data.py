"""Everything the platform holds about one person, gathered for them (GDPR Art. 15 and 20) or for an
admin: the profile, registrations with their answers, session choices and check-ins, invitations,
certificates, the mails sent to them, the evaluations they were asked to answer (with their answers
to named forms), and their erasure requests.

`EXPORTED` and `NOT_EXPORTED` name every table that holds a person's data, and why a table is left
out; tests/test_personal_data.py fails when a new table refers to a person (or holds an address)
without being named here, so the export cannot silently fall behind the schema. Erasure
(`erasure.py`) works from the same list.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from events_app.domain import attendance, council_members, evaluation_privacy
from events_app.domain.errors import NotFound
from events_app.domain.people import side_label
from events_app.domain.registrations import DIETARY_NEEDS
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
    Question,
    Registration,
    SessionChoice,
    StaffAccount,
)
from events_app.domain.text_folding import fold
from events_app.domain.transactions import utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_, format_datetime, format_day, gettext

# Each table holding a person's data, and the export section that shows it.
EXPORTED = {
    Person: "profile",
    Registration: "registrations",
    SessionChoice: "registrations (sessions)",
    Attendance: "registrations (attendance)",
    CheckInConflict: "registrations (door_conflicts)",
    Invitation: "invitations",
    Certificate: "certificates",
    OutboxMessage: "mail",
    MailingRecipient: "mailings",
    CalendarFeed: "calendar_feed",
    ErasureRequest: "erasure_requests",
    AuditEntry: "actions",
    AccessibilityFeedback: "accessibility_feedback",
    MemberTerm: "council",
    MemberRole: "council",
    PreparatoryOfficial: "council",
    EvaluationRequest: "evaluations",
    EvaluationResponse: "evaluations (named forms only: an anonymous answer is tied to no one)",
}
# Tables that refer to a person but are not part of the export, and why.
NOT_EXPORTED = {
    EmailToken: "single-use sign-in links: only a hash of the secret, deleted a day after use",
    InvitationLink: "hashes of the invitation links' secrets: nothing a person could read",
    OutboxAttachment: "the tickets and certificates attached to mails: the certificates are exported",
    StaffAccount: "staff accounts are the platform's users at work, not its participants",
    ApiToken: "belongs to a staff account",
}


def _plain(value: Any) -> Any:
    """A value as JSON can carry it: times and dates in ISO 8601, ids as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


async def person_by_uid(uid: str) -> dict[str, Any]:
    person_uid = parse_uid(uid)
    person = await Person.select().where(Person.uid == person_uid).first() if person_uid else None
    if person is None:
        raise NotFound()
    return person


async def addresses_of(person: dict[str, Any]) -> set[str]:
    """Every address the person has given: on the profile, on each registration and invitation."""
    addresses = {person["email"].lower()}
    for table in (Registration, Invitation):
        rows = await table.select(table.email).where(table.person == person["id"])
        addresses |= {row["email"].lower() for row in rows if row["email"]}
    return addresses


async def _registrations(person_id: int) -> list[dict[str, Any]]:
    rows = await (
        Registration.select(
            *Registration.all_columns(exclude=[Registration.ticket_id, Registration.manage_token, Registration.burst]),
            Registration.event.title.as_alias("event_title"),
            Registration.event.starts_at.as_alias("event_starts_at"),
            Registration.organisation.code.as_alias("organisation_code"),
        )
        .where(Registration.person == person_id)
        .order_by(Registration.id)
        .output(load_json=True)
    )
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    questions = await Question.select(Question.event, Question.key, Question.label).where(
        Question.event.is_in(list({row["event"] for row in rows}))
    )
    labels = {(question["event"], question["key"]): question["label"] for question in questions}
    choices = await SessionChoice.select(
        SessionChoice.registration,
        SessionChoice.session.title.as_alias("session_title"),
        SessionChoice.status,
        SessionChoice.created_at,
    ).where(SessionChoice.registration.is_in(ids))
    visits = await attendance.check_ins_of(ids)
    conflicts = await CheckInConflict.select(
        CheckInConflict.registration, CheckInConflict.kind, CheckInConflict.admitted_at
    ).where(CheckInConflict.registration.is_in(ids))
    exported = []
    for row in rows:
        exported.append(
            {
                "uid": row["uid"],
                "event": row["event_title"],
                "event_starts_at": row["event_starts_at"],
                "status": row["status"],
                "name": row["name"],
                "email": row["email"],
                "organisation": row["organisation_code"] or row["organisation_text"],
                "title": row["title"],
                "dietary": row["dietary"],
                "dietary_other": row["dietary_other"],
                "accessibility": row["accessibility"],
                "answers": [
                    {"question": labels.get((row["event"], key), key), "answer": answer}
                    for key, answer in (row["answers"] or {}).items()
                ],
                "days": row["days"],
                "language": row["language"],
                "source": row["source"],
                "consent_at": row["consent_at"],
                "consent_version": row["consent_version"],
                "created_at": row["created_at"],
                "confirmed_at": row["confirmed_at"],
                "cancelled_at": row["cancelled_at"],
                "mailings_declined_at": row["mailings_declined_at"],
                "sessions": [
                    {key: choice[key] for key in ("session_title", "status", "created_at")}
                    for choice in choices
                    if choice["registration"] == row["id"]
                ],
                "attendance": [
                    {key: visit[key] for key in ("day", "session_title", "checked_in_at", "method")}
                    for visit in visits
                    if visit["registration"] == row["id"]
                ],
                # A scanner admitted the ticket offline and the server could not record it so (door_sync).
                "door_conflicts": [
                    {key: conflict[key] for key in ("kind", "admitted_at")}
                    for conflict in conflicts
                    if conflict["registration"] == row["id"]
                ],
            }
        )
    return exported


async def _invitations(person_id: int, addresses: set[str]) -> list[dict[str, Any]]:
    rows = await (
        Invitation.select(
            Invitation.uid,
            Invitation.event.title.as_alias("event"),
            Invitation.email,
            Invitation.name,
            Invitation.organisation_text,
            Invitation.note,
            Invitation.status,
            Invitation.decline_reason,
            Invitation.created_at,
            Invitation.mailed_at,
            Invitation.opened_at,
            Invitation.answered_at,
        )
        .where((Invitation.person == person_id) | Invitation.email.is_in(sorted(addresses)))
        .order_by(Invitation.id)
    )
    return rows


async def _mail(addresses: set[str]) -> list[dict[str, Any]]:
    return await (
        OutboxMessage.select(
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.kind,
            OutboxMessage.status,
            OutboxMessage.created_at,
            OutboxMessage.sent_at,
        )
        .where(OutboxMessage.to_address.is_in(sorted(addresses)))
        .order_by(OutboxMessage.id)
    )


async def _mailings(person_id: int, addresses: set[str]) -> list[dict[str, Any]]:
    return await (
        MailingRecipient.select(
            MailingRecipient.mailing.event.title.as_alias("event"),
            MailingRecipient.mailing.subject_sv.as_alias("subject_sv"),
            MailingRecipient.mailing.subject_en.as_alias("subject_en"),
            MailingRecipient.mailing.sent_at.as_alias("sent_at"),
            MailingRecipient.email,
        )
        .where(
            MailingRecipient.email.is_in(sorted(addresses))
            | MailingRecipient.registration.is_in(
                Registration.select(Registration.id).where(Registration.person == person_id)
            )
        )
        .order_by(MailingRecipient.id)
    )


async def export_person(person: dict[str, Any]) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data (keys in English, times in UTC ISO 8601)."""
    person_id = person["id"]
    addresses = await addresses_of(person)
    organisation = (
        await Person.select(Person.organisation.code.as_alias("code"), Person.organisation.name_sv.as_alias("name"))
        .where(Person.id == person_id)
        .first()
    )
    certificates = await (
        Certificate.select(
            Certificate.number,
            Certificate.kind,
            Certificate.status,
            Certificate.event.title.as_alias("event"),
            Certificate.name,
            Certificate.minutes,
            Certificate.issued_at,
            Certificate.revoked_at,
            Certificate.replaced_by,
        )
        .where(Certificate.person == person_id)
        .order_by(Certificate.id)
    )
    feed = await CalendarFeed.select(CalendarFeed.created_at).where(CalendarFeed.person == person_id).first()
    requests = await ErasureRequest.select(ErasureRequest.requested_at, ErasureRequest.done_at).where(
        ErasureRequest.person == person_id
    )
    actions = await (
        AuditEntry.select(AuditEntry.created_at, AuditEntry.action, AuditEntry.summary)
        .where(AuditEntry.actor_person == person_id)
        .order_by(AuditEntry.id)
    )
    return _plain(
        {
            "generated_at": utcnow(),
            "profile": {
                "uid": person["uid"],
                "name": person["name"],
                "email": person["email"],
                "organisation": organisation["name"] if organisation and organisation["code"] else "",
                "title": person["title"],
                "is_member": person["is_member"],
                "side": person["side"],
                "term_start": person["term_start"],
                "term_end": person["term_end"],
                "active": person["active"],
                "language": person["language"],
                "created_at": person["created_at"],
                "updated_at": person["updated_at"],
            },
            "council": await council_members.record_of(person_id),
            "registrations": await _registrations(person_id),
            "invitations": await _invitations(person_id, addresses),
            "certificates": certificates,
            "mail": await _mail(addresses),
            "mailings": await _mailings(person_id, addresses),
            "calendar_feed": {"created_at": feed["created_at"]} if feed else None,
            "erasure_requests": requests,
            "evaluations": await evaluation_privacy.evaluations_of(person_id),
            # Found by address: the form asks for no sign-in, so only an address given links it to a person.
            "accessibility_feedback": await AccessibilityFeedback.select(
                AccessibilityFeedback.created_at,
                AccessibilityFeedback.name,
                AccessibilityFeedback.email,
                AccessibilityFeedback.message,
            ).where(AccessibilityFeedback.email.is_in(sorted(addresses))),
            "actions": actions,
        }
    )


async def find_people(query: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """People whose name or address contains `query` in any case and however its letters are composed
    (an admin's search), erased ones left out. Compared in Python: SQLite folds the case of ASCII
    letters only, and "Ödmark" must match "ödmark"."""
    needle = fold(query.strip())
    people = await (
        Person.select(Person.uid, Person.name, Person.email, Person.is_member, Person.active)
        .where(Person.erased_at.is_null())
        .order_by(Person.name)
    )
    return [p for p in people if needle in fold(p["name"]) or needle in fold(p["email"])][:limit]


# The export in words, for the page and the PDF: (section heading, items), each item a list of
# (label, value). Labels are English message ids; `readable` translates them.
_SECTIONS = (
    (
        "profile",
        N_("Profile"),
        (
            ("name", N_("Name")),
            ("email", N_("Email address")),
            ("organisation", N_("Organisation")),
            ("title", N_("Title or role")),
            ("is_member", N_("Council member")),
            ("term_start", N_("Term starts")),
            ("term_end", N_("Term ends")),
            ("language", N_("Language")),
            ("created_at", N_("Created")),
        ),
    ),
    (
        "council",
        N_("The council"),
        (
            ("kind", N_("As")),
            ("organisation", N_("Organisation")),
            ("side", N_("Side")),
            ("starts_on", N_("From")),
            ("ends_on", N_("To")),
            ("substitute", N_("Personal substitute")),
            ("substitute_for", N_("Substitute for")),
        ),
    ),
    (
        "registrations",
        N_("Registrations"),
        (
            ("event", N_("Event")),
            ("status", N_("Status")),
            ("name", N_("Name")),
            ("email", N_("Email address")),
            ("organisation", N_("Organisation")),
            ("title", N_("Title or role")),
            ("dietary", N_("Dietary needs")),
            ("dietary_other", N_("Other dietary needs")),
            ("accessibility", N_("Accessibility needs")),
            ("answers", N_("Answers")),
            ("days", N_("Days")),
            ("sessions", N_("Sessions")),
            ("attendance", N_("Checked in")),
            ("door_conflicts", N_("Admitted at the door while offline, not recorded as a check-in")),
            ("consent_at", N_("Consent given")),
            ("consent_version", N_("Version of the privacy notice accepted")),
            ("created_at", N_("Registered")),
            ("cancelled_at", N_("Cancelled")),
        ),
    ),
    (
        "invitations",
        N_("Invitations"),
        (
            ("event", N_("Event")),
            ("status", N_("Status")),
            ("name", N_("Name")),
            ("email", N_("Email address")),
            ("organisation_text", N_("Organisation")),
            ("note", N_("Personal note")),
            ("decline_reason", N_("Reason for declining")),
            ("created_at", N_("Created")),
            ("answered_at", N_("Answered")),
        ),
    ),
    (
        "certificates",
        N_("Certificates"),
        (
            ("number", N_("Certificate number")),
            ("event", N_("Event")),
            ("status", N_("Status")),
            ("name", N_("Name")),
            ("issued_at", N_("Issued")),
        ),
    ),
    ("mail", N_("Mail sent to you"), (("subject", N_("Subject")), ("to_address", N_("To")), ("sent_at", N_("Sent")))),
    (
        "mailings",
        N_("Follow-up mailings"),
        (("event", N_("Event")), ("subject_sv", N_("Subject")), ("sent_at", N_("Sent"))),
    ),
    (
        "evaluations",
        N_("Evaluations"),
        (
            ("event", N_("Event")),
            ("evaluation", N_("Evaluation")),
            ("answered", N_("Answered (named forms only)")),
            ("answers", N_("Your answers (named forms only)")),
        ),
    ),
    ("erasure_requests", N_("Requests to be erased"), (("requested_at", N_("Requested")), ("done_at", N_("Done")))),
    (
        "accessibility_feedback",
        N_("Feedback on accessibility"),
        (("created_at", N_("Sent")), ("name", N_("Name")), ("email", N_("Email address")), ("message", N_("Message"))),
    ),
)


_STATUSES = {
    "confirmed": N_("Confirmed"),
    "waitlisted": N_("Waiting list"),
    "cancelled": N_("Cancelled"),
    "pending": N_("Not answered"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "revoked": N_("Revoked"),
    "valid": N_("Valid"),
    "superseded": N_("Superseded"),
    "sent": N_("Sent"),
    "failed": N_("Could not be delivered"),
}


# How the values of a few keys are put in words; other values are times, dates or text.
_IN_WORDS = {
    "status": lambda value: gettext(_STATUSES.get(value, value)),
    "dietary": lambda codes: ", ".join(
        gettext(DIETARY_NEEDS[code]) if code in DIETARY_NEEDS else code for code in codes
    ),
    "answers": lambda answers: "; ".join(f"{a['question']}: {_answer_words(a['answer'])}" for a in answers),
    "sessions": lambda choices: "; ".join(choice["session_title"] for choice in choices),
    "attendance": lambda visits: "; ".join(_when(visit["checked_in_at"]) for visit in visits),
    "door_conflicts": lambda conflicts: "; ".join(_when(conflict["admitted_at"]) for conflict in conflicts),
    "days": lambda days: ", ".join(format_day(date.fromisoformat(day)) for day in days),
    "kind": council_members.position_label,
    "side": lambda side: side_label(side),
    "starts_on": lambda day: format_day(date.fromisoformat(day)),
    "ends_on": lambda day: format_day(date.fromisoformat(day)),
    "term_start": lambda day: format_day(date.fromisoformat(day)),
    "term_end": lambda day: format_day(date.fromisoformat(day)),
}


def _words(key: str, value: Any) -> str:
    """One exported value as a person reads it, in the current language and Stockholm time."""
    if value in (None, "", [], {}):
        return ""
    if key in _IN_WORDS:
        return _IN_WORDS[key](value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return _when(value)
    return str(value)


def _answer_words(answer: Any) -> str:
    if isinstance(answer, bool):
        return gettext("Yes") if answer else gettext("No")
    if isinstance(answer, list):
        return ", ".join(str(item) for item in answer)
    return str(answer)


def _when(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


def _labelled(item: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    words = ((gettext(label), _words(name, item.get(name))) for name, label in fields)
    return [(label, value) for label, value in words if value]


def readable(export: dict[str, Any]) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    """The export as headed lists of labelled values, translated, empty values left out."""
    sections = []
    for key, heading, fields in _SECTIONS:
        data = export.get(key) or []
        items = [data] if isinstance(data, dict) else data
        sections.append(
            (
                gettext(heading),
                [
                    [
                        (gettext(label), _words(name, item.get(name)))
                        for name, label in fields
                        if _words(name, item.get(name))
                    ]
                    for item in items
                ],
            )
        )
    return sections
