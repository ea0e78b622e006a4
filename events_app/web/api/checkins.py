"""The JSON API's check-in: a scanner (a handheld device, another app, or the scanner page) posts
a ticket's code and gets the answer to show; staff undo a mistaken check-in. Any staff role's
bearer token may check in. A paired scanner also keeps the door's list (`GET /events/{slug}/door`)
and sends the scans it made offline in batches (`POST /checkins/batch`): docs/checkin.md.
"""

from __future__ import annotations

import asyncio
import gzip
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from events_app import i18n
from events_app.domain import api_tokens, checkins, door_sync
from events_app.domain.checkins import OfflineScan, Scan, WalkIn
from events_app.web.api.auth import BEARER, CHECKIN_TOKEN, requires_checkin_token, token_actor, token_staff
from events_app.web.api.schemas import error_responses
from events_app.web.downloads import NO_STORE

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


# --- A scanner's door list and its offline scans ----------------------------------------------------


class DoorCheckInOut(msgspec.Struct):
    """A check-in of the ticket: `door` is the day (YYYY-MM-DD) or `s:<session id>` at a session's door."""

    door: str
    at: datetime
    by: str
    device: str


class DoorRegistrationOut(msgspec.Struct, omit_defaults=True):
    """What the door knows of a registration: `ticket` is the first 128 bits of the SHA-256 of the
    ticket id's 16 bytes (as the QR code carries them), base64url without padding; `code` the short
    code without its dash; `days` and `sessions` (ids) what it admits to when confirmed."""

    registration: str
    ticket: str
    code: str
    name: str
    organisation: str
    status: str
    days: list[str]
    sessions: list[str]
    checked_in: list[DoorCheckInOut]
    removed: bool = False  # in a delta: erased since, to be deleted from the device (the rest is empty)


class DoorSessionOut(msgspec.Struct):
    uid: str
    title: str
    day: date
    requires_signup: bool


class DoorEventOut(msgspec.Struct):
    """The event as the door checks it: `tag` is the event part of its tickets' codes."""

    slug: str
    title: str
    tag: str
    days: list[date]
    sessions: list[DoorSessionOut]


class DoorListOut(msgspec.Struct):
    """The door's list: with `full` the whole of it (replace what the device holds), else what
    changed since the cursor sent (merge it by `registration`). Send `cursor` as `since` next time."""

    event: DoorEventOut
    cursor: str
    full: bool
    registrations: list[DoorRegistrationOut]


def door_list_out(found: door_sync.DoorList) -> DoorListOut:
    return msgspec.convert(
        {"event": found.event, "cursor": found.cursor, "full": found.full, "registrations": found.registrations},
        DoorListOut,
        from_attributes=True,
    )


class WalkInIn(msgspec.Struct, forbid_unknown_fields=True):
    """Someone registered at the door: a name, and if given an organisation and an address (the ticket
    is mailed there; an address already registered for the event checks that registration in)."""

    name: Annotated[str, msgspec.Meta(max_length=200)]
    organisation: Annotated[str, msgspec.Meta(max_length=200)] = ""
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""


class OfflineScanIn(msgspec.Struct, forbid_unknown_fields=True):
    """A ticket the device admitted while offline, or someone it let in as a walk-in: `id` the
    device's own id for the scan (8-40 letters, digits, - or _; the same when the batch is sent
    again), `scanned_at` when it was made (with its offset), either `code` (the QR code or short
    code) or `walk_in` (registered and checked in once however often sent; a scan with both or
    neither gets a `problem`), and the door (`day`, default the day it was scanned on; or `session`)."""

    id: Annotated[str, msgspec.Meta(max_length=40)]
    scanned_at: datetime
    code: Annotated[str, msgspec.Meta(max_length=500)] = ""
    walk_in: WalkInIn | None = None
    day: date | None = None
    session: Annotated[str, msgspec.Meta(max_length=40)] = ""
    method: Literal["camera", "scanner", "search", "api"] = "camera"


class CheckInBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    event: Annotated[str, msgspec.Meta(max_length=120)]
    scans: Annotated[list[OfflineScanIn], msgspec.Meta(max_length=door_sync.BATCH_MAX)]
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""


class OfflineScanOut(msgspec.Struct, omit_defaults=True):
    """One scan of the batch: its `id`; `answer`, the ticket as it stands now (`ok` when this scan is
    the check-in); `conflict` when it was recorded as a conflict for the organisers (admitted on
    another device earlier, or no longer admitting); or `problem` when the scan could not be applied
    (a bad id, a time out of range, a day other than the one it was made on, a walk-in without a
    name). For a walk-in, the ticket the server made (or the registration's, when the address was
    registered already as a walk-in), to print a badge: `short_code` to read and `ticket_code`, what
    its QR code carries. `retry` when the scan should be sent again (it met another device's write
    of the same ticket)."""

    id: str
    answer: CheckInOut | None = None
    conflict: bool = False
    problem: str | None = None
    retry: bool = False
    short_code: str | None = None
    ticket_code: str | None = None


class CheckInBatchOut(msgspec.Struct):
    scans: list[OfflineScanOut]


async def requires_scanner_token(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """A paired scanner's token (check-in scope, a day long): the whole door list goes to devices
    that are disconnected by revoking it, not to long-lived integration tokens."""
    await requires_checkin_token(connection, handler)
    if connection.state.api_account.get("scope") != api_tokens.CHECKIN_SCOPE:
        raise PermissionDeniedException("The door list is for paired scanners.")


_DOOR_ERRORS = {
    **_ERRORS,
    403: "The token is not a paired scanner's (code `forbidden`).",
    422: "`since` is not a cursor this server gave (field `since`).",
}


@get(
    "/events/{slug:str}/door",
    tags=["check-in"],
    guards=[requires_scanner_token],
    security=[{BEARER: []}],
    responses=error_responses(_DOOR_ERRORS, 401, 403, 404, 422),
)
async def door_list(request: Request, slug: FromPath[str], since: FromQuery[str] = "") -> Response[DoorListOut]:
    """The door's list of a published event for a paired scanner: every registration (also cancelled
    and waitlisted ones, which the device must refuse) with what the door needs and nothing more: no
    address, answer or need. With `since` (the `cursor` of the last answer) only what changed since.
    Gzip-compressed when asked for (`Accept-Encoding: gzip`)."""
    found = await door_sync.door_list(slug, door_sync.parse_cursor(since) if since else None)
    body = msgspec.json.encode(door_list_out(found))
    headers = {**NO_STORE, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Off the event loop: a list of 10,000 is tens of ms to compress, which the door's scans must not wait for.
        body, headers["Content-Encoding"] = await asyncio.to_thread(gzip.compress, body, 5), "gzip"
    return Response(body, media_type="application/json", headers=headers)


@post(
    "/checkins/batch",
    tags=["check-in"],
    guards=[requires_scanner_token],  # walk-ins registered, times of the past: a paired scanner's, not any token's
    security=[{BEARER: []}],
    status_code=200,
    responses=error_responses(_DOOR_ERRORS, 400, 401, 403),
)
async def check_in_batch(request: Request, data: JSONBody[CheckInBatchIn]) -> CheckInBatchOut:
    """The tickets a device admitted while offline, sent once it is online (at most 500 a batch; send
    again whatever had no answer). Each is applied like a scan made at its `scanned_at`: the earliest
    scan of a ticket is its check-in; a later one, or one of a ticket cancelled since, is recorded as
    a conflict that the organisers see. A walk-in the device registered is registered and checked in
    at its `scanned_at`, and its answer carries the new ticket's codes. A batch sent twice changes
    nothing."""
    scans = [
        OfflineScan(
            Scan(
                code=scan.code,
                event=data.event,
                day=scan.day,
                session=scan.session,
                device=data.device,
                method=scan.method,
            ),
            client_id=scan.id,
            scanned_at=scan.scanned_at,
            walk_in=WalkIn(scan.walk_in.name, scan.walk_in.organisation, scan.walk_in.email) if scan.walk_in else None,
        )
        for scan in data.scans
    ]
    applied = await door_sync.apply_batch(scans, token_staff(request))
    return CheckInBatchOut(
        scans=[
            OfflineScanOut(
                id=item.client_id,
                answer=checkin_out(item.answer) if item.answer else None,
                conflict=item.conflict,
                problem=item.problem.translated() if item.problem else None,
                retry=bool(item.problem and item.problem.code == "busy"),
                short_code=item.answer.short_code or None if item.answer else None,
                ticket_code=item.answer.ticket_code or None if item.answer else None,
            )
            for item in applied
        ]
    )
