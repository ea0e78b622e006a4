"""Keeping personal data no longer than needed: what has served its purpose is deleted or anonymised.

Two kinds of rules:
- `purge_expired`, run by every mail sender about once an hour: rate-limit data, dead mailed links,
  delivered mail, the keys that grouped held registrations;
- `apply_retention`, the records plan's rules, with the periods an admin sets
  (site_settings.RETENTION): run once a day by the mail sender (`apply_retention_if_due`) and by
  `events-app purge`; each run writes its counts to the audit log.
Every rule is idempotent, so several senders doing it at once is harmless. The registrations,
invitations and attendance of events marked "bevaras" (records_plan.py) are kept, and so are their
guests; the run's counts say how many events were kept for that reason. Their needs and sensitive
answers still go: the official record is who attended, not what they ate.
See docs/privacy.md for each rule's reason and legal basis.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

from events_app.domain import (
    accessibility_feedback,
    audit,
    erasure,
    evaluation_privacy,
    registration_reports,
    sensitive_answers,
    site_settings,
)
from events_app.domain.errors import DomainError
from events_app.domain.tables import (
    AuditEntry,
    EmailToken,
    Event,
    EventStatus,
    Invitation,
    InvitationStatus,
    Mailing,
    MailingRecipient,
    OutboxMessage,
    OutboxStatus,
    Person,
    RateLimitCounter,
    Registration,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.settings import Settings, get_settings

# Rate limits look back at most two hour-long windows; a day leaves room for any window added later.
RATE_LIMIT_COUNTERS_KEPT = timedelta(days=1)
# Used or expired sign-in and reset links: kept a day for questions like "my link did not work".
EMAIL_TOKENS_KEPT = timedelta(days=1)
# The key grouping a burst of held registrations (a hash of the IP address) serves while they are held.
BURST_KEYS_KEPT = timedelta(days=1)
# The records plan's rules run once a day; a little less, so the hourly check never skips a day.
RETENTION_EVERY = timedelta(hours=23)
RETENTION_ACTION = "retention.applied"


async def purge_expired(settings: Settings | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """Delete old rate-limit counters, dead mailed links and delivered mail; return how many of each."""
    settings = settings or get_settings()
    now = now or utcnow()
    counters = (
        await RateLimitCounter.delete()
        .where(RateLimitCounter.window_start < now - RATE_LIMIT_COUNTERS_KEPT)
        .returning(RateLimitCounter.id)
    )
    tokens = await EmailToken.delete().where(EmailToken.expires_at < now - EMAIL_TOKENS_KEPT).returning(EmailToken.id)
    # Only delivered mail goes: a failed message stays for the admin to see and retry.
    mail = (
        await OutboxMessage.delete()
        .where(
            (OutboxMessage.status == OutboxStatus.sent)
            & (OutboxMessage.sent_at < now - timedelta(days=settings.outbox_retention_days))
        )
        .returning(OutboxMessage.id)
    )
    bursts = (
        await Registration.update({Registration.burst: ""})
        .where(
            (Registration.burst != "")
            & Registration.held_until.is_null()
            & (Registration.created_at < now - BURST_KEYS_KEPT)
        )
        .returning(Registration.id)
    )
    return {
        "rate_limit_counters": len(counters),
        "email_tokens": len(tokens),
        "sent_mail": len(mail),
        "burst_keys": len(bursts),
    }


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when shorter)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def _plain_counts(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**day, "day": day["day"].isoformat()} for day in summary]


async def keep_needs_counts(event: dict[str, Any]) -> bool:
    """Keep the event's catering and accessibility counts as numbers, then delete the needs and the
    sensitive answers themselves; False when another run (or an organiser) did it already.

    The counts are read first; the conditional UPDATE that stores them claims the event, so a second
    run at the same moment stores nothing and deletes nothing.
    """
    async with atomic():
        counts = _plain_counts(await registration_reports.catering(event["id"]))
        claimed = (
            await Event.update({Event.sensitive_purged_at: utcnow(), Event.needs_counts: {"days": counts}})
            .where((Event.id == event["id"]) & Event.sensitive_purged_at.is_null())
            .returning(Event.id)
        )
        if not claimed:
            return False
        await sensitive_answers.erase_sensitive(event["id"])
    return True


async def _sensitive_answers(now: datetime, days: int) -> int:
    """Needs and sensitive answers of events whose last day is `days` past: deleted, counts kept."""
    due = await Event.select(Event.id).where(
        (Event.ends_at < now - timedelta(days=days)) & Event.sensitive_purged_at.is_null()
    )
    return sum([await keep_needs_counts(event) for event in due])


async def _inactive_guests(now: datetime, months: int, kept: set[str]) -> int:
    """Guests (not members) with no registration or invitation in the last `months`, counted from
    when it was made or from its event's end, whichever is later: anonymised. Someone invited
    yesterday to an event two years ahead is not."""
    cutoff = months_before(now, months)
    registered = Registration.select(Registration.person).where(
        (Registration.created_at >= cutoff) | (Registration.event.ends_at >= cutoff)
    )
    invited = (Invitation.created_at >= cutoff) | (Invitation.event.ends_at >= cutoff)
    guests = await Person.select(Person.id, Person.uid).where(
        (Person.is_member == False)
        & Person.erased_at.is_null()
        & (Person.created_at < cutoff)
        & Person.id.not_in(registered)
        & Person.id.not_in(Invitation.select(Invitation.person).where(invited & Invitation.person.is_not_null()))
        & Person.email.not_in(Invitation.select(Invitation.email).where(invited))
    )
    anonymised = 0
    actor = audit.Actor.system("retention")
    for guest in guests:
        try:
            await erasure.erase_person(str(guest["uid"]), actor, notify=False)
            anonymised += 1
        except DomainError:  # registered to an event the records plan keeps
            kept.update(await erasure.preserved_events_of(guest["id"]))
    return anonymised


async def _thinned_events(where: Any, kept: set[str]) -> list[int]:
    """The ids of the events matching `where`, minus those the records plan keeps (named in `kept`)."""
    events = await Event.select(Event.id, Event.title, Event.preserve).where(where)
    kept.update(event["title"] for event in events if event["preserve"])
    return [event["id"] for event in events if not event["preserve"]]


async def _cancelled_event_registrations(now: datetime, days: int, kept: set[str]) -> int:
    ended = (Event.status == EventStatus.cancelled) & (Event.ends_at < now - timedelta(days=days))
    event_ids = await _thinned_events(ended, kept)
    if not event_ids:
        return 0
    await _forget_mailing_recipients(event_ids)
    await Invitation.delete().where(Invitation.event.is_in(event_ids))
    return len(await Registration.delete().where(Registration.event.is_in(event_ids)).returning(Registration.id))


async def _unanswered_invitations(now: datetime, days: int, kept: set[str]) -> int:
    event_ids = await _thinned_events(Event.ends_at < now - timedelta(days=days), kept)
    if not event_ids:
        return 0
    unanswered = Invitation.event.is_in(event_ids) & (Invitation.status == InvitationStatus.pending)
    return len(await Invitation.delete().where(unanswered).returning(Invitation.id))


async def _old_event_records(now: datetime, years: int, kept: set[str]) -> int:
    """Registrations (with their check-ins and certificates) and invitations of events that ended
    more than `years` ago: the records plan's period for certificates and the competence record."""
    event_ids = await _thinned_events(Event.ends_at < months_before(now, 12 * years), kept)
    if not event_ids:
        return 0
    await _forget_mailing_recipients(event_ids)
    await Invitation.delete().where(Invitation.event.is_in(event_ids))
    return len(await Registration.delete().where(Registration.event.is_in(event_ids)).returning(Registration.id))


async def _forget_mailing_recipients(event_ids: list[int]) -> None:
    """The name and address of each recipient of the events' mailings go with the registrations
    they were sent to (the mailing and its count stay)."""
    await erasure.empty_mailing_recipients(
        MailingRecipient.mailing.is_in(Mailing.select(Mailing.id).where(Mailing.event.is_in(event_ids)))
    )


async def apply_retention(
    settings: Settings | None = None, *, now: datetime | None = None, actor: audit.Actor | None = None
) -> dict[str, Any]:
    """Apply every rule once; return the counts (also written to the audit log)."""
    now = now or utcnow()
    # number() falls back to the default for a value it cannot read: the daily run never stops on one.
    periods = {
        setting.key.removeprefix("retention_"): await site_settings.number("retention", setting.key)
        for setting in site_settings.RETENTION.settings
    }
    kept: set[str] = set()
    counts: dict[str, Any] = await purge_expired(settings, now=now)
    counts["events_with_needs_deleted"] = await _sensitive_answers(now, periods["sensitive_days"])
    counts["guests_anonymised"] = await _inactive_guests(now, periods["guest_months"], kept)
    counts["cancelled_event_registrations"] = await _cancelled_event_registrations(
        now, periods["cancelled_event_days"], kept
    )
    counts["unanswered_invitations"] = await _unanswered_invitations(now, periods["unanswered_invitation_days"], kept)
    counts["old_event_registrations"] = await _old_event_records(now, periods["certificate_years"], kept)
    counts["accessibility_feedback"] = await accessibility_feedback.purge_expired(now=now)
    counts["evaluations_free_text_deleted"] = await evaluation_privacy.purge_texts(
        months_before(now, periods["evaluation_text_months"])
    )
    counts["events_kept_by_records_plan"] = len(kept)
    await audit.record(
        RETENTION_ACTION,
        actor or audit.Actor.system("retention"),
        summary=", ".join(f"{name}: {count}" for name, count in counts.items() if count),
        details={**counts, "kept": sorted(kept)},
    )
    return counts


async def apply_retention_if_due(settings: Settings | None = None) -> dict[str, Any] | None:
    """The daily run of the mail sender: the rules, when no run is in the audit log for a day."""
    last = (
        await AuditEntry.select(AuditEntry.created_at)
        .where(AuditEntry.action == RETENTION_ACTION)
        .order_by(AuditEntry.id, ascending=False)
        .first()
    )
    if last is not None and last["created_at"] > utcnow() - RETENTION_EVERY:
        return None
    return await apply_retention(settings)
