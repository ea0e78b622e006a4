"""Comparing people's and organisations' names as a Swedish reader would: searching that ignores
case and how å was typed, and sorting with å, ä, ö after z.

Done in Python rather than in SQL because SQLite folds only ASCII case, and "åsa" must find "Åsa"
on both databases. The organisers' registration list, which an event of 10,000 registrations must
not read whole, does the same in SQL (`registration_reports._folded` and `_swedish`).
"""

from __future__ import annotations

import unicodedata

# Swedish alphabetical order: å, ä, ö come after z (in that order): "{", "|" and "}" follow "z" in
# code point order. é sorts as e and ü as y.
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "è": "e", "ü": "y"})


def fold(text: str | None) -> str:
    """For searching: composed (a name pasted from a PDF may spell å as a + ring) and case folded, so
    "åsa" finds "Åsa" and "ÖBERG" finds "Öberg"."""
    return unicodedata.normalize("NFC", text or "").casefold()


def swedish_key(text: str | None) -> str:
    """For sorting names in Swedish alphabetical order."""
    return fold(text).translate(_SWEDISH)
