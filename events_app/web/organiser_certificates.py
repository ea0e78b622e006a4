"""The organisers' certificates of an event: who would get one under the event's rule and who would
not (and why), issuing them in bulk, the certificates issued with their mail's state and PDF, and
revoking one with a reason.

The rule, the judging and the issuing live in the domain (`certificates`); drawing the PDF
(`certificate_pdf`) is CPU work and runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import certificate_pdf, certificates
from events_app.domain.errors import NotFound
from events_app.i18n import N_
from events_app.web.auth import actor_of
from events_app.web.downloads import PDF_TYPE, download
from events_app.web.field_parsing import hours_text
from events_app.web.forms import read_form
from events_app.web.refusals import refusal_caught

ACTIONS = ("new", "changed", "unchanged", "ineligible", "no_longer_eligible", "revoked")


def reason_field(uid: Any) -> str:
    """The revoke form's reason field of one certificate: each row has its own form on the page."""
    return f"reason-{uid}"


async def certificates_page(
    slug: str, *, errors: dict[str, str] | None = None, revoking: str = "", reason: str = ""
) -> Template:
    """The page; `errors` (by field) come from the form just sent, `revoking` names the certificate
    whose revoke form it was, so that form opens again with the reason typed."""
    preview = await certificates.preview(slug)
    counts = {action: len(preview.with_action(action)) for action in ACTIONS}
    return Template(
        "organiser/certificates.html",
        status_code=400 if errors else 200,
        context={
            "event": preview.event,
            "preview": preview,
            "counts": counts,
            "refusal": i18n.gettext(preview.refusal) if preview.refusal else "",
            "issued": await certificates.list_certificates(slug),
            "errors": errors or {},
            "revoking": revoking,
            "reason": reason,
            "reason_field": reason_field,
            "hours": hours_text,
            "rule_labels": certificates.RULE_LABELS,
            "hours_per_day": hours_text(preview.event["minutes_per_day"]),
        },
    )


def issued_message(result: certificates.IssueResult) -> str:
    """ "12 certificates issued (3 replaced); they are being mailed." in the user's language."""
    total = result.new + result.replaced
    if not total:
        return i18n.gettext("No certificates were issued: everyone who has earned one already has it.")
    if result.replaced:
        done = i18n.ngettext(
            "%(num)s certificate issued (%(replaced)s replaced).",
            "%(num)s certificates issued (%(replaced)s replaced).",
            total,
            replaced=result.replaced,
        )
    else:
        done = i18n.ngettext("%(num)s certificate issued.", "%(num)s certificates issued.", total)
    if result.mailed == total:
        mailed = i18n.ngettext("It is being mailed.", "They are being mailed.", total)
    elif result.mailed:
        mailed = i18n.ngettext(
            "%(num)s of them is being mailed; the others have no address mail can be sent to.",
            "%(num)s of them are being mailed; the others have no address mail can be sent to.",
            result.mailed,
        )
    else:
        mailed = i18n.gettext("None of them can be mailed: there is no address mail can be sent to.")
    return f"{done} {mailed}"


class OrganiserCertificatesController(Controller):
    """An event's certificates, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/certificates", name="organiser_certificates")
    async def overview(self, slug: FromPath[str]) -> Template:
        return await certificates_page(slug)

    @post("/{slug:str}/certificates/issue", name="organiser_certificates_issue")
    async def issue(self, request: Request, slug: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            result = await certificates.issue_certificates(slug, actor_of(request))
        if refused.error:  # issuing is not possible now: the page says why, nothing changed
            return await certificates_page(slug, errors={"__all__": refused.error.translated()})
        flash(request, issued_message(result), "success")
        return Redirect(request.app.route_reverse("organiser_certificates", slug=slug), status_code=303)

    @post("/{slug:str}/certificates/{uid:str}/revoke", name="organiser_certificate_revoke")
    async def revoke(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        reason = (await read_form(request, "reason"))["reason"]
        with refusal_caught() as refused:
            row = await certificates.revoke(uid, reason, actor_of(request), event_slug=slug)
        if refused.error:
            field = reason_field(uid) if refused.error.field == "reason" else "__all__"
            return await certificates_page(
                slug, errors={field: refused.error.translated()}, revoking=uid, reason=reason
            )
        flash(request, i18n.gettext("Certificate %(number)s is revoked.", number=row["number"]), "success")
        page = request.app.route_reverse("organiser_certificates", slug=slug)
        return Redirect(f"{page}#certificate-{uid}", status_code=303)

    @get("/{slug:str}/certificates/{filename:str}", name="organiser_certificate_pdf")
    async def pdf(self, slug: FromPath[str], filename: FromPath[str]) -> Response:
        """The certificate's PDF, drawn again from what was frozen in it: /certificates/<uid>.pdf."""
        if not filename.endswith(".pdf"):
            raise NotFound(N_("There is no such certificate."))
        row = await certificates.get_certificate(filename.removesuffix(".pdf"), event_slug=slug)
        content = await asyncio.to_thread(certificate_pdf.render, row)
        return download(content, certificates.pdf_filename(row), PDF_TYPE)
