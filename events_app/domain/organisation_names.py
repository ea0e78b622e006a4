"""Recognising one of the county's organisations in the name a person typed.

A guest who writes "Sundsvalls kommun", "sundsvall", "Lst Y" or "RVN" in the free-text field works
for one of the organisations in the `organisation` table, and the participation report must count
them there rather than under "others". The rule, used wherever a registrant's (or an invitee's)
organisation is stored:

- names are compared by a key: case, å/ä/ö typed as a/o, punctuation and spacing do not matter, and
  neither do the words "kommun", "municipality", "i" and "län" ("Länsstyrelsen i Västernorrlands län");
- the county may be written Västernorrland(s), "Y" (its letter) or "VN"; "Lst" is Länsstyrelsen and
  "Landstinget" the region's old name;
- a municipality is recognised by its place name alone, with or without the genitive s
  ("Härnösand", "Härnösands", "Sundsvall kommun");
- an organisation's code, Swedish and English names, and the few abbreviations below count too;
- the whole name must match: "Sundsvalls Tidning", "Kommunal" or "Region Stockholm" stay free text,
  as does a department ("Sundsvalls kommun, miljökontoret"): an organiser can correct those by hand.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable
from typing import Any

from events_app.domain.tables import Organisation, OrganisationKind
from events_app.domain.text_folding import fold, search_words

# Words that say nothing about which organisation is meant.
_FILLER = {"kommun", "municipality", "i", "lan"}
# Words written in more than one way, each to one spelling (keys are already folded, see name_key).
_SYNONYMS = {
    "vasternorrlands": "vasternorrland",
    "y": "vasternorrland",
    "vn": "vasternorrland",
    "lst": "lansstyrelsen",
    "landstinget": "region",
    "landsting": "region",
}
# Abbreviations used in the county for whole names, by organisation code (the seed's codes).
_ABBREVIATIONS = {
    "region": ("RVN",),
    "lansstyrelsen": ("Länsstyrelsen",),
    "kommunforbundet": ("Kommunförbundet", "KFVN"),
    "ornskoldsvik": ("Ö-vik", "Övik"),
}


def name_key(text: str | None) -> str:
    """The form two names are compared in: "Länsstyrelsen i Västernorrlands län" and "LST-Y" both
    give "lansstyrelsen vasternorrland"."""
    # Decomposed, the marks of å, ä, ö and é are separate characters, dropped with the punctuation.
    letters = unicodedata.normalize("NFKD", fold(text))
    plain = "".join(char if char.isalnum() else " " for char in letters if not unicodedata.combining(char))
    words = (_SYNONYMS.get(word, word) for word in plain.split())
    return " ".join(word for word in words if word not in _FILLER)


def _keys(organisation: dict[str, Any]) -> set[str]:
    names = (
        organisation["code"],
        organisation["name_sv"],
        organisation["name_en"],
        *_ABBREVIATIONS.get(organisation["code"], ()),
    )
    keys = {name_key(name) for name in names}
    if organisation["kind"] == OrganisationKind.municipality.value:
        # "Härnösands kommun" gives "harnosands": the place is "Härnösand"; "Kramfors" keeps its s
        # (both forms are kept, and neither is another organisation's name).
        places = {key.removesuffix("s") for key in keys if " " not in key}
        keys |= places | {f"{place}s" for place in places}
    keys.discard("")
    return keys


class OrganisationNames:
    """The county's organisations by every key they are recognised by."""

    def __init__(self, organisations: Iterable[dict[str, Any]]) -> None:
        self._by_key: dict[str, int] = {}
        # For the door's search: each organisation's words as staff type them (search_words).
        self._words: list[tuple[int, list[str]]] = []
        for organisation in organisations:
            for key in _keys(organisation):
                self._by_key.setdefault(key, organisation["id"])
            self._words.append((organisation["id"], search_words(organisation["name_sv"], organisation["name_en"])))

    def match(self, text: str | None) -> int | None:
        """The id of the organisation the text names, or None for any other organisation."""
        return self._by_key.get(name_key(text))

    def with_word_beginning(self, start: str) -> list[int]:
        """The ids of the organisations whose Swedish or English name has a word beginning with
        `start` (a word of search_words)."""
        return [id_ for id_, words in self._words if any(word.startswith(start) for word in words)]

    def recognise(self, text: str | None) -> tuple[int | None, str]:
        """What to store for a typed organisation: (its id, "") for one of the county's, else
        (None, the text with its spacing tidied)."""
        text = " ".join((text or "").split())
        if not text:
            return None, ""
        organisation = self.match(text)
        return (organisation, "") if organisation is not None else (None, text)


# The county's organisations change only when the seed is loaded (`events-app seed`, see seed.py):
# each process keeps its matcher a while instead of reading and keying every organisation again on
# every registration. The process that loads the seed forgets its matcher at once; the others
# within KEPT_SECONDS.
KEPT_SECONDS = 60.0
_kept: tuple[float, OrganisationNames] | None = None


async def organisation_names() -> OrganisationNames:
    """The matcher over the organisations in the database (one query, at most once a minute)."""
    global _kept
    if _kept is not None and time.monotonic() - _kept[0] < KEPT_SECONDS:
        return _kept[1]
    names = OrganisationNames(
        await Organisation.select(
            Organisation.id, Organisation.code, Organisation.name_sv, Organisation.name_en, Organisation.kind
        )
    )
    _kept = (time.monotonic(), names)
    return names


def forget() -> None:
    """The organisations changed: the next `organisation_names()` reads them again."""
    global _kept
    _kept = None


async def recognise(text: str | None) -> tuple[int | None, str]:
    """One typed organisation: (the county organisation's id, "") or (None, the text)."""
    return (await organisation_names()).recognise(text)
