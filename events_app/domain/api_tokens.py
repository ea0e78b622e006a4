"""API tokens: bearer secrets for the JSON API, each belonging to a staff account and its role.

The secret is shown once when made; only its SHA-256 is kept. Revoked tokens stop at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from events_app.domain import audit
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.tables import ApiToken, StaffAccount
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_

TOKEN_PREFIX = "hr_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


CHECKIN_SCOPE = "checkin"


async def create_token(
    staff_id: int, name: str, actor: Actor, *, scope: str = "", expires_at: datetime | None = None
) -> str:
    """Make a token and return the secret (shown to its owner once). A `scope` of CHECKIN_SCOPE
    limits it to checking in (a scanner's token)."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise DomainError(N_("Give the token a name, such as the program that will use it."), field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with atomic():
        row = ApiToken(
            staff=staff_id, name=name, token_hash=_hash(token), prefix=token[:10], scope=scope, expires_at=expires_at
        )
        await row.save()
        await audit.record("api_token.created", actor, object_type="api_token", object_id=row.uid, summary=name)
    return token


async def create_token_for_email(email: str, name: str = "command line") -> str:
    account = (
        await StaffAccount.select(StaffAccount.id, StaffAccount.active)
        .where(StaffAccount.email == email.strip().lower())
        .first()
    )
    if account is None or not account["active"]:
        raise DomainError(N_("There is no active staff account with that email address."), field="email")
    return await create_token(account["id"], name, Actor.system("command line"))


async def revoke_token(token_uid: str, staff_id: int, actor: Actor) -> None:
    uid = parse_uid(token_uid)
    row = await ApiToken.select().where((ApiToken.uid == uid) & (ApiToken.staff == staff_id)).first() if uid else None
    if row is None:
        raise NotFound()
    async with atomic():
        await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(ApiToken.id == row["id"])
        await audit.record(
            "api_token.revoked", actor, object_type="api_token", object_id=token_uid, summary=row["name"]
        )


async def tokens_of(staff_id: int, *, scope: str | None = None) -> list[dict[str, Any]]:
    """A staff member's tokens, newest first (with `scope`, only those of that scope)."""
    where = ApiToken.staff == staff_id
    if scope is not None:
        where &= ApiToken.scope == scope
    return (
        await ApiToken.select(
            ApiToken.uid,
            ApiToken.name,
            ApiToken.prefix,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
            ApiToken.expires_at,
        )
        .where(where)
        .order_by(ApiToken.id, ascending=False)
    )


# Writing the last use on every request would make each scan at the door a write; once a minute will do.
LAST_USED_EVERY = timedelta(minutes=1)


async def staff_for_token(token: str) -> dict[str, Any] | None:
    """The active staff account behind a valid, unrevoked, unexpired token, with the token's `scope`:
    one read per request (a scanner at the door asks a thousand times a second, so the statement is
    written out)."""
    now = utcnow()
    rows = await ApiToken.raw(
        "SELECT t.id AS token_id, t.last_used_at, t.scope, s.id, s.uid, s.name, s.email, s.role, s.language "
        "FROM api_token t JOIN staff_account s ON s.id = t.staff "
        "WHERE t.token_hash = {} AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > {}) AND s.active",
        _hash(token),
        now,
    )
    if not rows:
        return None
    account = rows[0]
    token_id, last_used = account.pop("token_id"), account.pop("last_used_at")
    if isinstance(last_used, str):  # SQLite answers a raw query's time as text
        last_used = datetime.fromisoformat(last_used)
    if last_used is None or last_used < now - LAST_USED_EVERY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == token_id)
    return account
