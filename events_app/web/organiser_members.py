"""The secretariat's back office: the council's members (list, add, edit, deactivate) and their import
from a CSV or XLSX list (checked and previewed first)."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import people
from events_app.domain.errors import DomainError
from events_app.domain.people import MemberInput
from events_app.web.auth import actor_of
from events_app.web.forms import (
    checked_file,
    encoded_file,
    form_page,
    read_form,
    uploaded_file,
)

MEMBER_FIELDS = [f.name for f in fields(MemberInput)]


async def member_form(
    member: dict[str, Any] | None, *, values: dict[str, Any] | None = None, error: DomainError | None = None
) -> Template:
    """The form of a new member (`member` None) or of one being edited, with the messages of `error`."""
    return form_page(
        "organiser/member_form.html",
        values=values,
        error=error,
        organisations=await people.all_organisations(),
        member=member,
    )


class MembersController(Controller):
    path = "/members"

    @get("/", name="members")
    async def list(
        self, q: FromQuery[str] = "", organisation: FromQuery[str] = "", inactive: FromQuery[bool] = False
    ) -> Template:
        members = await people.list_members(query=q, organisation=organisation, include_inactive=inactive)
        return Template(
            "organiser/members.html",
            context={
                "members": members,
                "organisations": await people.all_organisations(),
                "filters": {"q": q, "organisation": organisation, "inactive": inactive},
            },
        )

    @get("/new", name="member_new")
    async def new_form(self) -> Template:
        return await member_form(None)

    @post("/new", name="member_create")
    async def create(self, request: Request) -> Response:
        values = await read_form(request, *MEMBER_FIELDS)
        try:
            await people.create_member(MemberInput(**values), actor_of(request))
        except DomainError as error:
            return await member_form(None, values=values, error=error)
        flash(request, i18n.gettext("The member %(name)s was added.", name=values["name"]), "success")
        return Redirect(request.app.route_reverse("members"))

    @get("/{uid:str}", name="member_edit")
    async def edit_form(self, uid: FromPath[str]) -> Template:
        member = await people.get_person(uid)
        values = {name: member.get(name) or "" for name in MEMBER_FIELDS}
        values["organisation"] = member["organisation_code"] or ""
        values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
        return await member_form(member, values=values)

    @post("/{uid:str}", name="member_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        member = await people.get_person(uid)
        values = await read_form(request, *MEMBER_FIELDS)
        try:
            await people.update_member(uid, MemberInput(**values), actor_of(request))
        except DomainError as error:
            return await member_form(member, values=values, error=error)
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(request.app.route_reverse("members"))

    @post("/{uid:str}/active", name="member_set_active")
    async def set_active(self, request: Request, uid: FromPath[str]) -> Response:
        form = await read_form(request, "active")
        active = form["active"] == "1"
        await people.set_member_active(uid, active, actor_of(request))
        flash(
            request,
            i18n.gettext("The member was reactivated.") if active else i18n.gettext("The member was deactivated."),
            "success",
        )
        return Redirect(request.app.route_reverse("members"))


class MemberImportController(Controller):
    path = "/members-import"

    @get("/", name="member_import")
    async def form(self) -> Template:
        return form_page("organiser/member_import.html", preview=None)

    @post("/", name="member_import_submit")
    async def upload(
        self, request: Request, data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]
    ) -> Response:
        """First post: the file is checked and previewed. Second post (confirm): the checked text is imported."""
        try:
            if data.get("confirm") == "1":
                count = await people.import_members(checked_file(data.get("content")), actor_of(request))
                flash(
                    request,
                    i18n.ngettext("%(num)s member was imported.", "%(num)s members were imported.", count),
                    "success",
                )
                return Redirect(request.app.route_reverse("members"))
            raw = await uploaded_file(data)
            preview = await people.preview_import(raw)
        except DomainError as error:
            return form_page("organiser/member_import.html", preview=None, error=error)
        return Template(
            "organiser/member_import.html",
            context={
                "preview": preview,
                "values": {},
                "errors": {},
                # The checked file travels back with the confirmation, so nothing is stored in between.
                "content": encoded_file(raw) if preview.ok else "",
            },
            status_code=200 if preview.ok else 400,
        )
