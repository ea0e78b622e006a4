"""A council meeting's records for organisers: the attendance register as a PDF
(`attendance_register`, `attendance_register_pdf`), drawn in the organiser's language."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get
from litestar.params import FromPath

from events_app import i18n
from events_app.domain import attendance_register, attendance_register_pdf
from events_app.domain.transactions import utcnow
from events_app.web.downloads import PDF_TYPE, download


class OrganiserCouncilRecordsController(Controller):
    """A meeting's register, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/council/register.pdf", name="organiser_council_register_pdf")
    async def register_pdf(self, slug: FromPath[str]) -> Response:
        register = await attendance_register.register_of(slug)
        content = await asyncio.to_thread(
            attendance_register_pdf.render, register, language=i18n.current_language(), created_at=utcnow()
        )
        return download(content, f"{slug}-narvarolista.pdf", PDF_TYPE)
