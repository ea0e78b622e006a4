"""Organisers' texts in two languages: Swedish always, English when someone wrote it.

A row keeps the Swedish text in `<field>` (or `<field>_sv`, as the reference data of themes and
organisations does) and the optional English text in `<field>_en`. A reader of English gets the English
text where there is one and the Swedish otherwise; a Swedish reader always gets the Swedish. The same
rule serves pages (the `localized` filter in templating.py), mails (rendered in the recipient's
language) and calendar files.

Answers to a choice question are stored as the Swedish option, whichever language the form was shown
in, so the organiser's lists, exports and counts stay one set of values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events_app.domain.validation import collect_max_length
from events_app.i18n import N_, current_language

ENGLISH = "en"


def localized(row: Mapping[str, Any] | None, field: str, language: str | None = None) -> Any:
    """`row[field]` in the reader's language (the current one unless given), falling back to Swedish."""
    if row is None:
        return ""
    swedish = row.get(f"{field}_sv", row.get(field, ""))
    if (language or current_language()) != ENGLISH:
        return swedish
    english = row.get(f"{field}_en")
    return english if english else swedish


def option_pairs(question: Mapping[str, Any], language: str | None = None) -> list[tuple[str, str]]:
    """A choice question's options as (stored value, text shown) pairs: the value is always the Swedish
    option; the text is its English name for an English reader when the organiser gave one."""
    options = list(question.get("options") or [])
    english = list(question.get("options_en") or [])
    if (language or current_language()) != ENGLISH or len(english) != len(options):
        return [(option, option) for option in options]
    return [(option, name or option) for option, name in zip(options, english, strict=True)]


def answer_text(question: Mapping[str, Any], answer: str, language: str | None = None) -> str:
    """A stored (Swedish) option as the reader should see it."""
    return dict(option_pairs(question, language)).get(answer, answer)


def clean_line(value: str | None, field: str, max_length: int, errors: dict) -> str:
    """An optional one-line English text: spaces folded, at most `max_length` characters."""
    text = " ".join((value or "").split())
    collect_max_length(text, field, max_length, errors)
    return text


def clean_options(options: list[str], english: list[str], errors: dict) -> list[str]:
    """The English names of the (already cleaned) Swedish options, line by line in the same order.

    Either none or one for each option: a list that does not line up would name the wrong choice.
    """
    names = [" ".join(name.split())[:200] for name in english]
    while names and not names[-1]:
        names.pop()
    if not any(names) or not options:
        return []
    if len(names) != len(options) or not all(names):
        errors["options_en"] = N_("Write one English option per Swedish option, in the same order, or none.")
        return []
    return names
