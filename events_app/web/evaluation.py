"""The evaluation's answer page, reached by the personal link in the mail, on the registration page
or on My pages: the form (saying first whether it is anonymous or named), the answer given so far,
and sending or changing it until the form closes.

Like the other pages opened by a secret link, it is never cached, indexed or passed on as a
referrer, and opening it changes nothing: only the POST stores an answer.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import evaluation_answers, evaluations
from events_app.domain.errors import DomainError
from events_app.i18n import N_
from events_app.web.context import LANGUAGE_COOKIE
from events_app.web.forms import form_errors
from events_app.web.registration import private

_THEMES_OTHER = "_other"  # the field of a themes question's free text: q_<uid>_other
THANKS = N_("Thank you for your answer.")
CHANGED = N_("Your answer has been changed.")


async def _raw_answers(request: Request, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The form's answers by field name, lists where a question takes several."""
    form = await request.form()
    raw: dict[str, Any] = {}
    for question in questions:
        name = evaluation_answers.field_name(question)
        if question["kind"] == evaluations.THEMES:
            raw[name] = {
                "themes": [str(item) for item in form.getall(name, [])],
                "other": str(form.get(name + _THEMES_OTHER) or ""),
            }
        elif question["kind"] == evaluations.MULTIPLE:
            raw[name] = [str(item) for item in form.getall(name, [])]
        else:
            raw[name] = str(form.get(name) or "")
    return raw


def _values(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """A stored answer as the form's fields show it again."""
    values: dict[str, Any] = {}
    for question in questions:
        name = evaluation_answers.field_name(question)
        answer = answers.get(str(question["uid"]))
        if question["kind"] == evaluations.THEMES:
            answer = answer or {}
            values[name] = answer.get("themes", []) if isinstance(answer, dict) else answer
            values[name + _THEMES_OTHER] = answer.get("other", "") if isinstance(answer, dict) else ""
        elif question["kind"] == evaluations.MULTIPLE:
            values[name] = answer or []
        else:
            values[name] = "" if answer is None else str(answer)
    return values


class EvaluationController(Controller):
    path = "/evaluation"

    async def _page(
        self,
        request: Request,
        token: str,
        *,
        form: dict[str, Any] | None = None,
        raw: dict[str, Any] | None = None,
        error: DomainError | None = None,
    ) -> Response:
        form = form or await evaluation_answers.form_for(token)
        if not request.cookies.get(LANGUAGE_COOKIE):
            i18n.set_language(form["request"]["language"])
        questions = form["evaluation"]["questions"]
        values = _values(questions, form["answers"])
        if raw is not None:  # shown again as sent, with the messages
            values = _values(questions, {str(q["uid"]): raw.get(evaluation_answers.field_name(q)) for q in questions})
        return private(
            Template(
                "public/evaluation.html",
                context={
                    **form,
                    "token": token,
                    "values": values,
                    "errors": form_errors(error) if error else {},
                    "other_suffix": _THEMES_OTHER,
                    "max_text": evaluation_answers.MAX_TEXT,
                },
                status_code=400 if error else 200,
            )
        )

    @get("/{token:str}", name="evaluation_answer")
    async def show(self, request: Request, token: FromPath[str]) -> Response:
        return await self._page(request, token)

    @post("/{token:str}", name="evaluation_answer_save")
    async def save(self, request: Request, token: FromPath[str]) -> Response:
        form = await evaluation_answers.form_for(token)
        raw = await _raw_answers(request, form["evaluation"]["questions"])
        try:
            first = await evaluation_answers.store(form, raw)
        except DomainError as error:  # nothing was stored: the form read above is still what it is
            return await self._page(request, token, form=form, raw=raw, error=error)
        flash(request, i18n.gettext(THANKS if first else CHANGED), "success")
        return private(Redirect(request.app.route_reverse("evaluation_answer", token=token), status_code=303))
