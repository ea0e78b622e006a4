"""Keeping personal data no longer than needed: what has served its purpose is deleted.

Run by every mail sender about once an hour (and by `events-app purge`). Deleting is idempotent,
so several senders doing it at once is harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events_app.domain.tables import (
    EmailToken,
    OutboxMessage,
    OutboxStatus,
    RateLimitCounter,
)
from events_app.domain.transactions import utcnow
from events_app.settings import Settings, get_settings

# Rate limits look back at most two hour-long windows; a day leaves room for any window added later.
RATE_LIMIT_COUNTERS_KEPT = timedelta(days=1)
# Used or expired sign-in and reset links: kept a day for questions like "my link did not work".
EMAIL_TOKENS_KEPT = timedelta(days=1)


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
    return {"rate_limit_counters": len(counters), "email_tokens": len(tokens), "sent_mail": len(mail)}
