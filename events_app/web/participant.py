"""A signed-in person's own pages ("Mina sidor"). Later issues add tickets and certificates."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from events_app.web.auth import requires_person


class ParticipantController(Controller):
    path = "/my"
    guards = [requires_person]

    @get("/", name="my_pages")
    async def my_pages(self, request: Request) -> Template:
        return Template("participant/my_pages.html", context={"person": request.state.person})
