"""The organisers' material of an event: the list, uploading a file, adding a link, deleting.

Uploads are not parsed by Litestar (which would keep the file in memory or the system's temporary
folder): `read_upload` streams the multipart body straight into a temporary file under MEDIA_DIR,
counting bytes, and stops as soon as the file passes UPLOAD_MAX_MB. Because the body is read here,
the CSRF middleware is told to skip this one route (`exclude_from_csrf`) and the same check is made
by `_check_csrf` before a single byte of the file is written: the form puts its token first.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState
from multipart import MultipartSegment, ParserError, PushMultipartParser

from events_app import i18n
from events_app.domain import events, materials, programme
from events_app.domain.errors import DomainError
from events_app.domain.materials import MaterialInput
from events_app.i18n import N_
from events_app.web.auth import actor_of
from events_app.web.forms import form_errors, read_form
from events_app.web.refusals import refusal_caught

FORM_OVERHEAD = 256 * 1024  # the other fields and multipart boundaries, on top of the file
MAX_FIELD = 10_000  # a text field of the upload form
TEXT_FIELDS = ("_csrf_token", "title", "visibility", "session")


class UploadTooLarge(Exception):
    pass


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    filename: str = ""


def _csrf_token_ok(request: Request, token: str) -> bool:
    """Litestar's CSRF check (the form's token and the cookie carry the same HMAC-signed secret)."""
    config = request.app.csrf_config
    if config is None:
        return True
    cookie = request.cookies.get(config.cookie_name) or ""

    def secret_of(value: str) -> str | None:
        if len(value) < CSRF_SECRET_LENGTH + 1:
            return None
        secret, digest = value[:CSRF_SECRET_LENGTH], value[CSRF_SECRET_LENGTH:]
        return secret if hmac.compare_digest(digest, generate_csrf_hash(token=secret, secret=config.secret)) else None

    form_secret, cookie_secret = secret_of(token), secret_of(cookie)
    return form_secret is not None and cookie_secret is not None and hmac.compare_digest(form_secret, cookie_secret)


def _refuse_csrf() -> None:
    raise PermissionDeniedException("CSRF token verification failed")


async def read_upload(request: Request, limit: int) -> Upload:
    """The upload form: text fields, and the `file` part streamed to a temporary file under MEDIA_DIR.

    The CSRF token must come before the file (it does: it is the form's first field). More than
    `limit` bytes of file: the temporary file is removed and UploadTooLarge raised, reading no more.
    """
    content_length = request.content_length
    if content_length is not None and content_length > limit + FORM_OVERHEAD:
        raise UploadTooLarge
    content_type, options = request.content_type
    boundary = options.get("boundary")
    if content_type != "multipart/form-data" or not boundary:  # a form without the file: no file chosen
        fields: dict[str, str] = {}
        if content_type == "application/x-www-form-urlencoded" and (content_length or 0) <= MAX_FIELD:
            form = await request.form()
            fields = {name: str(form.get(name) or "") for name in TEXT_FIELDS}
        if not _csrf_token_ok(request, fields.get("_csrf_token", "")):
            _refuse_csrf()
        return Upload(fields=fields)
    upload = Upload()
    csrf_checked = False
    segment: MultipartSegment | None = None
    text = bytearray()
    file = None
    written = 0
    try:
        with PushMultipartParser(boundary.encode(), max_segment_count=20) as parser:
            async for chunk in request.stream():
                for part in parser.parse(chunk):
                    if isinstance(part, MultipartSegment):
                        segment, text = part, bytearray()
                        if segment.name == "file" and segment.filename is not None and upload.path is None:
                            if not csrf_checked:
                                _refuse_csrf()
                            upload.filename = segment.filename
                            upload.path = materials.incoming_path()
                            file = open(upload.path, "wb")  # noqa: SIM115 - closed below, whatever happens
                    elif part:  # data of the current segment
                        if file is not None:
                            written += len(part)
                            if written > limit:
                                raise UploadTooLarge
                            file.write(part)
                        elif segment is not None and segment.name in TEXT_FIELDS:
                            text.extend(part)
                            if len(text) > MAX_FIELD:
                                raise ClientException("Form field too large")
                    elif segment is not None:  # the end of the segment
                        if file is not None:
                            file.close()
                            file = None
                        elif segment.name in TEXT_FIELDS and segment.name not in upload.fields:
                            upload.fields[segment.name] = text.decode(segment.charset or "utf-8", "replace")
                            if segment.name == "_csrf_token":
                                if not _csrf_token_ok(request, upload.fields["_csrf_token"]):
                                    _refuse_csrf()
                                csrf_checked = True
                        segment = None
                if parser.closed:
                    break
        if not csrf_checked:
            _refuse_csrf()
        if file is not None:  # the body ended inside the file
            raise ClientException("Invalid multipart/form-data")
        return upload
    except ParserError:
        _discard(file, upload)
        raise ClientException("Invalid multipart/form-data") from None
    except BaseException:
        _discard(file, upload)
        raise


def _discard(file: Any, upload: Upload) -> None:
    if file is not None:
        file.close()
    if upload.path is not None:
        upload.path.unlink(missing_ok=True)
        upload.path = None


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
            f"link-{name}" if name in ("title", "visibility", "session") else name: message
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
        # The CSRF middleware skips this route (it would read the whole body first), so it has not set
        # the request's token: set it as the middleware does for a page, so that a page shown again
        # after a refusal has forms that can be sent.
        config = request.app.csrf_config
        if config is not None and request.cookies.get(config.cookie_name):
            ScopeState.from_scope(request.scope).csrf_token = request.cookies[config.cookie_name]
        try:
            upload = await read_upload(request, materials.upload_limit_bytes())
        except UploadTooLarge:
            return await material_page(slug, error=materials.too_large_error(), form="file", status=413)
        values = {name: upload.fields.get(name, "") for name in ("title", "visibility", "session")}
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
        values = await read_form(request, "title", "url", "visibility", "session")
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
