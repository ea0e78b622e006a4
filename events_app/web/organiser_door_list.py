"""The paper door list for organisers: one day's list as a PDF to print and tick, and the form where
the ticked short codes are entered afterwards and checked in (`paper_door_list`, `door_list_pdf`).
Reached from the event's check-in page, a day at a time."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events_app import i18n
from events_app.domain import door_list_pdf, events, paper_door_list
from events_app.domain.checkins import RESULTS
from events_app.domain.errors import DomainError
from events_app.domain.transactions import utcnow
from events_app.web.downloads import NO_STORE, PDF_TYPE, download
from events_app.web.forms import form_page, read_form
from events_app.web.organiser_checkin import _event_and_day
from events_app.web.refusals import refusal_caught


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


async def _entry_page(
    event: dict[str, Any],
    values: dict[str, str],
    *,
    error: DomainError | None = None,
    entered: list[paper_door_list.Entered] | None = None,
) -> Template:
    page = form_page(
        "organiser/paper_check_ins.html",
        values=values,
        error=error,
        event=event,
        days=[(row["day"].isoformat(), i18n.format_day(row["day"])) for row in event["days"]],
        entered=entered or [],
        counts=Counter(item.answer.result for item in entered or []),
        results=RESULTS,
    )
    page.headers.update(NO_STORE)  # names of those who came
    return page


class OrganiserDoorListController(Controller):
    """An event's paper door list, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/door-list.pdf", name="organiser_door_list_pdf")
    async def pdf(self, request: Request, slug: FromPath[str]) -> Response:
        """?day=YYYY-MM-DD, one of the event's days (without it: today's, or the first)."""
        _, day = await _event_and_day(request, slug)
        listed = await paper_door_list.door_list(slug, day)
        content = await asyncio.to_thread(
            door_list_pdf.render, listed, language=i18n.current_language(), created_at=utcnow()
        )
        return download(content, f"{slug}-dorrlista-{day.isoformat()}.pdf", PDF_TYPE)

    @get("/{slug:str}/checkin/paper", name="organiser_paper_check_ins")
    async def form(self, request: Request, slug: FromPath[str]) -> Template:
        """The form for the codes ticked on the paper list (?day= picks the day shown first)."""
        event, day = await _event_and_day(request, slug)
        return await _entry_page(event, {"day": day.isoformat(), "codes": ""})

    @post("/{slug:str}/checkin/paper", name="organiser_paper_check_ins_enter")
    async def enter(self, request: Request, slug: FromPath[str]) -> Template:
        """Check in every code entered, all in this one request, and say what became of each; the
        codes not checked in stay in the field to be corrected."""
        event = await events.get_event(slug)
        values = await read_form(request, "day", "codes")
        staff = {key: request.state.staff[key] for key in ("id", "name", "role")}
        with refusal_caught() as refused:
            entered = await paper_door_list.enter_check_ins(slug, _day(values["day"]), values["codes"], staff)
        if refused.error:
            return await _entry_page(event, values, error=refused.error)
        left = [item.code for item in entered if item.answer.result not in ("ok", "already_checked_in")]
        return await _entry_page(event, {"day": values["day"], "codes": "\n".join(left)}, entered=entered)
