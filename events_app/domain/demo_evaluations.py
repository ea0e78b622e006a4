"""The demo's evaluation: last year's Hållbarhetsdagarna evaluated with the council's standard form,
answered by most of those who came, so the results page, its breakdowns and the planning page's
theme wishes have something to show. The answers are invented and fixed (no randomness), and written
as the answer page would have stored them: an answer under its request's locator."""

from __future__ import annotations

from typing import Any

from events_app.domain import evaluations
from events_app.domain.audit import Actor
from events_app.domain.evaluation_links import locator_for
from events_app.domain.evaluations import EvaluationInput
from events_app.domain.tables import (
    Attendance,
    Evaluation,
    EvaluationRequest,
    EvaluationResponse,
    Registration,
)
from events_app.domain.transactions import atomic

# One line per answer, in the order of those who came: overall, usefulness, arrangements, recommend,
# themes, a comment. None: the person did not answer.
ANSWERS: list[tuple[int, int, int, str, list[str], str] | None] = [
    (5, 4, 5, "Ja", ["klimat-energi", "transport"], "Bra blandning av politiker och tjänstepersoner."),
    (4, 4, 4, "Ja", ["klimat-energi", "landsbygd"], "Workshoppen om upphandling var mycket givande."),
    (4, 3, 5, "Kanske", ["digitalisering"], ""),
    (5, 5, 4, "Ja", ["klimat-energi", "miljomal"], "Mer tid för frågor nästa gång."),
    None,
    (3, 3, 4, "Kanske", ["transport", "samverkan"], "Lokalen blev varm på eftermiddagen."),
    (4, 5, 4, "Ja", ["klimat-energi", "ekokommuner"], ""),
    (5, 4, 5, "Ja", ["landsbygd", "klimat-energi"], "Tack för en välordnad dag!"),
    (4, 4, 3, "Ja", ["miljomal"], "Maten kunde ha varit mer vegetarisk."),
    None,
    (4, 4, 4, "Ja", ["klimat-energi", "transport"], ""),
    (2, 3, 4, "Nej", ["digitalisering"], "För mycket föreläsningar, för lite dialog."),
]


async def add_evaluation(slug: str, actor: Actor) -> int:
    """The standard form on the (finished) event `slug`, with the demo's answers; 1 when added."""
    event_id = (await evaluations.list_evaluations(slug))[0]["id"]
    if await Evaluation.exists().where(Evaluation.event == event_id):
        return 0
    async with atomic():
        form = await evaluations.create_evaluation(slug, EvaluationInput(), actor, copy_from=evaluations.STANDARD)
        by_key = {question["standard_key"]: str(question["uid"]) for question in form["questions"]}
        came = await (
            Registration.select(Registration.id, Registration.organisation, Registration.person.side.as_alias("side"))
            .where(
                (Registration.event == event_id)
                & Registration.id.is_in(Attendance.select(Attendance.registration).where(Attendance.event == event_id))
            )
            .order_by(Registration.id)
        )
        for registration, answer in zip(came, ANSWERS, strict=False):
            request = EvaluationRequest(
                evaluation=form["id"],
                registration=registration["id"],
                scope=f"{form['id']}/{registration['id']}",
            )
            await request.save()
            if answer is not None:
                await EvaluationResponse.insert(
                    EvaluationResponse(
                        evaluation=form["id"],
                        locator=locator_for(request.uid),
                        organisation=registration["organisation"],
                        side=registration["side"] or "",
                        answers=_answers(by_key, answer),
                    )
                )
        await Evaluation.update({Evaluation.status: evaluations.CLOSED, Evaluation.sent_at: form["ends_at"]}).where(
            Evaluation.id == form["id"]
        )
    return 1


def _answers(by_key: dict[str, str], answer: tuple[int, int, int, str, list[str], str]) -> dict[str, Any]:
    overall, usefulness, arrangements, recommend, themes, comment = answer
    answers: dict[str, Any] = {
        by_key["overall"]: overall,
        by_key["usefulness"]: usefulness,
        by_key["organisation"]: arrangements,
        by_key["recommend"]: recommend,
        by_key["themes"]: {"themes": themes, "other": ""},
    }
    if comment:
        answers[by_key["comments"]] = comment
    return answers
