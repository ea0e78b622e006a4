"""Feedback on the accessibility statement: anyone may report a shortcoming or ask for content in an
accessible form (lagen 2018:1937, 11 §: the statement must offer a way to do so). A message is stored
for the admins' list and mailed to every active admin in the same transaction, so it cannot get lost.

The form is public, so it is limited per client address (and in all, so that a spread-out script
cannot fill the admins' inboxes). Name and email are optional personal data, kept only so the admins
can answer: each message is deleted `retention_feedback_months` after it arrived (retention.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from events_app.domain import links, outbox, rate_limits, site_settings
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.tables import AccessibilityFeedback, Role, StaffAccount
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import clean_text, normalise_email
from events_app.i18n import N_, normalise_language

MAX_NAME = 200
MAX_MESSAGE = 5000
# A person with several things to report sends a few messages; more than five an hour from one address
# is a script. Thirty an hour from everywhere is far above what a statement page receives.
FEEDBACK_PER_IP = 5
FEEDBACK_IN_ALL = 30
FEEDBACK_WINDOW = timedelta(hours=1)
LIST_LIMIT = 500


@dataclass(frozen=True)
class FeedbackInput:
    message: str
    name: str = ""
    email: str = ""
    language: str = "sv"


def _cleaned(data: FeedbackInput) -> FeedbackInput:
    """The input as it will be stored; ValidationFailed naming every field that is not acceptable."""
    errors: dict[str, DomainError | str] = {}
    name = " ".join(clean_text(data.name or "").split())
    if len(name) > MAX_NAME:
        errors["name"] = DomainError(N_("At most %(max)s characters."), field="name", max=MAX_NAME)
    email = ""
    if (data.email or "").strip():
        try:
            email = normalise_email(data.email)
        except DomainError as error:
            errors["email"] = error
    message = clean_text(data.message or "").replace("\r\n", "\n").strip()
    if not message:
        errors["message"] = N_("Write your message.")
    elif len(message) > MAX_MESSAGE:
        errors["message"] = DomainError(N_("At most %(max)s characters."), field="message", max=MAX_MESSAGE)
    if errors:
        raise ValidationFailed(errors)
    return FeedbackInput(message=message, name=name, email=email, language=normalise_language(data.language))


async def send(data: FeedbackInput, *, ip: str) -> dict[str, Any]:
    """Store the feedback and queue a mail to each active admin; returns the stored row.

    Raises ValidationFailed for bad input (nothing is counted or stored) and RateLimited past the
    limits (the attempt counts, nothing is stored)."""
    feedback = _cleaned(data)
    await rate_limits.count_attempt(
        {f"accessibility-feedback:ip:{ip}": FEEDBACK_PER_IP, "accessibility-feedback:all": FEEDBACK_IN_ALL},
        window=FEEDBACK_WINDOW,
    )
    async with atomic():
        row = AccessibilityFeedback(
            name=feedback.name, email=feedback.email, message=feedback.message, language=feedback.language
        )
        await row.save()
        admins = await StaffAccount.select(StaffAccount.email, StaffAccount.name, StaffAccount.language).where(
            (StaffAccount.role == Role.admin) & (StaffAccount.active == True)
        )
        for admin in admins:
            await outbox.enqueue(
                to_address=admin["email"],
                to_name=admin["name"],
                language=admin["language"],
                template="accessibility_feedback",
                context={
                    "sender_name": feedback.name,
                    "sender_email": feedback.email,
                    "sender_language": feedback.language,
                    "message": feedback.message,
                    "list_url": links.admin_feedback_url(),
                },
            )
    return row.to_dict()


async def recent(limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The feedback still kept, newest first."""
    return await AccessibilityFeedback.select().order_by(AccessibilityFeedback.id, ascending=False).limit(limit)


async def kept_for() -> timedelta:
    """How long feedback is kept (the admin's setting, in months of 30 days)."""
    months = await site_settings.number(site_settings.RETENTION.slug, "retention_feedback_months")
    return timedelta(days=30 * months)


async def purge_expired(*, now: datetime | None = None) -> int:
    """Delete the feedback older than the period it is kept; returns how many messages went.
    Idempotent, for the daily retention run (domain/retention.py)."""
    cutoff = (now or utcnow()) - await kept_for()
    deleted = (
        await AccessibilityFeedback.delete()
        .where(AccessibilityFeedback.created_at < cutoff)
        .returning(AccessibilityFeedback.id)
    )
    return len(deleted)
