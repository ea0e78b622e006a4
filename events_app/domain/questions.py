"""The organiser's own questions on an event's registration form, and checking the answers to them.

Kinds: free text, single choice, multiple choice and yes/no; each required or optional. Answers are
stored on the registration by the question's `key`, which the API and the exports use too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from events_app.domain import audit, localized_texts
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.events import slugify
from events_app.domain.tables import Question, QuestionKind
from events_app.domain.transactions import atomic
from events_app.domain.validation import parse_uid
from events_app.i18n import N_

MAX_TEXT_ANSWER = 1000
MAX_OPTIONS = 30


@dataclass
class QuestionInput:
    label: str = ""
    help_text: str = ""
    kind: str = QuestionKind.text.value
    options: list[str] = field(default_factory=list)
    required: bool = False
    key: str = ""  # made from the label when empty
    sensitive: bool = False  # see sensitive_answers.py
    # Optional English texts for English readers (localized_texts.py); the options' English names
    # line up with `options`.
    label_en: str = ""
    help_text_en: str = ""
    options_en: list[str] = field(default_factory=list)


async def questions_of(event_id: int) -> list[dict[str, Any]]:
    return (
        await Question.select()
        .where(Question.event == event_id)
        .order_by(Question.position)
        .order_by(Question.id)
        .output(load_json=True)
    )


def clean_choice_options(raw: list[str], is_choice: bool, max_options: int, errors: dict) -> list[str]:
    """A choice question's options as typed, one per line: spaces tidied, repeats dropped, at least
    two and at most `max_options` (the message under "options"); [] for a question without choices.
    Shared by the registration form's questions and the evaluations' (evaluations.py)."""
    options: list[str] = []
    for option in raw:
        option = " ".join(option.split())[:200]
        if option and option not in options:
            options.append(option)
    if not is_choice:
        return []
    if len(options) < 2:
        errors["options"] = N_("A choice question needs at least two options, one per line.")
    elif len(options) > max_options:
        errors["options"] = DomainError(N_("At most %(max)s options."), field="options", max=max_options)
    return options


def _clean(data: QuestionInput) -> dict[str, Any]:
    errors: dict[str, str | DomainError] = {}
    label = " ".join((data.label or "").split())
    if not label:
        errors["label"] = N_("Write the question.")
    elif len(label) > 300:
        errors["label"] = DomainError(N_("At most %(max)s characters."), field="label", max=300)
    help_text = " ".join((data.help_text or "").split())
    if len(help_text) > 500:
        errors["help_text"] = DomainError(N_("At most %(max)s characters."), field="help_text", max=500)
    if data.kind not in {kind.value for kind in QuestionKind}:
        errors["kind"] = N_("Choose what kind of question this is.")
    is_choice = data.kind in (QuestionKind.single.value, QuestionKind.multiple.value)
    options = clean_choice_options(data.options, is_choice, MAX_OPTIONS, errors)
    label_en = localized_texts.clean_line(data.label_en, "label_en", 300, errors)
    help_text_en = localized_texts.clean_line(data.help_text_en, "help_text_en", 500, errors)
    options_en = localized_texts.clean_options(options, data.options_en, errors)
    key = slugify(data.key or label).replace("-", "_")[:50]
    if errors:
        raise ValidationFailed(errors)
    return {
        "label": label,
        "help_text": help_text,
        "kind": data.kind,
        "options": options,
        "required": bool(data.required),
        "sensitive": bool(data.sensitive),
        "key": key,
        "label_en": label_en,
        "help_text_en": help_text_en,
        "options_en": options_en,
    }


async def _unique_key(event_id: int, key: str, question_id: int | None = None) -> str:
    candidate, number = key, 2
    while True:
        query = Question.exists().where((Question.event == event_id) & (Question.key == candidate))
        if question_id is not None:
            query = query.where(Question.id != question_id)
        if not await query:
            return candidate
        candidate, number = f"{key[:46]}_{number}", number + 1


async def add_question(event_id: int, data: QuestionInput, actor: Actor) -> dict[str, Any]:
    clean = _clean(data)
    async with atomic():
        clean["key"] = await _unique_key(event_id, clean["key"])
        last = (
            await Question.select(Question.position)
            .where(Question.event == event_id)
            .order_by(Question.position, ascending=False)
            .first()
        )
        question = Question(event=event_id, position=(last["position"] + 1) if last else 0, **clean)
        await question.save()
        await audit.record(
            "question.created",
            actor,
            object_type="question",
            object_id=question.uid,
            summary=clean["label"],
            details={"sensitive": clean["sensitive"]},
        )
    return await get_question(str(question.uid))


# A question's own columns, as a copy of the event takes them over (its uid and event are new).
_COPIED_COLUMNS = (
    "key",
    "label",
    "help_text",
    "kind",
    "options",
    "label_en",
    "help_text_en",
    "options_en",
    "required",
    "position",
    "sensitive",
)


async def copy_questions(source_event_id: int, copy_event_id: int) -> int:
    """Inside the caller's transaction: the source event's questions on the copy (keys kept, so next
    year's answers line up with this year's in exports). Returns how many."""
    rows = [
        Question(event=copy_event_id, **{key: question[key] for key in _COPIED_COLUMNS})
        for question in await questions_of(source_event_id)
    ]
    if rows:
        await Question.insert(*rows)
    return len(rows)


async def update_question(question_uid: str, data: QuestionInput, actor: Actor) -> dict[str, Any]:
    """The key stays what it was, so answers already given keep their name."""
    clean = _clean(data)
    async with atomic():
        question = await get_question(question_uid)
        clean.pop("key")
        await Question.update({getattr(Question, k): v for k, v in clean.items()}).where(Question.id == question["id"])
        await audit.record(
            "question.updated",
            actor,
            object_type="question",
            object_id=question_uid,
            summary=clean["label"],
            details={"sensitive": clean["sensitive"]},  # whether check-in and retention treat it as such
        )
    return await get_question(question_uid)


async def delete_question(question_uid: str, actor: Actor) -> None:
    """Answers already given stay on the registrations (and in exports) under the old key."""
    async with atomic():
        question = await get_question(question_uid)
        await Question.delete().where(Question.id == question["id"])
        await audit.record(
            "question.deleted", actor, object_type="question", object_id=question_uid, summary=question["label"]
        )


async def get_question(question_uid: str) -> dict[str, Any]:
    uid = parse_uid(question_uid)
    question = None
    if uid is not None:
        question = (
            await Question.select(*Question.all_columns(), Question.event.slug.as_alias("event_slug"))
            .where(Question.uid == uid)
            .output(load_json=True)
            .first()
        )
    if question is None:
        raise NotFound()
    return question


def field_name(question: dict[str, Any]) -> str:
    """The form field, and the key of its error, for a question's answer."""
    return f"answer_{question['key']}"


_YES_NO = {"yes": True, "ja": True, "true": True, "no": False, "nej": False, "false": False}
_NOTHING = object()  # an answer left blank, as opposed to one refused with a message


def clean_answers(questions: list[dict[str, Any]], answers: dict[str, Any], errors: dict) -> dict[str, Any]:
    """Check answers given by question key; write errors next to each question's field.

    Values may come from a form (strings, lists of strings) or from JSON (also booleans). Answers
    to unknown keys are dropped.
    """
    clean: dict[str, Any] = {}
    for question in questions:
        name = field_name(question)
        answer = _ANSWER_CLEANERS[question["kind"]](question, answers.get(question["key"]), name, errors)
        if answer is not _NOTHING:
            clean[question["key"]] = answer
        if question["required"] and question["key"] not in clean and name not in errors:
            errors[name] = N_("This question must be answered.")
    return clean


def _single_text(value: Any) -> str:
    return str(value or "").strip() if not isinstance(value, (list, dict)) else ""


def _text_answer(question: dict[str, Any], value: Any, name: str, errors: dict) -> Any:
    text = _single_text(value)
    if len(text) > MAX_TEXT_ANSWER:
        errors[name] = DomainError(N_("At most %(max)s characters."), field=name, max=MAX_TEXT_ANSWER)
    return text or _NOTHING


def _yes_no_answer(question: dict[str, Any], value: Any, name: str, errors: dict) -> Any:
    answer = value if isinstance(value, bool) else _YES_NO.get(str(value).strip().lower())
    if value not in (None, "") and answer is None:
        errors[name] = N_("Answer yes or no.")
    return _NOTHING if answer is None else answer


def _single_choice_answer(question: dict[str, Any], value: Any, name: str, errors: dict) -> Any:
    text = _single_text(value)
    if text and text not in question["options"]:
        errors[name] = N_("Choose one of the options.")
        return _NOTHING
    return text or _NOTHING


def _multiple_choice_answer(question: dict[str, Any], value: Any, name: str, errors: dict) -> Any:
    chosen = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
    chosen = [str(item).strip() for item in chosen if str(item).strip()]
    if any(item not in question["options"] for item in chosen):
        errors[name] = N_("Choose among the options.")
        return _NOTHING
    # In the options' order, whatever order the form sent them in.
    return [option for option in question["options"] if option in chosen] or _NOTHING


_ANSWER_CLEANERS = {
    QuestionKind.text.value: _text_answer,
    QuestionKind.yes_no.value: _yes_no_answer,
    QuestionKind.single.value: _single_choice_answer,
    QuestionKind.multiple.value: _multiple_choice_answer,
}
