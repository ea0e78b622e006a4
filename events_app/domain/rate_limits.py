"""Rate limits kept in the database, so that every worker process counts the same attempts.

Buckets name what is limited ("signin-link:ip:1.2.3.4"); email addresses are hashed before they
become part of a bucket name, so the table holds no personal data.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from events_app.domain.errors import RateLimited
from events_app.domain.tables import RateLimitHit
from events_app.domain.transactions import utcnow
from events_app.settings import get_settings


def address_key(email: str) -> str:
    digest = hashlib.sha256((get_settings().secret_key + email.strip().lower()).encode()).hexdigest()
    return digest[:32]


async def ensure_below(limits: dict[str, int], *, window: timedelta) -> None:
    """Raise RateLimited when any bucket already holds its limit of attempts within `window`."""
    since = utcnow() - window
    await RateLimitHit.delete().where(RateLimitHit.bucket.is_in(list(limits)) & (RateLimitHit.created_at < since))
    for bucket, limit in limits.items():
        used = await RateLimitHit.count().where((RateLimitHit.bucket == bucket) & (RateLimitHit.created_at >= since))
        if used >= limit:
            raise RateLimited()


async def count_attempt(buckets: list[str]) -> None:
    await RateLimitHit.insert(*[RateLimitHit(bucket=bucket) for bucket in buckets])


async def check_and_count(limits: dict[str, int], *, window: timedelta) -> None:
    """Count one attempt in each bucket, or raise RateLimited when any bucket is already full."""
    await ensure_below(limits, window=window)
    await count_attempt(list(limits))
