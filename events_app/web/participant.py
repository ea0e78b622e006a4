"""A signed-in person's own pages ("Mina sidor"). Later issues add tickets and certificates."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import calendar, registrations
from events_app.domain.transactions import utcnow
from events_app.settings import get_settings
from events_app.web.auth import actor_of, requires_person


def feed_url(token: str) -> str:
    return f"{get_settings().base_url}/calendar/{token}/feed.ics"


class ParticipantController(Controller):
    path = "/my"
    guards = [requires_person]

    @get("/", name="my_pages")
    async def my_pages(self, request: Request) -> Template:
        person = request.state.person
        mine = await registrations.registrations_of_person(person["id"])
        now = utcnow()
        return Template("participant/my_pages.html", context={
            "person": person, "feed_url": feed_url(await calendar.feed_token(person["id"])),
            "upcoming": [row for row in mine if row["event_ends_at"] >= now],
            "past": [row for row in mine if row["event_ends_at"] < now],
        })

    @post("/calendar/renew", name="renew_calendar_feed")
    async def renew_calendar_feed(self, request: Request) -> Redirect:
        await calendar.renew_feed_token(request.state.person["id"], actor_of(request))
        flash(request, i18n.gettext("Your calendar has a new address. The old one no longer works: "
                                    "subscribe again with the new one."), "success")
        return Redirect("/my")
