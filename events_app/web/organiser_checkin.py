"""The organisers' live view of check-in: checked in / expected for a day of the event, per session
and per organisation, the latest check-ins (each can be undone), the conflicts of scans made offline
(docs/checkin.md), and once the day is over the no-shows with a CSV download.

The figures update by themselves: static/checkin_live.js polls a fragment of the page every few
seconds. The counting lives in the domain (`checkins`, `attendance_reports`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import attendance_reports, checkins, door_sync, events
from events_app.domain.errors import NotFound
from events_app.i18n import N_
from events_app.web.auth import actor_of
from events_app.web.downloads import CSV_TYPE, NO_STORE, download
from events_app.web.forms import read_form

# What happened, for each kind of conflict (checkins.check_in_offline).
CONFLICT_LABELS = {
    "twice": N_("Admitted on two devices: the earlier scan is the check-in"),
    "cancelled": N_("Admitted, but the registration was cancelled"),
    "waitlisted": N_("Admitted, but on the waiting list"),
    "wrong_day": N_("Admitted, but not registered for this day"),
    "not_in_session": N_("Admitted, but not signed up for this session"),
    "wrong_event": N_("Admitted with a ticket for another event"),
    "unknown": N_("Admitted with a ticket that no longer exists"),
}


def view_url(request: Request, slug: str, day: date) -> str:
    """The live view of one day of the event."""
    return f"{request.app.route_reverse('organiser_checkin', slug=slug)}?{urlencode({'day': day.isoformat()})}"


async def _event_and_day(request: Request, slug: str) -> tuple[dict[str, Any], date]:
    """The event and the day asked for (?day=YYYY-MM-DD); without one, today when the event is on,
    else its first day. A day the event does not have is not found."""
    event = await events.get_event(slug)
    days = {row["day"].isoformat(): row["day"] for row in event["days"]}
    asked = str(request.query_params.get("day") or "")
    if asked and asked not in days:
        raise NotFound(N_("The event has no such day."))
    today = checkins.today()
    return event, days.get(asked) or days.get(today.isoformat()) or next(iter(days.values()), today)


async def _live(event: dict[str, Any], day: date) -> dict[str, Any]:
    """What the live part of the page shows: the counts and the latest check-ins."""
    counts = await checkins.live_counts(event["slug"], day)
    return {
        "event": event,
        "day": day,
        "counts": counts,
        "percent": 100 * counts["checked_in"] // counts["expected"] if counts["expected"] else 0,  # 99 % until all came
        "latest": await attendance_reports.latest_check_ins(event["id"], day),
        "method_labels": attendance_reports.METHOD_LABELS,
        "conflicts": await door_sync.conflicts(event["slug"], day),
        "conflict_labels": CONFLICT_LABELS,
    }


class OrganiserCheckinController(Controller):
    """An event's check-in as organisers follow it, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/checkin", name="organiser_checkin")
    async def live_view(self, request: Request, slug: FromPath[str]) -> Template:
        event, day = await _event_and_day(request, slug)
        day_over = day < checkins.today()
        return Template(
            "organiser/checkin.html",
            context={
                **await _live(event, day),
                "day_over": day_over,
                "available_from": day + timedelta(days=1),
                "no_shows": await checkins.no_shows(slug, day) if day_over else [],
            },
        )

    @get("/{slug:str}/checkin/live", name="organiser_checkin_live")
    async def live(self, request: Request, slug: FromPath[str]) -> Template:
        """The live part alone, for the page to poll."""
        event, day = await _event_and_day(request, slug)
        return Template("organiser/_checkin_live.html", headers=NO_STORE, context=await _live(event, day))

    @get("/{slug:str}/checkin/no-shows.csv", name="organiser_checkin_no_shows_csv")
    async def no_shows_csv(self, request: Request, slug: FromPath[str]) -> Response:
        _, day = await _event_and_day(request, slug)
        if day >= checkins.today():
            raise NotFound(N_("The list of no-shows is ready once the day is over."))
        return download(
            await attendance_reports.no_shows_csv(slug, day), f"{slug}-uteblivna-{day.isoformat()}.csv", CSV_TYPE
        )

    @post("/{slug:str}/checkin/{uid:str}/undo", name="organiser_checkin_undo")
    async def undo(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        """Take back a mistaken check-in once the organiser has confirmed it; back to the same day
        (the form's address carries ?day=)."""
        _, day = await _event_and_day(request, slug)
        back = view_url(request, slug, day) + "#latest-heading"
        if (await read_form(request, "confirm"))["confirm"] != "yes":
            flash(request, i18n.gettext("Nothing was undone: use the button that confirms it."), "error")
            return Redirect(back, status_code=303)
        try:
            await checkins.undo(uid, actor_of(request), event_slug=slug)
        except NotFound:  # undone meanwhile, on another screen
            flash(request, i18n.gettext("There is no such check-in: it may have been undone already."), "error")
        else:
            flash(request, i18n.gettext("The check-in is undone."), "success")
        return Redirect(back, status_code=303)
