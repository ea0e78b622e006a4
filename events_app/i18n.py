"""Languages, translations and the Swedish way of writing dates.

The current language lives in a context variable: the web layer sets it per request, mail rendering
sets it to the recipient's language. Catalogs are the .po files in events_app/locale, compiled in
memory at start-up, so there is no build step and no binary file in the repository.

Message ids are English; Swedish is the default language and every message has a Swedish translation
(a test fails when one is missing).
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_interval
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from events_app.settings import LANGUAGES, TIME_ZONE

LOCALE_DIR = Path(__file__).parent / "locale"
STOCKHOLM = ZoneInfo(TIME_ZONE)
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}

_current_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="sv")


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (it is translated when shown)."""
    return message


@cache
def translations(language: str) -> _gettext.NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def normalise_language(value: str | None, default: str = "sv") -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else default


def current_language() -> str:
    return _current_language.get()


def set_language(language: str) -> None:
    _current_language.set(normalise_language(language))


@contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _current_language.set(normalise_language(language))
    try:
        yield
    finally:
        _current_language.reset(token)


def gettext(message: str, **params: object) -> str:
    text = translations(current_language()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(current_language()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


_ = gettext


def localtime(value: datetime) -> datetime:
    """The instant in Stockholm's local time; naive values are taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(STOCKHOLM)


def local_today() -> date:
    """Today's date in Stockholm."""
    return localtime(datetime.now(STOCKHOLM)).date()


def _format_stockholm(value: datetime | None, swedish: str, english: str) -> str:
    """`value` in Stockholm time, with the CLDR pattern of the current language ("" for None)."""
    if value is None:
        return ""
    language = current_language()
    return _format_datetime(localtime(value), swedish if language == "sv" else english, locale=language)


def format_datetime(value: datetime | None) -> str:
    """'tisdag 11 maj 2027 kl. 09.30' in Swedish, 'Tuesday 11 May 2027 at 09:30' in English."""
    return _format_stockholm(value, "EEEE d MMMM y 'kl.' HH.mm", "EEEE d MMMM y 'at' HH:mm")


def format_short_datetime(value: datetime | None) -> str:
    """'2027-05-11 09.30' in Swedish, for tables."""
    return _format_stockholm(value, "y-MM-dd HH.mm", "y-MM-dd HH:mm")


def format_time(value: datetime | None) -> str:
    """'09.30' in Swedish, '09:30' in English (Stockholm time)."""
    if value is None:
        return ""
    return localtime(value).strftime("%H.%M" if current_language() == "sv" else "%H:%M")


def format_iso(value: datetime | date | None) -> str:
    """The machine-readable form for <time datetime="...">: '2027-03-27T09:00+01:00' or '2027-03-27'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return localtime(value).isoformat(timespec="minutes")
    return value.isoformat()


def format_day(value: date | None) -> str:
    """'tisdag 11 maj 2027'; an instant is first put in Stockholm time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = localtime(value).date()
    return _format_date(value, "EEEE d MMMM y", locale=current_language())


def format_day_range(first: date, last: date) -> str:
    """'12–13 maj 2027'; one day: '12 maj 2027'."""
    return format_interval(first, last, "yMMMMd", locale=current_language())


def format_hours(minutes: int) -> str:
    """90 -> '1,5' in Swedish, '1.5' in English."""
    return format_decimal(minutes / 60, format="#,##0.#", locale=current_language())
