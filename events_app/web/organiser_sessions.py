"""The organisers' programme sessions: adding one to an event, editing, cancelling, deleting and moving
it within the programme, with its speakers."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import events, programme, themes
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.i18n import N_
from events_app.web.auth import actor_of
from events_app.web.field_parsing import combine, local_date_time, parse_date, parse_int, parse_time
from events_app.web.forms import form_page, read_form
from events_app.web.refusals import flash_refusal

SESSION_TEXT_FIELDS = [
    "title",
    "description",
    "kind",
    "date",
    "start_time",
    "end_time",
    "room",
    "capacity",
    "requires_signup",
    "title_en",
    "description_en",
]
MAX_SPEAKER_ROWS = 50
SPEAKER_PARTS = ("name", "title", "organisation")
SPEAKER_ROW = re.compile(r"speaker_name_(\d{1,6})")


async def read_session_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in SESSION_TEXT_FIELDS}
    values["themes"] = [str(slug) for slug in form.getall("themes", [])]
    # The rows in their order on the page; rows added and removed in the browser leave gaps in the numbers.
    rows = sorted(int(match[1]) for key in form if (match := SPEAKER_ROW.fullmatch(key)))
    values["speakers"] = [
        {part: str(form.get(f"speaker_{part}_{n}") or "") for part in SPEAKER_PARTS} for n in rows[:MAX_SPEAKER_ROWS]
    ]
    values["speaker_action"] = str(form.get("speaker_action") or "")
    return values


def with_speaker_rows_changed(values: dict[str, Any]) -> dict[str, Any] | None:
    """The form with a speaker row added or removed, when one of the row buttons sent it without
    scripts (static/rows.js does it in the page otherwise); None when the form was sent to be saved.
    Everything typed is kept, and the focus goes to the new row or back to the add button."""
    action = values.get("speaker_action", "")
    speakers = list(values["speakers"])
    if action == "add":
        if len(speakers) < MAX_SPEAKER_ROWS:
            speakers.append(dict.fromkeys(SPEAKER_PARTS, ""))
        focus = f"speaker_name_{len(speakers) - 1}"
    elif action.startswith("remove-") and action[len("remove-") :].isdigit():
        del speakers[int(action[len("remove-") :]) : int(action[len("remove-") :]) + 1]
        focus = "speaker_add"
    else:
        return None
    return {**values, "speakers": speakers, "focus": focus}


def speaker_rows(values: dict[str, Any]) -> list[dict[str, str]]:
    """The speaker rows to show: those given (kept as they are while rows are being added or removed),
    otherwise the ones filled in; one empty row when there are none yet."""
    speakers = values.get("speakers", [])
    if "focus" not in values:
        speakers = [s for s in speakers if any(s.values())] or [dict.fromkeys(SPEAKER_PARTS, "")]
    return speakers


def session_input(values: dict[str, Any]) -> SessionInput:
    errors: dict[str, DomainError] = {}
    day = parse_date(values["date"], "starts_at", errors)
    starts, ends = (
        parse_time(values["start_time"], "starts_at", errors),
        parse_time(values["end_time"], "ends_at", errors),
    )
    data = SessionInput(
        title=values["title"],
        description=values["description"],
        kind=values["kind"],
        starts_at=combine(day, starts),
        ends_at=combine(day, ends),
        room=values["room"],
        capacity=parse_int(values["capacity"], "capacity", errors),
        requires_signup=values["requires_signup"] == "1",
        themes=values["themes"],
        speakers=[SpeakerInput(**speaker) for speaker in values["speakers"]],  # the domain skips empty rows
        title_en=values["title_en"],
        description_en=values["description_en"],
    )
    if errors:
        raise ValidationFailed(dict(errors))
    return data


def session_values(session: dict[str, Any]) -> dict[str, Any]:
    day, start = local_date_time(session["starts_at"])
    _, end = local_date_time(session["ends_at"])
    return {
        "title": session["title"],
        "description": session["description"],
        "kind": session["kind"],
        "date": day,
        "start_time": start,
        "end_time": end,
        "room": session["room"],
        "capacity": "" if session["capacity"] is None else str(session["capacity"]),
        "requires_signup": "1" if session["requires_signup"] else "",
        "themes": [theme["slug"] for theme in session["themes"]],
        "speakers": [
            {"name": s["name"], "title": s["title"], "organisation": s["organisation"]} for s in session["speakers"]
        ],
        "title_en": session["title_en"],
        "description_en": session["description_en"],
    }


async def session_form(
    event: dict, session: dict | None, *, values: dict | None = None, error: DomainError | None = None
) -> Template:
    return form_page(
        "organiser/session_form.html",
        values={**(values or {}), "speakers": speaker_rows(values or {})},
        error=error,
        event=event,
        session=session,
        themes=await themes.all_themes(),
    )


def place_in_programme(request: Request, slug: str, session_uid: Any) -> str:
    """The event's overview, at the session in its programme."""
    return f"{request.app.route_reverse('organiser_event', slug=slug)}#session-{session_uid}"


class OrganiserSessionsController(Controller):
    """A session is added under its event's address and is then reached by its own uid."""

    @get("/events/{slug:str}/sessions/new", name="organiser_session_new")
    async def new_session_form(self, slug: FromPath[str]) -> Template:
        event = await events.get_event(slug)
        first_day = event["days"][0]["day"].isoformat() if event["days"] else ""
        return await session_form(event, None, values={"kind": "plenary", "date": first_day})

    @post("/events/{slug:str}/sessions/new", name="organiser_session_create")
    async def create_session(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        values = await read_session_form(request)
        if (changed := with_speaker_rows_changed(values)) is not None:
            return await session_form(event, None, values=changed)
        try:
            session = await programme.add_session(slug, session_input(values), actor_of(request))
        except DomainError as error:
            return await session_form(event, None, values=values, error=error)
        flash(request, i18n.gettext("The session “%(title)s” was added.", title=session["title"]), "success")
        return Redirect(place_in_programme(request, slug, session["uid"]))

    @get("/sessions/{uid:str}/edit", name="organiser_session_edit")
    async def edit_form(self, uid: FromPath[str]) -> Template:
        session = await programme.get_session(uid)
        return await session_form(
            await events.get_event(session["event_slug"]), session, values=session_values(session)
        )

    @post("/sessions/{uid:str}/edit", name="organiser_session_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.get_session(uid)
        values = await read_session_form(request)
        if (changed := with_speaker_rows_changed(values)) is not None:
            return await session_form(await events.get_event(session["event_slug"]), session, values=changed)
        try:
            await programme.update_session(uid, session_input(values), actor_of(request))
        except DomainError as error:
            return await session_form(
                await events.get_event(session["event_slug"]), session, values=values, error=error
            )
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(place_in_programme(request, session["event_slug"], uid))

    @post("/sessions/{uid:str}/cancel", name="organiser_session_cancel")
    async def cancel(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.cancel_session(uid, actor_of(request))
        flash(request, i18n.gettext("The session “%(title)s” is cancelled.", title=session["title"]), "success")
        return Redirect(place_in_programme(request, session["event_slug"], uid))

    @post("/sessions/{uid:str}/delete", name="organiser_session_delete")
    async def delete(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.get_session(uid)
        try:
            await programme.delete_session(uid, actor_of(request))
            flash(request, i18n.gettext("The session “%(title)s” was deleted.", title=session["title"]), "success")
        except DomainError as error:
            flash_refusal(request, error)
        return Redirect(request.app.route_reverse("organiser_event", slug=session["event_slug"]))

    @post("/sessions/{uid:str}/move", name="organiser_session_move")
    async def move(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.get_session(uid)
        direction = (await read_form(request, "direction"))["direction"]
        if direction in ("up", "down"):
            await programme.move_session(uid, -1 if direction == "up" else 1, actor_of(request))
        else:
            flash_refusal(request, DomainError(N_("Choose whether to move the session up or down.")))
        return Redirect(place_in_programme(request, session["event_slug"], uid))
