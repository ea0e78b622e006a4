"""Dates, times and numbers as organisers type them into forms, read into values, and values written back
into the fields' text.

Dates and times arrive as separate date and time inputs and mean Swedish time (Europe/Stockholm);
numbers may be written the Swedish way ("1 200", "6,5"). What cannot be read gets a DomainError
for its field in `errors`, so a form can show every problem at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from babel.numbers import format_decimal

from events_app import i18n
from events_app.domain.errors import DomainError
from events_app.i18n import N_, STOCKHOLM, localtime

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?$")
_DECIMAL = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


def parse_date(text: str, field: str, errors: dict[str, DomainError]) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.setdefault(field, DomainError(N_("Write the date as YYYY-MM-DD, for example 2027-05-11."), field=field))
        return None


def parse_time(text: str, field: str, errors: dict[str, DomainError]) -> time | None:
    """'9', '09:30', '9.30' (the Swedish way) and '09:30:00' are all half past nine."""
    text = (text or "").strip()
    if not text:
        return None
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    errors.setdefault(field, DomainError(N_("Write the time as HH:MM, for example 09:30."), field=field))
    return None


def combine(day: date | None, clock: time | None) -> datetime | None:
    """A date and a time in Swedish time, as an aware datetime."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, STOCKHOLM)


def parse_date_time(values: dict[str, Any], name: str, errors: dict[str, DomainError]) -> datetime | None:
    date_text, time_text = values.get(f"{name}_date", "").strip(), values.get(f"{name}_time", "").strip()
    if not date_text and not time_text:
        return None
    day, clock = parse_date(date_text, name, errors), parse_time(time_text, name, errors)
    if name not in errors and (not date_text or not time_text):
        errors[name] = DomainError(N_("Give both a date and a time."), field=name)
    return combine(day, clock)


def parse_int(text: str, field: str, errors: dict[str, DomainError]) -> int | None:
    text = "".join((text or "").split())  # "1 200" is a number to a Swede
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors.setdefault(field, DomainError(N_("Write a whole number, for example 120."), field=field))
        return None


def parse_hours(text: str, field: str, errors: dict[str, DomainError]) -> float | None:
    """Hours as a decimal number: '6,5' (the Swedish way) and '6.5' are both six and a half."""
    text = "".join((text or "").split()).replace(",", ".")
    if not text:
        return None
    if _DECIMAL.match(text):
        return float(text)
    errors.setdefault(field, DomainError(N_("Write the number of hours as a number, for example 6.5."), field=field))
    return None


def hours_text(minutes: int | None) -> str:
    """Minutes as hours in the reader's language, exact enough to be read back: 390 -> '6,5' in Swedish."""
    if minutes is None:
        return ""
    return format_decimal(minutes / 60, format="0.##", locale=i18n.current_language())


def parse_dates(text: str, field: str, errors: dict[str, DomainError]) -> list[date]:
    """Dates separated by new lines, commas or spaces."""
    found = []
    for part in re.split(r"[\s,;]+", text or ""):
        if part:
            try:
                found.append(date.fromisoformat(part))
            except ValueError:
                errors.setdefault(
                    field,
                    DomainError(
                        N_("Write each date as YYYY-MM-DD, one per line, for example 2027-03-04."), field=field
                    ),
                )
    return found


def local_date_time(value: datetime | None) -> tuple[str, str]:
    if value is None:
        return "", ""
    local = localtime(value)
    return local.date().isoformat(), local.strftime("%H:%M")


def year_or_this_year(value: str) -> int:
    """A report's year as asked for in its address (`?year=2027`), or this year for anything else."""
    value = (value or "").strip()
    if len(value) == 4 and value.isdigit() and 1900 < int(value) < 3000:
        return int(value)
    return i18n.local_today().year
