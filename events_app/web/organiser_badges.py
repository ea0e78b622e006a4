"""Name badges for organisers: one PDF of an event's confirmed registrations, on A4 label sheets or
one card a page (`badges`, `badge_pdf`).

Which badges: all (no `uid`), those chosen on the registration list (`chosen=yes` and a `uid` for
each box ticked), or one registration's (a walk-in's card, from the registration's page).
"""

from __future__ import annotations

import asyncio

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from events_app import i18n
from events_app.domain import badge_pdf, badges
from events_app.domain.errors import DomainError
from events_app.domain.localized_texts import localized
from events_app.domain.transactions import utcnow
from events_app.i18n import N_
from events_app.web.downloads import PDF_TYPE, download


class OrganiserBadgesController(Controller):
    """An event's name badges, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/badges.pdf", name="organiser_badges_pdf")
    async def pdf(self, request: Request, slug: FromPath[str]) -> Response:
        """?layout=sheet (the default) or card; ?uid=… once for each registration chosen."""
        layout = str(request.query_params.get("layout") or badge_pdf.SHEET)
        if layout not in badge_pdf.LAYOUTS:
            layout = badge_pdf.SHEET
        uids = [str(uid) for uid in request.query_params.getall("uid", [])]
        if request.query_params.get("chosen") == "yes" and not uids:
            raise DomainError(N_("Choose the registrations in the list to print badges for."))
        event, chosen = await badges.badges_for(slug, uids or None)
        return await badges_download(event, chosen, layout)


async def badges_download(event: dict, chosen: list[badges.Badge], layout: str) -> Response:
    """The badges drawn (in a thread: a sheet of many is seconds of CPU) as a PDF download."""
    content = await asyncio.to_thread(
        badge_pdf.render,
        chosen,
        event_title=localized(event, "title"),
        layout=layout,
        language=i18n.current_language(),
        created_at=utcnow(),
    )
    name = "namnbricka" if len(chosen) == 1 else "namnbrickor"
    return download(content, f"{event['slug']}-{name}-{layout}.pdf", PDF_TYPE)
