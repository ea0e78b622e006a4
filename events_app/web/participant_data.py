"""A signed-in person's own data under /my/data (GDPR Art. 15, 17 and 20): everything held about them
on the page, as JSON and as PDF, and the request to be erased."""

from __future__ import annotations

import asyncio
import json

from litestar import Controller, Request, Response, get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import erasure, personal_data, personal_data_pdf
from events_app.web.auth import actor_of, requires_person
from events_app.web.downloads import JSON_TYPE, NO_STORE, PDF_TYPE, download
from events_app.web.forms import read_form


def export_filename(extension: str) -> str:
    name = i18n.gettext("personal-data")  # outside an f-string, where the extractor finds it
    return f"{name}.{extension}"


def json_download(export: dict, filename: str) -> Response:
    content = json.dumps(export, ensure_ascii=False, indent=2).encode()
    return download(content, filename, JSON_TYPE)


class ParticipantDataController(Controller):
    path = "/my/data"
    guards = [requires_person]

    @get("/", name="my_data")
    async def page(self, request: Request) -> Template:
        person = await personal_data.person_by_uid(str(request.state.person["uid"]))
        export = await personal_data.export_person(person)
        return Template(
            "participant/my_data.html",
            context={
                "sections": personal_data.readable(export),
                "open_request": await erasure.open_request_of(person["id"]),
            },
            headers=dict(NO_STORE),
        )

    @get("/data.json", name="my_data_json")
    async def as_json(self, request: Request) -> Response:
        person = await personal_data.person_by_uid(str(request.state.person["uid"]))
        return json_download(await personal_data.export_person(person), export_filename("json"))

    @get("/data.pdf", name="my_data_pdf")
    async def as_pdf(self, request: Request) -> Response:
        person = await personal_data.person_by_uid(str(request.state.person["uid"]))
        export = await personal_data.export_person(person)
        content = await asyncio.to_thread(personal_data_pdf.render, export, i18n.current_language())
        return download(content, export_filename("pdf"), PDF_TYPE)

    @post("/erasure", name="my_data_erasure")
    async def request_erasure(self, request: Request) -> Response:
        values = await read_form(request, "confirm")
        if values["confirm"] != "1":
            flash(request, i18n.gettext("Tick the box to confirm that you want your data erased."), "error")
            return Redirect(request.app.route_reverse("my_data"))
        person = await personal_data.person_by_uid(str(request.state.person["uid"]))
        await erasure.request_erasure(person, actor_of(request))
        flash(
            request,
            i18n.gettext("Your request has been recorded. We will mail you when your data has been erased."),
            "success",
        )
        return Redirect(request.app.route_reverse("my_data"))
