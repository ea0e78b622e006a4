"""Comparing people's and organisations' names as a Swedish reader would: searching that ignores
case and how å was typed, and sorting with å, ä, ö after z; and the words the door's search
matches, folded further to what staff type on a phone ("asa oberg" for "Åsa Öberg").

Done in Python rather than in SQL because SQLite folds only ASCII case, and "åsa" must find "Åsa"
on both databases. The organisers' registration list, which an event of 10,000 registrations must
not read whole, does the same in SQL (`registration_reports._folded` and `_swedish`).
"""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark, written as a Nordic or
# German reader types them without the key ("Ø" as o, "Æ" as ae); casefold() already makes ß "ss".
_ASCII_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"})

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


def search_words(*texts: str | None) -> list[str]:
    """The words of `texts` as the door's search compares them: case folded and without diacritics,
    so "Åsa Öberg" and "asa oberg" are the same words; anything but a letter or a digit separates
    words ("Anna-Karin" is "anna" and "karin"). Letters of other scripts stay, case folded."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text or "" for text in texts).casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_ASCII_LETTERS)
    return "".join(char if char.isalnum() else " " for char in letters).split()


def search_text(name: str | None, organisation: str | None) -> str:
    """What a registration's `search_text` column holds: the words of its name and of the
    organisation as typed, each after a space, so that "a word starting with ob" is the SQL pattern
    '% ob%' on both databases (and pg_trgm's index serves it)."""
    return "".join(f" {word}" for word in search_words(name, organisation))


# For sorting lists of names: the Swedish letters (and their Nordic kin) keep their place after z;
# every other letter sorts as its base letter, as a Swedish reader looks "Čuđetsá" up under C and
# "Żółw" under Z (what PostgreSQL's Swedish ICU collation does for the registration list).
_KEPT_LETTERS = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}
_BASE_LETTERS = str.maketrans({"đ": "d", "ð": "d", "ł": "l", "ŋ": "n", "ŧ": "t", "þ": "th", "ı": "i"})


def _alphabetical(text: str | None) -> str:
    letters = []
    for char in fold(text):
        if char in _KEPT_LETTERS:
            letters.append(_KEPT_LETTERS[char])
            continue
        decomposed = unicodedata.normalize("NFD", char)
        letters.append("".join(part for part in decomposed if not unicodedata.combining(part)).translate(_BASE_LETTERS))
    return "".join(letters)


def surname_key(name: str | None) -> tuple[str, str, str]:
    """For lists sorted by surname, as a printed door list or a pile of name badges is: the name's
    last word, then the whole name, in Swedish alphabetical order (å, ä, ö after z; a letter with
    another mark under its base letter, "Čuđetsá" after "Carlsson"); the name as written last,
    so the order is always the same."""
    words = (name or "").split()
    return _alphabetical(words[-1] if words else ""), _alphabetical(name), name or ""
