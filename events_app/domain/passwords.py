"""Password hashing (argon2) and the rule for what counts as too weak."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from events_app.domain.errors import DomainError
from events_app.i18n import N_

MIN_LENGTH = 12
# The most common choices that pass the length rule; NIST 800-63B asks for length plus a blocklist
# rather than composition rules.
_COMMON = {
    "123456789012",
    "1234567890123",
    "qwertyuiopas",
    "password1234",
    "passwordpassword",
    "lösenord1234",
    "losenord1234",
    "sommar2024!!",
    "sommar202020",
    "välkommen123",
    "valkommen123",
    "qwerty123456",
    "aaaaaaaaaaaa",
    "111111111111",
    "abcdefghijkl",
    "iloveyou1234",
    "admin1234567",
    "hallbarhet123",
    "hållbarhet123",
    "vasternorrland",
    "västernorrland",
}

_hasher = PasswordHasher()
# Verifying against this when no account matches keeps the answer time the same for unknown emails.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


def check_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise a DomainError on the field `password` when the password is too weak."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            N_("The password must be at least %(min)s characters long."), field="password", min=MIN_LENGTH
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 5:
        raise DomainError(N_("That password is too common or too simple. Choose another."), field="password")
    personal = [part for part in [email.split("@")[0].lower(), *name.lower().split()] if len(part) >= 4]
    if any(part in lowered for part in personal):
        raise DomainError(N_("The password must not contain your name or email address."), field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
