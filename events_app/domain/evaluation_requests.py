"""Who is asked to answer an evaluation, their personal links, the mails asking and reminding them.

Those asked are the registrations checked in at what the form is about (the event, one occasion of
a module, one session), or for a no-show form those who had a place there and never came. Each gets
one EvaluationRequest (`scope` unique: nobody is asked twice, however often an organiser presses
"send" or the sender asks automatically) and a mail with a personal link (evaluation_links.py).
Reminders go to the requests not answered; the organisers see how many were asked and how many
answered, never who, nor how many were reminded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from events_app.domain import (
    audit,
    evaluation_mail,  # noqa: F401  (registers the mails' builders with the outbox)
    evaluations,
    outbox,
)
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError
from events_app.domain.evaluation_links import answered_locators, has_answered, locator_for, token_for
from events_app.domain.tables import (
    Attendance,
    Evaluation,
    EvaluationRequest,
    Event,
    EventStatus,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import N_, localtime

CONFIRMED = RegistrationStatus.confirmed.value
REMIND_AGAIN_AFTER = timedelta(hours=1)  # a double click, or two organisers at once, remind once


# --- Who is asked -------------------------------------------------------------------------------


async def _session_rule(evaluation: dict[str, Any]) -> tuple[set[int], bool]:
    """For a session's form: the registrations with a place in it, and whether it needs sign-up."""
    session = (
        await ProgrammeSession.select(ProgrammeSession.requires_signup)
        .where(ProgrammeSession.id == evaluation["session"])
        .first()
    )
    chosen = await SessionChoice.select(SessionChoice.registration).where(
        (SessionChoice.session == evaluation["session"]) & (SessionChoice.status == CONFIRMED)
    )
    return {row["registration"] for row in chosen}, bool(session and session["requires_signup"])


def _in_scope(evaluation: dict[str, Any], check_in: dict[str, Any], session_day) -> bool:
    if evaluation["session"]:
        return check_in["session"] == evaluation["session"] or check_in["day"] == session_day
    if evaluation["day"]:
        return check_in["day"] == evaluation["day"]["day"]
    return True


def _registered_for(registrations: list[dict[str, Any]], day) -> set[int]:
    """The registrations that had a place on `day` (one without days chosen has every day)."""
    return {row["id"] for row in registrations if not row.get("days") or day.isoformat() in row["days"]}


async def audience(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """The registrations the form is for now (id, uid, email, name, language), erased people left
    out: those checked in at its event, occasion or session; for a no-show form, those with a place
    there who never came. `evaluation` is what evaluations.get_evaluation returns."""
    registrations = await (
        Registration.select(
            Registration.id,
            Registration.uid,
            Registration.email,
            Registration.name,
            Registration.language,
            Registration.days,
        )
        .where(
            (Registration.event == evaluation["event"]["id"])
            & (Registration.status == CONFIRMED)
            & Registration.person.erased_at.is_null()
        )
        .order_by(Registration.id)
        .output(load_json=True)
    )
    check_ins = await Attendance.select(Attendance.registration, Attendance.day, Attendance.session).where(
        Attendance.event == evaluation["event"]["id"]
    )
    session_row = evaluation.get("session_row")
    # A session's day as the door records it: a Stockholm date.
    session_day = localtime(session_row["starts_at"]).date() if session_row else None
    came = {row["registration"] for row in check_ins if _in_scope(evaluation, row, session_day)}
    placed: set[int] | None = None
    if evaluation["session"]:
        chosen, needs_signup = await _session_rule(evaluation)
        at_door = {row["registration"] for row in check_ins if row["session"] == evaluation["session"]}
        placed = chosen if needs_signup else _registered_for(registrations, session_day)
        came = (came & chosen) | at_door if needs_signup else came
    if evaluation["day"]:
        placed = _registered_for(registrations, evaluation["day"]["day"])
    if evaluation["audience"] == evaluations.NO_SHOW:
        return [row for row in registrations if row["id"] not in came and (placed is None or row["id"] in placed)]
    return [row for row in registrations if row["id"] in came]


def _can_ask(evaluation: dict[str, Any]) -> None:
    if evaluation["event"]["status"] not in (EventStatus.published.value, EventStatus.archived.value):
        raise DomainError(N_("Only a published event's participants can be asked."))
    if not evaluations.is_accepting(evaluation):
        raise DomainError(N_("Open the evaluation (and check its closing date) before asking anyone."))


async def ask(evaluation: dict[str, Any], actor: Actor) -> int:
    """Ask everyone the form is for who has not been asked yet: a request and a mail each. Returns
    how many were asked now (0 when everyone has been)."""
    _can_ask(evaluation)
    people = await audience(evaluation)
    async with atomic():
        # The UPDATE takes the form's row lock on PostgreSQL (SQLite's write transaction is one lock
        # already), so two at once queue here and the second finds everyone asked.
        await Evaluation.update({Evaluation.sent_at: evaluation["sent_at"] or utcnow()}).where(
            Evaluation.id == evaluation["id"]
        )
        asked = {
            row["registration"]
            for row in await EvaluationRequest.select(EvaluationRequest.registration).where(
                EvaluationRequest.evaluation == evaluation["id"]
            )
        }
        new = [row for row in people if row["id"] not in asked]
        requests = [
            EvaluationRequest(
                evaluation=evaluation["id"], registration=row["id"], scope=f"{evaluation['id']}/{row['id']}"
            )
            for row in new
        ]
        if requests:
            await EvaluationRequest.insert(*requests)
        for row, request in zip(new, requests, strict=True):
            await outbox.enqueue_later(
                to_address=row["email"],
                to_name=row["name"],
                language=row["language"],
                kind="evaluation_request",
                build_args={"request": str(request.uid)},
            )
        if new:
            await audit.record(
                "evaluation.asked",
                actor,
                object_type="evaluation",
                object_id=evaluation["uid"],
                summary=f"{evaluation['title']}: {len(new)}",
            )
    return len(new)


async def remind(evaluation: dict[str, Any], actor: Actor) -> int:
    """Mail a reminder to everyone asked who has not answered (and still has a place); returns how
    many, for the tests. The organisers are not told the number, nor is it logged: set against the
    counts of those asked and answered, it would tell whether someone who cancelled had answered."""
    if not evaluations.is_accepting(evaluation):
        raise DomainError(N_("The evaluation is closed: nobody can be reminded."))
    now = utcnow()
    async with atomic():
        claimed = await (
            Evaluation.update({Evaluation.reminded_at: now, Evaluation.reminders: Evaluation.reminders + 1})
            .where(
                (Evaluation.id == evaluation["id"])
                & (Evaluation.reminded_at.is_null() | (Evaluation.reminded_at < now - REMIND_AGAIN_AFTER))
            )
            .returning(Evaluation.id)
        )
        if not claimed:
            raise DomainError(N_("A reminder was sent less than an hour ago."))
        asked = await EvaluationRequest.select(
            EvaluationRequest.uid,
            EvaluationRequest.registration.email.as_alias("email"),
            EvaluationRequest.registration.name.as_alias("name"),
            EvaluationRequest.registration.language.as_alias("language"),
        ).where(
            (EvaluationRequest.evaluation == evaluation["id"]) & (EvaluationRequest.registration.status == CONFIRMED)
        )
        answered = await answered_locators(evaluation["id"])
        waiting = [row for row in asked if locator_for(row["uid"]) not in answered]
        for row in waiting:
            await outbox.enqueue_later(
                to_address=row["email"],
                to_name=row["name"],
                language=row["language"],
                kind="evaluation_reminder",
                build_args={"request": str(row["uid"])},
            )
        await audit.record(
            "evaluation.reminded",
            actor,
            object_type="evaluation",
            object_id=evaluation["uid"],
            summary=evaluation["title"],
        )
    return len(waiting)


async def ask_due(now: datetime | None = None) -> int:
    """Ask for the open forms set to go out automatically whose time has come (N hours after what
    they are about ended): the sender calls this every minute. Returns how many were asked."""
    now = now or utcnow()
    rows = await Evaluation.select(Evaluation.id).where(
        (Evaluation.status == evaluations.OPEN)
        & Evaluation.send_after_hours.is_not_null()
        & Evaluation.event.is_not_null()
        & (Evaluation.closes_at.is_null() | (Evaluation.closes_at > now))
    )
    asked = 0
    for row in rows:
        evaluation = await evaluations.evaluation_by_id(row["id"])
        ends_at = evaluation["ends_at"]
        if ends_at is None or ends_at + timedelta(hours=evaluation["send_after_hours"]) > now:
            continue
        try:
            asked += await ask(evaluation, Actor.system("evaluations"))
        except DomainError:
            continue  # an event cancelled meanwhile: nobody to ask
    return asked


# --- The person's own view ----------------------------------------------------------------------


async def requests_of(*, registration_id: int | None = None, person_id: int | None = None) -> list[dict[str, Any]]:
    """A registration's (or a person's) requests with their form's title, state and the personal
    link's secret (`token`), for the registration page and My pages; newest first."""
    query = EvaluationRequest.select(
        EvaluationRequest.uid,
        EvaluationRequest.evaluation.title.as_alias("title"),
        EvaluationRequest.evaluation.title_en.as_alias("title_en"),
        EvaluationRequest.evaluation.status.as_alias("status"),
        EvaluationRequest.evaluation.closes_at.as_alias("closes_at"),
        EvaluationRequest.registration.event.as_alias("event_id"),
    )
    if registration_id is not None:
        query = query.where(EvaluationRequest.registration == registration_id)
    else:
        query = query.where(EvaluationRequest.registration.person == person_id)
    rows = await query.order_by(EvaluationRequest.id, ascending=False)
    events = {
        row["id"]: row
        for row in await Event.select(Event.id, Event.slug, Event.title, Event.title_en).where(
            Event.id.is_in([row["event_id"] for row in rows] or [0])
        )
    }
    now = utcnow()
    for row in rows:
        row["answered"] = await has_answered(row)
        row["token"] = token_for(row["uid"])
        row["event"] = events.get(row["event_id"])
        row["accepting"] = evaluations.is_accepting(row, now)
    return rows
