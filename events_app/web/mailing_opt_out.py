"""Declining an event's follow-up mailings through the link in a mailing: a page with a button (mail
scanners open links, so opening one changes nothing), and the one-click POST that mail programs send
for List-Unsubscribe (RFC 8058), which carries no CSRF token and needs none: the link's secret is
the permission, and all it can do is stop mail to the person it names."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Template

from events_app.domain import mailing_opt_outs
from events_app.web.downloads import NO_STORE


class MailingOptOutController(Controller):
    path = "/mailings/decline"

    @get("/{token:str}", name="mailing_opt_out")
    async def page(self, token: FromPath[str]) -> Template:
        event = await mailing_opt_outs.event_of(token)
        return Template(
            "public/mailing_opt_out.html",
            context={"token": token, "event": event, "done": event["declined"]},
            headers={**NO_STORE, "Referrer-Policy": "no-referrer"},
        )

    @post(
        "/{token:str}",
        name="mailing_opt_out_submit",
        status_code=200,
        opt={"exclude_from_csrf": True},
    )
    async def decline(self, token: FromPath[str]) -> Template:
        event = await mailing_opt_outs.decline(token)
        return Template(
            "public/mailing_opt_out.html",
            context={"token": token, "event": event, "done": True},
            headers={**NO_STORE, "Referrer-Policy": "no-referrer"},
        )
