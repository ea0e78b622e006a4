"""Checks on single values that several services share (email addresses, names)."""

from __future__ import annotations

import uuid

from email_validator import EmailNotValidError, validate_email

from events_app.domain.errors import DomainError
from events_app.i18n import N_


def normalise_email(value: str, *, field: str = "email") -> str:
    """The address in its canonical form, or a DomainError on `field`."""
    value = (value or "").strip()
    if not value:
        raise DomainError(N_("Enter an email address."), field=field)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DomainError(N_("Enter a valid email address, like name@example.se."), field=field) from None


def required_text(value: str, *, field: str, max_length: int = 200) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError(N_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(N_("At most %(max)s characters."), field=field, max=max_length)
    return value


def parse_uid(value: str) -> uuid.UUID | None:
    """The UUID in a URL, or None when it is not one (PostgreSQL refuses to compare such a value)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
