"""A signed-in person's own pages ("Mina sidor"): registrations, calendar, certificates, the
competence record and the council meetings' agendas and papers. Later issues add more."""

from __future__ import annotations

import asyncio
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import (
    calendar,
    certificate_pdf,
    certificates,
    competence,
    competence_pdf,
    council_meetings,
    evaluation_requests,
    links,
    registrations,
)
from events_app.domain.errors import NotFound
from events_app.domain.materials import Viewer
from events_app.domain.transactions import utcnow
from events_app.i18n import N_, localtime
from events_app.web.auth import actor_of, requires_person
from events_app.web.downloads import PDF_TYPE, download


def hours(minutes: int) -> str:
    """Minutes as hours in the reader's language: 90 -> '1,5' in Swedish."""
    return i18n.format_hours(minutes or 0)


def event_dates(event: dict) -> str:
    """An event's first to last day in the reader's language: '12–13 maj 2027'."""
    return i18n.format_day_range(localtime(event["starts_at"]).date(), localtime(event["ends_at"]).date())


def certificate_dates(certificate: dict) -> str:
    """The certified event's first to last day, as frozen in the certificate."""
    event = certificate["content"]["event"]
    return i18n.format_day_range(date.fromisoformat(event["first_day"]), date.fromisoformat(event["last_day"]))


class ParticipantController(Controller):
    path = "/my"
    guards = [requires_person]

    @get("/", name="my_pages")
    async def my_pages(self, request: Request) -> Template:
        person = request.state.person
        mine = await registrations.registrations_of_person(person["id"])
        now = utcnow()
        return Template(
            "participant/my_pages.html",
            context={
                "person": person,
                "feed_url": links.calendar_feed_url(await calendar.feed_token(person["id"])),
                "upcoming": [row for row in mine if row["event_ends_at"] >= now],
                "past": [row for row in mine if row["event_ends_at"] < now],
                "certificates": await certificates.certificates_of_person(person["id"]),
                "in_progress": await competence.modules_in_progress(person["id"]),
                "council_meetings": await council_meetings.meetings_of(person["id"]),
                "evaluations": await evaluation_requests.requests_of(person_id=person["id"]),
                "hours": hours,
                "certificate_dates": certificate_dates,
            },
        )

    @get("/meetings/{slug:str}", name="my_council_meeting")
    async def council_meeting(self, request: Request, slug: FromPath[str]) -> Template:
        """A council meeting's agenda with its papers (and, afterwards, the minutes) for its council."""
        person = request.state.person
        event = await council_meetings.meeting_for_person(slug, person["id"])
        return Template(
            "participant/council_meeting.html",
            context={"event": event, "agenda": await council_meetings.agenda(event, Viewer(person_id=person["id"]))},
        )

    @post("/calendar/renew", name="renew_calendar_feed")
    async def renew_calendar_feed(self, request: Request) -> Redirect:
        await calendar.renew_feed_token(request.state.person["id"], actor_of(request))
        flash(
            request,
            i18n.gettext(
                "Your calendar has a new address. The old one no longer works: subscribe again with the new one."
            ),
            "success",
        )
        return Redirect(request.app.route_reverse("my_pages"))

    @get("/certificates/{filename:str}", name="my_certificate_pdf")
    async def download_certificate(self, request: Request, filename: FromPath[str]) -> Response:
        """A certificate of the signed-in person's (valid ones only), as the PDF they were mailed."""
        uid, dot, extension = filename.rpartition(".")
        if not dot or extension != "pdf":
            raise NotFound(N_("There is no such certificate."))
        row = await certificates.get_certificate(uid, person_id=request.state.person["id"])
        if row["status"] != certificates.VALID:
            raise NotFound(N_("There is no such certificate."))
        content = await asyncio.to_thread(certificate_pdf.render, row)
        return download(content, certificates.pdf_filename(row), PDF_TYPE)

    @get("/competence", name="my_competence")
    async def competence_page(self, request: Request) -> Template:
        record = await competence.record_of_person(request.state.person["id"])
        return Template(
            "participant/competence.html",
            context={
                "record": record,
                "headings": competence.KIND_HEADINGS,
                "hours": hours,
                "event_dates": event_dates,
            },
        )

    @get("/competence.pdf", name="my_competence_pdf")
    async def competence_record_pdf(self, request: Request) -> Response:
        record = await competence.record_of_person(request.state.person["id"])
        language = i18n.current_language()
        content = await asyncio.to_thread(competence_pdf.render, record, language)
        name = i18n.gettext("competence-record")  # outside an f-string, where the extractor finds it
        return download(content, f"{name}.pdf", PDF_TYPE)
