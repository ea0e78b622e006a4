"""The scanner page at the door, for every staff role, made for a phone held in one hand
(docs/checkin.md).

Scans go to the JSON API (`POST /api/v1/checkins`, web/api/checkins.py) with the device's own bearer
token, made here once per device ("Name this device"). The page also works with no network: a service
worker (`/checkin/sw.js`) keeps it, and the device keeps the door's list to check tickets against
(static/checkin_door.js). What the API cannot do with a token, the page
does through the session, CSRF-protected: decode a camera frame where the browser has no
BarcodeDetector, search by name or organisation and check the one found in, register a walk-in.
Those answer JSON in the API's shape (`checkin_out`), so static/checkin.js shows every answer alike.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import api_tokens, badge_pdf, badges, checkins, events, programme, qr_frames
from events_app.domain.checkins import Scan, WalkIn
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.tables import CheckInMethod, EventStatus, Role, SessionStatus
from events_app.domain.transactions import utcnow
from events_app.i18n import N_, localtime
from events_app.web.api.checkins import CheckInOut, checkin_out
from events_app.web.auth import actor_of, requires_role
from events_app.web.downloads import NO_STORE
from events_app.web.forms import form_errors, read_form
from events_app.web.organiser_badges import badges_download
from events_app.web.refusals import refusal_caught
from events_app.web.registration import field_messages, organisation_options

# Decoding is CPU work: one frame at a time per worker (and one waiting), so the scans at the door,
# which need little CPU each, never queue behind a stream of pictures.
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qr-frames")
_decoding = asyncio.Semaphore(2)
# A scanner's token may only check in and lasts a day: a phone left behind stops working by itself.
SCANNER_TOKEN_LIFETIME = timedelta(hours=24)
TOKEN_NAME = "Skanner: {device}"  # how the device's token appears among the staff member's API tokens
DEVICE_MAX = 60
PAST_EVENTS_SHOWN = 10
SCAN_FIELDS = ("day", "session", "device", "reason", "confirmed")
WALK_IN_FIELDS = ("name", "organisation", "organisation_other", "email")


async def _published(when: str) -> list[dict[str, Any]]:
    return [
        event
        for event in await events.list_events(public=False, when=when)
        if event["status"] == EventStatus.published.value
    ]


async def _scanner_event(slug: str) -> dict[str, Any]:
    event = await events.get_event(slug)
    if event["status"] != EventStatus.published.value:
        raise NotFound(N_("There is no such event."))
    return event


def default_day(days: list[date], today: date) -> date | None:
    """Today when it is one of the event's days, else the next of them, else the last."""
    return next((day for day in days if day >= today), days[-1] if days else None)


def counter_text(counts: dict[str, int]) -> str:
    """ "12 of 40 checked in", the plural following the number expected."""
    return i18n.ngettext(
        "%(checked_in)s of %(num)s checked in",
        "%(checked_in)s of %(num)s checked in",
        counts["expected"],
        checked_in=counts["checked_in"],
    )


@cache
def _service_worker() -> bytes:
    return (Path(__file__).parent / "static" / "checkin_sw.js").read_bytes()


def offline_results() -> dict[str, str]:
    """What the page says for each answer it decides itself, offline (static/checkin_door.js)."""
    return {
        **{result: i18n.gettext(message) for result, message in checkins.RESULTS.items()},
        "offline_today": i18n.gettext("With no network only today's door can be checked in."),
    }


def _staff(request: Request) -> dict[str, Any]:
    account = request.state.staff
    return {"id": account["id"], "name": account["name"], "role": account["role"]}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise DomainError(N_("Choose one of the event's days."), field="day") from None


def _scan(slug: str, form: dict[str, str], method: CheckInMethod) -> Scan:
    """The door the page scans at (a day, or a session's uid) and the device's name, from its form."""
    return Scan(
        code="",
        event=slug,
        day=_day(form["day"]),
        session=form["session"],
        device=form["device"][:100],
        method=method.value,
        reason=form["reason"],
        confirmed=form["confirmed"] == "1",
    )


def _door(value: str) -> tuple[str, str]:
    """The scanner's door as its select says it ("day:2027-01-08" or "session:<uid>"): (day, session)."""
    kind, _, target = value.partition(":")
    return (target, "") if kind == "day" else ("", target) if kind == "session" else ("", "")


def _wants_page(request: Request) -> bool:
    """A form posted by the browser itself (no script): answer with a page, not the script's JSON."""
    return "text/html" in request.headers.get("accept", "")


def _answer_page(
    request: Request, slug: str, answer: CheckInOut | None, form: dict[str, str], **context: Any
) -> Template:
    """The answer to a check-in posted without the script: a confirmation to give for another day,
    the result, or the problem; each with the way back to the scanner."""
    return Template(
        "staff/checkin_answer.html",
        media_type=MediaType.HTML,  # the route's other answers are JSON
        headers=NO_STORE,
        status_code=200 if answer else 400,
        context={
            "slug": slug,
            "answer": answer,
            "action": request.url.path,
            "fields": {name: value for name, value in form.items() if name != "confirmed"},
            **context,
        },
    )


def _problem(error: DomainError, errors: dict[str, str] | None = None) -> Response:
    """A form's problem as JSON for the page: the message, and each field's message."""
    return Response(
        {"message": error.translated(), "errors": errors or form_errors(error)}, status_code=400, headers=NO_STORE
    )


class CheckInController(Controller):
    path = "/checkin"
    guards = [requires_role(Role.checkin)]

    @get("/", name="checkin_events")
    async def choose_event(self, request: Request) -> Response:
        """The published events, current and upcoming first; straight on to the one with a day today
        (unless asked to choose)."""
        current = await _published("upcoming")
        # Only an event with one of its days (a module's occasions) today opens by itself: between
        # a module's occasions the door would otherwise open on a day it is not.
        today_ids = await checkins.events_on(checkins.today(), [event["id"] for event in current])
        on_today = [event for event in current if event["id"] in today_ids]
        if len(on_today) == 1 and not request.query_params.get("choose"):
            return Redirect(request.app.route_reverse("checkin_scanner", slug=on_today[0]["slug"]))
        past = (await _published("past"))[:PAST_EVENTS_SHOWN]
        now = utcnow()
        devices = [
            token
            for token in await api_tokens.tokens_of(request.state.staff["id"], scope=api_tokens.CHECKIN_SCOPE)
            if token["revoked_at"] is None and token["expires_at"] and token["expires_at"] > now
        ]
        return Template("staff/checkin_events.html", context={"current": current, "past": past, "devices": devices})

    @post("/devices/{uid:str}/revoke", name="checkin_device_revoke")
    async def revoke_device(self, request: Request, uid: FromPath[str]) -> Redirect:
        """Stop one of the signed-in staff member's paired scanners (a phone lost or handed on)."""
        try:
            await api_tokens.revoke_token(uid, request.state.staff["id"], actor_of(request))
        except NotFound:
            flash(request, i18n.gettext("There is no such device."), "error")
        else:
            flash(request, i18n.gettext("The device is disconnected: it must be named again to scan."), "success")
        return Redirect(f"{request.app.route_reverse('checkin_events')}?choose=1", status_code=303)

    @post("/device", name="checkin_device")
    async def pair_device(self, request: Request) -> Response:
        """Make the device's API token; the page keeps it (localStorage) and scans with it."""
        device = " ".join((await read_form(request, "device"))["device"].split())
        if not device:
            return _problem(DomainError(N_("Name this device, for example “Entrance, phone 1”."), field="device"))
        if len(device) > DEVICE_MAX:
            return _problem(DomainError(N_("At most %(max)s characters."), field="device", max=DEVICE_MAX))
        token = await api_tokens.create_token(
            request.state.staff["id"],
            TOKEN_NAME.format(device=device),
            actor_of(request),
            scope=api_tokens.CHECKIN_SCOPE,
            expires_at=utcnow() + SCANNER_TOKEN_LIFETIME,
        )
        return Response({"token": token, "device": device}, status_code=201, headers=NO_STORE)

    @get("/sw.js", name="checkin_service_worker")
    async def service_worker(self) -> Response:
        """The scanner page's service worker, from here so that it looks after /checkin/ only; never
        cached by the browser's HTTP cache, so that a new version is found at the next visit."""
        return Response(_service_worker(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @post("/decode", name="checkin_decode", request_max_body_size=qr_frames.MAX_FRAME_BYTES)
    async def decode(self, request: Request) -> Response:
        """A camera frame (JPEG, PNG or WebP as the body) -> {"code": the QR code's text, or ""}."""
        if _decoding.locked():  # busy: this frame is dropped, the camera sends another in a moment
            return Response({"code": ""}, status_code=429, headers=NO_STORE)
        async with _decoding:
            try:
                code = await asyncio.get_running_loop().run_in_executor(
                    _DECODER, qr_frames.read_qr, await request.body()
                )
            except DomainError as error:
                return _problem(error)
        return Response({"code": code}, headers=NO_STORE)

    @get("/{slug:str}", name="checkin_scanner")
    async def scanner(self, request: Request, slug: FromPath[str]) -> Template:
        event = await _scanner_event(slug)
        # Check-in staff scan for today (checkins.days_open_to_door_staff); organisers may choose
        # another day too, with a reason.
        any_day = request.state.staff["role"] in (Role.organiser.value, Role.admin.value)
        open_days = checkins.days_open_to_door_staff()
        numbers = {row["day"]: number for number, row in enumerate(event["days"], start=1)}
        days = [row["day"] for row in event["days"] if any_day or row["day"] in open_days]
        sessions = [
            {**session, "day": localtime(session["starts_at"]).date()}
            for session in await programme.programme(event["id"])
            if session["status"] == SessionStatus.scheduled.value
            and (any_day or localtime(session["starts_at"]).date() in open_days)
        ]
        today = checkins.today()
        chosen = default_day(days, today)
        if chosen is None and sessions:  # only sessions' doors: the first session's day
            chosen = sessions[0]["day"]
        return Template(
            "staff/checkin.html",
            context={
                "event": event,
                "days": days,
                "numbers": numbers,
                "today": today,
                "open_days": open_days,
                "sessions": sessions,
                "default_day": chosen,
                "counts": await checkins.day_counts(slug, chosen) if chosen else None,
                "may_choose_another_day": any_day,
                "account": request.state.staff,
                "organisations": await organisation_options(),
                "device_max": DEVICE_MAX,
                "offline_results": offline_results(),
            },
        )

    @get("/{slug:str}/walk-ins/{uid:str}/badge.pdf", name="checkin_walk_in_badge")
    async def walk_in_badge(self, slug: FromPath[str], uid: FromPath[str]) -> Response:
        """A walk-in's name badge, one card for the badge printer, one tap from the walk-in's answer.
        Only those registered at the door: other badges are the organisers' to print."""
        await _scanner_event(slug)  # a published event's door only
        event, chosen = await badges.badges_for(slug, [uid], walk_ins_only=True)
        return await badges_download(event, chosen, badge_pdf.CARD)

    @get("/{slug:str}/count", name="checkin_count")
    async def count(self, request: Request, slug: FromPath[str]) -> Response:
        """The scanner's counter for the door's day ("12 of 40 checked in"), which the page asks for
        after each answer and every few seconds: other devices check people in too."""
        try:
            day = _day(str(request.query_params.get("day") or "")) or checkins.today()
        except DomainError as error:
            return _problem(error)
        counts = await checkins.day_counts(slug, day)
        return Response({**counts, "text": counter_text(counts)}, headers=NO_STORE)

    @get("/{slug:str}/search", name="checkin_search")
    async def search(self, request: Request, slug: FromPath[str]) -> Template:
        """Those whose name or organisation contains `q` with the time each was checked in at the door,
        or a button that checks them in. The script asks for the list alone (`part=1`); without it
        (a search made without the script) the list comes in a page of its own."""
        query = str(request.query_params.get("q") or "")
        day, session = _door(str(request.query_params.get("door") or ""))
        day = str(request.query_params.get("day") or day)
        session = str(request.query_params.get("session") or session)
        try:
            on = _day(day)
        except DomainError:
            on = None
        found = await checkins.search(slug, query, day=on, session=session)
        return Template(
            "staff/_checkin_search.html" if request.query_params.get("part") else "staff/checkin_search.html",
            headers=NO_STORE,
            context={
                "slug": slug,
                "found": found,
                "query": query,
                "too_short": len(query.strip()) < 2,
                "door": {
                    "day": on.isoformat() if on else "",
                    "session": session,
                    "reason": str(request.query_params.get("reason") or ""),
                },
            },
        )

    @post("/{slug:str}/registrations/{uid:str}", name="checkin_registration", status_code=200)
    async def check_in_found(
        self, request: Request, slug: FromPath[str], uid: FromPath[str]
    ) -> CheckInOut | Response | Template:
        """Check in one found by searching: the same rules and answer as a scan (JSON for the script,
        a page for a form posted without it)."""
        form = await read_form(request, *SCAN_FIELDS)
        try:
            answer = checkin_out(
                await checkins.check_in_registration(uid, _scan(slug, form, CheckInMethod.search), _staff(request))
            )
        except NotFound:
            raise
        except DomainError as error:
            if _wants_page(request):
                return _answer_page(request, slug, None, form, problem=error.translated())
            return _problem(error)
        return _answer_page(request, slug, answer, form) if _wants_page(request) else answer

    @post("/{slug:str}/walk-in", name="checkin_walk_in", status_code=200)
    async def walk_in(self, request: Request, slug: FromPath[str]) -> CheckInOut | Response:
        """Register someone at the door and check them in, in one step."""
        form = await read_form(request, *WALK_IN_FIELDS, *SCAN_FIELDS)
        with refusal_caught() as refused:
            answer = await checkins.walk_in(
                slug,
                WalkIn(
                    name=form["name"],
                    organisation=form["organisation"] or form["organisation_other"],
                    email=form["email"],
                ),
                _scan(slug, form, CheckInMethod.walk_in),
                _staff(request),
            )
        if refused.error:
            return _problem(refused.error, field_messages(refused.error, form))
        return checkin_out(answer)
