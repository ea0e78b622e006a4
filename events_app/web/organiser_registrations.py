"""The organisers' side of registrations: the list with its filters and actions, the summary (counts
and catering), the exports, adding someone by hand, and the event's own questions.

Every rule lives in the domain (`registrations`, `questions`, `registration_reports`); these
controllers read the request, call one service and pick the response.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import (
    attendance,
    checkins,
    events,
    outbox,
    questions,
    registration_holds,
    registration_reports,
    registrations,
    sensitive_answers,
    site_settings,
)
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.questions import QuestionInput
from events_app.domain.registrations import AlreadyRegistered, Registrant
from events_app.domain.tables import CheckInMethod, QuestionKind
from events_app.i18n import N_
from events_app.settings import LANGUAGES
from events_app.web.auth import actor_of, client_ip
from events_app.web.downloads import CSV_TYPE, NO_STORE, XLSX_TYPE, download
from events_app.web.forms import form_page, read_form
from events_app.web.refusals import flash_refusal, refusal_caught
from events_app.web.registration import (
    field_messages,
    form_context,
    organisation_options,
    read_registration_form,
    registration_input,
    registration_values,
)

FILTERS = ("q", "status", "organisation", "session", "question", "answer", "sort", "dir")
QUESTION_KINDS = [
    (QuestionKind.text.value, N_("Free text")),
    (QuestionKind.single.value, N_("Single choice")),
    (QuestionKind.multiple.value, N_("Multiple choice")),
    (QuestionKind.yes_no.value, N_("Yes or no")),
]


def _with_sensitive(request: Request) -> bool:
    """Whether an export is asked for with its sensitive data (?sensitive=yes)."""
    return request.query_params.get("sensitive") == "yes"


def list_url(request: Request, slug: str, filters: dict[str, str] | None = None) -> str:
    """The event's registration list, with the filters that have a value."""
    query = urlencode({k: v for k, v in (filters or {}).items() if v})
    return request.app.route_reverse("organiser_registrations", slug=slug) + (f"?{query}" if query else "")


def read_filters(request: Request) -> dict[str, str]:
    filters = {name: str(request.query_params.get(name) or "").strip() for name in FILTERS}
    if filters["sort"] not in registration_reports.SORTS:
        filters["sort"] = "created"
    filters["dir"] = "desc" if filters["dir"] == "desc" else "asc"
    return filters


def sort_links(request: Request, slug: str, filters: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it (again: the other way) and its aria-sort."""
    links = {}
    for column in registration_reports.SORTS:
        current = filters["sort"] == column
        direction = "desc" if current and filters["dir"] == "asc" else "asc"
        links[column] = {
            "url": list_url(request, slug, {**filters, "sort": column, "dir": direction}),
            "aria_sort": ("ascending" if filters["dir"] == "asc" else "descending") if current else "none",
        }
    return links


def read_page(request: Request) -> int:
    """The page asked for (?page=N, from 1); anything else is the first."""
    value = str(request.query_params.get("page") or "")
    return int(value) if value.isdigit() and 0 < len(value) < 7 else 1


def page_links(request: Request, slug: str, filters: dict[str, str], page: registration_reports.Page) -> dict[str, Any]:
    """The pagination's links, each keeping the filters and the sort: the previous and next page, and
    the pages around this one with the first and the last (None marks a gap)."""
    shown = sorted({1, page.pages, *range(max(1, page.number - 2), min(page.pages, page.number + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)

    def url(number: int) -> str:
        return list_url(request, slug, {**filters, "page": str(number) if number > 1 else ""})

    return {
        "previous": url(page.number - 1) if page.number > 1 else None,
        "next": url(page.number + 1) if page.number < page.pages else None,
        "numbers": [(number, url(number) if number else None) for number in numbers],
    }


async def _registration_page(request: Request, slug: str) -> Template:
    event = await events.get_event(slug)
    filters = read_filters(request)
    selection = registration_reports.Selection(
        query=filters["q"],
        status=filters["status"],
        organisation=filters["organisation"],
        session=filters["session"],
        answer_key=filters["question"],
        answer_value=filters["answer"],
        sort=filters["sort"],
        descending=filters["dir"] == "desc",
    )
    page = await registration_reports.registration_page(event["id"], selection, read_page(request))
    return Template(
        "organiser/registrations.html",
        context={
            "event": event,
            "page": page,
            "rows": page.rows,
            "filters": filters,
            "status_counts": await registration_reports.status_counts(event["id"]),
            "organisations": await organisation_options(),
            "external": registration_reports.EXTERNAL,
            "sessions": await registration_reports.signup_session_options(event["id"]),
            "questions": await questions.questions_of(event["id"]),
            "sort_links": sort_links(request, slug, filters),
            "page_links": page_links(request, slug, filters, page),
            "filtered": any(filters[name] for name in FILTERS[:6]),
            "held_bursts": await registration_holds.held_bursts(event["id"]),
        },
    )


class OrganiserRegistrationsController(Controller):
    """An event's registrations and questions, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/registrations", name="organiser_registrations")
    async def list(self, request: Request, slug: FromPath[str]) -> Template:
        return await _registration_page(request, slug)

    @post("/{slug:str}/registrations/bursts/{burst:str}/cancel", name="organiser_registrations_cancel_burst")
    async def cancel_burst(self, request: Request, slug: FromPath[str], burst: FromPath[str]) -> Response:
        """Cancel every held registration of one burst at once (a script's invented addresses)."""
        if (await read_form(request, "confirm"))["confirm"] == "yes":
            cancelled = await registration_holds.cancel_burst(slug, burst, actor_of(request))
            message = i18n.ngettext(
                "%(num)s held registration was cancelled.", "%(num)s held registrations were cancelled.", cancelled
            )
            flash(request, message, "success")
        return Redirect(list_url(request, slug), status_code=303)

    @get("/{slug:str}/registrations/summary", name="organiser_registrations_summary")
    async def summary(self, slug: FromPath[str]) -> Template:
        event = await events.get_event(slug)
        return Template(
            "organiser/registrations_summary.html",
            context={
                "event": event,
                "counts": await registration_reports.counts(event["id"]),
                "catering": await registration_reports.catering(event["id"]),
            },
        )

    @get("/{slug:str}/registrations.csv", name="organiser_registrations_csv")
    async def csv(self, request: Request, slug: FromPath[str]) -> Response:
        """The registrations; with ?sensitive=yes their dietary and accessibility needs and sensitive
        answers too, the file then marked in its name and first row."""
        event = await events.get_event(slug)
        export = await registration_reports.export_rows(event["id"], sensitive=_with_sensitive(request))
        content = registration_reports.to_csv(export.header, export.rows, notice=export.notice)
        return download(content, export.filename(f"{slug}-anmalningar", "csv"), CSV_TYPE)

    @get("/{slug:str}/registrations.xlsx", name="organiser_registrations_xlsx")
    async def xlsx(self, request: Request, slug: FromPath[str]) -> Response:
        """As the CSV file, as an Excel workbook."""
        event = await events.get_event(slug)
        export = await registration_reports.export_rows(event["id"], sensitive=_with_sensitive(request))
        content = registration_reports.to_xlsx(
            export.header, export.rows, title=i18n.gettext("Registrations"), notice=export.notice
        )
        return download(content, export.filename(f"{slug}-anmalningar", "xlsx"), XLSX_TYPE)

    @get("/{slug:str}/catering.csv", name="organiser_catering_csv")
    async def catering_csv(self, slug: FromPath[str]) -> Response:
        """For the caterer: numbers per day only, no names (registration_reports.catering)."""
        event = await events.get_event(slug)
        header, rows = await registration_reports.catering_rows(event["id"])
        return download(registration_reports.to_csv(header, rows), f"{slug}-cateringunderlag.csv", CSV_TYPE)

    @get("/{slug:str}/catering.xlsx", name="organiser_catering_xlsx")
    async def catering_xlsx(self, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        header, rows = await registration_reports.catering_rows(event["id"])
        content = registration_reports.to_xlsx(header, rows, title=i18n.gettext("Catering"))
        return download(content, f"{slug}-cateringunderlag.xlsx", XLSX_TYPE)

    async def _new_page(
        self, event: dict[str, Any], *, values: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200
    ) -> Template:
        context = await form_context(event, values=values, errors=errors or {})
        context["languages"] = [(code, i18n.LANGUAGE_NAMES[code]) for code in LANGUAGES]
        return Template("organiser/registration_new.html", context=context, status_code=status)

    @get("/{slug:str}/registrations/new", name="organiser_registration_new")
    async def new_form(self, slug: FromPath[str]) -> Template:
        event = await events.get_event(slug)
        return await self._new_page(
            event, values={"days": [day["day"].isoformat() for day in event["days"]], "language": "sv"}
        )

    @post("/{slug:str}/registrations/new", name="organiser_registration_create")
    async def create(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        event_questions = await questions.questions_of(event["id"])
        values = await read_registration_form(request, event_questions)
        values["language"] = str((await request.form()).get("language") or "sv")
        data = registration_input(values, event_questions)
        data.language = values["language"]
        registrant = Registrant(source="organiser", ip=client_ip(request), actor=actor_of(request))
        with refusal_caught() as refused:
            result = await registrations.register(slug, data, registrant)
        if isinstance(refused.error, AlreadyRegistered):
            return await self._new_page(
                event,
                values=values,
                status=400,
                errors={
                    "email": i18n.gettext(
                        "This address is already registered for the event. "
                        "Its registration link was mailed to it again."
                    )
                },
            )
        if refused.error:
            return await self._new_page(event, values=values, status=400, errors=field_messages(refused.error, values))
        registration = result.registration
        if registration["status"] == registrations.WAITLISTED:
            flash(
                request,
                i18n.gettext("%(name)s was added to the waiting list: the event is full.", name=registration["name"]),
                "success",
            )
        else:
            flash(request, i18n.gettext("%(name)s was registered.", name=registration["name"]), "success")
        return Redirect(list_url(request, slug), status_code=303)

    # --- The event's questions ---

    @get("/{slug:str}/questions", name="organiser_questions")
    async def questions_page(self, slug: FromPath[str]) -> Template:
        return await question_list(await events.get_event(slug))

    @post("/{slug:str}/questions", name="organiser_question_create")
    async def add_question(self, request: Request, slug: FromPath[str]) -> Response:
        event = await events.get_event(slug)
        values = await read_question_form(request)
        try:
            question = await questions.add_question(event["id"], question_input(values), actor_of(request))
        except DomainError as error:
            return await question_list(event, values=values, error=error)
        flash(request, i18n.gettext("The question “%(label)s” was added.", label=question["label"]), "success")
        return Redirect(request.app.route_reverse("organiser_questions", slug=slug), status_code=303)


def _moves(registration: dict[str, Any], sessions: list[dict[str, Any]]) -> list[tuple[dict, list[dict]]]:
    """Each of the registration's sessions with the event's other scheduled sign-up sessions it can be
    moved to (`registrations.move_choice` has the rules)."""
    moves = []
    for choice in registration["choices"]:
        others = [s for s in sessions if s["uid"] != choice["session_uid"] and s["status"] == "scheduled"]
        if others:
            moves.append((choice, others))
    return moves


class OrganiserRegistrationActionsController(Controller):
    """One registration for an organiser: everything it holds (sensitive answers included, which check-in
    staff never see), its history, and what an organiser does to it: change it, move one of its
    sessions, promote it, cancel it, send its mail again, check it in or undo a check-in."""

    path = "/registrations"

    @get("/{uid:str}", name="organiser_registration")
    async def show(self, uid: FromPath[str]) -> Template:
        registration = await registrations.get_registration(uid)
        event = await events.get_event(registration["event_slug"])
        event_questions = await questions.questions_of(registration["event"])
        sensitive_keys = {
            q["key"] for q in event_questions if sensitive_answers.is_sensitive_key(q["key"], event_questions)
        }
        labels = {q["key"]: q["label"] for q in event_questions}
        answers = [
            (labels.get(key, key), answer, key in sensitive_keys or key not in labels)
            for key, answer in (registration["answers"] or {}).items()
        ]
        days = [row["day"] for row in event["days"]]
        today = checkins.today()
        return Template(
            "organiser/registration.html",
            context={
                "registration": registration,
                "event": event,
                "answers": answers,
                "dietary_labels": [
                    i18n.gettext(registrations.DIETARY_NEEDS.get(code, code)) for code in registration["dietary"] or []
                ],
                "check_ins": await attendance.check_ins_at_the_door(registration["id"]),
                "event_purged": event["sensitive_purged_at"],
                "sensitive_days": await site_settings.number("retention", "retention_sensitive_days"),
                "moves": _moves(registration, await registration_reports.signup_session_options(registration["event"])),
                "days": days,
                "registration_days": [date.fromisoformat(day) for day in registration["days"] or []],
                "check_in_day": today if today in days else (days[0] if days else today),
                "today": today,
                "history": await registration_reports.history(registration),
                "history_labels": registration_reports.HISTORY_ACTIONS,
                "may_mail": outbox.can_receive_mail(registration["email"]),
            },
            headers=dict(NO_STORE),
        )

    @staticmethod
    async def _act(request: Request, uid: str, action, done: str, *, confirm: str | None = None) -> Response:
        """Do `action` to the registration and go back to its page, with `done` or the refusal flashed."""
        registration = await registrations.get_registration(uid)
        form = await request.form()
        back = request.app.route_reverse("organiser_registration", uid=str(registration["uid"]))
        if confirm is not None and form.get("confirm") != "yes":
            flash(request, i18n.gettext(confirm), "error")
            return Redirect(back, status_code=303)
        with refusal_caught() as refused:
            message = await action(registration, form)
            flash(request, message or i18n.gettext(done, name=registration["name"]), "success")
        if refused.error:
            flash_refusal(request, refused.error)
        return Redirect(back, status_code=303)

    async def _edit_page(
        self, registration: dict[str, Any], *, values: dict[str, Any] | None = None, errors=None, status: int = 200
    ) -> Template:
        event = await events.get_event(registration["event_slug"])
        event_questions = await questions.questions_of(event["id"])
        context = await form_context(
            event,
            values=values if values is not None else registration_values(registration, event_questions),
            errors=errors or {},
        )
        context["registration"] = registration
        return Template("organiser/registration_edit.html", context=context, status_code=status, headers=NO_STORE)

    @get("/{uid:str}/edit", name="organiser_registration_edit")
    async def edit_form(self, uid: FromPath[str]) -> Template:
        return await self._edit_page(await registrations.get_registration(uid))

    @post("/{uid:str}/edit", name="organiser_registration_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        """The registration's details, answers, days and sessions changed by an organiser (also after
        the event has started): the rules of `registrations.update_registration`, audited."""
        registration = await registrations.get_registration(uid)
        event_questions = await questions.questions_of(registration["event"])
        values = await read_registration_form(request, event_questions)
        with refusal_caught() as refused:
            await registrations.update_registration(
                uid, registration_input(values, event_questions), actor_of(request), by_organiser=True
            )
        if refused.error:
            return await self._edit_page(
                registration, values=values, errors=field_messages(refused.error, values), status=400
            )
        flash(request, i18n.gettext("The registration of %(name)s is changed.", name=values["name"]), "success")
        return Redirect(request.app.route_reverse("organiser_registration", uid=uid), status_code=303)

    @post("/{uid:str}/cancel", name="organiser_registration_cancel")
    async def cancel(self, request: Request, uid: FromPath[str]) -> Response:
        actor = actor_of(request)

        async def action(registration, form):
            await registrations.cancel_registration(uid, actor, by_organiser=True)

        return await self._act(
            request,
            uid,
            action,
            N_("The registration of %(name)s is cancelled."),
            confirm=N_("Nothing was cancelled: use the button that confirms it."),
        )

    @post("/{uid:str}/promote", name="organiser_registration_promote")
    async def promote(self, request: Request, uid: FromPath[str]) -> Response:
        actor = actor_of(request)

        async def action(registration, form):
            await registrations.promote_by_hand(uid, actor)

        return await self._act(
            request,
            uid,
            action,
            N_("%(name)s now has a confirmed place."),
            confirm=N_("Nobody was promoted: use the button that confirms it."),
        )

    @post("/{uid:str}/move", name="organiser_registration_move")
    async def move(self, request: Request, uid: FromPath[str]) -> Response:
        actor = actor_of(request)

        async def action(registration, form):
            await registrations.move_choice(
                uid, str(form.get("from_session") or ""), str(form.get("to_session") or ""), actor
            )

        return await self._act(request, uid, action, N_("%(name)s was moved to the other session."))

    @post("/{uid:str}/resend", name="organiser_registration_resend")
    async def resend(self, request: Request, uid: FromPath[str]) -> Response:
        """Queue the registration's mail again (with the ticket, for a confirmed place)."""
        actor = actor_of(request)

        async def action(registration, form):
            await registrations.resend_mail(uid, actor)
            return i18n.gettext("The registration mail to %(email)s is on its way.", email=registration["email"])

        return await self._act(request, uid, action, "")

    @post("/{uid:str}/checkin", name="organiser_registration_check_in")
    async def check_in(self, request: Request, uid: FromPath[str]) -> Response:
        """Check the registration in for a day of its event, with the door's rules (`checkins`): for
        another day than today with a reason, which the audit log keeps."""
        staff = {key: request.state.staff[key] for key in ("id", "name", "role")}

        async def action(registration, form):
            try:
                day = date.fromisoformat(str(form.get("day") or ""))
            except ValueError:
                raise DomainError(N_("Choose one of the event's days."), field="day") from None
            scan = checkins.Scan(
                code="",
                event=registration["event_slug"],
                day=day,
                method=CheckInMethod.search.value,
                reason=str(form.get("reason") or ""),
                # The organiser picked the day on this page and, for another day, wrote why: that is
                # the confirmation the door asks for with a second scan.
                confirmed=True,
            )
            try:
                answer = await checkins.check_in_registration(uid, scan, staff)
            except NotFound as error:  # a draft or cancelled event has no door
                raise DomainError(N_("Only a published event can be checked in to.")) from error
            if answer.result != "ok":
                raise DomainError(checkins.RESULTS[answer.result])
            return i18n.gettext("%(name)s is checked in.", name=registration["name"])

        return await self._act(request, uid, action, "")

    @post("/{uid:str}/checkin/undo", name="organiser_registration_undo_check_in")
    async def undo_check_in(self, request: Request, uid: FromPath[str]) -> Response:
        """Take back one of the registration's check-ins (the form names it), once confirmed."""
        actor = actor_of(request)

        async def action(registration, form):
            wanted = str(form.get("attendance") or "")
            mine = {str(row["uid"]) for row in await attendance.check_ins_at_the_door(registration["id"])}
            if wanted not in mine:  # undone meanwhile, or another registration's
                raise DomainError(N_("There is no such check-in: it may have been undone already."))
            await checkins.undo(wanted, actor, event_slug=registration["event_slug"])

        return await self._act(
            request,
            uid,
            action,
            N_("The check-in is undone."),
            confirm=N_("Nothing was undone: use the button that confirms it."),
        )


# --- Questions --------------------------------------------------------------------------------

QUESTION_FIELDS = (
    "label",
    "help_text",
    "kind",
    "options",
    "required",
    "sensitive",
    "key",
    "label_en",
    "help_text_en",
    "options_en",
)


async def read_question_form(request: Request) -> dict[str, str]:
    return await read_form(request, *QUESTION_FIELDS)


def question_input(values: dict[str, str]) -> QuestionInput:
    return QuestionInput(
        label=values["label"],
        help_text=values["help_text"],
        kind=values["kind"],
        options=values["options"].splitlines(),
        required=bool(values["required"]),
        sensitive=bool(values["sensitive"]),
        key=values.get("key", ""),
        label_en=values["label_en"],
        help_text_en=values["help_text_en"],
        options_en=values["options_en"].splitlines(),
    )


def question_values(question: dict[str, Any]) -> dict[str, str]:
    return {
        "label": question["label"],
        "help_text": question["help_text"],
        "kind": question["kind"],
        "options": "\n".join(question["options"] or []),
        "required": "1" if question["required"] else "",
        "sensitive": "1" if question["sensitive"] else "",
        "key": question["key"],
        "label_en": question["label_en"],
        "help_text_en": question["help_text_en"],
        "options_en": "\n".join(question["options_en"] or []),
    }


def _kinds() -> list[tuple[str, str]]:
    return [(value, i18n.gettext(label)) for value, label in QUESTION_KINDS]


async def question_list(
    event: dict[str, Any], *, values: dict | None = None, error: DomainError | None = None
) -> Template:
    return form_page(
        "organiser/questions.html",
        values=values or {"kind": QuestionKind.text.value},
        error=error,
        event=event,
        questions=await questions.questions_of(event["id"]),
        kinds=_kinds(),
        kind_labels=dict(_kinds()),
    )


async def question_edit_page(
    question: dict[str, Any], *, values: dict | None = None, error: DomainError | None = None
) -> Template:
    event = await events.get_event(question["event_slug"])
    return form_page(
        "organiser/question_form.html",
        values=values or question_values(question),
        error=error,
        event=event,
        question=question,
        kinds=_kinds(),
    )


class OrganiserQuestionsController(Controller):
    path = "/questions"

    @get("/{uid:str}", name="organiser_question")
    async def edit_form(self, uid: FromPath[str]) -> Template:
        return await question_edit_page(await questions.get_question(uid))

    @post("/{uid:str}", name="organiser_question_update")
    async def update(self, request: Request, uid: FromPath[str]) -> Response:
        question = await questions.get_question(uid)
        values = await read_question_form(request)
        values["key"] = question["key"]  # the key stays: answers already given keep their name
        with refusal_caught() as refused:
            await questions.update_question(uid, question_input(values), actor_of(request))
        if refused.error:
            return await question_edit_page(question, values=values, error=refused.error)
        event = await events.get_event(question["event_slug"])
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(request.app.route_reverse("organiser_questions", slug=event["slug"]), status_code=303)

    @post("/{uid:str}/delete", name="organiser_question_delete")
    async def delete(self, request: Request, uid: FromPath[str]) -> Response:
        question = await questions.get_question(uid)
        event = await events.get_event(question["event_slug"])
        await questions.delete_question(uid, actor_of(request))
        flash(request, i18n.gettext("The question “%(label)s” was deleted.", label=question["label"]), "success")
        return Redirect(request.app.route_reverse("organiser_questions", slug=event["slug"]), status_code=303)
