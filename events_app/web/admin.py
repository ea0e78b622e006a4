"""Admins only, under /admin: staff accounts and roles, the audit log, the mail outbox, the settings
(admin_settings.py), people's data (admin_people.py) and the feedback on accessibility
(admin_feedback.py); one router guards them all."""

from __future__ import annotations

from litestar import Controller, Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import audit, outbox, staff
from events_app.domain.errors import DomainError
from events_app.domain.tables import Role
from events_app.domain.validation import parse_uid
from events_app.web.admin_feedback import FeedbackController
from events_app.web.admin_people import PeopleAdminController
from events_app.web.admin_settings import SettingsController
from events_app.web.auth import actor_of, requires_role
from events_app.web.forms import form_page, read_form

ROLES = [role.value for role in Role]


class StaffAdminController(Controller):
    path = "/staff"

    @get("/", name="admin_staff")
    async def list(self) -> Template:
        return Template("admin/staff.html", context={"accounts": await staff.list_staff()})

    @get("/new", name="admin_staff_new")
    async def new_form(self) -> Template:
        return form_page("admin/staff_form.html", roles=ROLES, account=None, values={"role": "organiser"})

    @post("/new", name="admin_staff_create")
    async def create(self, request: Request) -> Response:
        values = await read_form(request, "email", "name", "role", "password")
        try:
            await staff.create_staff(**values, actor=actor_of(request))
        except DomainError as error:
            values.pop("password")
            return form_page("admin/staff_form.html", values=values, error=error, roles=ROLES, account=None)
        flash(request, i18n.gettext("The account for %(email)s was created.", email=values["email"]), "success")
        return Redirect(request.app.route_reverse("admin_staff"))

    @get("/{uid:str}", name="admin_staff_edit")
    async def edit_form(self, uid: FromPath[str]) -> Template:
        account = await staff.get_by_uid(uid)
        return form_page("admin/staff_form.html", values=account, roles=ROLES, account=account)

    @post("/{uid:str}", name="admin_staff_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        account = await staff.get_by_uid(uid)
        values = await read_form(request, "name", "role", "active")
        try:
            await staff.update_staff(
                uid, name=values["name"], role=values["role"], active=values["active"] == "1", actor=actor_of(request)
            )
        except DomainError as error:
            return form_page(
                "admin/staff_form.html",
                values={**account, **values, "active": values["active"] == "1"},
                error=error,
                roles=ROLES,
                account=account,
            )
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(request.app.route_reverse("admin_staff"))


class AuditController(Controller):
    path = "/audit"

    @get("/", name="admin_audit")
    async def list(self, action: FromQuery[str] = "", q: FromQuery[str] = "") -> Template:
        return Template(
            "admin/audit.html",
            context={
                "entries": await audit.recent_entries(action=action, query=q),
                "actions": await audit.actions(),
                "filters": {"action": action, "q": q},
            },
        )


class OutboxController(Controller):
    path = "/outbox"

    @get("/", name="admin_outbox")
    async def list(self, status: FromQuery[str] = "") -> Template:
        return Template(
            "admin/outbox.html",
            context={
                "messages": await outbox.list_messages(status=status),
                "counts": await outbox.counts_by_status(),
                "status": status,
            },
        )

    @post("/test", name="admin_outbox_test")
    async def send_test(self, request: Request) -> Response:
        """Queue a test message to the admin, to check that mail gets through."""
        account = request.state.staff
        await outbox.queue_test_message(account, actor_of(request), i18n.current_language())
        flash(request, i18n.gettext("A test message to %(email)s was queued.", email=account["email"]), "success")
        return Redirect(request.app.route_reverse("admin_outbox"))

    @get("/{uid:str}", name="admin_outbox_message")
    async def show(self, uid: FromPath[str]) -> Template:
        message = await _message(uid)
        return Template("admin/outbox_message.html", context={"message": message})

    @get("/{uid:str}/html", name="admin_outbox_html")
    async def html_part(self, uid: FromPath[str]) -> Response:
        """The HTML part on its own, shown in a sandboxed frame on the message page."""
        message = await _message(uid)
        return Response(
            message["html_body"],
            media_type="text/html",
            headers={
                "Content-Security-Policy": "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'",
                "X-Frame-Options": "SAMEORIGIN",
            },
        )

    @post("/{uid:str}/retry", name="admin_outbox_retry")
    async def retry(self, request: Request, uid: FromPath[str]) -> Response:
        await _message(uid)
        await outbox.retry_now(uid)
        flash(request, i18n.gettext("The message is queued again."), "success")
        return Redirect(request.app.route_reverse("admin_outbox_message", uid=uid))


async def _message(uid: str) -> dict:
    message = await outbox.get_message(uid) if parse_uid(uid) is not None else None
    if message is None:
        raise NotFoundException()
    return message


def admin_router() -> Router:
    """A fresh router per app (a router belongs to the app it is registered with)."""
    return Router(
        path="/admin",
        guards=[requires_role(Role.admin)],
        route_handlers=[
            StaffAdminController,
            AuditController,
            OutboxController,
            SettingsController,
            PeopleAdminController,
            FeedbackController,
        ],
    )
