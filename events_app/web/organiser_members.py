"""The secretariat's back office: the council's members (the council on a chosen date with its gaps,
its history, the roster; add, edit, deactivate), each member's terms, substitute and roles, the
preparatory group, and the members' import from a CSV or XLSX list (checked and previewed first)."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import council_members, people
from events_app.domain.council_members import OfficialInput, RoleInput, TermInput
from events_app.domain.errors import DomainError
from events_app.domain.people import MemberInput
from events_app.domain.validation import parse_iso_date
from events_app.web.auth import actor_of
from events_app.web.forms import (
    checked_file,
    encoded_file,
    form_page,
    read_form,
    uploaded_file,
)

MEMBER_FIELDS = [f.name for f in fields(MemberInput)]
TERM_FIELDS = [f.name for f in fields(TermInput)]
ROLE_FIELDS = [f.name for f in fields(RoleInput)]
OFFICIAL_FIELDS = [f.name for f in fields(OfficialInput)]


async def member_form(
    member: dict[str, Any] | None, *, values: dict[str, Any] | None = None, error: DomainError | None = None
) -> Template:
    """The form of a new member (`member` None) or the page of one being edited (with their terms and
    roles), with the messages of `error`."""
    return form_page(
        "organiser/member_form.html",
        values=values,
        error=error,
        organisations=await people.all_organisations(),
        member=member,
        terms=await council_members.terms_of(member["id"]) if member else [],
        roles=await council_members.roles_of(member["id"]) if member else [],
    )


def _member_values(member: dict[str, Any]) -> dict[str, Any]:
    values = {name: member.get(name) or "" for name in MEMBER_FIELDS}
    values["organisation"] = member["organisation_code"] or ""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


class MembersController(Controller):
    path = "/members"

    @get("/", name="members")
    async def list(
        self,
        q: FromQuery[str] = "",
        organisation: FromQuery[str] = "",
        inactive: FromQuery[bool] = False,
        on: FromQuery[str] = "",
    ) -> Template:
        """The council on a chosen date (today unless `on` says otherwise), its history, and the roster."""
        try:
            day = parse_iso_date(on, "on") or i18n.local_today()
            on_error = ""
        except DomainError as error:
            day, on_error = i18n.local_today(), error.translated()
        members = await people.list_members(query=q, organisation=organisation, include_inactive=inactive)
        return Template(
            "organiser/members.html",
            context={
                "members": members,
                "organisations": await people.all_organisations(),
                "filters": {"q": q, "organisation": organisation, "inactive": inactive},
                "council": await council_members.council_on(day),
                "on_error": on_error,
                "history": await council_members.history(),
                "roles_history": await council_members.roles_history(),
            },
            status_code=400 if on_error else 200,
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
        return await member_form(member, values=_member_values(member))

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


class MemberTermsController(Controller):
    """A member's terms of office (with the personal substitute) and roles: each added on a page of its
    own, listed on the member's page."""

    path = "/members/{uid:str}"

    async def _done(self, request: Request, uid: str, message: str) -> Response:
        flash(request, message, "success")
        return Redirect(request.app.route_reverse("member_edit", uid=uid))

    async def _term_page(self, member: dict[str, Any], values: dict[str, Any], error: DomainError | None = None):
        return form_page(
            "organiser/member_term_form.html",
            values=values,
            error=error,
            member=member,
            organisations=await people.all_organisations(),
        )

    @get("/terms/new", name="member_term_new")
    async def new_term(self, uid: FromPath[str]) -> Template:
        member = await people.get_person(uid)
        return await self._term_page(
            member, {"organisation": member["organisation_code"] or "", "side": member["side"]}
        )

    @post("/terms", name="member_term_add")
    async def add_term(self, request: Request, uid: FromPath[str]) -> Response:
        member = await people.get_person(uid)
        values = await read_form(request, *TERM_FIELDS)
        try:
            await council_members.add_term(uid, TermInput(**values), actor_of(request))
        except DomainError as error:
            return await self._term_page(member, values, error)
        return await self._done(request, uid, i18n.gettext("The term was added."))

    @post("/terms/{term_uid:str}/end", name="member_term_end")
    async def end_term(self, request: Request, uid: FromPath[str], term_uid: FromPath[str]) -> Response:
        form = await read_form(request, "ends_on")
        try:
            await council_members.end_term(uid, term_uid, form["ends_on"], actor_of(request))
        except DomainError as error:
            flash(request, error.translated(), "error")
            return Redirect(request.app.route_reverse("member_edit", uid=uid))
        return await self._done(request, uid, i18n.gettext("The term's end was saved."))

    async def _substitute_page(self, member, term, values, error: DomainError | None = None) -> Template:
        return form_page("organiser/member_substitute_form.html", values=values, error=error, member=member, term=term)

    @get("/terms/{term_uid:str}/substitute", name="member_term_substitute_form")
    async def substitute_form(self, uid: FromPath[str], term_uid: FromPath[str]) -> Template:
        member = await people.get_person(uid)
        term = await council_members.term_of(member, term_uid)
        values = {"substitute_name": term["substitute_name"] or "", "substitute_email": term["substitute_email"] or ""}
        return await self._substitute_page(member, term, values)

    @post("/terms/{term_uid:str}/substitute", name="member_term_substitute")
    async def set_substitute(self, request: Request, uid: FromPath[str], term_uid: FromPath[str]) -> Response:
        member = await people.get_person(uid)
        term = await council_members.term_of(member, term_uid)
        values = await read_form(request, "substitute_name", "substitute_email")
        try:
            await council_members.set_substitute(uid, term_uid, TermInput(**values), actor_of(request))
        except DomainError as error:
            return await self._substitute_page(member, term, values, error)
        return await self._done(request, uid, i18n.gettext("The substitute was saved."))

    @post("/terms/{term_uid:str}/delete", name="member_term_delete")
    async def delete_term(self, request: Request, uid: FromPath[str], term_uid: FromPath[str]) -> Response:
        await council_members.delete_term(uid, term_uid, actor_of(request))
        return await self._done(request, uid, i18n.gettext("The term was removed."))

    @get("/roles/new", name="member_role_new")
    async def new_role(self, uid: FromPath[str]) -> Template:
        member = await people.get_person(uid)
        return form_page("organiser/member_role_form.html", values={}, member=member)

    @post("/roles", name="member_role_add")
    async def add_role(self, request: Request, uid: FromPath[str]) -> Response:
        member = await people.get_person(uid)
        values = await read_form(request, *ROLE_FIELDS)
        try:
            await council_members.add_role(uid, RoleInput(**values), actor_of(request))
        except DomainError as error:
            return form_page("organiser/member_role_form.html", values=values, error=error, member=member)
        return await self._done(request, uid, i18n.gettext("The role was added."))

    @post("/roles/{role_uid:str}/delete", name="member_role_delete")
    async def delete_role(self, request: Request, uid: FromPath[str], role_uid: FromPath[str]) -> Response:
        await council_members.delete_role(uid, role_uid, actor_of(request))
        return await self._done(request, uid, i18n.gettext("The role was removed."))


class PreparatoryGroupController(Controller):
    """The preparatory group (beredningsgrupp): officials invited to every council meeting."""

    path = "/preparatory-group"

    async def _page(self, values: dict[str, Any] | None = None, error: DomainError | None = None) -> Template:
        return form_page(
            "organiser/preparatory_group.html",
            values=values or {"starts_on": i18n.local_today().isoformat()},
            error=error,
            officials=await council_members.officials_history(),
            organisations=[
                organisation
                for organisation in await people.all_organisations()
                if organisation["kind"] in council_members.PREPARATORY_KINDS
            ],
            today=i18n.local_today(),
        )

    @get("/", name="preparatory_group")
    async def page(self) -> Template:
        return await self._page()

    @post("/", name="preparatory_group_add")
    async def add(self, request: Request) -> Response:
        values = await read_form(request, *OFFICIAL_FIELDS)
        try:
            await council_members.add_official(OfficialInput(**values), actor_of(request))
        except DomainError as error:
            return await self._page(values, error)
        flash(request, i18n.gettext("%(name)s joined the preparatory group.", name=values["name"]), "success")
        return Redirect(request.app.route_reverse("preparatory_group"))

    @post("/{uid:str}/end", name="preparatory_group_end")
    async def end(self, request: Request, uid: FromPath[str]) -> Response:
        form = await read_form(request, "ends_on")
        try:
            await council_members.end_official(uid, form["ends_on"], actor_of(request))
            flash(request, i18n.gettext("The end date was saved."), "success")
        except DomainError as error:
            flash(request, error.translated(), "error")
        return Redirect(request.app.route_reverse("preparatory_group"))


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
