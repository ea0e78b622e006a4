"""An organiser corrects the organisation a registrant gave (/organiser/registrations/<uid>/organisation):
one of the county's organisations from the list, or another organisation's name. The rule and the audit
live in `registrations.correct_organisation`; the participation reports read what is stored.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import registrations
from events_app.domain.errors import DomainError
from events_app.web.auth import actor_of
from events_app.web.downloads import NO_STORE
from events_app.web.forms import form_errors, read_form
from events_app.web.refusals import refusal_caught
from events_app.web.registration import organisation_options

TEMPLATE = "organiser/registration_organisation.html"


async def _page(registration: dict[str, Any], values: dict[str, str], error: DomainError | None = None) -> Template:
    """The form, again with the messages (status 400) when `error` is given."""
    return Template(
        TEMPLATE,
        context={
            "registration": registration,
            "organisations": await organisation_options(),
            "values": values,
            "errors": form_errors(error) if error else {},
        },
        status_code=400 if error else 200,
        headers=dict(NO_STORE),
    )


class OrganiserRegistrationOrganisationController(Controller):
    """Beside the registration's own page (organiser_registrations.py), under the same /registrations;
    a module of its own because the page is one form with one rule."""

    path = "/registrations"

    @get("/{uid:str}/organisation", name="organiser_registration_organisation")
    async def form(self, uid: FromPath[str]) -> Template:
        registration = await registrations.get_registration(uid)
        return await _page(
            registration,
            {
                "organisation": registration["organisation_code"] or "",
                "organisation_other": registration["organisation_text"] or "",
            },
        )

    @post("/{uid:str}/organisation", name="organiser_registration_organisation_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        registration = await registrations.get_registration(uid)
        values = await read_form(request, "organisation", "organisation_other")
        with refusal_caught() as refused:
            registration = await registrations.correct_organisation(
                uid, values["organisation"], values["organisation_other"], actor_of(request)
            )
        if refused.error:
            return await _page(registration, values, refused.error)
        flash(
            request,
            i18n.gettext("The organisation of %(name)s is saved.", name=registration["name"]),
            "success",
        )
        return Redirect(request.app.route_reverse("organiser_registration", uid=uid), status_code=303)
