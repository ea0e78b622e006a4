"""The mails asking for an evaluation and reminding, rendered when sent with the personal link.

Nothing is sent when the request is gone, the form no longer takes answers, or (for a reminder) the
person has answered since it was queued.
"""

from __future__ import annotations

from typing import Any

from events_app.domain import evaluations, links
from events_app.domain.evaluation_links import has_answered, token_for
from events_app.domain.outbox import BuiltMail, mail_builder
from events_app.domain.tables import Evaluation, EvaluationRequest, Event, Registration
from events_app.domain.validation import parse_uid


async def _build(template: str, args: dict[str, Any]) -> BuiltMail | None:
    uid = parse_uid(args.get("request", ""))
    request = await EvaluationRequest.select().where(EvaluationRequest.uid == uid).first() if uid else None
    if request is None or (template == "evaluation_reminder" and await has_answered(request)):
        return None
    evaluation = await Evaluation.select().where(Evaluation.id == request["evaluation"]).first()
    if not evaluations.is_accepting(evaluation):
        return None
    registration = (
        await Registration.select(Registration.name, Registration.language)
        .where(Registration.id == request["registration"])
        .first()
    )
    event = await Event.select(Event.slug, Event.title, Event.title_en).where(Event.id == evaluation["event"]).first()
    return BuiltMail(
        template=template,
        language=registration["language"],
        context={
            "name": registration["name"],
            "event": event,
            "evaluation": evaluation,
            "closes_at": evaluation["closes_at"],
            "evaluation_url": links.evaluation_url(token_for(request["uid"])),
        },
    )


@mail_builder("evaluation_request")
async def evaluation_request(args: dict[str, Any]) -> BuiltMail | None:
    return await _build("evaluation_request", args)


@mail_builder("evaluation_reminder")
async def evaluation_reminder(args: dict[str, Any]) -> BuiltMail | None:
    return await _build("evaluation_reminder", args)
