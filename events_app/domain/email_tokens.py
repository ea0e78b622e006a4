"""Single-use secrets sent by mail (sign-in links, password resets).

The mail carries 256 random bits; the table keeps only their SHA-256. A token is consumed with one
conditional UPDATE, so two clicks at the same moment cannot both use it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import Enum

from events_app.domain.tables import EmailToken
from events_app.domain.transactions import utcnow


class Purpose(str, Enum):
    person_sign_in = "person_sign_in"
    password_reset = "password_reset"


LIFETIMES = {
    Purpose.person_sign_in: timedelta(minutes=15),
    Purpose.password_reset: timedelta(hours=1),
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    purpose: Purpose, *, person_id: int | None = None, staff_id: int | None = None, next_path: str = ""
) -> str:
    token = secrets.token_urlsafe(32)
    await EmailToken.insert(
        EmailToken(
            token_hash=_hash(token),
            purpose=purpose.value,
            person=person_id,
            staff=staff_id,
            expires_at=utcnow() + LIFETIMES[purpose],
            next_path=next_path[:300],
        )
    )
    return token


def _usable(purpose: Purpose, token: str):
    return (
        (EmailToken.token_hash == _hash(token))
        & (EmailToken.purpose == purpose.value)
        & EmailToken.used_at.is_null()
        & (EmailToken.expires_at > utcnow())
    )


async def is_usable(purpose: Purpose, token: str) -> bool:
    return await EmailToken.exists().where(_usable(purpose, token))


async def consume(purpose: Purpose, token: str) -> dict | None:
    """Mark the token used and return its row, or None when it is unknown, used or expired."""
    rows = await (
        EmailToken.update({EmailToken.used_at: utcnow()})
        .where(_usable(purpose, token))
        .returning(EmailToken.id, EmailToken.person, EmailToken.staff, EmailToken.next_path)
    )
    return rows[0] if rows else None
