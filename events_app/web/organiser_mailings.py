"""The organisers' follow-up mailings of an event: the list, writing and changing a draft, the
preview for one recipient with the audience's size, sending (once), and afterwards the progress and
each recipient's delivery state.

Every rule lives in the domain (`mailings`); these controllers read the request, call one service
and pick the response. While the mails are on their way the mailing's page polls a small fragment
with the progress (static/invitations.js does the polling), so no page needs reloading by hand.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import events, mailing_opt_outs, mailings
from events_app.domain.errors import DomainError
from events_app.domain.mailings import MailingInput
from events_app.web.auth import actor_of
from events_app.web.downloads import NO_STORE
from events_app.web.forms import form_page, read_form
from events_app.web.refusals import flash_refusal, refusal_caught

FIELDS = ("subject_sv", "body_sv", "subject_en", "body_en", "audience", "session", "survey_url")
PREVIEW_CSP = "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'"


def mailing_url(request: Request, slug: str, uid: Any) -> str:
    return request.app.route_reverse("organiser_mailing", slug=slug, uid=str(uid))


def _input(values: dict[str, str]) -> MailingInput:
    return MailingInput(**{name: values[name] for name in FIELDS})


async def _form_page(
    slug: str, values: dict[str, Any], *, mailing: dict[str, Any] | None = None, error: DomainError | None = None
) -> Template:
    event = mailing["event"] if mailing is not None else await events.get_event(slug)
    return form_page(
        "organiser/mailing_form.html",
        values=values,
        error=error,
        event=event,
        mailing=mailing,
        audiences=mailings.AUDIENCES,
        sessions=await mailings.sessions_of(event["id"]),
    )


def _values(mailing: dict[str, Any]) -> dict[str, str]:
    values = {name: mailing[name] or "" for name in FIELDS if name != "session"}
    values["session"] = str(mailing["session_uid"] or "")
    return values


class OrganiserMailingsController(Controller):
    """An event's follow-up mailings, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/mailings", name="organiser_mailings")
    async def list(self, slug: FromPath[str]) -> Template:
        event, rows = await mailings.list_mailings(slug)
        return Template(
            "organiser/mailings.html", context={"event": event, "rows": rows, "audiences": mailings.AUDIENCES}
        )

    @get("/{slug:str}/mailings/new", name="organiser_mailing_new")
    async def new_form(self, slug: FromPath[str]) -> Template:
        return await _form_page(slug, {"audience": "attended"})

    @post("/{slug:str}/mailings/new", name="organiser_mailing_create")
    async def create(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, *FIELDS)
        with refusal_caught() as refused:
            mailing = await mailings.create_draft(slug, _input(values), actor_of(request))
        if refused.error:
            return await _form_page(slug, values, error=refused.error)
        flash(request, i18n.gettext("The draft was saved. Check the preview, then send."), "success")
        return Redirect(mailing_url(request, slug, mailing["uid"]), status_code=303)

    @get("/{slug:str}/mailings/{uid:str}", name="organiser_mailing")
    async def show(self, slug: FromPath[str], uid: FromPath[str], to: FromQuery[str] = "") -> Template:
        """A draft: the preview for one recipient and the send button. Sent: progress and recipients."""
        mailing = await mailings.get_mailing(slug, uid)
        context: dict[str, Any] = {
            "event": mailing["event"],
            "mailing": mailing,
            "audiences": mailings.AUDIENCES,
            "states": mailings.DELIVERY_STATES,
            "progress": await mailings.progress(mailing),
            "declined": await mailing_opt_outs.declined(mailing["event"]["id"]),
        }
        if mailing["status"] == mailings.DRAFT:
            context["preview"] = await mailings.preview(slug, uid, to)
        else:
            context["recipients"] = await mailings.recipients(mailing)
        return Template("organiser/mailing.html", context=context, headers=NO_STORE)

    @get("/{slug:str}/mailings/{uid:str}/preview.html", name="organiser_mailing_preview_html")
    async def preview_html(self, slug: FromPath[str], uid: FromPath[str], to: FromQuery[str] = "") -> Response:
        """The HTML version of the preview on its own, for a sandboxed frame on the mailing's page."""
        preview = await mailings.preview(slug, uid, to)
        return Response(
            preview.get("html", ""),
            media_type="text/html",
            headers={"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN", **NO_STORE},
        )

    @get("/{slug:str}/mailings/{uid:str}/progress", name="organiser_mailing_progress")
    async def progress(self, slug: FromPath[str], uid: FromPath[str]) -> Template:
        mailing = await mailings.get_mailing(slug, uid)
        return Template(
            "organiser/_mailing_progress.html",
            headers=NO_STORE,
            context={
                "event": mailing["event"],
                "mailing": mailing,
                "progress": await mailings.progress(mailing),
                "polled": True,
            },
        )

    @get("/{slug:str}/mailings/{uid:str}/edit", name="organiser_mailing_edit")
    async def edit_form(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        mailing = await mailings.get_mailing(slug, uid)
        if mailing["status"] != mailings.DRAFT:
            flash(request, i18n.gettext("This mailing has already been sent: it can no longer be changed."), "error")
            return Redirect(mailing_url(request, slug, uid), status_code=303)
        return await _form_page(slug, _values(mailing), mailing=mailing)

    @post("/{slug:str}/mailings/{uid:str}/edit", name="organiser_mailing_update")
    async def update(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        mailing = await mailings.get_mailing(slug, uid)
        values = await read_form(request, *FIELDS)
        with refusal_caught() as refused:
            await mailings.update_draft(slug, uid, _input(values), actor_of(request))
        if refused.error and refused.error.code == "already_sent":
            flash_refusal(request, refused.error)
            return Redirect(mailing_url(request, slug, uid), status_code=303)
        if refused.error:
            return await _form_page(slug, values, mailing=mailing, error=refused.error)
        flash(request, i18n.gettext("The draft was saved. Check the preview, then send."), "success")
        return Redirect(mailing_url(request, slug, uid), status_code=303)

    @post("/{slug:str}/mailings/{uid:str}/send", name="organiser_mailing_send")
    async def send(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            count = await mailings.send(slug, uid, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(
                request,
                i18n.ngettext(
                    "The mailing is being sent to %(num)s person.",
                    "The mailing is being sent to %(num)s people.",
                    count,
                ),
                "success",
            )
        return Redirect(mailing_url(request, slug, uid), status_code=303)

    @post("/{slug:str}/mailings/{uid:str}/delete", name="organiser_mailing_delete")
    async def delete(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            await mailings.delete_draft(slug, uid, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
            return Redirect(mailing_url(request, slug, uid), status_code=303)
        flash(request, i18n.gettext("The draft was deleted."), "success")
        return Redirect(request.app.route_reverse("organiser_mailings", slug=slug), status_code=303)
