"""Evaluation forms: an event's, a training module occasion's or a session's, and their questions;
the council's standard form as a template; copying a form; opening and closing it.

Who is asked lives in evaluation_requests.py, answering in evaluation_answers.py and the results in
evaluation_results.py. How anonymity holds (docs/evaluations.md): a request (a registration asked)
and a response (an answer) share no column. The response's `locator` is a keyed hash of the request
under a key derived from SECRET_KEY, which lets the holder of the personal link change the answer
and refuses a second one; the database alone cannot join them, and no page, export or API does.
A "named" form, chosen by the organiser and said on the form before anyone answers, stores the
person with the answer instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from events_app.domain import audit, localized_texts
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.questions import clean_choice_options
from events_app.domain.tables import (
    Evaluation,
    EvaluationAudience,
    EvaluationQuestion,
    EvaluationQuestionKind,
    EvaluationRequest,
    EvaluationResponse,
    EvaluationStatus,
    Event,
    EventDay,
    ProgrammeSession,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_, STOCKHOLM

DRAFT, OPEN, CLOSED = (status.value for status in EvaluationStatus)
ATTENDED, NO_SHOW = (audience.value for audience in EvaluationAudience)
RATING, SINGLE, MULTIPLE, TEXT, THEMES = (kind.value for kind in EvaluationQuestionKind)

KINDS = {
    RATING: N_("Rating 1–5"),
    SINGLE: N_("One choice"),
    MULTIPLE: N_("Several choices"),
    TEXT: N_("Free text"),
    THEMES: N_("Themes for the next sustainability day"),
}
AUDIENCES = {
    ATTENDED: N_("Those who attended"),
    NO_SHOW: N_("Those registered who did not come"),
}
STATUSES = {DRAFT: N_("Draft"), OPEN: N_("Open for answers"), CLOSED: N_("Closed")}
STANDARD = "standard"
MAX_QUESTIONS = 40
MAX_OPTIONS = 20
DEFAULT_OPEN_DAYS = 14  # answers are taken this long after the event ends, unless the organiser says

# The council's standard form (seeded as the template "standard"), Swedish and English. Its questions'
# `standard_key` lets results be compared across a module's occasions and across years.
STANDARD_FORM = {
    "title": "Utvärdering",
    "title_en": "Evaluation",
    "intro": "Tack för att du deltog! Dina svar hjälper rådet att planera kommande hållbarhetsdagar och moduler.",
    "intro_en": "Thank you for taking part! Your answers help the council plan the coming sustainability "
    "days and modules.",
    "questions": [
        {
            "kind": RATING,
            "standard_key": "overall",
            "text": "Vad tycker du om evenemanget som helhet?",
            "text_en": "What did you think of the event as a whole?",
            "low_label": "Mycket dåligt",
            "low_label_en": "Very poor",
            "high_label": "Mycket bra",
            "high_label_en": "Very good",
            "required": True,
        },
        {
            "kind": RATING,
            "standard_key": "usefulness",
            "text": "Hur användbart är innehållet i ditt arbete?",
            "text_en": "How useful is the content in your work?",
            "low_label": "Inte alls",
            "low_label_en": "Not at all",
            "high_label": "Mycket",
            "high_label_en": "Very",
        },
        {
            "kind": RATING,
            "standard_key": "organisation",
            "text": "Hur fungerade arrangemanget (lokal, mat, information)?",
            "text_en": "How well did the arrangements work (venue, food, information)?",
            "low_label": "Mycket dåligt",
            "low_label_en": "Very poor",
            "high_label": "Mycket bra",
            "high_label_en": "Very good",
        },
        {
            "kind": SINGLE,
            "standard_key": "recommend",
            "text": "Skulle du rekommendera evenemanget till en kollega?",
            "text_en": "Would you recommend the event to a colleague?",
            "options": ["Ja", "Kanske", "Nej"],
            "options_en": ["Yes", "Maybe", "No"],
        },
        {
            "kind": THEMES,
            "standard_key": "themes",
            "text": "Vilka teman bör nästa hållbarhetsdag ta upp?",
            "text_en": "Which themes should the next sustainability day take up?",
        },
        {
            "kind": TEXT,
            "standard_key": "comments",
            "text": "Vad var bäst, och vad kan bli bättre?",
            "text_en": "What was best, and what could be better?",
        },
    ],
}
# The shorter form for those who had a place and did not come.
NO_SHOW_FORM = {
    "title": "Vad hindrade dig?",
    "title_en": "What kept you away?",
    "intro": "Du var anmäld men kunde inte komma. Berätta gärna varför, så blir nästa tillfälle lättare att nå.",
    "intro_en": "You had a place but could not come. Tell us why, and the next one will be easier to reach.",
    "questions": [
        {
            "kind": MULTIPLE,
            "standard_key": "hindrance",
            "text": "Vad hindrade dig från att komma?",
            "text_en": "What kept you from coming?",
            "options": ["Andra arbetsuppgifter", "Sjukdom", "Resvägen", "Tiden passade inte", "Annat"],
            "options_en": ["Other work", "Illness", "The journey", "The time did not suit me", "Something else"],
        },
        {
            "kind": TEXT,
            "standard_key": "hindrance_comments",
            "text": "Något mer du vill säga?",
            "text_en": "Anything else you would like to say?",
        },
    ],
}
TEMPLATES = {STANDARD: STANDARD_FORM, "no_show": NO_SHOW_FORM}


@dataclass
class EvaluationInput:
    title: str = ""
    title_en: str = ""
    intro: str = ""
    intro_en: str = ""
    audience: str = ATTENDED
    named: bool = False
    # "" for the whole event; "day:YYYY-MM-DD" for one occasion (day); "session:<uid>" for a session.
    scope: str = ""
    closes_on: date | None = None  # answers taken until the end of this day; None: 14 days after
    send_after_hours: int | None = None  # ask automatically this long after the end; None: by hand


@dataclass
class QuestionInput:
    kind: str = RATING
    text: str = ""
    text_en: str = ""
    options: list[str] = field(default_factory=list)
    options_en: list[str] = field(default_factory=list)
    low_label: str = ""
    low_label_en: str = ""
    high_label: str = ""
    high_label_en: str = ""
    required: bool = False


# --- Reading ------------------------------------------------------------------------------------


async def _event(slug: str) -> dict[str, Any]:
    event = await Event.select().where(Event.slug == slug).first()
    if event is None:
        raise NotFound(N_("There is no such event."))
    return event


async def questions_of(evaluation_id: int) -> list[dict[str, Any]]:
    return (
        await EvaluationQuestion.select()
        .where(EvaluationQuestion.evaluation == evaluation_id)
        .order_by(EvaluationQuestion.position)
        .order_by(EvaluationQuestion.id)
        .output(load_json=True)
    )


async def counts(evaluation_id: int) -> tuple[int, int]:
    """(asked, answered) of a form: all the organisers see of its requests and answers."""
    asked = await EvaluationRequest.count().where(EvaluationRequest.evaluation == evaluation_id)
    answered = await EvaluationResponse.count().where(EvaluationResponse.evaluation == evaluation_id)
    return asked, answered


async def _with_details(evaluation: dict[str, Any], event: dict[str, Any] | None) -> dict[str, Any]:
    evaluation["event"] = event
    evaluation["questions"] = await questions_of(evaluation["id"])
    evaluation["asked"], evaluation["answered"] = await counts(evaluation["id"])
    evaluation["day"] = (
        await EventDay.select().where(EventDay.id == evaluation["event_day"]).first()
        if evaluation["event_day"]
        else None
    )
    evaluation["session_row"] = (
        await ProgrammeSession.select(
            ProgrammeSession.id,
            ProgrammeSession.uid,
            ProgrammeSession.title,
            ProgrammeSession.title_en,
            ProgrammeSession.starts_at,
            ProgrammeSession.ends_at,
        )
        .where(ProgrammeSession.id == evaluation["session"])
        .first()
        if evaluation["session"]
        else None
    )
    evaluation["ends_at"] = scope_end(evaluation)
    evaluation["accepting"] = is_accepting(evaluation)
    return evaluation


async def get_evaluation(slug: str, uid: str) -> dict[str, Any]:
    """One evaluation of the event, with `event`, `questions`, the counts `asked` and `answered`, the
    occasion (`day`) or session (`session_row`) it is about, and whether it takes answers now."""
    event = await _event(slug)
    parsed = parse_uid(uid)
    row = (
        await Evaluation.select().where((Evaluation.uid == parsed) & (Evaluation.event == event["id"])).first()
        if parsed
        else None
    )
    if row is None:
        raise NotFound(N_("There is no such evaluation."))
    return await _with_details(row, event)


async def evaluation_by_id(evaluation_id: int) -> dict[str, Any]:
    row = await Evaluation.select().where(Evaluation.id == evaluation_id).first()
    if row is None:
        raise NotFound(N_("There is no such evaluation."))
    event = await Event.select().where(Event.id == row["event"]).first() if row["event"] else None
    return await _with_details(row, event)


async def list_evaluations(slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The event and its evaluations, each with its counts, in the order they were made."""
    event = await _event(slug)
    rows = await Evaluation.select().where(Evaluation.event == event["id"]).order_by(Evaluation.id)
    return event, [await _with_details(row, event) for row in rows]


async def sources(exclude_event_id: int | None = None) -> list[dict[str, Any]]:
    """What a new form can be copied from: the templates, then earlier events' forms (newest first)."""
    templates = await Evaluation.select(Evaluation.uid, Evaluation.title, Evaluation.template_key).where(
        Evaluation.event.is_null()
    )
    earlier = await (
        Evaluation.select(
            Evaluation.uid,
            Evaluation.title,
            Evaluation.event.title.as_alias("event_title"),
            Evaluation.event.starts_at.as_alias("event_starts_at"),
        )
        .where(Evaluation.event.is_not_null())
        .where(Evaluation.event != exclude_event_id if exclude_event_id else Evaluation.id > 0)
        .order_by(Evaluation.event.starts_at, ascending=False)
        .limit(50)
    )
    return [*templates, *earlier]


def scope_end(evaluation: dict[str, Any]) -> datetime | None:
    """When what the form is about ended: the session, the occasion, or the event."""
    if evaluation.get("session_row"):
        return evaluation["session_row"]["ends_at"]
    if evaluation.get("day"):
        return evaluation["day"]["ends_at"]
    event = evaluation.get("event")
    return event["ends_at"] if event else None


def is_accepting(evaluation: dict[str, Any], now: datetime | None = None) -> bool:
    """Open, and not past its closing time."""
    now = now or utcnow()
    closes_at = evaluation.get("closes_at")
    return evaluation["status"] == OPEN and (closes_at is None or closes_at > now)


# --- Writing the form ---------------------------------------------------------------------------


def _closing_time(closes_on: date | None, ends_at: datetime | None) -> datetime | None:
    if closes_on is not None:
        return datetime.combine(closes_on + timedelta(days=1), time(0), STOCKHOLM)
    return ends_at + timedelta(days=DEFAULT_OPEN_DAYS) if ends_at else None


async def _scope(event: dict[str, Any], scope: str, errors: dict) -> tuple[int | None, dict | None]:
    """(event_day id, session row) of a scope field; (None, None) for the whole event."""
    kind, _, value = (scope or "").partition(":")
    if kind == "day":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
        row = (
            await EventDay.select(EventDay.id).where((EventDay.event == event["id"]) & (EventDay.day == day)).first()
            if day
            else None
        )
        if row is None:
            errors["scope"] = N_("Choose one of the event's days.")
            return None, None
        return row["id"], None
    if kind == "session":
        uid = parse_uid(value)
        row = (
            await ProgrammeSession.select(ProgrammeSession.id, ProgrammeSession.ends_at)
            .where((ProgrammeSession.uid == uid) & (ProgrammeSession.event == event["id"]))
            .first()
            if uid
            else None
        )
        if row is None:
            errors["scope"] = N_("Choose one of the event's sessions.")
        return None, row
    if scope:
        errors["scope"] = N_("Choose what the evaluation is about.")
    return None, None


async def _clean(event: dict[str, Any], data: EvaluationInput) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = N_("Give the evaluation a title.")
    elif len(title) > 200:
        errors["title"] = DomainError(N_("At most %(max)s characters."), field="title", max=200)
    title_en = localized_texts.clean_line(data.title_en, "title_en", 200, errors)
    intro, intro_en = (data.intro or "").strip(), (data.intro_en or "").strip()
    for name, value in (("intro", intro), ("intro_en", intro_en)):
        if len(value) > 4000:
            errors[name] = DomainError(N_("At most %(max)s characters."), field=name, max=4000)
    if data.audience not in AUDIENCES:
        errors["audience"] = N_("Choose whom the evaluation is for.")
    if data.send_after_hours is not None and not 0 <= data.send_after_hours <= 24 * 30:
        errors["send_after_hours"] = N_("Enter a number of hours between 0 and 720, or leave it empty.")
    event_day, session = await _scope(event, data.scope, errors)
    day_end = None
    if event_day:
        day_end = (await EventDay.select(EventDay.ends_at).where(EventDay.id == event_day).first())["ends_at"]
    ends_at = session["ends_at"] if session else day_end or event["ends_at"]
    closes_at = _closing_time(data.closes_on, ends_at)
    if data.closes_on is not None and closes_at <= ends_at:
        errors["closes_on"] = N_("The evaluation must close after what it is about has ended.")
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "title_en": title_en,
        "intro": intro,
        "intro_en": intro_en,
        "audience": data.audience,
        "named": bool(data.named),
        "event_day": event_day,
        "session": session["id"] if session else None,
        "closes_at": closes_at,
        "send_after_hours": data.send_after_hours,
    }


async def _source_questions(copy_from: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The questions (and the form) to copy: a template's key or an earlier form's uid."""
    if not copy_from:
        return [], None
    uid = parse_uid(copy_from)
    query = Evaluation.select().where(Evaluation.uid == uid) if uid else None
    if query is None:
        query = Evaluation.select().where(Evaluation.event.is_null() & (Evaluation.template_key == copy_from))
    source = await query.first()
    if source is None:
        raise ValidationFailed({"copy_from": N_("Choose a form to copy from the list.")})
    return await questions_of(source["id"]), source


async def create_evaluation(slug: str, data: EvaluationInput, actor: Actor, *, copy_from: str = "") -> dict[str, Any]:
    """A new draft form of the event, with the questions of a template or an earlier form when
    `copy_from` names one (and its texts where the organiser left them empty)."""
    event = await _event(slug)
    questions, source = await _source_questions(copy_from)
    if source is not None:
        for name in ("title", "title_en", "intro", "intro_en"):
            setattr(data, name, getattr(data, name) or source[name])
    clean = await _clean(event, data)
    async with atomic():
        row = Evaluation(event=event["id"], copied_from=source["id"] if source else None, **clean)
        await row.save()
        await _insert_questions(row.id, questions)
        await audit.record(
            "evaluation.created",
            actor,
            object_type="evaluation",
            object_id=row.uid,
            summary=f"{event['title']}: {clean['title']}",
        )
    return await get_evaluation(slug, str(row.uid))


_QUESTION_DEFAULTS = {
    "kind": RATING,
    "text": "",
    "text_en": "",
    "options": [],
    "options_en": [],
    "low_label": "",
    "low_label_en": "",
    "high_label": "",
    "high_label_en": "",
    "required": False,
    "standard_key": "",
}


async def _insert_questions(evaluation_id: int, questions: list[dict[str, Any]]) -> None:
    rows = [
        EvaluationQuestion(
            evaluation=evaluation_id,
            position=n,
            **{name: question.get(name, default) for name, default in _QUESTION_DEFAULTS.items()},
        )
        for n, question in enumerate(questions)
    ]
    if rows:
        await EvaluationQuestion.insert(*rows)


async def update_evaluation(slug: str, uid: str, data: EvaluationInput, actor: Actor) -> dict[str, Any]:
    """Change the form's texts and settings. Whom it is for, and whether it is named, are fixed once
    anyone has been asked: the form told them which it was."""
    evaluation = await get_evaluation(slug, uid)
    clean = await _clean(evaluation["event"], data)
    fixed = (clean["audience"], clean["named"], clean["event_day"], clean["session"]) != (
        evaluation["audience"],
        evaluation["named"],
        evaluation["event_day"],
        evaluation["session"],
    )
    async with atomic():
        # Written first, so the form's row is locked as ask() locks it: nobody is asked between the
        # check below and the change (the automatic sending runs every minute).
        await Evaluation.update(clean).where(Evaluation.id == evaluation["id"])
        if fixed and await EvaluationRequest.exists().where(EvaluationRequest.evaluation == evaluation["id"]):
            raise DomainError(
                N_("People have been asked already: whom the form is for, and whether it is named, cannot change."),
                field="named",
            )
        await audit.record(
            "evaluation.changed", actor, object_type="evaluation", object_id=evaluation["uid"], summary=clean["title"]
        )
    return await get_evaluation(slug, uid)


async def delete_evaluation(slug: str, uid: str, actor: Actor) -> None:
    """Delete a form nobody has been asked to answer yet."""
    evaluation = await get_evaluation(slug, uid)
    if evaluation["asked"]:
        raise DomainError(N_("People have been asked to answer this form: close it instead of deleting it."))
    async with atomic():
        await Evaluation.delete().where(Evaluation.id == evaluation["id"])
        await audit.record(
            "evaluation.deleted",
            actor,
            object_type="evaluation",
            object_id=evaluation["uid"],
            summary=evaluation["title"],
        )


def _clean_question(data: QuestionInput) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    text = " ".join((data.text or "").split())
    if not text:
        errors["text"] = N_("Write the question.")
    elif len(text) > 500:
        errors["text"] = DomainError(N_("At most %(max)s characters."), field="text", max=500)
    if data.kind not in KINDS:
        errors["kind"] = N_("Choose what kind of question this is.")
    options = clean_choice_options(data.options, data.kind in (SINGLE, MULTIPLE), MAX_OPTIONS, errors)
    clean = {
        "kind": data.kind,
        "text": text,
        "text_en": localized_texts.clean_line(data.text_en, "text_en", 500, errors),
        "options": options,
        "options_en": localized_texts.clean_options(options, data.options_en, errors),
        "required": bool(data.required),
    }
    for name in ("low_label", "low_label_en", "high_label", "high_label_en"):
        value = localized_texts.clean_line(getattr(data, name), name, 100, errors)
        clean[name] = value if data.kind == RATING else ""
    if errors:
        raise ValidationFailed(errors)
    return clean


async def _editable(slug: str, uid: str) -> dict[str, Any]:
    evaluation = await get_evaluation(slug, uid)
    if evaluation["answered"]:
        raise DomainError(N_("Answers have come in: the questions can no longer change."))
    return evaluation


async def add_question(slug: str, uid: str, data: QuestionInput, actor: Actor) -> dict[str, Any]:
    clean = _clean_question(data)
    evaluation = await _editable(slug, uid)
    if len(evaluation["questions"]) >= MAX_QUESTIONS:
        raise DomainError(N_("A form has at most %(max)s questions."), max=MAX_QUESTIONS)
    position = max((question["position"] for question in evaluation["questions"]), default=-1) + 1
    async with atomic():
        row = EvaluationQuestion(evaluation=evaluation["id"], position=position, **clean)
        await row.save()
        await audit.record(
            "evaluation.question_added",
            actor,
            object_type="evaluation",
            object_id=evaluation["uid"],
            summary=clean["text"],
        )
    return {"uid": row.uid, **clean}


def _question_of(evaluation: dict[str, Any], question_uid: str) -> dict[str, Any]:
    parsed = parse_uid(question_uid)
    question = next((q for q in evaluation["questions"] if q["uid"] == parsed), None)
    if question is None:
        raise NotFound(N_("There is no such question."))
    return question


async def get_question(slug: str, uid: str, question_uid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    evaluation = await get_evaluation(slug, uid)
    return evaluation, _question_of(evaluation, question_uid)


async def update_question(slug: str, uid: str, question_uid: str, data: QuestionInput, actor: Actor) -> None:
    clean = _clean_question(data)
    evaluation = await _editable(slug, uid)
    question = _question_of(evaluation, question_uid)
    async with atomic():
        await EvaluationQuestion.update(clean).where(EvaluationQuestion.id == question["id"])
        await audit.record(
            "evaluation.question_changed",
            actor,
            object_type="evaluation",
            object_id=evaluation["uid"],
            summary=clean["text"],
        )


async def delete_question(slug: str, uid: str, question_uid: str, actor: Actor) -> None:
    evaluation = await _editable(slug, uid)
    question = _question_of(evaluation, question_uid)
    async with atomic():
        await EvaluationQuestion.delete().where(EvaluationQuestion.id == question["id"])
        await audit.record(
            "evaluation.question_deleted",
            actor,
            object_type="evaluation",
            object_id=evaluation["uid"],
            summary=question["text"],
        )


async def move_question(slug: str, uid: str, question_uid: str, step: int, actor: Actor) -> None:
    """Move a question one place up (-1) or down (+1)."""
    evaluation = await _editable(slug, uid)
    questions = evaluation["questions"]
    question = _question_of(evaluation, question_uid)
    index = questions.index(question)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    async with atomic():
        for position, row in enumerate(questions):
            await EvaluationQuestion.update({EvaluationQuestion.position: position}).where(
                EvaluationQuestion.id == row["id"]
            )


# --- Opening and closing ------------------------------------------------------------------------


async def set_status(slug: str, uid: str, status: str, actor: Actor) -> dict[str, Any]:
    """Open a draft (it takes answers; those asked are mailed by evaluation_requests), close an open
    form, or open a closed one again."""
    evaluation = await get_evaluation(slug, uid)
    allowed = {DRAFT: (OPEN,), OPEN: (CLOSED,), CLOSED: (OPEN,)}
    if status not in allowed[evaluation["status"]]:
        raise DomainError(N_("The evaluation cannot change that way now."))
    if status == OPEN and not evaluation["questions"]:
        raise DomainError(N_("Add at least one question before opening the evaluation."))
    if status == OPEN and evaluation["closes_at"] and evaluation["closes_at"] <= utcnow():
        raise DomainError(N_("The closing date has passed: move it first."), field="closes_on")
    async with atomic():
        changed = await (
            Evaluation.update({Evaluation.status: status})
            .where((Evaluation.id == evaluation["id"]) & (Evaluation.status == evaluation["status"]))
            .returning(Evaluation.id)
        )
        if changed:
            await audit.record(
                f"evaluation.{status}",
                actor,
                object_type="evaluation",
                object_id=evaluation["uid"],
                summary=evaluation["title"],
            )
    return await get_evaluation(slug, uid)


# --- Templates ----------------------------------------------------------------------------------


async def ensure_templates() -> int:
    """The council's standard form and the no-show form as templates; the number added (0 when
    they are there)."""
    added = 0
    for key, form in TEMPLATES.items():
        if await Evaluation.exists().where(Evaluation.event.is_null() & (Evaluation.template_key == key)):
            continue
        async with atomic():
            row = Evaluation(
                template_key=key,
                title=form["title"],
                title_en=form["title_en"],
                intro=form["intro"],
                intro_en=form["intro_en"],
                audience=NO_SHOW if key == "no_show" else ATTENDED,
            )
            await row.save()
            await _insert_questions(row.id, form["questions"])
        added += 1
    return added
