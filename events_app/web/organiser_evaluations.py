"""The organisers' pages for building and sending an event's evaluations: the list with a new form
(copied from a template or an earlier event's form), a form's page with its settings and questions,
and the actions opening, asking, reminding, closing and deleting it.

Every rule lives in the domain (`evaluations`, `evaluation_requests`); these controllers read the
request, call one service and pick the response. The pages show how many were asked and how many
answered, never who: that is what keeps an anonymous form anonymous (docs/evaluations.md). The
results have their own controller (organiser_evaluation_results.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import evaluation_requests, evaluations, events, mailings
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.evaluations import EvaluationInput, QuestionInput
from events_app.i18n import N_, localtime
from events_app.web.auth import actor_of
from events_app.web.downloads import NO_STORE
from events_app.web.field_parsing import parse_date, parse_int
from events_app.web.forms import form_errors, read_form
from events_app.web.refusals import flash_refusal, refusal_caught

FIELDS = ("title", "title_en", "intro", "intro_en", "audience", "named", "scope", "closes_on", "send_after_hours")
QUESTION_FIELDS = (
    "kind",
    "text",
    "text_en",
    "options",
    "options_en",
    "low_label",
    "low_label_en",
    "high_label",
    "high_label_en",
    "required",
)
_MICROSECOND = timedelta(microseconds=1)


def evaluation_url(request: Request, slug: str, uid: Any) -> str:
    return request.app.route_reverse("organiser_evaluation", slug=slug, uid=str(uid))


def _see(request: Request, slug: str, uid: Any) -> Redirect:
    return Redirect(evaluation_url(request, slug, uid), status_code=303)


def evaluation_input(values: dict[str, str]) -> EvaluationInput:
    """The settings form as the domain takes it; a date or a number that cannot be read is refused
    here, with the message at its field."""
    errors: dict[str, DomainError] = {}
    closes_on = parse_date(values["closes_on"], "closes_on", errors)
    send_after_hours = parse_int(values["send_after_hours"], "send_after_hours", errors)
    if errors:
        raise ValidationFailed(errors)
    return EvaluationInput(
        title=values["title"],
        title_en=values["title_en"],
        intro=values["intro"],
        intro_en=values["intro_en"],
        audience=values["audience"],
        named=bool(values["named"]),
        scope=values["scope"],
        closes_on=closes_on,
        send_after_hours=send_after_hours,
    )


def evaluation_values(evaluation: dict[str, Any]) -> dict[str, str]:
    """A form's settings as the settings form's fields."""
    scope = ""
    if evaluation["day"]:
        scope = f"day:{evaluation['day']['day'].isoformat()}"
    elif evaluation["session_row"]:
        scope = f"session:{evaluation['session_row']['uid']}"
    closes_at = evaluation["closes_at"]
    # Closing "on" a day means at its end (the next midnight): show the day the answers are still taken.
    closes_on = localtime(closes_at - _MICROSECOND).date().isoformat() if closes_at else ""
    hours = evaluation["send_after_hours"]
    return {
        "title": evaluation["title"],
        "title_en": evaluation["title_en"],
        "intro": evaluation["intro"],
        "intro_en": evaluation["intro_en"],
        "audience": evaluation["audience"],
        "named": "1" if evaluation["named"] else "",
        "scope": scope,
        "closes_on": closes_on,
        "send_after_hours": "" if hours is None else str(hours),
    }


def question_input(values: dict[str, str]) -> QuestionInput:
    return QuestionInput(
        kind=values["kind"],
        text=values["text"],
        text_en=values["text_en"],
        options=values["options"].splitlines(),
        options_en=values["options_en"].splitlines(),
        low_label=values["low_label"],
        low_label_en=values["low_label_en"],
        high_label=values["high_label"],
        high_label_en=values["high_label_en"],
        required=bool(values["required"]),
    )


def question_values(question: dict[str, Any]) -> dict[str, str]:
    values = {name: question[name] or "" for name in QUESTION_FIELDS if name not in ("options", "options_en")}
    values["options"] = "\n".join(question["options"] or [])
    values["options_en"] = "\n".join(question["options_en"] or [])
    values["required"] = "1" if question["required"] else ""
    return values


def _choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(value, i18n.gettext(label)) for value, label in labels.items()]


async def _scope_choices(event: dict[str, Any]) -> dict[str, Any]:
    """What a form can be about: the event's days (a module's occasions, a multi-day event's days)
    and its sessions."""
    event = await events.get_event(event["slug"])
    days = event["days"] if len(event["days"]) > 1 or event["kind"] == "training_module" else []
    return {"days": days, "sessions": await mailings.sessions_of(event["id"])}


async def list_page(slug: str, *, values: dict[str, str] | None = None, error: DomainError | None = None) -> Template:
    event, rows = await evaluations.list_evaluations(slug)
    sources = await evaluations.sources(event["id"])
    context = {
        "event": event,
        "rows": rows,
        "values": values or {"audience": evaluations.ATTENDED, "copy_from": evaluations.STANDARD},
        "errors": form_errors(error) if error else {},
        # The templates (reference data, `events-app migrate`), then earlier events' forms.
        "templates": [(row["template_key"], row["title"]) for row in sources if row.get("template_key")],
        "earlier": [row for row in sources if not row.get("template_key")],
        "audiences": _choices(evaluations.AUDIENCES),
        "statuses": evaluations.STATUSES,
        **await _scope_choices(event),
    }
    return Template("organiser/evaluations.html", context=context, status_code=400 if error else 200, headers=NO_STORE)


async def evaluation_page(
    evaluation: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    new_question: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Template:
    context = {
        "event": evaluation["event"],
        "evaluation": evaluation,
        "values": values or evaluation_values(evaluation),
        "qvalues": new_question or {"kind": evaluations.RATING},
        "errors": form_errors(error) if error else {},
        "kinds": _choices(evaluations.KINDS),
        "kind_labels": dict(_choices(evaluations.KINDS)),
        "audiences": _choices(evaluations.AUDIENCES),
        "statuses": evaluations.STATUSES,
        # How many the form is for now: a number, never who.
        "audience_size": len(await evaluation_requests.audience(evaluation)),
        **await _scope_choices(evaluation["event"]),
    }
    return Template("organiser/evaluation.html", context=context, status_code=400 if error else 200, headers=NO_STORE)


async def question_page(
    evaluation: dict[str, Any],
    question: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Template:
    context = {
        "event": evaluation["event"],
        "evaluation": evaluation,
        "question": question,
        "qvalues": values or question_values(question),
        "errors": form_errors(error) if error else {},
        "kinds": _choices(evaluations.KINDS),
    }
    return Template("organiser/evaluation_question_form.html", context=context, status_code=400 if error else 200)


class OrganiserEvaluationsController(Controller):
    """An event's evaluation forms, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/evaluations", name="organiser_evaluations")
    async def list(self, slug: FromPath[str]) -> Template:
        return await list_page(slug)

    @post("/{slug:str}/evaluations", name="organiser_evaluation_create")
    async def create(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, *FIELDS, "copy_from")
        with refusal_caught() as refused:
            evaluation = await evaluations.create_evaluation(
                slug, evaluation_input(values), actor_of(request), copy_from=values["copy_from"]
            )
        if refused.error:
            return await list_page(slug, values=values, error=refused.error)
        flash(
            request, i18n.gettext("The evaluation was made as a draft. Check its questions, then open it."), "success"
        )
        return _see(request, slug, evaluation["uid"])

    @get("/{slug:str}/evaluations/{uid:str}", name="organiser_evaluation")
    async def show(self, slug: FromPath[str], uid: FromPath[str]) -> Template:
        return await evaluation_page(await evaluations.get_evaluation(slug, uid))

    @post("/{slug:str}/evaluations/{uid:str}", name="organiser_evaluation_update")
    async def update(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        evaluation = await evaluations.get_evaluation(slug, uid)
        values = await read_form(request, *FIELDS)
        with refusal_caught() as refused:
            await evaluations.update_evaluation(slug, uid, evaluation_input(values), actor_of(request))
        if refused.error:
            return await evaluation_page(evaluation, values=values, error=refused.error)
        flash(request, i18n.gettext("The changes were saved."), "success")
        return _see(request, slug, uid)

    @post("/{slug:str}/evaluations/{uid:str}/open", name="organiser_evaluation_open")
    async def open(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        return await self._set_status(request, slug, uid, evaluations.OPEN, N_("The evaluation is open."))

    @post("/{slug:str}/evaluations/{uid:str}/close", name="organiser_evaluation_close")
    async def close(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        return await self._set_status(
            request, slug, uid, evaluations.CLOSED, N_("The evaluation is closed: no more answers are taken.")
        )

    async def _set_status(self, request: Request, slug: str, uid: str, status: str, done: str) -> Response:
        with refusal_caught() as refused:
            await evaluations.set_status(slug, uid, status, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(request, i18n.gettext(done), "success")
        return _see(request, slug, uid)

    @post("/{slug:str}/evaluations/{uid:str}/ask", name="organiser_evaluation_ask")
    async def ask(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        evaluation = await evaluations.get_evaluation(slug, uid)
        with refusal_caught() as refused:
            count = await evaluation_requests.ask(evaluation, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        elif count:
            message = i18n.ngettext(
                "%(num)s person was asked to answer the evaluation.",
                "%(num)s people were asked to answer the evaluation.",
                count,
            )
            flash(request, message, "success")
        else:
            flash(request, i18n.gettext("Everyone the evaluation is for has been asked already."), "info")
        return _see(request, slug, uid)

    @post("/{slug:str}/evaluations/{uid:str}/remind", name="organiser_evaluation_remind")
    async def remind(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        evaluation = await evaluations.get_evaluation(slug, uid)
        with refusal_caught() as refused:
            # How many is not said: set against those asked and answered, it could tell whether
            # someone who has since cancelled had answered (evaluation_requests.remind).
            await evaluation_requests.remind(evaluation, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(request, i18n.gettext("A reminder is on its way to everyone who has not answered."), "success")
        return _see(request, slug, uid)

    @post("/{slug:str}/evaluations/{uid:str}/delete", name="organiser_evaluation_delete")
    async def delete(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            await evaluations.delete_evaluation(slug, uid, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
            return _see(request, slug, uid)
        flash(request, i18n.gettext("The evaluation was deleted."), "success")
        return Redirect(request.app.route_reverse("organiser_evaluations", slug=slug), status_code=303)


class OrganiserEvaluationQuestionsController(Controller):
    """The questions of an event's evaluation form: adding, changing, deleting and ordering them,
    until the first answer comes in."""

    path = "/events/{slug:str}/evaluations/{uid:str}/questions"

    @post("/", name="organiser_evaluation_question_create")
    async def create(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        values = await read_form(request, *QUESTION_FIELDS)
        with refusal_caught() as refused:
            await evaluations.add_question(slug, uid, question_input(values), actor_of(request))
        if refused.error:
            evaluation = await evaluations.get_evaluation(slug, uid)
            return await evaluation_page(evaluation, new_question=values, error=refused.error)
        flash(request, i18n.gettext("The question was added."), "success")
        return _see(request, slug, uid)

    @get("/{question_uid:str}", name="organiser_evaluation_question")
    async def edit_form(self, slug: FromPath[str], uid: FromPath[str], question_uid: FromPath[str]) -> Template:
        evaluation, question = await evaluations.get_question(slug, uid, question_uid)
        return await question_page(evaluation, question)

    @post("/{question_uid:str}", name="organiser_evaluation_question_update")
    async def update(
        self, request: Request, slug: FromPath[str], uid: FromPath[str], question_uid: FromPath[str]
    ) -> Response:
        evaluation, question = await evaluations.get_question(slug, uid, question_uid)
        values = await read_form(request, *QUESTION_FIELDS)
        with refusal_caught() as refused:
            await evaluations.update_question(slug, uid, question_uid, question_input(values), actor_of(request))
        if refused.error:
            return await question_page(evaluation, question, values=values, error=refused.error)
        flash(request, i18n.gettext("The changes were saved."), "success")
        return _see(request, slug, uid)

    @post("/{question_uid:str}/delete", name="organiser_evaluation_question_delete")
    async def delete(
        self, request: Request, slug: FromPath[str], uid: FromPath[str], question_uid: FromPath[str]
    ) -> Response:
        with refusal_caught() as refused:
            await evaluations.delete_question(slug, uid, question_uid, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(request, i18n.gettext("The question was deleted."), "success")
        return _see(request, slug, uid)

    @post("/{question_uid:str}/up", name="organiser_evaluation_question_up")
    async def up(
        self, request: Request, slug: FromPath[str], uid: FromPath[str], question_uid: FromPath[str]
    ) -> Response:
        return await _move(request, slug, uid, question_uid, -1)

    @post("/{question_uid:str}/down", name="organiser_evaluation_question_down")
    async def down(
        self, request: Request, slug: FromPath[str], uid: FromPath[str], question_uid: FromPath[str]
    ) -> Response:
        return await _move(request, slug, uid, question_uid, 1)


async def _move(request: Request, slug: str, uid: str, question_uid: str, step: int) -> Response:
    with refusal_caught() as refused:
        await evaluations.move_question(slug, uid, question_uid, step, actor_of(request))
    if refused.error:
        flash_refusal(request, refused.error)
    return _see(request, slug, uid)
