"""Registering for an event and the registrant's own page, reached by the private link in the mails.

The form is read here and handed to `registrations` as a `RegistrationInput`; every rule (who may
register when, the checks, places and waiting lists) lives in the domain. With a personal
invitation's link (`?invitation=<token>`) the form is the invitee's: filled in from the invitation,
the address fixed, open whatever the audience. The private link's token (and the invitation's) is a
secret in the URL, so those pages are never cached, indexed or sent on as a referrer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from markupsafe import Markup, escape

from events_app import i18n
from events_app.domain import (
    evaluation_requests,
    events,
    invitation_links,
    materials,
    people,
    privacy_notice,
    programme,
    questions,
    registration_holds,
    registrations,
    tickets,
    waiting_list,
)
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, RateLimited
from events_app.domain.invitation_links import InvitationUnusable
from events_app.domain.localized_texts import localized, option_pairs
from events_app.domain.materials import Viewer
from events_app.domain.registrations import (
    AlreadyRegistered,
    Registrant,
    RegistrationInput,
)
from events_app.domain.tables import Audience, OrganisationKind, SessionStatus
from events_app.i18n import N_
from events_app.web.auth import client_ip
from events_app.web.context import LANGUAGE_COOKIE
from events_app.web.forms import form_errors
from events_app.web.refusals import refusal_caught

# Municipalities and the region first: most registrants come from them.
_ORGANISATION_ORDER = [
    OrganisationKind.municipality.value,
    OrganisationKind.region.value,
    OrganisationKind.county_board.value,
    OrganisationKind.federation.value,
    OrganisationKind.other.value,
]
# The private link's pages: not stored by any cache, not indexed, and the token not sent on as a referrer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
SINGLE_FIELDS = (
    "name",
    "email",
    "organisation",
    "organisation_other",
    "title",
    "dietary_other",
    "accessibility",
    "invitation_token",
    "language",
)
LIST_FIELDS = ("dietary", "days", "sessions", "waitlist_sessions")
# The name of a radio group of sessions at the same time, and the value that asks for a full one's queue.
SLOT_FIELD_PREFIX = "slot-"
WAITLIST_PREFIX = "waitlist:"


# --- Reading the page's state -----------------------------------------------------------------


async def registration_call(
    event: dict[str, Any], person: dict[str, Any] | None, invitation: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the event page and the form say about registering: the state, and who may.

    A usable personal `invitation` admits its invitee whatever the audience, and before registration
    opens to the public (its deadline was checked with it); a reserved place is never full.
    """
    state = "open" if invitation else registrations.registration_state(event)
    audience = event["audience"]
    reserved = bool(invitation and invitation["reserved_place"])
    left = None  # places left, as registering counts them; None: no capacity, or not for this visitor
    if state == "open" and not reserved and event["capacity"] is not None:
        left = waiting_list.places_left(event["capacity"], await waiting_list.confirmed_registrations(event["id"]))
    return {
        "state": state,
        "opens_at": event["registration_opens_at"],
        "closes_at": event["registration_closes_at"] or event["starts_at"],
        "left": left,
        "full": left == 0,
        "members_only": not invitation and audience == Audience.members.value and not (person and person["is_member"]),
        "invitation_only": not invitation and audience == Audience.invitation.value,
        "signed_in": person is not None,
        "invited": invitation is not None,
    }


async def organisation_options() -> list[tuple[str, str]]:
    rows = await people.all_organisations()
    name = "name_sv" if i18n.current_language() == "sv" else "name_en"
    rows.sort(
        key=lambda row: (
            _ORGANISATION_ORDER.index(row["kind"]) if row["kind"] in _ORGANISATION_ORDER else len(_ORGANISATION_ORDER),
            row[name],
        )
    )
    return [(row["code"], row[name]) for row in rows]


def session_slots(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scheduled sign-up sessions grouped by overlapping time (`programme.overlapping_slots`), each
    with its places left. A slot of several sessions is one radio group on the form, so a clash
    cannot be chosen there; the domain still refuses one."""
    for session in sessions:
        session["left"] = None if session["capacity"] is None else max(session["capacity"] - session["confirmed"], 0)
    return programme.overlapping_slots([s for s in sessions if s["status"] == SessionStatus.scheduled.value])


def question_fields(event_questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **question,
            "name": questions.field_name(question),
            # The reader's language for what is shown; the values stay the stored (Swedish) options.
            "label": localized(question, "label"),
            "help_text": localized(question, "help_text"),
            "option_pairs": option_pairs(question),
        }
        for question in event_questions
    ]


async def form_context(event: dict[str, Any], *, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Everything the registration fields need (shared by the registration form and the change form)."""
    return {
        "event": event,
        "values": values,
        "errors": errors,
        "organisations": await organisation_options(),
        "dietary_needs": [(code, i18n.gettext(label)) for code, label in registrations.DIETARY_NEEDS.items()],
        "questions": question_fields(await questions.questions_of(event["id"])),
        "event_days": [day["day"] for day in event["days"]],
        "slots": session_slots(await registrations.signup_sessions(event["id"])),
    }


async def read_registration_form(request: Request, event_questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The submitted form as values to show again: strings, and lists for the checkbox groups."""
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in SINGLE_FIELDS}
    values.update({name: [str(item) for item in form.getall(name, [])] for name in LIST_FIELDS})
    _read_slot_choices(form, values)
    values["consent"] = bool(form.get("consent"))
    values["days_shown"] = bool(form.get("days_shown"))
    for question in event_questions:
        name = questions.field_name(question)
        values[name] = (
            [str(item) for item in form.getall(name, [])]
            if question["kind"] == "multiple"
            else str(form.get(name) or "")
        )
    return values


def _read_slot_choices(form: Any, values: dict[str, Any]) -> None:
    """The radio groups of sessions at the same time (`slot-<n>`): a session's uid is a place,
    "waitlist:<uid>" its waiting list, "" none. They join the checkboxes' lists, which the domain checks."""
    for name in dict.fromkeys(form.keys()):
        if not name.startswith(SLOT_FIELD_PREFIX):
            continue
        for value in (str(item) for item in form.getall(name, [])):
            if value.startswith(WAITLIST_PREFIX):
                values["waitlist_sessions"].append(value.removeprefix(WAITLIST_PREFIX))
            elif value:
                values["sessions"].append(value)


def registration_input(values: dict[str, Any], event_questions: list[dict[str, Any]]) -> RegistrationInput:
    """An organisation chosen from the list wins over free text; free text is an external's organisation."""
    return RegistrationInput(
        name=values["name"],
        email=values.get("email", ""),
        organisation=values["organisation"] or values["organisation_other"],
        title=values["title"],
        dietary=values["dietary"],
        dietary_other=values["dietary_other"],
        accessibility=values["accessibility"],
        answers={question["key"]: values[questions.field_name(question)] for question in event_questions},
        sessions=values["sessions"],
        waitlist_sessions=values["waitlist_sessions"],
        days=values["days"] if values.get("days_shown") else None,
        consent=values.get("consent", False),
        language=values.get("language") or i18n.current_language(),
        invitation_token=values.get("invitation_token", ""),
    )


def field_messages(error: DomainError, values: dict[str, Any]) -> dict[str, str]:
    """The domain's messages by form field. The domain's `organisation` is the free-text field here
    whenever no organisation was chosen from the list."""
    errors = form_errors(error)
    if "organisation" in errors and not values.get("organisation"):
        errors["organisation_other"] = errors.pop("organisation")
    return errors


async def _person_values(person: dict[str, Any] | None) -> dict[str, Any]:
    if person is None:
        return {}
    return {
        "name": person["name"],
        "email": person["email"],
        "title": person["title"],
        "organisation": (await people.get_person(str(person["uid"])))["organisation_code"] or "",
    }


async def _invitation_values(invitation: dict[str, Any]) -> dict[str, Any]:
    """The form filled in from a personal invitation: a seed organisation, or the organiser's free text."""
    return {
        "name": invitation["name"],
        "email": invitation["email"],
        "language": invitation["language"],
        "organisation": await people.organisation_code(invitation["organisation"]),
        "organisation_other": invitation["organisation_text"],
    }


def speak_invitees_language(request: Request, invitation: dict[str, Any]) -> None:
    """An invitee who has not chosen a language sees the pages in their invitation's, like its mail."""
    if not request.cookies.get(LANGUAGE_COOKIE):
        i18n.set_language(invitation["language"])


def unusable_status(error: InvitationUnusable) -> int:
    """An unknown invitation link is not found (404); a revoked or expired one, or one to a cancelled
    event, is gone (410)."""
    return 404 if error.code == "invitation_unknown" else 410


def invitation_unusable_page(template: str, error: InvitationUnusable, **context: Any) -> Response:
    """The domain's message about a link that cannot be used (changing nothing), with the next step."""
    return private(
        Template(
            template, context={"invitation_problem": error.translated(), **context}, status_code=unusable_status(error)
        )
    )


def registration_values(registration: dict[str, Any], event_questions: list[dict[str, Any]]) -> dict[str, Any]:
    """A registration as the change form shows it."""
    values: dict[str, Any] = {
        "name": registration["name"],
        "organisation": registration["organisation_code"] or "",
        "organisation_other": registration["organisation_text"] or "",
        "title": registration["title"],
        "dietary": list(registration["dietary"] or []),
        "dietary_other": registration["dietary_other"],
        "accessibility": registration["accessibility"],
        "days": list(registration["days"] or []),
        "sessions": [str(c["session_uid"]) for c in registration["choices"] if c["status"] == "confirmed"],
        "waitlist_sessions": [str(c["session_uid"]) for c in registration["choices"] if c["status"] == "waitlisted"],
    }
    answers = registration["answers"] or {}
    for question in event_questions:
        answer = answers.get(question["key"])
        if question["kind"] == "yes_no" and isinstance(answer, bool):
            answer = "yes" if answer else "no"
        values[questions.field_name(question)] = (
            answer if answer is not None else ([] if question["kind"] == "multiple" else "")
        )
    return values


def inline_qr(code: str) -> Markup:
    """The ticket's QR code as inline SVG that scales with its box, announced as one image."""
    svg = tickets.qr_svg(code)
    svg = svg[svg.index("<svg") :]  # no XML declaration inside HTML
    label = escape(i18n.gettext("QR code of your ticket"))
    head, rest = svg.split(">", 1)
    for attribute in ("width", "height"):  # the viewBox stays: the CSS gives the size
        head = " ".join(part for part in head.split(" ") if not part.startswith(f'{attribute}="'))
    return Markup(f'{head} role="img" aria-label="{label}" focusable="false" class="qr-svg">{rest}')


def private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


# --- The controller ---------------------------------------------------------------------------


HONEYPOT_REFUSAL = N_("The registration could not be made. Leave the field “Leave this field empty” empty.")


SENT_AGAIN_MESSAGE = N_("We have sent the link again to %(email)s.")
# The session key naming the held registration this browser made (for its "check your email" page).
HELD_SESSION_KEY = "held_registration"


class RegistrationController(Controller):
    path = "/"

    async def _form_page(
        self,
        request: Request,
        event: dict[str, Any],
        *,
        values: dict[str, Any],
        errors: dict[str, str] | None = None,
        status: int = 200,
        prefill: bool = False,
    ) -> Response:
        """The form; with a personal invitation's token, the invitee's form (filled in from the
        invitation when `prefill`), or the reason the link cannot be used instead of the form."""
        person = request.state.get("person")
        invitation = None
        if values.get("invitation_token"):
            try:
                invitation = await invitation_links.invitation_for_registration(values["invitation_token"], event["id"])
            except InvitationUnusable as error:
                return invitation_unusable_page("public/register.html", error, event=event)
            speak_invitees_language(request, invitation)
            if prefill:
                values.update(await _invitation_values(invitation))
        context = await form_context(event, values=values, errors=errors or {})
        register_page = request.app.route_reverse("register", slug=event["slug"])
        context.update(
            call=await registration_call(event, person, invitation),
            person=person,
            invitation=invitation,
            sign_in_url=f"{request.app.route_reverse('login_link')}?{urlencode({'next': register_page})}",
            notice_version=await privacy_notice.current_version(),
        )
        page = Template("public/register.html", context=context, status_code=status)
        return private(page) if invitation else page  # the invitation's secret is in the URL

    @get("/events/{slug:str}/register", name="register")
    async def register_form(self, request: Request, slug: FromPath[str], invitation: FromQuery[str] = "") -> Response:
        event = await events.get_public_event(slug)
        values: dict[str, Any] = {
            "days": [day["day"].isoformat() for day in event["days"]],
            "invitation_token": invitation,
            **await _person_values(request.state.get("person")),
        }
        return await self._form_page(request, event, values=values, prefill=True)

    @post("/events/{slug:str}/register", name="register_submit")
    async def register(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_public_event(slug)
        event_questions = await questions.questions_of(event["id"])
        values = await read_registration_form(request, event_questions)
        if (await request.form()).get("homepage"):  # the honeypot: only a script fills in the hidden field
            return await self._form_page(
                request, event, values=values, status=400, errors={"__all__": i18n.gettext(HONEYPOT_REFUSAL)}
            )
        person = request.state.get("person")
        if person is not None:
            values["email"] = person["email"]  # a signed-in person registers themselves
        registrant = Registrant(person_id=person["id"] if person else None, ip=client_ip(request))
        with refusal_caught(RateLimited) as refused:
            result = await registrations.register(slug, registration_input(values, event_questions), registrant)
        if isinstance(refused.error, AlreadyRegistered):
            return await self._form_page(
                request, event, values=values, status=400, errors={"__all__": refused.error.translated()}
            )
        if refused.error:
            return await self._form_page(
                request, event, values=values, status=400, errors=field_messages(refused.error, values)
            )
        if result.registration["held_until"] is not None:
            # Held: the way to the registration is the mailed link, not this answer (or a script
            # registering invented addresses would confirm them itself). This browser's session
            # remembers which registration it made, for the "check your email" page and its button.
            request.set_session({**request.session, HELD_SESSION_KEY: str(result.registration["uid"])})
            return Redirect(request.app.route_reverse("registration_held", slug=slug), status_code=303)
        page = request.app.route_reverse("my_registration", token=result.registration["manage_token"])
        return Redirect(f"{page}?new=1", status_code=303)

    async def _held_page(self, request: Request, slug: str, *, limited: bool = False) -> Response:
        """ "Check your email" after a held registration: only for the browser that made it (its
        session), which typed the address the page repeats. Anyone else is sent to the event."""
        uid = request.session.get(HELD_SESSION_KEY) if request.session else None
        registration = None
        if uid:
            try:
                registration = await registrations.get_registration(uid)
            except NotFound:  # erased meanwhile
                registration = None
        if registration is None or registration["event_slug"] != slug:
            return Redirect(request.app.route_reverse("event", slug=slug), status_code=303)
        page = Template(
            "public/registration_held.html",
            context={"registration": registration, "limited": limited},
            status_code=429 if limited else 200,
        )
        return private(page)

    @get("/events/{slug:str}/register/check-email", name="registration_held")
    async def held(self, request: Request, slug: FromPath[str]) -> Response:
        return await self._held_page(request, slug)

    @post("/events/{slug:str}/register/check-email", name="registration_held_resend")
    async def held_resend(self, request: Request, slug: FromPath[str]) -> Response:
        """The confirmation link mailed again, within the registration limits."""
        uid = request.session.get(HELD_SESSION_KEY) if request.session else None
        if not uid:
            return Redirect(request.app.route_reverse("event", slug=slug), status_code=303)
        with refusal_caught() as refused:
            registration = await registration_holds.mail_confirmation_again(uid, ip=client_ip(request))
        if isinstance(refused.error, RateLimited):
            return await self._held_page(request, slug, limited=True)
        if refused.error:
            flash(request, refused.error.translated(), "error")
        else:
            flash(request, i18n.gettext(SENT_AGAIN_MESSAGE, email=registration["email"]), "success")
        return private(Redirect(request.app.route_reverse("registration_held", slug=slug), status_code=303))

    async def _manage_page(
        self,
        request: Request,
        registration: dict[str, Any],
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
        new: bool = False,
    ) -> Response:
        event = await events.get_event(registration["event_slug"])
        event_questions = await questions.questions_of(event["id"])
        changeable = registrations.can_change(registration)
        context: dict[str, Any] = {"registration": registration, "event": event, "new": new, "changeable": changeable}
        if changeable:
            context.update(
                await form_context(
                    event,
                    values=values if values is not None else registration_values(registration, event_questions),
                    errors=errors or {},
                )
            )
        context["material"] = await materials.visible_for_event(event["id"], Viewer(person_id=registration["person"]))
        context["evaluations"] = await evaluation_requests.requests_of(registration_id=registration["id"])
        if registrations.has_ticket(registration):
            context["qr"] = inline_qr(registration["ticket_code"])
        elif registration["status"] == registrations.WAITLISTED:
            context["queue_position"] = await waiting_list.queue_position(registration)
        return private(Template("public/my_registration.html", context=context, status_code=status))

    @get("/registration/{token:str}", name="my_registration")
    async def manage(self, request: Request, token: FromPath[str], new: FromQuery[str] = "") -> Response:
        return await self._manage_page(request, await registrations.by_manage_token(token), new=new == "1")

    @post("/registration/{token:str}", name="my_registration_update")
    async def update(self, request: Request, token: FromPath[str]) -> Response:
        registration = await registrations.by_manage_token(token)
        event_questions = await questions.questions_of(registration["event"])
        values = await read_registration_form(request, event_questions)
        with refusal_caught() as refused:
            await registrations.update_registration(
                str(registration["uid"]), registration_input(values, event_questions), _actor(request, registration)
            )
        if refused.error:
            return await self._manage_page(
                request, registration, values=values, status=400, errors=field_messages(refused.error, values)
            )
        flash(request, i18n.gettext("Your registration is updated."), "success")
        return private(Redirect(request.app.route_reverse("my_registration", token=token), status_code=303))

    @get("/registration/{token:str}/cancel", name="cancel_registration_confirm")
    async def cancel_form(self, token: FromPath[str]) -> Response:
        registration = await registrations.by_manage_token(token)
        event = await events.get_event(registration["event_slug"])
        return private(
            Template(
                "public/cancel_registration.html",
                context={
                    "registration": registration,
                    "event": event,
                    "changeable": registrations.can_change(registration),
                },
            )
        )

    @post("/registration/{token:str}/confirm", name="confirm_registration")
    async def confirm(self, request: Request, token: FromPath[str]) -> Response:
        """A held registration confirmed by its person: the ticket is mailed now."""
        with refusal_caught() as refused:
            await registration_holds.confirm(token)
        if refused.error:
            flash(request, refused.error.translated(), "error")
        else:
            flash(
                request,
                i18n.gettext("Thank you! Your registration is confirmed; your ticket is on its way."),
                "success",
            )
        return private(Redirect(request.app.route_reverse("my_registration", token=token), status_code=303))

    @post("/registration/{token:str}/cancel", name="cancel_registration")
    async def cancel(self, request: Request, token: FromPath[str]) -> Response:
        registration = await registrations.by_manage_token(token)
        form = await request.form()
        if form.get("confirm") != "yes":  # only the confirmation page's button cancels
            return private(
                Redirect(request.app.route_reverse("cancel_registration_confirm", token=token), status_code=303)
            )
        await registrations.cancel_registration(str(registration["uid"]), _actor(request, registration))
        flash(request, i18n.gettext("Your registration is cancelled. We have sent you a confirmation."), "success")
        return private(Redirect(request.app.route_reverse("my_registration", token=token), status_code=303))


def _actor(request: Request, registration: dict[str, Any]) -> Actor:
    """The registrant, acting through their private link (whoever else may be signed in)."""
    return Actor(
        f"{registration['name']} <{registration['email']}>", person_id=registration["person"], ip=client_ip(request)
    )
