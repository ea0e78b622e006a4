"""API tokens: bearer secrets for the JSON API, each belonging to a staff account and its role.

The secret is shown once when made; only its SHA-256 is kept. Revoked tokens stop at once in the worker
process that revoked them and within a second in the others (remembered_accounts). Every
token expires (90 days unless chosen otherwise; a scanner's after a day), making one in the back
office asks for the password again (a stolen session alone must not mint a lasting key), and a
password change or reset revokes all of the account's tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from events_app.domain import audit
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.passwords import verify_password
from events_app.domain.remembered_accounts import forget, reading, recall, remember
from events_app.domain.tables import ApiToken, StaffAccount
from events_app.domain.transactions import atomic, raw_timestamp, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_

TOKEN_PREFIX = "hr_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


CHECKIN_SCOPE = "checkin"
# How long a token lives, in days: the choices offered, and the default.
LIFETIMES = (30, 90, 180, 365)
DEFAULT_LIFETIME = 90


async def create_token(
    staff_id: int, name: str, actor: Actor, *, scope: str = "", expires_at: datetime | None = None
) -> str:
    """Make a token and return the secret (shown to its owner once). A `scope` of CHECKIN_SCOPE
    limits it to checking in (a scanner's token). Without `expires_at` it lives DEFAULT_LIFETIME days."""
    expires_at = expires_at or utcnow() + timedelta(days=DEFAULT_LIFETIME)
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


async def create_token_confirmed(staff_id: int, name: str, password: str, days: str, actor: Actor) -> str:
    """A token made in the back office: the account's password again, and a lifetime of LIFETIMES."""
    account = await StaffAccount.select(StaffAccount.password_hash).where(StaffAccount.id == staff_id).first()
    errors: dict[str, str] = {}
    if account is None or not verify_password(account["password_hash"], password or ""):
        errors["password"] = N_("The password is wrong.")
    lifetime = int(days) if days.isdigit() and int(days) in LIFETIMES else None
    if lifetime is None:
        errors["days"] = N_("Choose how long the token is valid.")
    if not " ".join((name or "").split()):
        errors["name"] = N_("Give the token a name, such as the program that will use it.")
    if errors:
        raise ValidationFailed(errors)
    return await create_token(staff_id, name, actor, expires_at=utcnow() + timedelta(days=lifetime or 0))


async def revoke_all(staff_id: int) -> int:
    """Revoke every live token of the account (its password changed); inside the caller's
    transaction. Returns how many were revoked."""
    revoked = (
        await ApiToken.update({ApiToken.revoked_at: utcnow()})
        .where((ApiToken.staff == staff_id) & ApiToken.revoked_at.is_null())
        .returning(ApiToken.id)
    )
    forget()
    return len(revoked)


async def create_token_for_email(email: str, name: str = "command line", *, days: int = DEFAULT_LIFETIME) -> str:
    account = (
        await StaffAccount.select(StaffAccount.id, StaffAccount.active)
        .where(StaffAccount.email == email.strip().lower())
        .first()
    )
    if account is None or not account["active"]:
        raise DomainError(N_("There is no active staff account with that email address."), field="email")
    expires_at = utcnow() + timedelta(days=days)
    return await create_token(account["id"], name, Actor.system("command line"), expires_at=expires_at)


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
    forget()


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
    one read per request at most (the statement is written out), none while the process remembers
    the account (remembered_accounts; the token's expiry is checked every time)."""
    now = utcnow()
    token_hash = _hash(token)
    remembered = recall(("token", token_hash))
    if remembered is not None:
        expires_at, account = remembered
        if expires_at is None or expires_at > now:
            return dict(account)
    read_at = reading()
    rows = await ApiToken.raw(
        "SELECT t.id AS token_id, t.last_used_at, t.expires_at, t.scope, s.id, s.uid, s.name, s.email, s.role, "
        "s.language FROM api_token t JOIN staff_account s ON s.id = t.staff "
        "WHERE t.token_hash = {} AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > {}) AND s.active",
        token_hash,
        now,
    )
    if not rows:
        forget(("token", token_hash))
        return None
    account = rows[0]
    token_id, last_used = account.pop("token_id"), raw_timestamp(account.pop("last_used_at"))
    if last_used is None or last_used < now - LAST_USED_EVERY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == token_id)
    remember(("token", token_hash), (raw_timestamp(account.pop("expires_at")), account), read_at)
    return dict(account)
