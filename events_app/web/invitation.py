"""The invitee's page, reached by the personal link in an invitation mail: accept (on to the
registration form, filled in from the invitation) or decline, with an optional reason.

Opening the link only shows the page, so that mail scanners (Outlook Safe Links) that fetch it
cannot answer for the invitee: every change is a POST. The secret is in the URL, so the pages are
sent like "my registration": never cached, indexed or passed on as a referrer.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import events, invitations, rich_text
from events_app.domain.errors import DomainError
from events_app.domain.events import is_public
from events_app.domain.invitation_links import InvitationUnusable
from events_app.domain.localized_texts import localized
from events_app.web.forms import form_errors, read_form
from events_app.web.registration import (
    invitation_unusable_page,
    private,
    speak_invitees_language,
)


class InvitationController(Controller):
    path = "/invitation"

    async def _page(
        self,
        request: Request,
        token: str,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        try:
            invitation = await invitations.open_invitation(token)
        except InvitationUnusable as error:
            return invitation_unusable_page("public/invitation_unusable.html", error)
        speak_invitees_language(request, invitation)
        event = await events.get_event(invitation["event"]["slug"])
        event["description_html"] = rich_text.render(localized(event, "description"))
        return private(
            Template(
                "public/invitation.html",
                context={
                    "invitation": invitation,
                    "event": event,
                    "token": token,
                    "programme_public": is_public(event),
                    "values": values or {},
                    "errors": errors or {},
                    "max_reason": invitations.MAX_NOTE,
                },
                status_code=status,
            )
        )

    @get("/{token:str}", name="invitation")
    async def show(self, request: Request, token: FromPath[str]) -> Response:
        return await self._page(request, token)

    @post("/{token:str}/decline", name="invitation_decline")
    async def decline(self, request: Request, token: FromPath[str]) -> Response:
        values = await read_form(request, "reason")
        try:
            await invitations.decline(token, values["reason"])
        except InvitationUnusable as error:
            return invitation_unusable_page("public/invitation_unusable.html", error)
        except DomainError as error:  # a reason too long; a registration that can no longer be cancelled
            return await self._page(request, token, values=values, errors=form_errors(error), status=400)
        flash(request, i18n.gettext("Thank you for your answer. You have declined the invitation."), "success")
        return private(Redirect(request.app.route_reverse("invitation", token=token), status_code=303))
