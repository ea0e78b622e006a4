"""The accessibility statement (/tillganglighet, for everyone, in Swedish and English) and its feedback
form. The statement's texts come from domain/accessibility_statement.py; a message sent with the form
goes to domain/accessibility_feedback.py, which stores it and mails the admins."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import accessibility_feedback, accessibility_statement
from events_app.domain.accessibility_feedback import FeedbackInput
from events_app.domain.errors import DomainError, RateLimited
from events_app.i18n import N_
from events_app.settings import get_settings
from events_app.web.auth import client_ip
from events_app.web.forms import form_errors, read_form

FIELDS = ("name", "email", "message")
HONEYPOT_REFUSAL = N_("The message could not be sent. Leave the field “Leave this field empty” empty.")
LIMITED = N_(
    "You have sent several messages in a short time, so this one was not sent. Wait an hour and send it again."
)
LIMITED_WITH_EMAIL = N_(
    "You have sent several messages in a short time, so this one was not sent. Wait an hour and send it again, "
    "or write to %(email)s."
)
SENT = N_("Thank you! Your message has been sent to the platform's administrators.")


async def _page(
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    limited: bool = False,
) -> Template:
    statement = await accessibility_statement.statement(i18n.current_language())
    headers = {}
    if limited:
        errors = {"__all__": _limited_message(statement.contact_email)}
        headers["Retry-After"] = str(int(accessibility_feedback.FEEDBACK_WINDOW.total_seconds()))
    context: dict[str, Any] = {
        "statement": statement,
        "values": values or {},
        "errors": errors or {},
        "max_message": accessibility_feedback.MAX_MESSAGE,
        "site_address": get_settings().base_url,
    }
    return Template("public/accessibility.html", context=context, status_code=status, headers=headers)


def _limited_message(contact_email: str) -> str:
    """Past the limits: say so plainly, and offer the email address when there is one."""
    if contact_email:
        return i18n.gettext(LIMITED_WITH_EMAIL, email=contact_email)
    return i18n.gettext(LIMITED)


class AccessibilityController(Controller):
    path = "/tillganglighet"

    @get("/", name="accessibility_statement")
    async def statement(self) -> Template:
        return await _page()

    @post("/", name="accessibility_feedback_send")
    async def send_feedback(self, request: Request) -> Response:
        values = await read_form(request, *FIELDS)
        if (await request.form()).get("homepage"):  # the honeypot: only a script fills in the hidden field
            return await _page(values=values, errors={"__all__": i18n.gettext(HONEYPOT_REFUSAL)}, status=400)
        data = FeedbackInput(**values, language=i18n.current_language())
        try:
            await accessibility_feedback.send(data, ip=client_ip(request))
        except RateLimited:
            return await _page(values=values, status=429, limited=True)
        except DomainError as error:
            return await _page(values=values, errors=form_errors(error), status=400)
        flash(request, i18n.gettext(SENT), "success")
        # To the top, where the thanks is shown (the form's own address ends in #feedback, which a
        # redirect without a fragment would keep).
        return Redirect(request.app.route_reverse("accessibility_statement") + "#main", status_code=303)
