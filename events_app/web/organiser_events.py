"""The organisers' events: the list, the event form, the overview with its programme, and API tokens.

Dates and times arrive as separate date and time inputs and mean Swedish time (Europe/Stockholm).
They are parsed here; what cannot be read gets a message next to its field, together with the
domain's own checks, so the organiser sees every problem at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.numbers import format_decimal
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import api_tokens, certificates, events, programme
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.rich_text import render as render_markdown
from events_app.domain.tables import EventKind, Role, Theme
from events_app.i18n import N_, STOCKHOLM, localtime
from events_app.web.auth import actor_of, requires_role
from events_app.web.forms import form_page, read_form

EVENT_TEXT_FIELDS = [
    "title",
    "kind",
    "description",
    "audience",
    "capacity",
    "venue_name",
    "venue_address",
    "venue_map_url",
    "occasion_dates",
    "completion_rule",
    "completion_min",
    "hours_credit",
    "hours_per_day",
    "signatory_name",
    "signatory_title",
]
EVENT_DATETIME_FIELDS = ["starts_at", "ends_at", "registration_opens_at", "registration_closes_at"]
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
]
SPEAKER_ROWS = 4  # empty rows offered on a new session; an edited one gets one more than it has
MAX_SPEAKER_ROWS = 50
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?$")
_DECIMAL = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


# --- Reading the form's values ------------------------------------------------------------------


def parse_date(text: str, field: str, errors: dict[str, DomainError]) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.setdefault(field, DomainError(N_("Write the date as YYYY-MM-DD, for example 2027-05-11."), field=field))
        return None


def parse_time(text: str, field: str, errors: dict[str, DomainError]) -> time | None:
    """'9', '09:30', '9.30' (the Swedish way) and '09:30:00' are all half past nine."""
    text = (text or "").strip()
    if not text:
        return None
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    errors.setdefault(field, DomainError(N_("Write the time as HH:MM, for example 09:30."), field=field))
    return None


def combine(day: date | None, clock: time | None) -> datetime | None:
    """A date and a time in Swedish time, as an aware datetime."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, STOCKHOLM)


def parse_date_time(values: dict[str, Any], name: str, errors: dict[str, DomainError]) -> datetime | None:
    date_text, time_text = values.get(f"{name}_date", "").strip(), values.get(f"{name}_time", "").strip()
    if not date_text and not time_text:
        return None
    day, clock = parse_date(date_text, name, errors), parse_time(time_text, name, errors)
    if name not in errors and (not date_text or not time_text):
        errors[name] = DomainError(N_("Give both a date and a time."), field=name)
    return combine(day, clock)


def parse_int(text: str, field: str, errors: dict[str, DomainError]) -> int | None:
    text = "".join((text or "").split())  # "1 200" is a number to a Swede
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors.setdefault(field, DomainError(N_("Write a whole number, for example 120."), field=field))
        return None


def parse_hours(text: str, field: str, errors: dict[str, DomainError]) -> float | None:
    """Hours as a decimal number: '6,5' (the Swedish way) and '6.5' are both six and a half."""
    text = "".join((text or "").split()).replace(",", ".")
    if not text:
        return None
    if _DECIMAL.match(text):
        return float(text)
    errors.setdefault(field, DomainError(N_("Write the number of hours as a number, for example 6.5."), field=field))
    return None


def hours_text(minutes: int | None) -> str:
    """Minutes as hours in the reader's language, exact enough to be read back: 390 -> '6,5' in Swedish."""
    if minutes is None:
        return ""
    return format_decimal(minutes / 60, format="0.##", locale=i18n.current_language())


def parse_dates(text: str, field: str, errors: dict[str, DomainError]) -> list[date]:
    """Dates separated by new lines, commas or spaces."""
    found = []
    for part in re.split(r"[\s,;]+", text or ""):
        if part:
            try:
                found.append(date.fromisoformat(part))
            except ValueError:
                errors.setdefault(
                    field,
                    DomainError(
                        N_("Write each date as YYYY-MM-DD, one per line, for example 2027-03-04."), field=field
                    ),
                )
    return found


def local_date_time(value: datetime | None) -> tuple[str, str]:
    if value is None:
        return "", ""
    local = localtime(value)
    return local.date().isoformat(), local.strftime("%H:%M")


async def read_event_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    fields = EVENT_TEXT_FIELDS + [f"{name}_{part}" for name in EVENT_DATETIME_FIELDS for part in ("date", "time")]
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in fields}
    values["themes"] = [str(slug) for slug in form.getall("themes", [])]
    return values


async def event_input(values: dict[str, Any]) -> EventInput:
    """The form's values as an EventInput, or ValidationFailed with every unreadable field and every rule broken."""
    errors: dict[str, DomainError] = {}
    data = EventInput(
        title=values["title"],
        kind=values["kind"],
        description=values["description"],
        audience=values["audience"],
        capacity=parse_int(values["capacity"], "capacity", errors),
        **{name: parse_date_time(values, name, errors) for name in EVENT_DATETIME_FIELDS},
        venue_name=values["venue_name"],
        venue_address=values["venue_address"],
        venue_map_url=values["venue_map_url"].strip(),
        themes=values["themes"],
        completion_rule=values["completion_rule"] or "all",
        completion_min=parse_int(values["completion_min"], "completion_min", errors),
        hours_credit=values["hours_credit"],
        hours_per_day=parse_hours(values["hours_per_day"], "hours_per_day", errors),
        signatory_name=values["signatory_name"],
        signatory_title=values["signatory_title"],
    )
    # Occasion dates belong to training modules; other events have every day from start to end.
    if values["kind"] == EventKind.training_module.value:
        data.occasion_dates = parse_dates(values["occasion_dates"], "occasion_dates", errors)
    if errors:
        # The domain's checks too, so the organiser sees every problem at once; the reading error wins on a field.
        try:
            await events.clean_event(data)
        except ValidationFailed as failed:
            raise ValidationFailed({**failed.errors, **errors}) from None
        raise ValidationFailed(dict(errors))
    return data


def event_values(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the form's values, for editing."""
    values: dict[str, Any] = {name: event.get(name) for name in EVENT_TEXT_FIELDS if name in event}
    values = {name: "" if value is None else str(value) for name, value in values.items()}
    for name in EVENT_DATETIME_FIELDS:
        values[f"{name}_date"], values[f"{name}_time"] = local_date_time(event.get(name))
    values["themes"] = [theme["slug"] for theme in event["themes"]]
    values["hours_per_day"] = hours_text(event.get("minutes_per_day"))
    values["occasion_dates"] = (
        "\n".join(day["day"].isoformat() for day in event["days"])
        if event["kind"] == EventKind.training_module.value
        else ""
    )
    return values


async def read_session_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in SESSION_TEXT_FIELDS}
    values["themes"] = [str(slug) for slug in form.getall("themes", [])]
    speakers = []
    for n in range(MAX_SPEAKER_ROWS):
        if f"speaker_name_{n}" not in form:
            break
        speakers.append(
            {part: str(form.get(f"speaker_{part}_{n}") or "") for part in ("name", "title", "organisation")}
        )
    values["speakers"] = speakers
    return values


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
    }


def with_empty_speaker_rows(values: dict[str, Any]) -> dict[str, Any]:
    speakers = [s for s in values.get("speakers", []) if any(s.values())]
    rows = max(SPEAKER_ROWS, len(speakers) + 1)
    return {**values, "speakers": speakers + [{"name": "", "title": "", "organisation": ""}] * (rows - len(speakers))}


async def _themes() -> list[dict]:
    return await Theme.select(Theme.slug, Theme.name_sv, Theme.name_en).order_by(Theme.id)


# --- Pages -------------------------------------------------------------------------------------


async def event_form(event: dict | None, *, values: dict | None = None, error: DomainError | None = None) -> Template:
    return form_page(
        "organiser/event_form.html",
        values=values,
        error=error,
        event=event,
        themes=await _themes(),
        rule_labels=certificates.RULE_LABELS,
    )


async def overview(
    slug: str, *, form: str = "", values: dict | None = None, error: DomainError | None = None
) -> Template:
    """The event's page for organisers; `form` names the form on it (cancel, duplicate) that `error` belongs to."""
    event = await events.get_event(slug)
    sessions = await programme.programme(event["id"])
    start = localtime(event["starts_at"]).date()
    values = {"new_start": (start + timedelta(weeks=52)).isoformat(), **(values or {})}  # the same weekday, a year on
    return form_page(
        "organiser/event.html",
        values=values,
        error=error,
        event=event,
        days=programme.by_day_and_track(sessions),
        session_count=len(sessions),
        description=render_markdown(event["description"]),
        form=form,
        rule_labels=certificates.RULE_LABELS,
        hours_per_day=hours_text(event["minutes_per_day"]),
    )


async def session_form(
    event: dict, session: dict | None, *, values: dict | None = None, error: DomainError | None = None
) -> Template:
    return form_page(
        "organiser/session_form.html",
        values=with_empty_speaker_rows(values or {}),
        error=error,
        event=event,
        session=session,
        themes=await _themes(),
    )


async def _change_status(request: Request, slug: str, change, done_message: str) -> Response:
    """Run a status change and come back to the overview with its outcome as a message."""
    try:
        await change(slug, actor_of(request))
        flash(request, i18n.gettext(done_message), "success")
    except DomainError as error:
        _refused(request, error)
    return Redirect(f"/organiser/events/{slug}")


def _refused(request: Request, error: DomainError) -> None:
    flash(request, error.translated(), "error")


class OrganiserEventsController(Controller):
    path = "/organiser/events"
    guards = [requires_role(Role.organiser)]

    @get("/", name="organiser_events")
    async def list(self) -> Template:
        return Template("organiser/events.html", context={"events": await events.list_events(public=False, when="all")})

    @get("/new", name="organiser_event_new")
    async def new_form(self) -> Template:
        return await event_form(
            None,
            values={
                "kind": EventKind.sustainability_day.value,
                "audience": "public",
                "completion_rule": "all",
                "hours_credit": "",
            },
        )

    @post("/new", name="organiser_event_create")
    async def create(self, request: Request) -> Response:
        values = await read_event_form(request)
        try:
            event = await events.create_event(await event_input(values), actor_of(request))
        except DomainError as error:
            return await event_form(None, values=values, error=error)
        flash(request, i18n.gettext("The event was created as a draft. Add its programme, then publish it."), "success")
        return Redirect(f"/organiser/events/{event['slug']}")

    @get("/{slug:str}", name="organiser_event")
    async def show(self, slug: FromPath[str]) -> Template:
        return await overview(slug)

    @get("/{slug:str}/edit", name="organiser_event_edit")
    async def edit_form(self, slug: FromPath[str]) -> Template:
        event = await events.get_event(slug)
        return await event_form(event, values=event_values(event))

    @post("/{slug:str}/edit", name="organiser_event_update")
    async def update(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        values = await read_event_form(request)
        try:
            await events.update_event(slug, await event_input(values), actor_of(request))
        except DomainError as error:
            return await event_form(event, values=values, error=error)
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(f"/organiser/events/{slug}")

    @post("/{slug:str}/publish", name="organiser_event_publish")
    async def publish(self, request: Request, slug: FromPath[str]) -> Response:
        return await _change_status(
            request, slug, events.publish_event, i18n.N_("The event is published: everyone can now see it.")
        )

    @post("/{slug:str}/cancel", name="organiser_event_cancel")
    async def cancel(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, "cancel_message")
        try:
            await events.cancel_event(slug, actor_of(request), values["cancel_message"])
        except DomainError as error:
            return await overview(slug, form="cancel", values=values, error=error)
        flash(request, i18n.gettext("The event is cancelled."), "success")
        return Redirect(f"/organiser/events/{slug}")

    @post("/{slug:str}/archive", name="organiser_event_archive")
    async def archive(self, request: Request, slug: FromPath[str]) -> Response:
        return await _change_status(request, slug, events.archive_event, i18n.N_("The event is archived."))

    @post("/{slug:str}/duplicate", name="organiser_event_duplicate")
    async def duplicate(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, "new_start", "new_title")
        errors: dict[str, DomainError] = {}
        try:
            new_start = parse_date(values["new_start"], "new_start", errors)
            if errors:
                raise errors["new_start"]
            if new_start is None:
                raise DomainError(N_("Give the copy's first date."), field="new_start")
            copy = await events.duplicate_event(slug, new_start, actor_of(request), title=values["new_title"])
        except DomainError as error:
            return await overview(slug, form="duplicate", values=values, error=error)
        flash(request, i18n.gettext("This is the copy, a draft. Check it, then publish it."), "success")
        return Redirect(f"/organiser/events/{copy['slug']}")

    @get("/{slug:str}/sessions/new", name="organiser_session_new")
    async def new_session_form(self, slug: FromPath[str]) -> Template:
        event = await events.get_event(slug)
        first_day = event["days"][0]["day"].isoformat() if event["days"] else ""
        return await session_form(event, None, values={"kind": "plenary", "date": first_day})

    @post("/{slug:str}/sessions/new", name="organiser_session_create")
    async def create_session(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        values = await read_session_form(request)
        try:
            session = await programme.add_session(slug, session_input(values), actor_of(request))
        except DomainError as error:
            return await session_form(event, None, values=values, error=error)
        flash(request, i18n.gettext("The session “%(title)s” was added.", title=session["title"]), "success")
        return Redirect(f"/organiser/events/{slug}#session-{session['uid']}")


class OrganiserSessionsController(Controller):
    path = "/organiser/sessions"
    guards = [requires_role(Role.organiser)]

    @get("/{uid:str}/edit", name="organiser_session_edit")
    async def edit_form(self, uid: FromPath[str]) -> Template:
        session = await programme.get_session(uid)
        return await session_form(
            await events.get_event(session["event_slug"]), session, values=session_values(session)
        )

    @post("/{uid:str}/edit", name="organiser_session_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.get_session(uid)
        values = await read_session_form(request)
        try:
            await programme.update_session(uid, session_input(values), actor_of(request))
        except DomainError as error:
            return await session_form(
                await events.get_event(session["event_slug"]), session, values=values, error=error
            )
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(f"/organiser/events/{session['event_slug']}#session-{uid}")

    @post("/{uid:str}/cancel", name="organiser_session_cancel")
    async def cancel(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.cancel_session(uid, actor_of(request))
        flash(request, i18n.gettext("The session “%(title)s” is cancelled.", title=session["title"]), "success")
        return Redirect(f"/organiser/events/{session['event_slug']}#session-{uid}")

    @post("/{uid:str}/delete", name="organiser_session_delete")
    async def delete(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.get_session(uid)
        try:
            await programme.delete_session(uid, actor_of(request))
            flash(request, i18n.gettext("The session “%(title)s” was deleted.", title=session["title"]), "success")
        except DomainError as error:
            _refused(request, error)
        return Redirect(f"/organiser/events/{session['event_slug']}")

    @post("/{uid:str}/move", name="organiser_session_move")
    async def move(self, request: Request, uid: FromPath[str]) -> Response:
        session = await programme.get_session(uid)
        direction = (await read_form(request, "direction"))["direction"]
        if direction in ("up", "down"):
            await programme.move_session(uid, -1 if direction == "up" else 1, actor_of(request))
        else:
            _refused(request, DomainError(N_("Choose whether to move the session up or down.")))
        return Redirect(f"/organiser/events/{session['event_slug']}#session-{uid}")


class ApiTokensController(Controller):
    """The signed-in staff member's own tokens for the JSON API."""

    path = "/organiser/api-tokens"
    guards = [requires_role(Role.organiser)]

    @staticmethod
    async def _page(request: Request, *, values: dict | None = None, error: DomainError | None = None) -> Template:
        return form_page(
            "organiser/api_tokens.html",
            values=values,
            error=error,
            tokens=await api_tokens.tokens_of(request.state.staff["id"]),
        )

    @get("/", name="organiser_api_tokens")
    async def list(self, request: Request) -> Template:
        return await self._page(request)

    @post("/", name="organiser_api_token_create")
    async def create(self, request: Request) -> Response:
        values = await read_form(request, "name")
        try:
            secret = await api_tokens.create_token(request.state.staff["id"], values["name"], actor_of(request))
        except DomainError as error:
            return await self._page(request, values=values, error=error)
        # Shown this once and never stored: the page must not be kept by the browser or a proxy either.
        return Template(
            "organiser/api_token_created.html",
            context={"secret": secret, "name": values["name"]},
            headers={"Cache-Control": "no-store"},
        )

    @post("/{uid:str}/revoke", name="organiser_api_token_revoke")
    async def revoke(self, request: Request, uid: FromPath[str]) -> Response:
        await api_tokens.revoke_token(uid, request.state.staff["id"], actor_of(request))
        flash(
            request, i18n.gettext("The token is revoked: programs using it can no longer sign in with it."), "success"
        )
        return Redirect("/organiser/api-tokens")
