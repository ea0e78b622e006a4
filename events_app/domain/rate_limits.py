"""Rate limits kept in the database, so that every worker process counts the same attempts.

Buckets name what is limited ("signin-link:ip:1.2.3.4"); email addresses are hashed before they
become part of a bucket name, so the table holds no personal data.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from piccolo.query.functions.aggregate import Count

from events_app.domain.errors import RateLimited
from events_app.domain.tables import RateLimitHit
from events_app.domain.transactions import atomic, is_sqlite, utcnow
from events_app.settings import get_settings


def address_key(email: str) -> str:
    digest = hashlib.sha256((get_settings().secret_key + email.strip().lower()).encode()).hexdigest()
    return digest[:32]


async def count_attempt(limits: dict[str, int], *, window: timedelta) -> list[int]:
    """Count one attempt in each bucket, then raise RateLimited if that took any bucket over its limit.

    Writing and counting happen in one transaction serialised per bucket (SQLite's write lock, an
    advisory lock on PostgreSQL), so of many requests arriving at once exactly the limit's worth pass.
    Returns the rows written, for `forget_attempt`.
    """
    since = utcnow() - window
    async with atomic():
        if not is_sqlite():  # SQLite's write lock already serialises this transaction
            # Every bucket's lock in one round trip, always in the same order (no deadlock).
            buckets = sorted(limits)
            await RateLimitHit.raw("SELECT " + ", ".join("pg_advisory_xact_lock(hashtext({}))" for _ in buckets), *buckets)
        # Attempts older than the window are not counted; `retention.purge_expired` deletes them hourly.
        # One INSERT for every bucket and one grouped COUNT: the part under the lock stays short.
        rows = [RateLimitHit(bucket=bucket) for bucket in limits]
        await RateLimitHit.insert(*rows)
        used = {row["bucket"]: row["count"] for row in await RateLimitHit.select(
            RateLimitHit.bucket, Count(alias="count")).where(
            RateLimitHit.bucket.is_in(list(limits)) & (RateLimitHit.created_at >= since)).group_by(RateLimitHit.bucket)}
        over = any(used.get(bucket, 0) > limit for bucket, limit in limits.items())
    # Raised after the commit: a refused attempt still counts, so hammering keeps the door shut.
    if over:
        raise RateLimited()
    return [row.id for row in rows]


async def forget_attempt(row_ids: list[int]) -> None:
    """Take back an attempt that should not count (a successful sign-in)."""
    await RateLimitHit.delete().where(RateLimitHit.id.is_in(row_ids or [0]))
