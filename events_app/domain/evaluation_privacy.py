"""Evaluations and the person: what the data export shows, what erasure does, and the retention rule.

- Export: the evaluations the person was asked to answer (and whether they did), and their own
  answers to named forms. Answers to anonymous forms are not in it: nothing ties them to anyone.
- Erasure: the person's requests are deleted; their named answers lose the person and their free
  text (which could name them), the rest counting on anonymously.
- Retention: free-text answers are deleted a set time (site setting) after the form closed, the
  counts, ratings and choices staying; the requests, which served only to ask and remind, go too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events_app.domain.tables import (
    Evaluation,
    EvaluationQuestion,
    EvaluationQuestionKind,
    EvaluationRequest,
    EvaluationResponse,
    Registration,
)
from events_app.domain.transactions import atomic, utcnow

TEXT, THEMES = EvaluationQuestionKind.text.value, EvaluationQuestionKind.themes.value


def without_texts(answers: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """The answers with every free text taken out (a themes answer keeps its themes)."""
    kept: dict[str, Any] = {}
    for uid, value in answers.items():
        kind = kinds.get(uid)
        if kind == TEXT:
            continue
        if kind == THEMES and isinstance(value, dict):
            value = {**value, "other": ""}
            if not value.get("themes"):
                continue
        kept[uid] = value
    return kept


async def _question_kinds(evaluation_ids: list[int]) -> dict[str, str]:
    rows = await EvaluationQuestion.select(EvaluationQuestion.uid, EvaluationQuestion.kind).where(
        EvaluationQuestion.evaluation.is_in(evaluation_ids or [0])
    )
    return {str(row["uid"]): row["kind"] for row in rows}


async def _answer_words(answers: dict[str, Any]) -> list[dict[str, str]]:
    questions = await EvaluationQuestion.select(EvaluationQuestion.uid, EvaluationQuestion.text).where(
        EvaluationQuestion.uid.is_in(list(answers) or ["00000000-0000-0000-0000-000000000000"])
    )
    texts = {str(row["uid"]): row["text"] for row in questions}
    words = []
    for uid, value in answers.items():
        if isinstance(value, dict):
            value = ", ".join([*value.get("themes", []), value.get("other", "")]).strip(", ")
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        words.append({"question": texts.get(uid, ""), "answer": str(value)})
    return words


def _registrations_of(person_id: int):
    return Registration.select(Registration.id).where(Registration.person == person_id)


async def evaluations_of(person_id: int) -> list[dict[str, Any]]:
    """The export's section: each evaluation the person was asked to answer and, for a named form,
    whether they answered and what. Whether someone answered an anonymous form is not in it: the
    database does not hold it (evaluation_links.py), and an admin reading a person's export must not
    learn it either."""
    requests = await (
        EvaluationRequest.select(
            EvaluationRequest.evaluation,
            EvaluationRequest.evaluation.title.as_alias("evaluation_title"),
            EvaluationRequest.evaluation.named.as_alias("named"),
            EvaluationRequest.registration.event.title.as_alias("event"),
        )
        .where(EvaluationRequest.registration.is_in(_registrations_of(person_id)))
        .order_by(EvaluationRequest.id)
    )
    named = await (
        EvaluationResponse.select(
            EvaluationResponse.evaluation,
            EvaluationResponse.answers,
            EvaluationResponse.evaluation.title.as_alias("evaluation_title"),
            EvaluationResponse.evaluation.event.title.as_alias("event"),
        )
        .where(EvaluationResponse.person == person_id)
        .order_by(EvaluationResponse.id)
        .output(load_json=True)
    )
    answers = {row["evaluation"]: row for row in named}
    rows = []
    for row in requests:
        entry: dict[str, Any] = {"event": row["event"], "evaluation": row["evaluation_title"]}
        if row["named"]:
            mine = answers.pop(row["evaluation"], None)
            entry["answered"] = mine is not None
            entry["answers"] = await _answer_words(mine["answers"]) if mine else []
        rows.append(entry)
    # A named answer whose request has gone (the retention rule deletes requests): still the person's.
    rows += [
        {
            "event": row["event"],
            "evaluation": row["evaluation_title"],
            "answered": True,
            "answers": await _answer_words(row["answers"]),
        }
        for row in answers.values()
    ]
    return rows


async def erase(person_id: int) -> None:
    """Erasure's part (inside its transaction): requests deleted; named answers made anonymous and
    emptied of free text."""
    await EvaluationRequest.delete().where(EvaluationRequest.registration.is_in(_registrations_of(person_id)))
    named = (
        await EvaluationResponse.select(
            EvaluationResponse.id, EvaluationResponse.evaluation, EvaluationResponse.answers
        )
        .where(EvaluationResponse.person == person_id)
        .output(load_json=True)
    )
    kinds = await _question_kinds(sorted({row["evaluation"] for row in named}))
    for row in named:
        await EvaluationResponse.update(
            {EvaluationResponse.person: None, EvaluationResponse.answers: without_texts(row["answers"], kinds)}
        ).where(EvaluationResponse.id == row["id"])


async def purge_texts(before: datetime) -> int:
    """The retention rule: forms closed before `before` lose their free-text answers and their
    requests; returns how many forms. Idempotent: a form is claimed by setting `texts_purged_at`."""
    due = await Evaluation.select(Evaluation.id).where(
        Evaluation.texts_purged_at.is_null() & Evaluation.closes_at.is_not_null() & (Evaluation.closes_at < before)
    )
    purged = 0
    for form in due:
        async with atomic():
            claimed = await (
                Evaluation.update({Evaluation.texts_purged_at: utcnow()})
                .where((Evaluation.id == form["id"]) & Evaluation.texts_purged_at.is_null())
                .returning(Evaluation.id)
            )
            if not claimed:
                continue
            kinds = await _question_kinds([form["id"]])
            responses = (
                await EvaluationResponse.select(EvaluationResponse.id, EvaluationResponse.answers)
                .where(EvaluationResponse.evaluation == form["id"])
                .output(load_json=True)
            )
            for row in responses:
                await EvaluationResponse.update(
                    {EvaluationResponse.answers: without_texts(row["answers"], kinds), EvaluationResponse.hidden: []}
                ).where(EvaluationResponse.id == row["id"])
            await EvaluationRequest.delete().where(EvaluationRequest.evaluation == form["id"])
        purged += 1
    return purged
