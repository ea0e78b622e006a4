"""An event's records-plan page for organisers (/organiser/events/<slug>/records): whether the event
is kept (bevaras) or thinned out by the retention rules, and anonymising it by hand once it has
ended, after a confirmation that shows what will go."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import events, records_plan, site_settings
from events_app.domain.errors import DomainError
from events_app.domain.tables import Role
from events_app.web.auth import actor_of
from events_app.web.forms import read_form


class OrganiserRecordsController(Controller):
    path = "/events/{slug:str}/records"

    @get("/", name="organiser_event_records")
    async def page(self, slug: FromPath[str]) -> Template:
        event = await events.get_event(slug)
        try:
            preview, refusal = await records_plan.preview(slug), None
        except DomainError as error:
            preview, refusal = None, error.translated()
        return Template(
            "organiser/records.html",
            context={
                "event": event,
                "preview": preview,
                "refusal": refusal,
                "periods": await site_settings.values("retention"),
            },
        )

    @post("/preserve", name="organiser_event_preserve")
    async def preserve(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, "preserve")
        by_admin = request.state.staff["role"] == Role.admin.value
        try:
            await records_plan.set_preserved(slug, values["preserve"] == "1", actor_of(request), by_admin=by_admin)
        except DomainError as error:
            flash(request, error.translated(), "error")
        else:
            flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(request.app.route_reverse("organiser_event_records", slug=slug))

    @post("/anonymise", name="organiser_event_anonymise")
    async def anonymise(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, "confirm")
        if values["confirm"] != "1":
            flash(request, i18n.gettext("Tick the box to confirm the anonymisation."), "error")
            return Redirect(request.app.route_reverse("organiser_event_records", slug=slug))
        try:
            emptied = await records_plan.anonymise_event(slug, actor_of(request))
        except DomainError as error:
            flash(request, error.translated(), "error")
            return Redirect(request.app.route_reverse("organiser_event_records", slug=slug))
        flash(
            request,
            i18n.ngettext(
                "The event was anonymised: %(num)s registration emptied.",
                "The event was anonymised: %(num)s registrations emptied.",
                emptied.registrations,
            ),
            "success",
        )
        return Redirect(request.app.route_reverse("organiser_event_records", slug=slug))
