"""The organisers' events: the list, the event form, the overview with its programme, and the status
changes (publish, cancel, archive) and duplicating.

What cannot be read from the event form (field_parsing) gets a message next to its field, together
with the domain's own checks, so the organiser sees every problem at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import certificates, event_dashboard, events, programme, themes
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.events import EventInput
from events_app.domain.rich_text import render as render_markdown
from events_app.domain.tables import EventKind
from events_app.i18n import N_, localtime
from events_app.web.auth import actor_of
from events_app.web.field_parsing import (
    hours_text,
    local_date_time,
    parse_date,
    parse_date_time,
    parse_dates,
    parse_hours,
    parse_int,
)
from events_app.web.forms import form_page, read_form
from events_app.web.refusals import flash_refusal

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
    "title_en",
    "description_en",
]
EVENT_DATETIME_FIELDS = ["starts_at", "ends_at", "registration_opens_at", "registration_closes_at"]


# --- Reading the form's values ------------------------------------------------------------------


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
        title_en=values["title_en"],
        description_en=values["description_en"],
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


# --- Pages -------------------------------------------------------------------------------------


async def event_form(event: dict | None, *, values: dict | None = None, error: DomainError | None = None) -> Template:
    return form_page(
        "organiser/event_form.html",
        values=values,
        error=error,
        event=event,
        themes=await themes.all_themes(),
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
        figures=await event_dashboard.event_figures(slug),
    )


async def _change_status(request: Request, slug: str, change, done_message: str) -> Response:
    """Run a status change and come back to the overview with its outcome as a message."""
    try:
        await change(slug, actor_of(request))
        flash(request, i18n.gettext(done_message), "success")
    except DomainError as error:
        flash_refusal(request, error)
    return Redirect(request.app.route_reverse("organiser_event", slug=slug))


class OrganiserEventsController(Controller):
    path = "/events"

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
        return Redirect(request.app.route_reverse("organiser_event", slug=event["slug"]))

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
        return Redirect(request.app.route_reverse("organiser_event", slug=slug))

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
        return Redirect(request.app.route_reverse("organiser_event", slug=slug))

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
        return Redirect(request.app.route_reverse("organiser_event", slug=copy["slug"]))
