"""Serving material: a file as a download, a link as a redirect, each after the visibility check.

Two doors: `/material/<uid>` for whoever is signed in (a person, an organiser) or anonymous, and
`/registration/<token>/material/<uid>` for a registration's private link (follow-up mail). A viewer
who may not see the material gets the same 404 as for material that does not exist, so the
existence of hidden material is never revealed (docs/material.md).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import File, Redirect

from events_app.domain import materials, registrations, staff
from events_app.domain.errors import NotFound
from events_app.domain.materials import Viewer
from events_app.domain.tables import MaterialKind, MaterialVisibility, Role
from events_app.i18n import N_
from events_app.web.downloads import ascii_filename, utf8_filename


def viewer_of(request: Request) -> Viewer:
    """The signed-in person and whether an organiser (or admin) is signed in."""
    account = request.state.get("staff")
    person = request.state.get("person")
    return Viewer(
        person_id=person["id"] if person else None,
        organiser=bool(account) and staff.has_role(account["role"], Role.organiser),
    )


def content_disposition(name: str) -> str:
    """Both forms of the name, always: an uploaded name is whatever the organiser's file was called."""
    return f'attachment; filename="{ascii_filename(name, "material")}"; {utf8_filename(name)}'


def serve(material: dict[str, Any]) -> Response:
    """The file (attachment, never inline, never sniffed) or a redirect to the link."""
    private = material["visibility"] != MaterialVisibility.public.value
    cache = "private, no-store" if private else "no-cache"
    if material["kind"] == MaterialKind.link.value:
        return Redirect(
            material["url"],
            status_code=302,
            headers={"Cache-Control": cache if private else "no-cache", "Referrer-Policy": "no-referrer"},
        )
    path = materials.stored_path(material["storage_key"])
    if not path.is_file():
        raise NotFound(N_("There is no such material."))
    return File(
        path=path,
        media_type=material["content_type"],
        content_disposition_type="attachment",
        filename=material["filename"],
        headers={
            "content-disposition": content_disposition(material["filename"]),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": cache,
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Referrer-Policy": "no-referrer",
        },
    )


class MaterialController(Controller):
    path = "/"

    @get("/material/{uid:str}", name="material")
    async def material(self, request: Request, uid: FromPath[str]) -> Response:
        row = await materials.get_material(uid)
        if not await materials.may_see(row, viewer_of(request)):
            raise NotFound(N_("There is no such material."))
        return serve(row)

    @get("/registration/{token:str}/material/{uid:str}", name="registration_material")
    async def registration_material(self, token: FromPath[str], uid: FromPath[str]) -> Response:
        """Through the registration's private link: what that registration's person may see, of
        that registration's event."""
        registration = await registrations.by_manage_token(token)
        row = await materials.get_material(uid)
        if row["event"] != registration["event"] or not await materials.may_see(
            row, Viewer(person_id=registration["person"])
        ):
            raise NotFound(N_("There is no such material."))
        response = serve(row)
        response.headers["Cache-Control"] = "private, no-store"  # the token is in the address
        return response
