"""The invitee's page, reached by the personal link in an invitation mail: accept (on to the
registration form, filled in from the invitation) or decline, with an optional reason. A council
meeting's invitation (council_meetings.py) is answered with one click ("I will attend": registered
from the invitation) or apologies, which a member may pass to their substitute; the page shows the
meeting's agenda with the papers, opened through the invitation's own link.

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
from events_app.domain import council_meetings, events, invitations, materials, rich_text
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.events import is_public
from events_app.domain.invitation_links import InvitationUnusable
from events_app.domain.localized_texts import localized
from events_app.domain.materials import Viewer
from events_app.i18n import N_
from events_app.web.auth import client_ip
from events_app.web.forms import form_errors, read_form
from events_app.web.material import serve
from events_app.web.registration import (
    invitation_unusable_page,
    private,
    speak_invitees_language,
)


async def council_context(invitation: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """A council meeting's part of the page: the substitute the member may pass the invitation to,
    and the agenda with what the invitee may read of its papers and minutes."""
    if not council_meetings.is_council_invitation(invitation) or event["kind"] != "council_meeting":
        return {"council": False}
    term = await council_meetings.substitute_of(invitation, event)
    return {
        "council": True,
        "substitute_name": term["substitute_name"] if term else "",
        "agenda": await council_meetings.agenda(event, Viewer(person_id=invitation["person"])),
    }


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
                    **await council_context(invitation, event),
                },
                status_code=status,
            )
        )

    @get("/{token:str}", name="invitation")
    async def show(self, request: Request, token: FromPath[str]) -> Response:
        return await self._page(request, token)

    @post("/{token:str}/decline", name="invitation_decline")
    async def decline(self, request: Request, token: FromPath[str]) -> Response:
        values = await read_form(request, "reason", "pass_to_substitute")
        try:
            if values["pass_to_substitute"]:
                await council_meetings.decline(token, values["reason"], pass_to_substitute=True)
            else:
                await invitations.decline(token, values["reason"])
        except InvitationUnusable as error:
            return invitation_unusable_page("public/invitation_unusable.html", error)
        except DomainError as error:  # a reason too long; a registration that can no longer be cancelled
            errors = form_errors(error)
            if "substitute" in errors:  # passing on refused: next to its checkbox
                errors["pass_to_substitute"] = errors.pop("substitute")
            return await self._page(request, token, values=values, errors=errors, status=400)
        flash(request, i18n.gettext("Thank you for your answer. You have declined the invitation."), "success")
        return private(Redirect(request.app.route_reverse("invitation", token=token), status_code=303))

    @post("/{token:str}/attend", name="invitation_attend")
    async def attend(self, request: Request, token: FromPath[str]) -> Response:
        """A council invitation accepted with one click; when the meeting needs more than the
        invitation holds (its own questions), on to the registration form instead."""
        try:
            await council_meetings.accept(token, client_ip(request))
        except InvitationUnusable as error:
            return invitation_unusable_page("public/invitation_unusable.html", error)
        except DomainError:
            invitation = await invitations.open_invitation(token)
            register = request.app.route_reverse("register", slug=invitation["event"]["slug"])
            return private(Redirect(f"{register}?invitation={token}", status_code=303))
        flash(request, i18n.gettext("Thank you. You are registered for the meeting."), "success")
        return private(Redirect(request.app.route_reverse("invitation", token=token), status_code=303))

    @get("/{token:str}/material/{uid:str}", name="invitation_material")
    async def material(self, token: FromPath[str], uid: FromPath[str]) -> Response:
        """A council meeting's paper through the invitation's link: what its invitee may read."""
        try:
            invitation = await invitations.open_invitation(token)
        except InvitationUnusable:
            raise NotFound(N_("There is no such material.")) from None
        row = await materials.get_material(uid)
        if row["event"] != invitation["event"]["id"] or not await materials.may_see(
            row, Viewer(person_id=invitation["person"])
        ):
            raise NotFound(N_("There is no such material."))
        response = serve(row)
        response.headers["Cache-Control"] = "private, no-store"  # the token is in the address
        return private(response)
