"""API tokens: bearer secrets for the JSON API, each belonging to a staff account and its role.

The secret is shown once when made; only its SHA-256 is kept. Revoked tokens stop at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
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


async def create_token(staff_id: int, name: str, actor: Actor) -> str:
    """Make a token and return the secret (shown to its owner once)."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise DomainError(N_("Give the token a name, such as the program that will use it."), field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with atomic():
        row = ApiToken(staff=staff_id, name=name, token_hash=_hash(token), prefix=token[:10])
        await row.save()
        await audit.record("api_token.created", actor, object_type="api_token", object_id=row.uid, summary=name)
    return token


async def create_token_for_email(email: str, name: str = "command line") -> str:
    account = await StaffAccount.select(StaffAccount.id, StaffAccount.active).where(
        StaffAccount.email == email.strip().lower()).first()
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
        await audit.record("api_token.revoked", actor, object_type="api_token", object_id=token_uid, summary=row["name"])


async def tokens_of(staff_id: int) -> list[dict[str, Any]]:
    return await ApiToken.select(ApiToken.uid, ApiToken.name, ApiToken.prefix, ApiToken.created_at,
                                 ApiToken.last_used_at, ApiToken.revoked_at).where(
        ApiToken.staff == staff_id).order_by(ApiToken.id, ascending=False)


# Writing the last use on every request would make each scan at the door a write; once a minute will do.
LAST_USED_EVERY = timedelta(minutes=1)


async def staff_for_token(token: str) -> dict[str, Any] | None:
    """The active staff account behind a valid, unrevoked token: one read per request."""
    row = await ApiToken.select(
        ApiToken.id.as_alias("token_id"), ApiToken.last_used_at, ApiToken.staff.id.as_alias("id"),
        ApiToken.staff.uid.as_alias("uid"), ApiToken.staff.name.as_alias("name"),
        ApiToken.staff.email.as_alias("email"), ApiToken.staff.role.as_alias("role"),
        ApiToken.staff.language.as_alias("language"),
    ).where((ApiToken.token_hash == _hash(token)) & ApiToken.revoked_at.is_null()
            & (ApiToken.staff.active == True)).first()  # noqa: E712
    if row is None:
        return None
    now = utcnow()
    if row["last_used_at"] is None or row["last_used_at"] < now - LAST_USED_EVERY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row.pop("token_id"))
    row.pop("token_id", None)
    row.pop("last_used_at")
    return row
