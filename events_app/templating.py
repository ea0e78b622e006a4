"""The one Jinja2 environment, used by the web pages and by the mails alike.

Templates live in the top-level templates/ folder, grouped like the controllers (public,
participant, organiser, admin, staff) plus mail/ for messages; the layout and macros live once.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from events_app import i18n
from events_app.domain import council_members, localized_texts
from events_app.settings import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The callables read the current language from a context variable, so one environment serves
    # every request and every recipient.
    # Jinja's newstyle gettext does the %-formatting itself, so these return the bare translation.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.current_language()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.current_language()).ngettext(singular, plural, n),
        newstyle=True,
    )
    env.filters["datetime"] = i18n.format_datetime
    env.filters["short_datetime"] = i18n.format_short_datetime
    env.filters["day"] = i18n.format_day
    env.filters["time"] = i18n.format_time
    env.filters["iso"] = i18n.format_iso
    # An organiser's text in the reader's language: `event | localized("title")` (English when
    # written and the reader reads English, else Swedish).
    env.filters["localized"] = localized_texts.localized
    env.filters["localized_options"] = localized_texts.option_pairs
    env.filters["localized_answer"] = localized_texts.answer_text
    env.filters["council_position"] = council_members.position_label
    env.globals["current_language"] = i18n.current_language
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    return env
