"""The organiser's page of a council meeting (/organiser/events/<slug>/council): the agenda and its
papers and minutes, who is invited as what and their answers, whether each organisation and side is
represented, reminders, inviting members who came into office since, passing a member's invitation
to their substitute, and attendance ticked per invitee (council_meetings.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import council_meetings, events, invitations, materials
from events_app.domain.council_meetings import AgendaItemInput
from events_app.domain.errors import DomainError
from events_app.domain.materials import Viewer
from events_app.domain.tables import Theme
from events_app.i18n import N_
from events_app.web.auth import actor_of
from events_app.web.forms import form_errors, read_form
from events_app.web.refusals import flash_refusal, refusal_caught
from events_app.web.uploads import UploadTooLarge, keep_csrf_token_for_the_page, read_upload

ITEM_FIELDS = ("title", "theme", "project", "description")
DOCUMENT_FIELDS = ("doc_title", "purpose", "agenda_item")


async def council_page(
    slug: str,
    *,
    values: dict[str, Any] | None = None,
    error: DomainError | None = None,
    status: int | None = None,
    document_form: bool = False,
) -> Template:
    """The page; with `document_form`, `error` belongs to the upload form (its title field is doc_title)."""
    _, rows = await council_meetings.invitees(slug)
    event = await council_meetings.meeting(slug)
    errors = form_errors(error) if error else {}
    if document_form and "title" in errors:
        errors["doc_title"] = errors.pop("title")
    agenda = await council_meetings.agenda(event, Viewer(organiser=True))
    themes = await Theme.select(Theme.slug, Theme.name_sv, Theme.name_en).order_by(Theme.id)
    by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in council_meetings.ROLE_LABELS}
    for row in rows:
        by_role.setdefault(row["role"], []).append(row)
    return Template(
        "organiser/council.html",
        status_code=status or (400 if error else 200),
        context={
            "event": event,
            "by_role": by_role,
            "role_labels": council_meetings.ROLE_LABELS,
            "answers": council_meetings.ANSWERS,
            "seats": await council_meetings.representation(rows),
            "agenda": agenda,
            "item_options": [(str(item["uid"]), f"{item['number']}. {item['title']}") for item in agenda["items"]],
            "themes": [(theme["slug"], theme["name_sv"]) for theme in themes],
            "reminder_count": await invitations.reminder_due_count(event),
            "values": values or {},
            "errors": errors,
            "max_mb": materials.get_settings().upload_max_mb,
            "accepted": ",".join(materials.ACCEPTED_EXTENSIONS),
        },
    )


SUBSTITUTE_MAILED = N_("%(name)s is invited in the member's place.")
SUBSTITUTE_NOT_MAILED = N_(
    "%(name)s is invited in the member's place. The answer deadline has passed, so no mail was sent: "
    "tell them yourself."
)


class OrganiserCouncilController(Controller):
    path = "/events"

    def _back(self, request: Request, slug: str, anchor: str = "") -> Redirect:
        url = request.app.route_reverse("organiser_council", slug=slug)
        return Redirect(f"{url}#{anchor}" if anchor else url, status_code=303)

    @get("/{slug:str}/council", name="organiser_council")
    async def overview(self, slug: FromPath[str]) -> Template:
        return await council_page(slug)

    @post("/{slug:str}/council/invite", name="organiser_council_invite")
    async def invite(self, request: Request, slug: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            added = await council_meetings.invite_council(slug, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(
                request, i18n.ngettext("%(num)s person was invited.", "%(num)s people were invited.", added), "success"
            )
        return self._back(request, slug)

    @post("/{slug:str}/council/remind", name="organiser_council_remind")
    async def remind(self, request: Request, slug: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            sent = await invitations.send_reminders(slug, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(request, i18n.ngettext("%(num)s reminder was sent.", "%(num)s reminders were sent.", sent), "success")
        return self._back(request, slug)

    @post("/{slug:str}/council/invitations/{uid:str}/substitute", name="organiser_council_substitute")
    async def substitute(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            row = await council_meetings.pass_to_substitute(slug, uid, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            mailed = await council_meetings.was_mailed(row["uid"])
            message = SUBSTITUTE_MAILED if mailed else SUBSTITUTE_NOT_MAILED
            flash(request, i18n.gettext(message, name=row["name"]), "success")
        return self._back(request, slug, "invitees")

    @post("/{slug:str}/council/invitations/{uid:str}/apologies", name="organiser_council_apologies")
    async def apologies(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        with refusal_caught() as refused:
            await council_meetings.record_apologies(slug, uid, actor_of(request))
        if refused.error:
            flash_refusal(request, refused.error)
        else:
            flash(request, i18n.gettext("The apologies were recorded."), "success")
        return self._back(request, slug, f"invitee-{uid}")

    @post("/{slug:str}/council/invitations/{uid:str}/attended", name="organiser_council_attended")
    async def attended(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        staff = {key: request.state.staff[key] for key in ("id", "name", "role")}
        with refusal_caught() as refused:
            await council_meetings.tick_attendance(slug, uid, staff)
        if refused.error:
            flash_refusal(request, refused.error)
        return self._back(request, slug, f"invitee-{uid}")

    @post("/{slug:str}/council/agenda", name="organiser_council_agenda_add")
    async def add_item(self, request: Request, slug: FromPath[str]) -> Response:
        values = await read_form(request, *ITEM_FIELDS)
        with refusal_caught() as refused:
            await council_meetings.add_item(slug, AgendaItemInput(**values), actor_of(request))
        if refused.error:
            return await council_page(slug, values=values, error=refused.error)
        return self._back(request, slug, "agenda")

    @post("/{slug:str}/council/agenda/{uid:str}/move", name="organiser_council_agenda_move")
    async def move_item(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        direction = -1 if (await read_form(request, "direction"))["direction"] == "up" else 1
        await council_meetings.move_item(slug, uid, direction, actor_of(request))
        return self._back(request, slug, "agenda")

    @post("/{slug:str}/council/agenda/{uid:str}/delete", name="organiser_council_agenda_delete")
    async def delete_item(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        await council_meetings.delete_item(slug, uid, actor_of(request))
        return self._back(request, slug, "agenda")

    @post(
        "/{slug:str}/council/documents",
        name="organiser_council_document",
        request_max_body_size=None,
        opt={"exclude_from_csrf": True},
    )
    async def add_document(self, request: Request, slug: FromPath[str]) -> Response:
        """A paper or the minutes, streamed like the material page's uploads (uploads.py checks CSRF)."""
        # An unknown event: 404 before reading the body. Another kind of event is refused after the
        # CSRF check (add_document), so a forged upload is told 403 whatever the event.
        await events.get_event(slug)
        keep_csrf_token_for_the_page(request)
        try:
            upload = await read_upload(
                request,
                limit=materials.upload_limit_bytes(),
                text_fields=DOCUMENT_FIELDS,
                new_path=materials.incoming_path,
            )
        except UploadTooLarge:
            return await council_page(slug, error=materials.too_large_error(), status=413, document_form=True)
        values = {name: upload.fields.get(name, "") for name in DOCUMENT_FIELDS}
        try:
            with refusal_caught() as refused:
                if upload.path is None or not upload.filename:
                    raise DomainError(N_("Choose a file."), field="file")
                await council_meetings.add_document(
                    slug,
                    values["purpose"],
                    values["agenda_item"],
                    values["doc_title"],
                    upload.path,
                    upload.filename,
                    actor_of(request),
                )
        finally:
            if upload.path is not None:
                upload.path.unlink(missing_ok=True)
        if refused.error:
            return await council_page(slug, values=values, error=refused.error, document_form=True)
        flash(request, i18n.gettext("“%(title)s” was added.", title=values["doc_title"].strip()), "success")
        return self._back(request, slug, "agenda")
