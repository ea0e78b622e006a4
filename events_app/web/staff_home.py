"""What every staff role shares: the start page of the back office and one's own password."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import erasure, event_dashboard, staff
from events_app.domain.errors import DomainError
from events_app.domain.tables import Role
from events_app.i18n import N_
from events_app.web.auth import actor_of, refresh_staff_epoch, requires_role
from events_app.web.forms import form_page, read_form


def tokens_revoked_message(count: int) -> str:
    return i18n.ngettext(
        "%(num)s API token was revoked with the old password: make a new one for the program that used it.",
        "%(num)s API tokens were revoked with the old password: make new ones for the programs that used them.",
        count,
    )


class StaffHomeController(Controller):
    path = "/staff"
    guards = [requires_role(Role.checkin)]

    @get("/", name="staff_home")
    async def home(self, request: Request) -> Template:
        """Organisers and admins see every current event's numbers and to-dos; check-in staff only
        today's events with the door's figures, which the scanner page shows them anyway."""
        account = request.state.staff
        waiting = len(await erasure.open_requests()) if account["role"] == Role.admin.value else 0
        organiser = staff.has_role(account["role"], Role.organiser)
        context = {
            "account": account,
            "erasure_requests": waiting,
            "organiser": organiser,
            "events": await event_dashboard.home_events() if organiser else [],
            "door_events": [] if organiser else await event_dashboard.door_events(),
        }
        return Template("staff/home.html", context=context)

    @get("/password", name="staff_password")
    async def password_form(self) -> Template:
        return form_page("staff/password.html")

    @post("/password", name="staff_password_submit")
    async def change_password(self, request: Request) -> Response:
        form = await read_form(request, "current_password", "password", "password_again")
        try:
            if form["password"] != form["password_again"]:
                raise DomainError(N_("The two passwords are not the same."), field="password_again")
            changed = await staff.change_password(
                request.state.staff["id"], form["current_password"], form["password"], actor=actor_of(request)
            )
        except DomainError as error:
            return form_page("staff/password.html", error=error)
        refresh_staff_epoch(request, changed.epoch)  # stay signed in here; other sessions are signed out
        flash(request, i18n.gettext("Your password is changed."), "success")
        if changed.api_tokens_revoked:
            flash(request, tokens_revoked_message(changed.api_tokens_revoked), "info")
        return Redirect(request.app.route_reverse("staff_home"))
