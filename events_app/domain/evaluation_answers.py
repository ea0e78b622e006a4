"""Answering an evaluation with the personal link: the form, checking the answers, storing them once.

One answer per request: the answer is stored under the request's locator (evaluation_links.py),
which is unique, with one INSERT that does nothing when an answer is there already, followed then by
an UPDATE that replaces it. So several submissions at the same moment store one answer, and a later
one changes it until the form closes. Nothing is written to the request: a row written in the same
transaction as the answer would share its transaction id on PostgreSQL (`xmin`), which would tie the
two together for anyone reading the database. The response keeps the registrant's organisation and
side (for the results' breakdowns, shown only for groups large enough) and, on a named form only,
the person.
"""

from __future__ import annotations

from typing import Any

from events_app.domain import evaluations
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.evaluation_links import locator_for, request_by_token
from events_app.domain.tables import EvaluationResponse, Person
from events_app.domain.themes import all_themes
from events_app.i18n import N_

MAX_TEXT = 2000
RATINGS = range(1, 6)


async def form_for(token: str) -> dict[str, Any]:
    """What the answer page shows for a link: the form (`evaluation`, with `event` and `questions`),
    the council's themes when a question asks for them, the answer given so far (`answers`, {} when
    none) and whether answers are taken now (`evaluation.accepting`)."""
    request = await request_by_token(token)
    evaluation = await evaluations.evaluation_by_id(request["evaluation"])
    response = (
        await EvaluationResponse.select(EvaluationResponse.answers)
        .where(EvaluationResponse.locator == locator_for(request["uid"]))
        .first()
        .output(load_json=True)
    )
    themes = []
    if any(question["kind"] == evaluations.THEMES for question in evaluation["questions"]):
        themes = await all_themes()
    return {
        "request": request,
        "evaluation": evaluation,
        "themes": themes,
        "answers": response["answers"] if response else {},
        "answered": response is not None,
    }


def field_name(question: dict[str, Any]) -> str:
    return f"q_{question['uid']}"


def _texts(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in values if item not in (None, "") and str(item).strip()]


def _rating(question, value, themes, errors, name):
    texts = _texts(value)
    if not texts:
        return None
    if len(texts) > 1 or not texts[0].isdigit() or int(texts[0]) not in RATINGS:
        errors[name] = N_("Choose a number from 1 to 5.")
        return None
    return int(texts[0])


def _single(question, value, themes, errors, name):
    texts = _texts(value)
    if not texts:
        return None
    if len(texts) > 1 or texts[0] not in question["options"]:
        errors[name] = N_("Choose one of the options.")
        return None
    return texts[0]


def _multiple(question, value, themes, errors, name):
    texts = _texts(value)
    if any(text not in question["options"] for text in texts):
        errors[name] = N_("Choose among the options.")
        return None
    return [option for option in question["options"] if option in texts] or None


def _text(question, value, themes, errors, name):
    texts = _texts(value)
    text = texts[0] if len(texts) == 1 else " ".join(texts)
    if len(text) > MAX_TEXT:
        errors[name] = DomainError(N_("At most %(max)s characters."), field=name, max=MAX_TEXT)
        return None
    return text or None


def _themes(question, value, themes, errors, name):
    chosen = _texts(value.get("themes") if isinstance(value, dict) else value)
    if any(slug not in themes for slug in chosen):
        errors[name] = N_("Choose among the themes.")
        return None
    other = _text(question, value.get("other") if isinstance(value, dict) else "", themes, errors, name)
    picked = [slug for slug in themes if slug in chosen]
    return {"themes": picked, "other": other or ""} if picked or other else None


_CLEANERS = {
    evaluations.RATING: _rating,
    evaluations.SINGLE: _single,
    evaluations.MULTIPLE: _multiple,
    evaluations.TEXT: _text,
    evaluations.THEMES: _themes,
}


def clean_answers(questions: list[dict[str, Any]], raw: dict[str, Any], theme_slugs: list[str]) -> dict[str, Any]:
    """The answers to store, by question uid; raises ValidationFailed with a message at each field.

    `raw` is by field name (`field_name`): strings or lists of strings from a form; a themes
    question's value is {"themes": [...], "other": "..."}."""
    errors: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for question in questions:
        name = field_name(question)
        value = _CLEANERS[question["kind"]](question, raw.get(name), theme_slugs, errors, name)
        if value is not None:
            answers[str(question["uid"])] = value
        elif question["required"] and name not in errors:
            errors[name] = N_("This question must be answered.")
    if errors:
        raise ValidationFailed(errors)
    return answers


async def submit(token: str, raw: dict[str, Any]) -> bool:
    """Store (or change) the answer made with a link. Returns True when it was the first answer."""
    return await store(await form_for(token), raw)


async def store(form: dict[str, Any], raw: dict[str, Any]) -> bool:
    """`submit` for a form already read with `form_for` (the answer page reads it to parse the POST)."""
    evaluation, request = form["evaluation"], form["request"]
    if not evaluation["accepting"]:
        raise DomainError(N_("This evaluation is closed: answers are no longer taken."))
    if request["registration_status"] != "confirmed":
        raise DomainError(N_("Your registration has been cancelled, so the evaluation is closed to you."))
    answers = clean_answers(evaluation["questions"], raw, [theme["slug"] for theme in form["themes"]])
    person = await Person.select(Person.id, Person.side, Person.is_member).where(Person.id == request["person"]).first()
    locator = locator_for(request["uid"])
    first = await (
        EvaluationResponse.insert(
            EvaluationResponse(
                evaluation=evaluation["id"],
                locator=locator,
                organisation=request["organisation"],
                side=person["side"] if person and person["is_member"] else "",
                person=person["id"] if person and evaluation["named"] else None,
                answers=answers,
            )
        )
        .on_conflict(target=EvaluationResponse.locator, action="DO NOTHING")
        .returning(EvaluationResponse.id)
    )
    if not first:
        # Answered before (or at this very moment by a second tab): this answer replaces it.
        await EvaluationResponse.update({EvaluationResponse.answers: answers, EvaluationResponse.hidden: []}).where(
            EvaluationResponse.locator == locator
        )
    return bool(first)
