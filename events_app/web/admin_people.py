"""Admins only, under /admin/people: find any person, see and export everything held about them,
and erase them (a person's own request, or the admin's decision) after checking the records plan."""

from __future__ import annotations

import asyncio

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import erasure, personal_data, personal_data_pdf
from events_app.domain.errors import DomainError
from events_app.web.auth import actor_of
from events_app.web.downloads import NO_STORE, PDF_TYPE, download
from events_app.web.forms import read_form
from events_app.web.participant_data import export_filename, json_download


class PeopleAdminController(Controller):
    path = "/people"

    @get("/", name="admin_people")
    async def search(self, q: FromQuery[str] = "") -> Template:
        return Template(
            "admin/people.html",
            context={
                "query": q,
                "people": await personal_data.find_people(q) if q.strip() else [],
                "requests": await erasure.open_requests(),
            },
        )

    @get("/{uid:str}", name="admin_person")
    async def show(self, uid: FromPath[str]) -> Template:
        person = await personal_data.person_by_uid(uid)
        export = await personal_data.export_person(person)
        return Template(
            "admin/person.html",
            context={
                "data_subject": person,
                "sections": personal_data.readable(export),
                "open_request": await erasure.open_request_of(person["id"]),
                "preserved": await erasure.preserved_events_of(person["id"]),
            },
            headers=dict(NO_STORE),
        )

    @get("/{uid:str}/data.json", name="admin_person_json")
    async def as_json(self, uid: FromPath[str]) -> Response:
        person = await personal_data.person_by_uid(uid)
        return json_download(await personal_data.export_person(person), export_filename("json"))

    @get("/{uid:str}/data.pdf", name="admin_person_pdf")
    async def as_pdf(self, uid: FromPath[str]) -> Response:
        person = await personal_data.person_by_uid(uid)
        export = await personal_data.export_person(person)
        content = await asyncio.to_thread(personal_data_pdf.render, export, person["language"])
        return download(content, export_filename("pdf"), PDF_TYPE)

    @post("/{uid:str}/erase", name="admin_person_erase")
    async def erase(self, request: Request, uid: FromPath[str]) -> Response:
        values = await read_form(request, "confirm")
        if values["confirm"] != "1":
            flash(request, i18n.gettext("Tick the box to confirm the erasure."), "error")
            return Redirect(request.app.route_reverse("admin_person", uid=uid))
        try:
            await erasure.erase_person(uid, actor_of(request))
        except DomainError as error:
            flash(request, error.translated(), "error")
            return Redirect(request.app.route_reverse("admin_person", uid=uid))
        flash(request, i18n.gettext("The person was erased. A mail tells them so."), "success")
        return Redirect(request.app.route_reverse("admin_people"))
