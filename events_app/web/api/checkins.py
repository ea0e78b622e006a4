"""The JSON API's check-in: a scanner (a handheld device, another app, or the scanner page) posts
a ticket's code and gets the answer to show; staff undo a mistaken check-in. Any staff role's
bearer token may check in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.params import FromPath, JSONBody

from events_app import i18n
from events_app.domain import checkins
from events_app.domain.checkins import Scan
from events_app.web.api.auth import CHECKIN_TOKEN, token_actor, token_staff
from events_app.web.api.schemas import error_responses

Result = Literal[
    "ok",
    "already_checked_in",
    "unknown",
    "cancelled",
    "waitlisted",
    "wrong_event",
    "wrong_day",
    "not_in_session",
    "needs_confirmation",
]


class CheckInCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A scan: `code` is the QR code's content or the ticket's short code (with or without its dash);
    `event` the event's slug; `day` the day checked in for (default today in Europe/Stockholm), or
    `session` a session's id at its door; `device` names the scanning device (shown to the next
    device that scans the same ticket); `method` how the code was read. A day other than today
    (until 03.00 also yesterday) is for organisers and admins only, with a `reason`, and is audited;
    it is checked in only with `confirmed: true`, else the answer is `needs_confirmation` (nothing
    written) with the sentence to show in `confirm`."""

    code: Annotated[str, msgspec.Meta(max_length=500)]
    event: Annotated[str, msgspec.Meta(max_length=120)]
    day: date | None = None
    session: Annotated[str, msgspec.Meta(max_length=40)] = ""
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""
    method: Literal["camera", "scanner", "search", "walk_in", "api"] = "api"
    reason: Annotated[str, msgspec.Meta(max_length=300)] = ""
    confirmed: bool = False


class CheckInOut(msgspec.Struct, omit_defaults=True):
    """The answer. For a known ticket: whose it is; for `ok` and `already_checked_in`: the check-in
    (its time, who and which device made it, and its id, to undo it). For `needs_confirmation`: the
    `day` asked for, which of the event's days it is (`day_number`, from 1) and `confirm`, the
    sentence that says it beside today ("This is day 1, Friday 8 January 2027. Today is ...")."""

    result: Result
    message: str
    registration: str | None = None
    name: str | None = None
    organisation: str | None = None
    checked_in_at: datetime | None = None
    checked_in_by: str | None = None
    device: str | None = None
    method: str | None = None
    checkin: str | None = None
    day: date | None = None
    day_number: int | None = None
    confirm: str | None = None


def another_day_text(day: date, number: int) -> str:
    """ "This is day 1, Friday 8 January 2027. Today is Thursday 3 December 2026." """
    return i18n.gettext(
        "This is day %(number)s, %(day)s. Today is %(today)s.",
        number=number,
        day=i18n.format_day(day),
        today=i18n.format_day(checkins.today()),
    )


def checkin_out(answer: checkins.Answer) -> CheckInOut:
    day = answer.day if answer.result == "needs_confirmation" else None
    return CheckInOut(
        result=answer.result,
        message=i18n.gettext(answer.message),
        registration=answer.registration or None,
        name=answer.name or None,
        organisation=answer.organisation or None,
        checked_in_at=answer.checked_in_at,
        checked_in_by=answer.by or None,
        device=answer.device or None,
        method=answer.method or None,
        checkin=answer.attendance or None,
        day=day,
        day_number=answer.day_number if day else None,
        confirm=another_day_text(day, answer.day_number) if day else None,
    )


# What each error status means on these routes.
_ERRORS = {
    400: "The body could not be read: not JSON, a wrong type, or a missing or unknown field (code `validation_error`).",
    401: "No token, or a token that is unknown or revoked (code `not_authenticated`).",
    403: "The token's account has no staff role (code `forbidden`), or is check-in staff asking for another day than "
    "today (code `another_day`).",
    422: "Checking in for another day than today without a `reason` (field `reason`).",
    404: "No such published event or session, or no such check-in (code `not_found`).",
}


class CheckInsApiController(Controller):
    path = "/checkins"
    tags = ["check-in"]

    @post("/", **CHECKIN_TOKEN, status_code=200, responses=error_responses(_ERRORS, 400, 401, 403, 404, 422))
    async def check_in(self, request: Request, data: JSONBody[CheckInCreate]) -> CheckInOut:
        """Check a ticket in, or say why not. Idempotent: a repeated scan answers `already_checked_in`
        with the first check-in and writes nothing, also when two devices scan at the same moment."""
        scan = Scan(
            code=data.code,
            event=data.event,
            day=data.day,
            session=data.session,
            device=data.device,
            method=data.method,
            reason=data.reason,
            confirmed=data.confirmed,
        )
        return checkin_out(await checkins.check_in(scan, token_staff(request)))

    @post("/{uid:str}/undo", **CHECKIN_TOKEN, status_code=200, responses=error_responses(_ERRORS, 401, 403, 404))
    async def undo(self, request: Request, uid: FromPath[str]) -> dict[str, bool]:
        """Take back a mistaken check-in (`checkin` from its answer); the audit log keeps it."""
        await checkins.undo(uid, token_actor(request))
        return {"undone": True}
