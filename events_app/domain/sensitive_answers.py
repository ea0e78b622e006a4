"""Which parts of a registration are sensitive: the one place that says so.

Dietary needs (codes and free text) and accessibility needs can reveal health, religion or a
disability, so they are always sensitive. An organiser's own question is sensitive when the
organiser marks it so (`Question.sensitive`); an answer whose question has been deleted counts as
sensitive too, since nobody can tell any more that it was not.

What follows from it lives elsewhere and asks here: check-in staff see none of it (`checkins`
selects only `checkins.DOOR_COLUMNS`), an export that holds any of it is marked in its name and
first row (`registration_reports`), the caterer gets counts only, and the retention job deletes it
some days after the event (`erase_sensitive`).
"""

from __future__ import annotations

from typing import Any

from events_app.domain.tables import Question, Registration
from events_app.i18n import N_

# The registration's columns that are always sensitive, with the words an export's warning uses.
ALWAYS_SENSITIVE: dict[str, str] = {
    "dietary": N_("dietary needs"),
    "dietary_other": N_("dietary needs"),
    "accessibility": N_("accessibility needs"),
}
SENSITIVE_COLUMNS: tuple[str, ...] = tuple(ALWAYS_SENSITIVE)
"""Registration columns never shown to check-in staff, and emptied by `erase_sensitive`."""
ANSWERS_COLUMN = "answers"
"""The column holding the answers to the organiser's questions (by question key): partly sensitive."""
SENSITIVE_ANSWERS = N_("answers marked sensitive")
# What an erased registration holds in each always-sensitive column.
_EMPTY: dict[str, Any] = {"dietary": [], "dietary_other": "", "accessibility": ""}


async def event_questions(event_id: int) -> list[dict[str, Any]]:
    """The event's questions with what this module needs of them (id, key, sensitive)."""
    return await Question.select(Question.id, Question.key, Question.sensitive).where(Question.event == event_id)


async def sensitive_question_ids(event_id: int) -> set[int]:
    """The ids of the event's questions marked sensitive."""
    return {question["id"] for question in await event_questions(event_id) if question["sensitive"]}


def is_sensitive_key(key: str, questions: list[dict[str, Any]]) -> bool:
    """Whether the answer stored under `key` is sensitive, given the event's `questions` (dicts with
    "key" and "sensitive"): its question is marked sensitive, or there is no such question any more."""
    question = next((q for q in questions if q["key"] == key), None)
    return question is None or bool(question["sensitive"])


def public_answers(answers: dict[str, Any] | None, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The answers that are not sensitive."""
    return {key: value for key, value in (answers or {}).items() if not is_sensitive_key(key, questions)}


def strip_sensitive(registration: dict[str, Any], questions: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of a registration row without its sensitive parts: the always-sensitive columns left
    out, and of its answers (when the row has them) only those that are not sensitive."""
    stripped = {name: value for name, value in registration.items() if name not in ALWAYS_SENSITIVE}
    if ANSWERS_COLUMN in stripped:
        stripped[ANSWERS_COLUMN] = public_answers(stripped[ANSWERS_COLUMN], questions)
    return stripped


def holds_sensitive(registration: dict[str, Any], questions: list[dict[str, Any]]) -> bool:
    """Whether anything sensitive is filled in on the registration row."""
    if any(registration.get(name) for name in SENSITIVE_COLUMNS):
        return True
    answers = registration.get(ANSWERS_COLUMN) or {}
    return any(value not in (None, "", []) and is_sensitive_key(key, questions) for key, value in answers.items())


def erased(registration: dict[str, Any], questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The values that erase a registration's sensitive parts (column name -> value): empty dietary
    and accessibility needs, and its answers without the sensitive ones."""
    return {**_EMPTY, ANSWERS_COLUMN: public_answers(registration.get(ANSWERS_COLUMN), questions)}


async def erase_sensitive(event_id: int) -> int:
    """Delete the sensitive parts of every registration of the event (cancelled ones too); the number
    of registrations that held any. Call it inside the caller's transaction, which audits the count.
    Counts worth keeping (`registration_reports.catering`) must be read before."""
    questions = await event_questions(event_id)
    rows = (
        await Registration.select(
            Registration.id, Registration.answers, *(getattr(Registration, name) for name in SENSITIVE_COLUMNS)
        )
        .where(Registration.event == event_id)
        .output(load_json=True)
    )
    changed = 0
    for row in rows:
        if not holds_sensitive(row, questions):
            continue
        values = erased(row, questions)
        await Registration.update({getattr(Registration, name): value for name, value in values.items()}).where(
            Registration.id == row["id"]
        )
        changed += 1
    return changed
