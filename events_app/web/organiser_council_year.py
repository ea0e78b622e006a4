"""The council's year planned in one step (/organiser/council/year): last year's council meetings and
sustainability days shown as the copies proposed for the new year, each date and title editable, and
created as drafts with one button (council_year.py); beside them the themes that year's evaluations
asked for (evaluation_results.theme_wishes), to choose the next sustainability day's themes."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import council_year, evaluation_results
from events_app.domain.council_year import Adjustment, ProposedCopy
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.i18n import N_, localtime
from events_app.web.auth import actor_of
from events_app.web.field_parsing import parse_date
from events_app.web.forms import form_page
from events_app.web.refusals import refusal_caught


def _year(text: str, field: str, default: int, errors: dict[str, DomainError]) -> int:
    """A year as typed (the default when empty); an unreadable one is noted in `errors`."""
    text = (text or "").strip()
    if not text:
        return default
    if len(text) == 4 and text.isdigit():
        return int(text)
    errors[field] = DomainError(N_("Write the year with four digits, for example 2027."), field=field)
    return default


def _years(values: dict[str, str], errors: dict[str, DomainError]) -> tuple[int, int]:
    """The source year (by default last year) and the year to plan (by default the one after it)."""
    from_year = _year(values.get("from_year", ""), "from_year", date.today().year - 1, errors)
    to_year = _year(values.get("to_year", ""), "to_year", from_year + 1, errors)
    return from_year, to_year


def _proposal_values(plan: list[ProposedCopy]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in plan:
        values[council_year.start_field(item)] = item.start.isoformat()
        values[council_year.title_field(item)] = item.title
    return values


async def _page(values: dict[str, str], error: DomainError | None = None) -> Template:
    """The page for the years in `values`, the proposal's dates and titles under what was typed."""
    errors: dict[str, DomainError] = {}
    from_year, to_year = _years(values, errors)
    plan: list[ProposedCopy] = []
    if errors:
        error = error or ValidationFailed(dict(errors))
    else:
        with refusal_caught() as refused:
            plan = await council_year.proposed_plan(from_year, to_year)
        error = error or refused.error
    rows = [
        {
            "item": item,
            "source_day": localtime(item.source["starts_at"]).date(),
            "start_field": council_year.start_field(item),
            "title_field": council_year.title_field(item),
        }
        for item in plan
    ]
    return form_page(
        "organiser/council_year.html",
        values={
            **_proposal_values(plan),
            **values,
            # What was typed, or the years shown when nothing was.
            "from_year": values.get("from_year") or str(from_year),
            "to_year": values.get("to_year") or str(to_year),
        },
        error=error,
        rows=rows,
        from_year=from_year,
        to_year=to_year,
        # The themes the year copied from asked for in its evaluations, to plan the next sustainability day.
        wishes=await evaluation_results.theme_wishes(from_year),
        theme_label=evaluation_results.theme_label,
    )


def _adjustments(plan: list[ProposedCopy], values: dict[str, str]) -> dict[str, Adjustment]:
    """The dates and titles as the organiser left them; ValidationFailed names every date not readable."""
    errors: dict[str, DomainError] = {}
    adjustments = {}
    for item in plan:
        name = council_year.start_field(item)
        start = parse_date(values.get(name, ""), name, errors)
        if start is None and name not in errors:
            errors[name] = DomainError(N_("Give the copy's first date."), field=name)
        adjustments[str(item.source["uid"])] = Adjustment(start=start, title=values.get(council_year.title_field(item)))
    if errors:
        raise ValidationFailed(dict(errors))
    return adjustments


class CouncilYearController(Controller):
    """Planning the council's year: the proposal, and creating its drafts."""

    path = "/council/year"

    @get("/", name="organiser_council_year")
    async def plan(self, from_year: FromQuery[str] = "", to_year: FromQuery[str] = "") -> Template:
        return await _page({"from_year": from_year, "to_year": to_year})

    @post("/", name="organiser_council_year_create")
    async def create(self, request: Request) -> Response:
        form = await request.form()
        values: dict[str, Any] = {str(name): str(form.get(name) or "") for name in form}
        values.pop("_csrf_token", None)
        errors: dict[str, DomainError] = {}
        from_year, to_year = _years(values, errors)
        if errors:
            return await _page(values, ValidationFailed(dict(errors)))
        try:
            plan = await council_year.proposed_plan(from_year, to_year)
            copies = await council_year.create_year(from_year, to_year, _adjustments(plan, values), actor_of(request))
        except DomainError as error:
            return await _page(values, error)
        flash(
            request,
            i18n.ngettext(
                "%(num)s draft was created for %(year)s. Check each one, then publish it.",
                "%(num)s drafts were created for %(year)s. Check each one, then publish them.",
                len(copies),
                year=to_year,
            ),
            "success",
        )
        return Redirect(request.app.route_reverse("organiser_events"))
