"""Checks that several services share (email addresses, names, uids, themes), and the collectors their
form cleaners use to gather every field's message before raising them together."""

from __future__ import annotations

import uuid
from datetime import date

from email_validator import EmailNotValidError, validate_email

from events_app.domain.errors import DomainError
from events_app.domain.tables import Theme
from events_app.i18n import N_

# Characters that never belong in text people type: NUL and the other control characters (tab and
# line breaks excepted), and the invisible ones that reorder or hide text (bidi overrides and
# isolates, zero-width spaces and joiners, the byte-order mark), with which "\u202eevil\u202c Anna"
# would read as someone else in a list, an export or on a certificate. NUL also breaks PostgreSQL.
_UNWANTED = dict.fromkeys(
    [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        *range(0x7F, 0xA0),
        0x061C,
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        0x2060,
        *range(0x2066, 0x206A),
        0xFEFF,
    ]
)


def clean_text(value: str) -> str:
    """`value` without control characters and invisible formatting characters (see _UNWANTED)."""
    return value.translate(_UNWANTED)


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


def parse_iso_date(value: str, field: str) -> date | None:
    """A date typed as YYYY-MM-DD (what a date input sends); None when left empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(N_("Enter a date as YYYY-MM-DD."), field=field) from None


def parse_uid(value: str) -> uuid.UUID | None:
    """The UUID in a URL, or None when it is not one (PostgreSQL refuses to compare such a value)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# Collectors for services that report every field error at once: each checks one thing, writes
# its message into `errors` under the field's name, and returns the cleaned value.


def collect_title(value: str, errors: dict, missing_message: str, *, max_length: int = 200) -> str:
    title = " ".join((value or "").split())
    if not title:
        errors["title"] = missing_message
    elif len(title) > max_length:
        errors["title"] = N_("The title is too long (at most 200 characters).")
    return title


def collect_choice(value: str, enum: type, field: str, message: str, errors: dict) -> str:
    try:
        return enum(value).value
    except ValueError:
        errors[field] = message
        return value


def collect_time_span(starts_at, ends_at, errors: dict, end_before_start_message: str) -> None:
    if starts_at is None:
        errors["starts_at"] = N_("Give the start date and time.")
    if ends_at is None:
        errors["ends_at"] = N_("Give the end date and time.")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = end_before_start_message


MAX_CAPACITY = 100_000


def collect_max_length(value: str, field: str, max_length: int, errors: dict) -> None:
    """The columns have fixed widths: PostgreSQL refuses longer text, so say so next to the field."""
    if len(value or "") > max_length:
        errors[field] = DomainError(N_("At most %(max)s characters."), field=field, max=max_length)


def collect_capacity(value: int | None, errors: dict, field: str = "capacity") -> None:
    if value is None:
        return
    if value < 0:
        errors[field] = N_("The capacity cannot be negative.")
    elif value > MAX_CAPACITY:
        errors[field] = N_("The capacity is larger than any venue.")


async def collect_theme_ids(slugs: list[str], errors: dict) -> list[int]:
    """The ids of the council's themes named by `slugs` (an event's or a session's tags)."""
    themes = await Theme.select(Theme.id).where(Theme.slug.is_in(slugs or [""]))
    if len(themes) != len(set(slugs)):
        errors["themes"] = N_("One of the themes does not exist.")
    return [row["id"] for row in themes]
