"""The organisers' material of an event: the list, uploading a file, adding a link, deleting.

An upload is streamed into a temporary file under MEDIA_DIR by `uploads.read_upload` (which also
makes the CSRF check the middleware skips for this route), and stops as soon as the file passes
UPLOAD_MAX_MB; `materials.add_file` then checks it and moves it into place.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import events, materials, programme
from events_app.domain.errors import DomainError
from events_app.domain.materials import MaterialInput
from events_app.i18n import N_
from events_app.web.auth import actor_of
from events_app.web.forms import form_errors, read_form
from events_app.web.refusals import refusal_caught
from events_app.web.uploads import UploadTooLarge, keep_csrf_token_for_the_page, read_upload

# The text fields of the upload form, beside its file.
UPLOAD_FIELDS = ("title", "visibility", "session", "title_en")


async def material_page(
    slug: str,
    *,
    values: dict[str, Any] | None = None,
    error: DomainError | None = None,
    form: str = "",
    status: int | None = None,
) -> Template:
    """The page; `form` ("file" or "link") names the form `error` belongs to, so it shows there."""
    event = await events.get_event(slug)
    sessions = await programme.programme(event["id"])
    errors = form_errors(error) if error else {}
    if form == "link":  # the link form's fields have ids of their own (the upload form has the same names)
        errors = {
            f"link-{name}" if name in ("title", "visibility", "session", "title_en") else name: message
            for name, message in errors.items()
        }
    return Template(
        "organiser/materials.html",
        status_code=status or (400 if error else 200),
        context={
            "event": event,
            "rows": await materials.list_for_event(event["id"]),
            "sessions": [(str(session["uid"]), session["title"]) for session in sessions],
            "visibilities": [(value, i18n.gettext(label)) for value, label in materials.VISIBILITY_LABELS.items()],
            "visibility_label": lambda value: i18n.gettext(materials.visibility_label(value)),
            "file_types": materials.FILE_TYPES,
            "accepted": ",".join(materials.ACCEPTED_EXTENSIONS),
            "max_mb": materials.get_settings().upload_max_mb,
            "file_values": (values or {}) if form == "file" else {},
            "file_errors": errors if form == "file" else {},
            "link_values": (values or {}) if form == "link" else {},
            "link_errors": errors if form == "link" else {},
            "errors": errors,
        },
    )


class OrganiserMaterialsController(Controller):
    """An event's material, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/material", name="organiser_materials")
    async def overview(self, slug: FromPath[str]) -> Template:
        return await material_page(slug)

    @post(
        "/{slug:str}/material/upload",
        name="organiser_material_upload",
        request_max_body_size=None,
        opt={"exclude_from_csrf": True},
    )
    async def upload(self, request: Request, slug: FromPath[str]) -> Response:
        await events.get_event(slug)  # an unknown event: 404 before reading the body
        # The CSRF middleware skips this route (it would read the whole body first): uploads.py checks it.
        keep_csrf_token_for_the_page(request)
        try:
            upload = await read_upload(
                request,
                limit=materials.upload_limit_bytes(),
                text_fields=UPLOAD_FIELDS,
                new_path=materials.incoming_path,
            )
        except UploadTooLarge:
            return await material_page(slug, error=materials.too_large_error(), form="file", status=413)
        values = {name: upload.fields.get(name, "") for name in UPLOAD_FIELDS}
        try:
            with refusal_caught() as refused:
                if upload.path is None or not upload.filename:
                    raise DomainError(N_("Choose a file."), field="file")
                await materials.add_file(slug, MaterialInput(**values), upload.path, upload.filename, actor_of(request))
        finally:
            if upload.path is not None:  # add_file consumes it; this is for the refusals before it
                upload.path.unlink(missing_ok=True)
        if refused.error:
            return await material_page(slug, values=values, error=refused.error, form="file")
        flash(request, i18n.gettext("“%(title)s” was added.", title=values["title"].strip()), "success")
        return Redirect(request.app.route_reverse("organiser_materials", slug=slug), status_code=303)

    @post("/{slug:str}/material/link", name="organiser_material_link")
    async def add_link(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, "title", "url", "visibility", "session", "title_en")
        with refusal_caught() as refused:
            await materials.add_link(slug, MaterialInput(**values), actor_of(request))
        if refused.error:
            return await material_page(slug, values=values, error=refused.error, form="link")
        flash(request, i18n.gettext("“%(title)s” was added.", title=values["title"].strip()), "success")
        return Redirect(request.app.route_reverse("organiser_materials", slug=slug), status_code=303)

    @post("/{slug:str}/material/{uid:str}/delete", name="organiser_material_delete")
    async def delete(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        if (await read_form(request, "confirm"))["confirm"] != "yes":
            flash(request, i18n.gettext("Nothing was deleted: use the button that confirms it."), "error")
            return Redirect(request.app.route_reverse("organiser_materials", slug=slug), status_code=303)
        row = await materials.delete_material(slug, uid, actor_of(request))
        flash(request, i18n.gettext("“%(title)s” was deleted.", title=row["title"]), "success")
        return Redirect(request.app.route_reverse("organiser_materials", slug=slug), status_code=303)

    @post("/{slug:str}/material/{uid:str}/move", name="organiser_material_move")
    async def move(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        direction = -1 if (await read_form(request, "direction"))["direction"] == "up" else 1
        await materials.move_material(slug, uid, direction, actor_of(request))
        page = request.app.route_reverse("organiser_materials", slug=slug)
        return Redirect(f"{page}#material-{uid}", status_code=303)
