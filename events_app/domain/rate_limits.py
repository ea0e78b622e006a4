"""Rate limits kept in the database, so that every worker process counts the same attempts.

Buckets name what is limited ("signin-link:ip:1.2.3.4"); email addresses are hashed before they
become part of a bucket name, so the table holds no personal data.

Each bucket counts its attempts per fixed window in one row, and the limit applies to a sliding
window estimated from two of them (the "sliding window counter" of Cloudflare and the `limits`
library): the current window's count plus the previous window's, weighted by how much of it still
lies within the last `window`. Counting is one atomic upsert that answers the new count and the
previous window's: the row is locked only while that statement runs, so of many requests arriving
at once exactly the limit's worth pass, and a rush from one address (a municipality's office
behind one NAT) does not queue on a lock held across round trips.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from events_app.domain.errors import RateLimited
from events_app.domain.tables import RateLimitCounter
from events_app.domain.transactions import utcnow
from events_app.settings import get_settings


def mailbox(email: str) -> str:
    """The mailbox an address reaches, for counting: case folded and without a "+tag", so that
    "Anna+1@…" and "ANNA@…" count against anna@… (most mail systems deliver them to one inbox)."""
    local, at, domain = email.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0] or local}@{domain}"


def keyed_hash(value: str) -> str:
    """`value` hashed with the secret key, for a bucket's name or a stored key that must not reveal it."""
    return hashlib.sha256((get_settings().secret_key + value).encode()).hexdigest()[:32]


def address_key(email: str) -> str:
    """A per-address limit's bucket: the mailbox, hashed with the secret key (no address is stored)."""
    return keyed_hash(mailbox(email))


def _windows(window: timedelta, now: datetime) -> tuple[int, int, datetime, float]:
    """(window length in seconds, the current window's number, its start, the share of the previous
    window that still lies within the last `window`)."""
    length = max(1, int(window.total_seconds()))
    number, elapsed = divmod(int(now.timestamp()), length)
    return length, number, datetime.fromtimestamp(number * length, UTC), 1 - elapsed / length


def _key(bucket: str, length: int, number: int) -> str:
    return f"{bucket}@{length}:{number}"


async def tally(buckets: list[str], *, window: timedelta) -> tuple[list[str], dict[str, float]]:
    """Count one attempt in each bucket; return the counters' keys (for `forget_attempt`) and each
    bucket's estimate over the last `window`, this attempt included."""
    length, number, start, previous_share = _windows(window, utcnow())
    buckets = sorted(buckets)  # the same order everywhere: concurrent upserts lock rows without deadlock
    keys = [_key(bucket, length, number) for bucket in buckets]
    # One round trip: each counter's previous window is read by the upsert's RETURNING (the CASE
    # names it for each key).
    previous_key = "CASE rate_limit_counter.key " + " ".join("WHEN {} THEN {}" for _ in keys) + " END"
    rows = await RateLimitCounter.raw(
        "INSERT INTO rate_limit_counter (key, hits, window_start) VALUES "
        + ", ".join("({}, 1, {})" for _ in keys)
        + " ON CONFLICT (key) DO UPDATE SET hits = rate_limit_counter.hits + 1 RETURNING key, hits, "
        + f"(SELECT earlier.hits FROM rate_limit_counter AS earlier WHERE earlier.key = {previous_key}) AS previous",
        *[value for key in keys for value in (key, start)],
        *[
            value
            for bucket, key in zip(buckets, keys, strict=True)
            for value in (key, _key(bucket, length, number - 1))
        ],
    )
    previous = {row["key"]: row["previous"] or 0 for row in rows}
    current = {row["key"]: row["hits"] for row in rows}
    estimates = {
        bucket: current[key] + previous[key] * previous_share for bucket, key in zip(buckets, keys, strict=True)
    }
    return keys, estimates


async def count_attempt(limits: dict[str, int], *, window: timedelta) -> list[str]:
    """Count one attempt in each bucket, then raise RateLimited if that took any bucket over its limit.

    A refused attempt still counts, so hammering keeps the door shut. Returns the counters'
    keys, for `forget_attempt`.
    """
    keys, estimates = await tally(list(limits), window=window)
    if any(estimates[bucket] > limit for bucket, limit in limits.items()):
        raise RateLimited()
    return keys


async def forget_attempt(keys: list[str]) -> None:
    """Take back an attempt that should not count (a successful sign-in)."""
    await RateLimitCounter.raw(
        "UPDATE rate_limit_counter SET hits = hits - 1 WHERE hits > 0 AND key IN ("
        + ", ".join("{}" for _ in keys or [""])
        + ")",
        *(keys or [""]),
    )
