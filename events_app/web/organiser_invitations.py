"""The organisers' side of invitations: an event's invite list with each invitation's state, adding
people (one by one, council members, an uploaded list), sending, reminding, the answer deadline,
and revoking or reserving a place for one invitation.

Every rule lives in the domain (`invitations`); these controllers read the request, call one
service and pick the response. While mail is being sent the overview polls a small fragment with
the sending progress (static/invitations.js), so no page needs reloading by hand.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import events, invitation_links, invitations, people
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.invitations import InviteeInput
from events_app.i18n import N_
from events_app.settings import LANGUAGES, get_settings
from events_app.web.auth import actor_of
from events_app.web.downloads import NO_STORE
from events_app.web.field_parsing import local_date_time, parse_date_time
from events_app.web.forms import (
    checked_file,
    encoded_file,
    form_page,
    read_form,
    uploaded_file,
)
from events_app.web.refusals import flash_refusal, refusal_caught
from events_app.web.registration import field_messages, organisation_options

INVITEE_FIELDS = ("name", "email", "organisation", "organisation_other", "note", "language", "reserved_place")


def overview_url(request: Request, slug: str, state: str = "") -> str:
    """The invite list, filtered by one of the states (anything else: unfiltered)."""
    query = f"?{urlencode({'state': state})}" if state in invitations.STATES else ""
    return request.app.route_reverse("organiser_invitations", slug=slug) + query


async def overview(
    slug: str, *, state: str = "", values: dict | None = None, error: DomainError | None = None
) -> Template:
    """The overview. Its forms (send, remind, deadline) have fields of their own names, so `error`
    lands next to the right one whichever form was sent."""
    event, rows = await invitations.list_invitations(slug)
    state = state if state in invitations.STATES else ""
    deadline_date, deadline_time = local_date_time(event["invitation_deadline"])
    return form_page(
        "organiser/invitations.html",
        error=error,
        values={"deadline_date": deadline_date, "deadline_time": deadline_time, **(values or {})},
        event=event,
        rows=[row for row in rows if row["state"] == state] if state else rows,
        state=state,
        states=invitations.STATES,
        counts=invitations.count_states(rows),
        progress=invitations.sending_progress(rows),
        reminders_due=await invitations.reminder_due_count(event),
        deadline=invitation_links.deadline(event),
        interval=get_settings().invitation_reminder_interval_days,
    )


async def _overview_form(request: Request, slug: str, fields: tuple[str, ...], action) -> Response:
    """Run one of the overview's forms: back to the overview with a message, or the overview again
    with the form's values and the problem next to its field."""
    values = await read_form(request, *fields)
    with refusal_caught() as refused:
        done = await action(values)
    if refused.error:
        return await overview(slug, values=values, error=refused.error)
    flash(request, done, "success")
    return Redirect(overview_url(request, slug), status_code=303)


async def _row_action(request: Request, slug: str, action, done: str, *, confirm: str | None = None) -> Response:
    """An action on one invitation from the list; back to the list as it was filtered."""
    form = await read_form(request, "state", "confirm")
    back = overview_url(request, slug, form["state"])
    if confirm is not None and form["confirm"] != "yes":
        flash(request, i18n.gettext(confirm), "error")
        return Redirect(back, status_code=303)
    with refusal_caught() as refused:
        await action()
        flash(request, i18n.gettext(done), "success")
    if refused.error:
        flash_refusal(request, refused.error)
    return Redirect(back, status_code=303)


def _languages() -> list[tuple[str, str]]:
    return [(code, i18n.LANGUAGE_NAMES[code]) for code in LANGUAGES]


async def _add_page(event: dict[str, Any], values: dict[str, Any], errors: dict[str, str] | None = None) -> Template:
    return Template(
        "organiser/invitation_new.html",
        status_code=400 if errors else 200,
        context={
            "event": event,
            "values": values,
            "errors": errors or {},
            "organisations": await organisation_options(),
            "languages": _languages(),
        },
    )


async def _members_page(
    event: dict[str, Any], *, chosen: list[str] | None = None, error: DomainError | None = None
) -> Template:
    return form_page(
        "organiser/invitation_members.html",
        error=error,
        event=event,
        members=await people.list_members(),
        invited=await invitations.invited_addresses(event["id"]),
        chosen=chosen or [],
    )


def _import_page(
    event: dict[str, Any],
    *,
    report: invitations.ImportReport | None = None,
    content: str = "",
    error: DomainError | None = None,
) -> Template:
    page = form_page("organiser/invitation_import.html", error=error, event=event, report=report, content=content)
    if report is not None:
        page.status_code = 400
    return page


class OrganiserInvitationsController(Controller):
    """An event's invitations, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/invitations", name="organiser_invitations")
    async def list(self, request: Request, slug: FromPath[str]) -> Template:
        return await overview(slug, state=str(request.query_params.get("state") or ""))

    @get("/{slug:str}/invitations/progress", name="organiser_invitations_progress")
    async def progress(self, slug: FromPath[str]) -> Template:
        """The sending progress alone, for the overview to poll while mail is being sent."""
        event, rows = await invitations.list_invitations(slug)
        return Template(
            "organiser/_invitation_progress.html",
            headers=NO_STORE,
            context={"event": event, "progress": invitations.sending_progress(rows), "polled": True},
        )

    # --- Adding people ---

    @get("/{slug:str}/invitations/new", name="organiser_invitation_new")
    async def new_form(self, slug: FromPath[str]) -> Template:
        return await _add_page(await events.get_event(slug), {"language": "sv"})

    @post("/{slug:str}/invitations/new", name="organiser_invitation_create")
    async def create(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        values = await read_form(request, *INVITEE_FIELDS)
        data = InviteeInput(
            name=values["name"],
            email=values["email"],
            organisation=values["organisation"] or values["organisation_other"],
            note=values["note"],
            language=values["language"],
            reserved_place=bool(values["reserved_place"]),
        )
        with refusal_caught() as refused:
            await invitations.add_invitee(slug, data, actor_of(request))
        if refused.error:
            return await _add_page(event, values, field_messages(refused.error, values))
        flash(request, i18n.gettext("%(name)s was added to the invite list.", name=data.name.strip()), "success")
        return Redirect(overview_url(request, slug), status_code=303)

    @get("/{slug:str}/invitations/members", name="organiser_invitation_members")
    async def members_form(self, slug: FromPath[str]) -> Template:
        return await _members_page(await events.get_event(slug))

    @post("/{slug:str}/invitations/members", name="organiser_invitation_members_add")
    async def add_members(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        chosen = [str(uid) for uid in (await request.form()).getall("members", [])]
        with refusal_caught() as refused:
            if not chosen:
                raise DomainError(N_("Choose at least one member."), field="members")
            count = await invitations.invite_members(slug, chosen, actor_of(request))
            if not count:
                raise DomainError(
                    N_("Nobody was added: the members you chose are already on the list."), field="members"
                )
        if refused.error:
            return await _members_page(event, chosen=chosen, error=refused.error)
        flash(
            request,
            i18n.ngettext(
                "%(num)s member was added to the invite list.", "%(num)s members were added to the invite list.", count
            ),
            "success",
        )
        return Redirect(overview_url(request, slug), status_code=303)

    @get("/{slug:str}/invitations/import", name="organiser_invitation_import")
    async def import_form(self, slug: FromPath[str]) -> Template:
        return _import_page(await events.get_event(slug))

    @post("/{slug:str}/invitations/import", name="organiser_invitation_import_submit")
    async def import_file(
        self,
        request: Request,
        slug: FromPath[str],
        data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response:
        """A list whose every row is good is imported at once. Otherwise the rows with errors are
        shown, and nothing is imported unless the organiser then asks for only the good rows (the
        checked file comes back base64-encoded, so nothing is stored in between)."""
        event = await events.get_event(slug)
        with refusal_caught() as refused:
            if data.get("only_good_rows") == "1":
                count = await invitations.import_invitees(
                    slug, checked_file(data.get("content")), actor_of(request), only_good_rows=True
                )
            else:
                raw = await uploaded_file(data)
                report = await invitations.check_import(slug, raw)
                if not report.rows and not report.missing_columns:
                    raise DomainError(N_("The file has no rows."), field="file")
                if report.missing_columns or report.bad_rows:
                    return _import_page(event, report=report, content=encoded_file(raw) if report.good_rows else "")
                count = await invitations.import_invitees(slug, raw, actor_of(request))
        if refused.error:
            return _import_page(event, error=refused.error)
        flash(request, i18n.ngettext("%(num)s invitee was added.", "%(num)s invitees were added.", count), "success")
        return Redirect(overview_url(request, slug), status_code=303)

    # --- Sending, reminding, the deadline ---

    @post("/{slug:str}/invitations/send", name="organiser_invitations_send")
    async def send(self, request: Request, slug: FromPath[str]) -> Response:
        async def action(values: dict[str, str]) -> str:
            count = await invitations.send_invitations(slug, values["message"], actor_of(request))
            if not count:
                raise DomainError(N_("Nothing was sent: nobody on the list is waiting for an invitation."))
            return i18n.ngettext("%(num)s invitation is being sent.", "%(num)s invitations are being sent.", count)

        return await _overview_form(request, slug, ("message",), action)

    @post("/{slug:str}/invitations/remind", name="organiser_invitations_remind")
    async def remind(self, request: Request, slug: FromPath[str]) -> Response:
        async def action(values: dict[str, str]) -> str:
            try:
                count = await invitations.send_reminders(slug, actor_of(request), message=values["reminder_message"])
            except ValidationFailed as error:  # the domain's "message" is this form's reminder_message
                raise ValidationFailed({"reminder_message": error.errors["message"]}) from None
            if not count:
                raise DomainError(
                    N_(
                        "Nobody is due a reminder: reminders go to those who have not answered, at "
                        "most once every %(days)s days."
                    ),
                    days=get_settings().invitation_reminder_interval_days,
                )
            return i18n.ngettext("%(num)s reminder is being sent.", "%(num)s reminders are being sent.", count)

        return await _overview_form(request, slug, ("reminder_message",), action)

    @post("/{slug:str}/invitations/deadline", name="organiser_invitations_deadline")
    async def deadline(self, request: Request, slug: FromPath[str]) -> Response:
        async def action(values: dict[str, str]) -> str:
            errors: dict[str, DomainError] = {}
            new_deadline = parse_date_time(values, "deadline", errors)
            if errors:
                raise ValidationFailed(dict(errors))
            await invitations.set_deadline(slug, new_deadline, actor_of(request))
            return i18n.gettext("The answer deadline was saved.")

        return await _overview_form(request, slug, ("deadline_date", "deadline_time"), action)

    # --- One invitation ---

    @post("/{slug:str}/invitations/{uid:str}/revoke", name="organiser_invitation_revoke")
    async def revoke(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        async def action() -> None:
            await invitations.revoke(slug, uid, actor_of(request))

        return await _row_action(
            request,
            slug,
            action,
            N_("The invitation was withdrawn: its links no longer work."),
            confirm=N_("Nothing was withdrawn: use the button that confirms it."),
        )

    @post("/{slug:str}/invitations/{uid:str}/reserved", name="organiser_invitation_reserved")
    async def reserved(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        reserve = (await read_form(request, "reserved"))["reserved"] == "1"

        async def action() -> None:
            await invitations.set_reserved_place(slug, uid, reserve, actor_of(request))

        return await _row_action(
            request,
            slug,
            action,
            N_("A place is now reserved for the invitee.")
            if reserve
            else N_("The invitee no longer has a reserved place."),
        )
