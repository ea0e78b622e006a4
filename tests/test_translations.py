"""The Swedish catalog is complete, keeps every placeholder, and is what the site shows by default.

The message ids are extracted from the code and templates the same way `pybabel extract` does it
(babel.cfg, with the N_ and ngettext keywords), so a new message without a Swedish translation
fails here instead of showing up in English on the Swedish site. See docs/translations.md.
"""

from __future__ import annotations

import contextvars
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from events_app import i18n

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SWEDISH_PO = PROJECT_ROOT / "events_app" / "locale" / "sv" / "LC_MESSAGES" / "messages.po"
# The same keywords as the documented extract command: -k N_ -k ngettext:1,2
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["N_", "ngettext:1,2"])}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@lru_cache(maxsize=1)
def extracted() -> dict[str, str | tuple[str, ...]]:
    """{msgid: msgid, or (singular, plural) for ngettext} for every message in code and templates."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    messages: dict[str, str | tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            messages[key] = message
    return messages


@lru_cache(maxsize=1)
def swedish() -> Catalog:
    with SWEDISH_PO.open("rb") as po_file:
        return read_po(po_file, locale="sv")


def _forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_extraction_finds_the_messages():
    """A guard for the test itself: a broken babel.cfg or keyword list must not make it pass vacuously."""
    messages = extracted()
    assert len(messages) > 150
    assert "Skip to content" in messages  # a template
    assert "Choose majority or opposition." in messages  # N_() in the domain layer
    assert "You are signed out." in messages  # i18n.gettext() in a controller
    assert messages["%(num)s member"] == ("%(num)s member", "%(num)s members")  # ngettext in a template


def test_every_message_has_a_swedish_translation():
    catalog = swedish()
    missing: list[str] = []
    for msgid, message in sorted(extracted().items()):
        entry = catalog.get(msgid)
        if entry is None:
            missing.append(f"{msgid!r} (not in the catalog: run pybabel update)")
        elif entry.fuzzy:
            missing.append(f"{msgid!r} (marked fuzzy)")
        elif isinstance(message, tuple) and not entry.pluralizable:
            missing.append(f"{msgid!r} (needs plural forms)")
        elif isinstance(message, tuple) and entry.id[1] != message[1]:
            missing.append(f"{msgid!r} (the plural {message[1]!r} changed: run pybabel update)")
        else:
            forms = _forms(entry.string)
            if len(forms) < (catalog.num_plurals if entry.pluralizable else 1) or not all(f.strip() for f in forms):
                missing.append(f"{msgid!r} (no translation)")
    assert not missing, (
        f"{len(missing)} message(s) lack a Swedish translation in {SWEDISH_PO.relative_to(PROJECT_ROOT)} "
        "(see docs/translations.md):\n" + "\n".join(missing)
    )


def test_swedish_translations_keep_the_placeholders():
    problems: list[str] = []
    for entry in swedish():
        if not entry.id or not entry.string:
            continue
        expected = set().union(*(_placeholders(text) for text in _forms(entry.id)))
        for form in _forms(entry.string):
            if not form:
                continue
            found = _placeholders(form)
            if found != expected:
                problems.append(f"{entry.id!r}: {form!r} has {sorted(found)}, expected {sorted(expected)}")
            # Jinja's newstyle gettext %-formats every message, so a lone % would break the page.
            elif "%" in PLACEHOLDER.sub("", form).replace("%%", ""):
                problems.append(f"{entry.id!r}: {form!r} has a % that is not a placeholder (write %%)")
    assert not problems, "Swedish translations with wrong placeholders:\n" + "\n".join(problems)


def test_swedish_is_the_default_and_english_falls_back_to_the_message_id():
    # A fresh context has no language set, as at the start of a request or a mail rendering.
    assert contextvars.Context().run(i18n.current_language) == "sv"
    assert contextvars.Context().run(i18n.gettext, "Sign out") == "Logga ut"
    with i18n.use_language("sv"):
        assert i18n.gettext("Signed in as %(name)s.", name="Anna") == "Inloggad som Anna."
        assert i18n.ngettext("%(num)s member", "%(num)s members", 1) == "1 ledamot"
        assert i18n.ngettext("%(num)s member", "%(num)s members", 3) == "3 ledamöter"
    with i18n.use_language("en"):
        assert i18n.gettext("Sign out") == "Sign out"
        assert i18n.gettext("Signed in as %(name)s.", name="Anna") == "Signed in as Anna."
        assert i18n.ngettext("%(num)s member", "%(num)s members", 1) == "1 member"
        assert i18n.ngettext("%(num)s member", "%(num)s members", 3) == "3 members"


def test_templates_are_rendered_in_the_current_language():
    from events_app.templating import environment

    template = environment().from_string('{{ _("Skip to content") }} | {{ _("Hello %(name)s,", name="Anna") }}')
    with i18n.use_language("sv"):
        assert template.render() == "Hoppa till innehållet | Hej Anna!"
    with i18n.use_language("en"):
        assert template.render() == "Skip to content | Hello Anna,"


def test_dates_are_written_the_swedish_way_in_stockholm_time():
    with i18n.use_language("sv"):
        # Summer time: UTC+2.
        assert i18n.format_datetime(datetime(2027, 5, 11, 7, 30, tzinfo=UTC)) == "tisdag 11 maj 2027 kl. 09.30"
        # Winter time: UTC+1.
        winter = i18n.format_datetime(datetime(2027, 1, 12, 8, 30, tzinfo=UTC))
        assert winter.endswith("kl. 09.30")
        assert winter == "tisdag 12 januari 2027 kl. 09.30"
    with i18n.use_language("en"):
        assert i18n.format_datetime(datetime(2027, 5, 11, 7, 30, tzinfo=UTC)) == "Tuesday 11 May 2027 at 09:30"
