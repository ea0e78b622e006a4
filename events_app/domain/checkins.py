"""Check-in at the venue: a ticket's code (the QR payload, or the short code typed from it) checked
against an event and a day, or a session's door; walk-ins; undoing a mistake; the live counts.

Each check-in is an `Attendance` row whose `scope` ("<registration id>/<day>" or
"<registration id>/s<session id>") is unique, written with `INSERT … ON CONFLICT DO NOTHING`: two
devices scanning one ticket at the same moment get one check-in between them, and the second is
told who was first. A scan is one read (the ticket with its event, session, choice and any
check-in already made) and, for a first scan, one insert: the queue at the door waits on nothing
else. Attendance rows are what certificates and attendance reports are built on.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from events_app.domain import audit, registrations, tickets
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.events import get_event
from events_app.domain.organisation_names import organisation_names
from events_app.domain.outbox import can_receive_mail
from events_app.domain.tables import (
    Attendance,
    CheckInMethod,
    Event,
    EventDay,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Role,
    SessionChoice,
)
from events_app.domain.text_folding import search_words
from events_app.domain.transactions import atomic, is_sqlite, raw_timestamp, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_, current_language, localtime

CONFIRMED, WAITLISTED, CANCELLED = (status.value for status in RegistrationStatus)
# After midnight the door may still check in for the day that has just ended (see days_open_to_door_staff).
GRACE_AFTER_MIDNIGHT = timedelta(hours=3)
MAX_REASON = 300
SEARCH_LIMIT = 20  # a phone's screen of names at the door: a longer list means type more
# Every answer a scan can get, with the words the scanner page shows.
RESULTS = {
    "ok": N_("Welcome"),
    "already_checked_in": N_("Already checked in"),
    "unknown": N_("Unknown ticket"),
    "cancelled": N_("The registration is cancelled"),
    "waitlisted": N_("On the waiting list: no place"),
    "wrong_event": N_("A ticket for another event"),
    "wrong_day": N_("Not registered for this day"),
    "not_in_session": N_("Not signed up for this session"),
    # Nothing written: another day than today is checked in only once the staff member confirms it.
    "needs_confirmation": N_("Check in for another day than today?"),
}
METHODS = {method.value for method in CheckInMethod}
# Walk-ins who give no address get one that can never receive mail (RFC 2606 reserves .invalid).
NO_ADDRESS_DOMAIN = "walk-in.invalid"
# The registration's columns that whatever door staff see is read from (a scan, the search, a door
# list, a device's door list): who the ticket belongs to and whether it admits, nothing more. Never the
# dietary or accessibility needs nor any answer (sensitive_answers.py; tests keep the two lists apart).
DOOR_COLUMNS = ("id", "uid", "status", "name", "organisation_text", "days", "event", "ticket_id", "short_code")
# An offline scan is synced within this long, or it is refused: a device's queue is meant for a
# network gone for minutes or hours, not for back-dating check-ins days later.
OFFLINE_SCAN_MAX_AGE = timedelta(days=2)
CLOCK_SKEW = timedelta(minutes=5)  # a device's clock may run this much ahead of the server's
CLIENT_ID_LENGTHS = range(8, 41)


def door_columns(*names: str) -> list[Any]:
    """The registration's columns `names`, each of which must be one of DOOR_COLUMNS."""
    unknown = set(names) - set(DOOR_COLUMNS)
    if unknown:
        raise ValueError(f"not for door staff: {sorted(unknown)}")
    return [getattr(Registration, name) for name in names]


@dataclass
class Scan:
    """What a scanner sends: the code, the event, and the day (default today) or one session's door."""

    code: str
    event: str  # the event's slug
    day: date | None = None
    session: str = ""  # a session's uid, at a workshop's door
    device: str = ""
    method: str = CheckInMethod.scanner.value
    reason: str = ""  # why an organiser checks someone in for another day than today
    # Checking in for another day than today is a mistake more often than not (a scanner left on
    # yesterday's day, an organiser's phone on the next occasion): it takes a second, confirmed, scan.
    confirmed: bool = False


@dataclass
class Answer:
    """What the scanner shows: the result, and who the ticket belongs to when it is a known one."""

    result: str
    registration: str = ""  # uid
    name: str = ""
    organisation: str = ""
    checked_in_at: datetime | None = None  # this check-in's, or the first one's
    by: str = ""  # the staff member who checked in first
    device: str = ""
    method: str = ""
    attendance: str = ""  # uid, to undo a mistaken check-in
    day: date | None = None  # the day checked in for (a session's day at its door)
    day_number: int = 0  # which of the event's days (or a module's occasions) that is, from 1
    # A walk-in registered from a device's queue (walk_in_offline): the ticket the server made, for
    # the badge the door prints (the short code to read, the signed code for its QR code).
    short_code: str = ""
    ticket_code: str = ""

    @property
    def message(self) -> str:
        return RESULTS[self.result]


def today() -> date:
    """Today in Stockholm. Tests set the door's clock by replacing this function."""
    return localtime(utcnow()).date()


async def events_on(day: date, event_ids: list[int]) -> set[int]:
    """Those of `event_ids` of which `day` is one of the days (a training module's occasions)."""
    if not event_ids:
        return set()
    rows = await EventDay.select(EventDay.event).where(EventDay.event.is_in(event_ids) & (EventDay.day == day))
    return {row["event"] for row in rows}


def days_open_to_door_staff(now: datetime | None = None) -> set[date]:
    """The days check-in staff may check people in for: today, and until GRACE_AFTER_MIDNIGHT also
    yesterday (an evening that runs past midnight). Other days are for organisers, with a reason:
    attendance makes certificates, so a scanner must not be able to back-date it."""
    local = localtime(now or utcnow())
    day = local.date() if now else today()  # today(): the clock tests set
    days = {day}
    if local.hour * 3600 + local.minute * 60 + local.second < GRACE_AFTER_MIDNIGHT.total_seconds():
        days.add(day - timedelta(days=1))
    return days


def _check_day_allowed(day: date, staff: dict[str, Any], reason: str) -> bool:
    """Whether checking in for `day` is "another day" (to be audited); raises when it is not allowed."""
    if day in days_open_to_door_staff():
        return False
    if staff.get("role") not in (Role.organiser.value, Role.admin.value):
        raise DomainError(
            N_("Check-in staff can check people in for today only. Ask an organiser to check in for another day."),
            code="another_day",
        )
    if not reason.strip():
        raise DomainError(N_("Say why you check someone in for another day than today."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(N_("At most %(max)s characters."), field="reason", max=MAX_REASON)
    return True


def _lookup(code: str) -> tuple[str, str] | None:
    """The column and value that find a ticket: a genuine QR payload's ticket id, a well-formed
    short code, or nothing for anything else (forged, truncated, mistyped)."""
    code = (code or "").strip()
    if code.startswith(tickets.VERSION + "."):
        verified = tickets.verify_code(code)
        return ("ticket_id", verified.ticket_id) if verified else None
    short = tickets.normalise_short_code(code)
    if len(short) == tickets.SHORT_CODE_LENGTH and all(ch in tickets.SHORT_CODE_ALPHABET for ch in short):
        return "short_code", short
    return None


def _scope(registration_id: int, day: date, session_id: int | None) -> str:
    return f"{registration_id}{_scope_suffix(day, session_id)}"


def _scope_suffix(day: date, session_id: int | None) -> str:
    """The door's part of an attendance scope: the day's entrance, or a session's door."""
    return f"/s{session_id}" if session_id else f"/{day.isoformat()}"


_TICKET = """
SELECT e.id AS event_id, e.status AS event_status,
       {door_columns},
       o.name_sv AS organisation_sv, o.name_en AS organisation_en{session_columns},
       a.id AS attendance_id, a.uid AS attendance_uid, a.checked_in_at, a.staff_name, a.device, a.method,
       a.client_id
FROM event e
LEFT JOIN registration r ON r.{column} = {{}}
LEFT JOIN organisation o ON o.id = r.organisation{session_joins}
LEFT JOIN attendance a ON a.scope = CAST(r.id AS TEXT) || {scope_suffix}
WHERE e.slug = {{}}
"""
# The ticket's columns, DOOR_COLUMNS alone (its event as "ticket_event", beside the scanned one's id).
_DOOR_SQL = ", ".join(
    "r.event AS ticket_event" if name == "event" else f"r.{name}"
    for name in DOOR_COLUMNS
    if name not in ("ticket_id", "short_code")  # the scan has its code already
)
_SESSION_COLUMNS = """,
       s.id AS session_id, s.starts_at AS session_starts_at, s.requires_signup, s.status AS session_status,
       c.status AS choice_status"""
_SESSION_JOINS = """
LEFT JOIN programme_session s ON s.uid = {} AND s.event = e.id
LEFT JOIN session_choice c ON c.registration = r.id AND c.session = s.id"""


async def _read_ticket(column: str, value: Any, scan: Scan, day: date) -> dict[str, Any] | None:
    """The scanned event with the ticket (if any), the session and choice (at a session's door) and
    the check-in already made for this day or session: one statement."""
    if scan.session:
        session_uid = parse_uid(scan.session)
        if session_uid is None:
            raise NotFound(N_("There is no such session."))
        # The session's scope ("<registration>/s<session>") needs the session's id, found by this statement.
        sql = _TICKET.format(
            door_columns=_DOOR_SQL,
            column=column,
            session_columns=_SESSION_COLUMNS,
            session_joins=_SESSION_JOINS,
            scope_suffix="'/s' || CAST(s.id AS TEXT)",
        )
        rows = await Attendance.raw(sql, value, session_uid, scan.event)
    else:
        sql = _TICKET.format(
            door_columns=_DOOR_SQL, column=column, session_columns="", session_joins="", scope_suffix="{}"
        )
        rows = await Attendance.raw(sql, value, _scope_suffix(day, None), scan.event)
    return rows[0] if rows else None


def organisation_of(row: dict[str, Any]) -> str:
    """The organisation as shown: a seed organisation by its name in the language used, else the text given."""
    return (row.get("organisation_en") if current_language() == "en" else row.get("organisation_sv")) or (
        row.get("organisation_text") or ""
    )


def _known(result: str, row: dict[str, Any], **fields: Any) -> Answer:
    return Answer(
        result=result, registration=str(row["uid"]), name=row["name"], organisation=organisation_of(row), **fields
    )


async def check_in(scan: Scan, staff: dict[str, Any]) -> Answer:
    """Check the ticket behind `scan.code` in, or say why not. Writes at most one attendance row;
    anything but "ok" writes nothing. Raises NotFound for an unknown event or session."""
    if scan.method not in METHODS:
        raise DomainError(N_("Unknown check-in method."), field="method")
    lookup = _lookup(scan.code)
    return await _check_in(lookup or ("ticket_id", ""), scan, staff, known_code=lookup is not None)


async def check_in_registration(registration_uid: str, scan: Scan, staff: dict[str, Any]) -> Answer:
    """Check in a registration found by searching (no code): the same rules as a scan."""
    uid = parse_uid(registration_uid)
    return await _check_in(("uid", uid), scan, staff, known_code=uid is not None)


async def _check_in(lookup: tuple[str, Any], scan: Scan, staff: dict[str, Any], *, known_code: bool) -> Answer:
    day = scan.day or today()
    row = await _read_ticket(*lookup, scan, day)
    _check_door(row, scan)
    session_id = row.get("session_id")
    if session_id is not None:  # at a session's door, the session's day
        day = localtime(raw_timestamp(row["session_starts_at"])).date()
    another_day = _check_day_allowed(day, staff, scan.reason)
    if not known_code or row["id"] is None:
        return Answer(result="unknown")
    refusal = _refusal(row, day, session_id)
    if refusal is not None:
        return refusal
    if another_day and not scan.confirmed:
        return await _needs_confirmation(row, day)
    now = utcnow()
    attendance_uid = uuid.uuid4()
    written = await _insert_check_in(attendance_uid, row, day, session_id, scan, staff, checked_in_at=now)
    if not written:  # another device was a moment quicker
        first = (
            await Attendance.select(
                Attendance.uid.as_alias("attendance_uid"),
                Attendance.checked_in_at,
                Attendance.staff_name,
                Attendance.device,
                Attendance.method,
            )
            .where(Attendance.scope == _scope(row["id"], day, session_id))
            .first()
        )
        return _already(row, first)
    if another_day:
        await audit.record(
            "checkin.another_day",
            Actor(staff.get("name", ""), staff_id=staff.get("id")),
            object_type="registration",
            object_id=row["uid"],
            summary=scan.reason.strip()[:200],
            details={"day": day.isoformat(), "session": str(scan.session or ""), "reason": scan.reason.strip()},
        )
    return _known(
        "ok",
        row,
        checked_in_at=now,
        by=staff.get("name", ""),
        device=scan.device,
        method=scan.method,
        attendance=str(attendance_uid),
    )


async def _insert_check_in(
    uid: uuid.UUID,
    row: dict[str, Any],
    day: date,
    session_id: int | None,
    scan: Scan,
    staff: dict[str, Any],
    *,
    checked_in_at: datetime,
    client_id: str | None = None,
) -> bool:
    """Write the ticket's check-in at this door, unless one is there (or, for an offline scan, the scan
    was written before): whether it was written. One statement, the scan's whole write."""
    values = _check_in_values(uid, row, day, session_id, scan, staff, checked_in_at, client_id, utcnow())
    return bool(await Attendance.raw(_INSERT_ONE_CHECK_IN, *values))


def _check_in_values(
    uid: uuid.UUID,
    row: dict[str, Any],
    day: date,
    session_id: int | None,
    scan: Scan,
    staff: dict[str, Any],
    checked_in_at: datetime,
    client_id: str | None,
    recorded_at: datetime,
) -> list[Any]:
    """A check-in's values, in the order of _ATTENDANCE_COLUMNS."""
    return [
        uid,
        _scope(row["id"], day, session_id),
        row["id"],
        row["event_id"],
        day,
        session_id,
        checked_in_at,
        staff.get("id"),
        staff.get("name", "")[:200],
        scan.device[:100],
        scan.method,
        client_id,
        recorded_at,
    ]


_ATTENDANCE_COLUMNS = (
    "uid, scope, registration, event, day, session, checked_in_at, staff, staff_name, device, method, "
    "client_id, recorded_at"
)


def _insert_check_ins(rows: int, returning: str) -> str:
    """The INSERT of `rows` check-ins. Any unique key skips a row: the scope (another device was
    first) or, for an offline scan sent twice at once, its client id."""
    values = "(" + ", ".join("{}" for _ in _ATTENDANCE_COLUMNS.split(",")) + ")"
    return (
        f"INSERT INTO attendance ({_ATTENDANCE_COLUMNS}) VALUES {', '.join([values] * rows)} "
        f"ON CONFLICT DO NOTHING RETURNING {returning}"
    )


_INSERT_ONE_CHECK_IN = _insert_check_ins(1, "id")  # made once: the door's scans write with it


@dataclass
class OfflineScan:
    """A ticket a device admitted while it was offline (docs/checkin.md): the scan, the device's own
    id for it (the same when a batch is sent again) and when it was made."""

    scan: Scan
    client_id: str
    scanned_at: datetime
    walk_in: WalkIn | None = None  # someone the device registered at the door, instead of a ticket's code


def _checked_offline(offline: OfflineScan) -> tuple[str, datetime]:
    """The offline scan's id and its time (no later than now), or DomainError when either is not one
    the server takes."""
    client_id, scanned_at, now = offline.client_id.strip(), offline.scanned_at, utcnow()
    if len(client_id) not in CLIENT_ID_LENGTHS or not client_id.replace("-", "").replace("_", "").isalnum():
        raise DomainError(N_("The scan has no valid id."), field="id")
    if scanned_at.tzinfo is None or not now - OFFLINE_SCAN_MAX_AGE <= scanned_at <= now + CLOCK_SKEW:
        raise DomainError(N_("The scan was made too long ago, or its time is in the future."), field="scanned_at")
    return client_id, min(scanned_at, now)


async def check_in_offline(offline: OfflineScan, staff: dict[str, Any]) -> tuple[Answer, bool]:
    """Record a ticket admitted offline, now that its device is online again; returns the answer (the
    ticket as it stands now) and whether the scan is a conflict.

    The first scan of a ticket is its check-in, at the time it was scanned. When two devices admitted
    one ticket, the earliest scan wins, also over a later one that reached the server first: the
    check-in is rewritten to the earlier scan and the later one becomes a CheckInConflict ("twice").
    A ticket that no longer admits (cancelled, waitlisted, ...) is recorded as a conflict of that
    kind and not checked in. Sending the same scan again (its `client_id`) changes nothing."""
    scan = offline.scan
    client_id, scanned_at = _checked_offline(offline)
    offline = replace(offline, client_id=client_id, scanned_at=scanned_at)  # as checked, everywhere below
    lookup = _lookup(scan.code)
    day = scan.day or localtime(scanned_at).date()
    for _ in range(3):  # again only when another device wrote the same check-in in between
        row = await _read_ticket(*(lookup or ("ticket_id", "")), scan, day)
        _check_door(row, scan)
        session_id = row.get("session_id")
        if session_id is not None:
            day = localtime(raw_timestamp(row["session_starts_at"])).date()
        if day not in days_open_to_door_staff(scanned_at):
            raise DomainError(N_("A scan made offline is for the day it was made on."), field="day")
        if lookup is None or row["id"] is None:
            return Answer(result="unknown"), await _conflict(offline, staff, row, day, "unknown")
        if row["client_id"] == client_id:  # sent before: this scan is the check-in
            return _already(row, row, result="ok"), False
        refusal = _refusal(row, day, session_id)
        if refusal is None:
            written = await _insert_check_in(
                uuid.uuid4(), row, day, session_id, scan, staff, checked_in_at=scanned_at, client_id=client_id
            )
            if written:
                return _known("ok", row, checked_in_at=scanned_at, by=staff.get("name", ""), device=scan.device), False
            continue
        if refusal.result != "already_checked_in":
            return refusal, await _conflict(offline, staff, row, day, refusal.result)
        stands = await _earliest_wins(row, offline, staff, day)
        if stands is None:  # undone in between: as if it had not been
            continue
        first, conflict = stands
        if first["client_id"] == client_id:
            return _known("ok", row, checked_in_at=scanned_at, by=staff.get("name", ""), device=scan.device), False
        return _already(row, first), conflict
    raise DomainError(N_("The ticket was being checked in on another device: send the scan again."), code="busy")


# The batch's tickets at a day's entrance, each with the check-in already made there: one statement
# for the batch ("{tickets}" finds them by ticket id and by short code), the scan's read (_TICKET) for many.
_FIRST_SCANS = """
SELECT e.id AS event_id, e.status AS event_status,
       {door_columns}, r.ticket_id, r.short_code,
       o.name_sv AS organisation_sv, o.name_en AS organisation_en,
       a.uid AS attendance_uid
FROM event e
JOIN registration r ON {tickets}
LEFT JOIN organisation o ON o.id = r.organisation
LEFT JOIN attendance a ON a.scope = CAST(r.id AS TEXT) || {{}}
WHERE e.slug = {{}}
"""


@dataclass
class _FirstScan:
    """A batch's scan that may be a plain first check-in: where it is in the batch, and its ticket."""

    number: int
    offline: OfflineScan
    client_id: str
    scanned_at: datetime
    lookup: tuple[str, str]
    row: dict[str, Any] | None = None
    scope: str = ""


async def check_in_first_offline_scans(offlines: list[OfflineScan], staff: dict[str, Any]) -> dict[int, Answer]:
    """Check in, set-based, those of a batch's offline scans that are plain first check-ins; returns
    their answers by position in `offlines`. The others are left to `check_in_offline`.

    Why: a device back online sends hundreds of scans at once, and one read and one insert per scan
    made four devices' queues of 10,000 wait for 20,000 round trips. Nearly all are first scans at a
    day's entrance, which need no rule but `_refusal`: their tickets are read in one statement per
    event and day and the check-ins written in one `INSERT ... ON CONFLICT DO NOTHING`. A scan is
    taken here only when its ticket admits at that door, has no check-in there yet and is scanned
    once in the batch; whatever was not written (another device was quicker, the scan was sent
    before) goes the one-by-one way, where the rules for it are. So do session doors, walk-ins and
    every scan with a problem: the answers are the same either way."""
    candidates = []
    for number, offline in enumerate(offlines):
        if offline.walk_in is not None or offline.scan.session:
            continue
        try:
            client_id, scanned_at = _checked_offline(offline)
        except DomainError:
            continue
        candidates.append((number, offline, client_id, scanned_at))
    # The codes' signatures are checked off the event loop: a batch's 500 are 40-70 ms of CPU, during
    # which the signature library lets go of the GIL, so the worker meanwhile goes on with its other
    # requests (the door's online scans) and a second core can share the work.
    lookups = await asyncio.to_thread(lambda: [_lookup(offline.scan.code) for _, offline, _, _ in candidates])
    doors: dict[tuple[str, date], list[_FirstScan]] = {}
    for (number, offline, client_id, scanned_at), lookup in zip(candidates, lookups, strict=True):
        day = offline.scan.day or localtime(scanned_at).date()
        if lookup is None or day not in days_open_to_door_staff(scanned_at):
            continue
        doors.setdefault((offline.scan.event, day), []).append(
            _FirstScan(number, offline, client_id, scanned_at, lookup)
        )
    answers: dict[int, Answer] = {}
    for (event_slug, day), scans in doors.items():
        answers.update(await _check_in_first_scans_at(event_slug, day, scans, staff))
    return answers


async def _check_in_first_scans_at(
    event_slug: str, day: date, scans: list[_FirstScan], staff: dict[str, Any]
) -> dict[int, Answer]:
    """`check_in_first_offline_scans` for the scans at one event's entrance on `day`."""
    admitted = _plain_first_scans(await _tickets_of(event_slug, day, scans), day)
    if not admitted:
        return {}
    checked_in = await _insert_first_check_ins(admitted, day, staff)
    return {
        scan.number: _known(
            "ok", scan.row, checked_in_at=scan.scanned_at, by=staff.get("name", ""), device=scan.offline.scan.device
        )
        for scan in admitted
        if scan.row is not None and scan.scope in checked_in
    }


async def _tickets_of(event_slug: str, day: date, scans: list[_FirstScan]) -> list[_FirstScan]:
    """The scans, each with its ticket's row (`row`; None for no such ticket): one statement."""
    values: dict[str, list[str]] = {"ticket_id": [], "short_code": []}
    for scan in scans:
        values[scan.lookup[0]].append(scan.lookup[1])
    tickets_sql = " OR ".join(
        f"r.{column} IN ({', '.join('{}' for _ in found)})" for column, found in values.items() if found
    )
    rows = await Attendance.raw(
        _FIRST_SCANS.format(door_columns=_DOOR_SQL, tickets=f"({tickets_sql})"),
        *values["ticket_id"],
        *values["short_code"],
        _scope_suffix(day, None),
        event_slug,
    )
    by_lookup = {(column, row[column]): row for row in rows for column in values}
    for scan in scans:
        scan.row = by_lookup.get(scan.lookup)
    return scans


def _plain_first_scans(scans: list[_FirstScan], day: date) -> list[_FirstScan]:
    """Those of the scans whose ticket admits at the entrance, is not checked in there yet and is
    scanned once in the batch (by its QR code or its short code, with an id sent once), in the
    order of their scope."""
    admitted = []
    for scan in scans:
        row = scan.row
        if row is None or row["event_status"] != "published" or row["attendance_uid"] is not None:
            continue  # no such ticket, no door, or checked in already
        if _refusal(row, day, None) is not None:
            continue
        scan.scope = _scope(row["id"], day, None)
        admitted.append(scan)
    # A ticket scanned twice in the batch, or an id sent twice, is decided one by one: which scan is
    # the check-in is the rules' business.
    scopes, client_ids = Counter(scan.scope for scan in admitted), Counter(scan.client_id for scan in admitted)
    admitted = [scan for scan in admitted if scopes[scan.scope] == 1 and client_ids[scan.client_id] == 1]
    # In the order of the unique key, so that two devices' batches sharing tickets wait for each
    # other at the first ticket they share, not each for the other (a deadlock on PostgreSQL).
    return sorted(admitted, key=lambda scan: scan.scope)


async def _insert_first_check_ins(admitted: list[_FirstScan], day: date, staff: dict[str, Any]) -> set[str]:
    """Write the scans' check-ins in one statement; the scopes written (not those another device or
    an earlier sending of the batch wrote first)."""
    now, columns = utcnow(), []
    for scan in admitted:
        assert scan.row is not None
        columns += _check_in_values(
            uuid.uuid4(), scan.row, day, None, scan.offline.scan, staff, scan.scanned_at, scan.client_id, now
        )
    written = await Attendance.raw(_insert_check_ins(len(admitted), "scope"), *columns)
    return {row["scope"] for row in written}


async def _earliest_wins(
    row: dict[str, Any], offline: OfflineScan, staff: dict[str, Any], day: date
) -> tuple[dict[str, Any], bool] | None:
    """Of the ticket's check-in and the offline scan `offline`, the earlier stays the check-in and the
    other becomes a conflict ("twice") unless both are the same device's; decided with the check-in
    locked, so that devices syncing at once agree. Returns the check-in that stands and whether this
    scan was recorded as a conflict (None when the check-in was undone in between)."""
    scan = offline.scan
    async with atomic():
        current = await _locked_check_in(row["attendance_id"])
        if current is None:
            return None
        current["attendance_uid"] = current["uid"]
        if current["client_id"] == offline.client_id:  # this scan, sent before
            return current, False
        if offline.scanned_at >= raw_timestamp(current["checked_in_at"]):
            # The same device admitting a ticket it had checked in is no conflict between devices: a
            # scan whose online answer never came (the network hung), decided again offline.
            if scan.device and current["device"] == scan.device[:100]:
                return current, False
            await _conflict(offline, staff, row, day, "twice", first=current)
            return current, True
        taken_uid = uuid.uuid4()
        await Attendance.raw(
            "UPDATE attendance SET uid = {}, checked_in_at = {}, staff = {}, staff_name = {}, device = {}, "
            "method = {}, client_id = {}, recorded_at = {} WHERE id = {}",
            taken_uid,
            offline.scanned_at,
            staff.get("id"),
            staff.get("name", "")[:200],
            scan.device[:100],
            scan.method,
            offline.client_id,
            utcnow(),
            current["id"],
        )
        # The scan displaced is the conflict now; one made online has no id of its own, so its
        # check-in's id stands for it (displacing it again records nothing twice).
        displaced = OfflineScan(
            Scan(code="", event=scan.event, device=current["device"], method=current["method"]),
            current["client_id"] or f"o-{uuid.UUID(str(current['uid'])).hex}",  # fits client_id's 40
            raw_timestamp(current["checked_in_at"]),
        )
        first = {
            "checked_in_at": offline.scanned_at,
            "staff_name": staff.get("name", ""),
            "device": scan.device,
            "method": scan.method,
            "attendance_uid": taken_uid,
            "client_id": offline.client_id,
        }
        if not (scan.device and current["device"] == scan.device[:100]):  # as above: one device, no conflict
            await _conflict(
                displaced, {"id": current["staff"], "name": current["staff_name"]}, row, day, "twice", first=first
            )
    return first, False


async def _locked_check_in(attendance_id: int) -> dict[str, Any] | None:
    """The check-in as it is now, locked until the transaction ends (SQLite's IMMEDIATE transaction
    already holds the database's write lock). Written out as SQL like the scan's read: every
    conflict of a batch reads it, and building the query with Piccolo was half of `_earliest_wins`'s
    CPU in a profile of bench/door_sync.py."""
    rows = await Attendance.raw(
        "SELECT id, uid, checked_in_at, staff, staff_name, device, method, client_id FROM attendance WHERE id = {}"
        + ("" if is_sqlite() else " FOR UPDATE"),
        attendance_id,
    )
    return rows[0] if rows else None


async def _conflict(
    offline: OfflineScan,
    staff: dict[str, Any],
    row: dict[str, Any],
    day: date,
    kind: str,
    first: dict[str, Any] | None = None,
) -> bool:
    """Record the offline scan as a conflict of `kind` (once however often it is sent); True."""
    await Attendance.raw(
        "INSERT INTO check_in_conflict (uid, event, registration, day, session, kind, admitted_at, staff, "
        "staff_name, device, client_id, first_at, first_staff_name, first_device, recorded_at) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) ON CONFLICT (client_id) DO NOTHING",
        uuid.uuid4(),
        row["event_id"],
        row["id"],
        day,
        row.get("session_id"),
        kind,
        offline.scanned_at,
        staff.get("id"),
        (staff.get("name") or "")[:200],
        offline.scan.device[:100],
        offline.client_id,
        raw_timestamp(first["checked_in_at"]) if first else None,
        (first or {}).get("staff_name", "")[:200],
        (first or {}).get("device", "")[:100],
        utcnow(),
    )
    return True


async def day_number(event_id: int, day: date) -> int:
    """Which of the event's days (a module's occasions) `day` is, counted from 1."""
    return await EventDay.count().where((EventDay.event == event_id) & (EventDay.day <= day))


async def _needs_confirmation(row: dict[str, Any], day: date) -> Answer:
    """The answer that asks to confirm a check-in for another day than today, having written nothing."""
    return _known("needs_confirmation", row, day=day, day_number=await day_number(row["event_id"], day))


def _check_door(row: dict[str, Any] | None, scan: Scan) -> None:
    """The event (and the session, at a session's door) must exist and take place."""
    if row is None or row["event_status"] != "published":
        raise NotFound(N_("There is no such event."))
    if scan.session and (row.get("session_id") is None or row["session_status"] != "scheduled"):
        raise NotFound(N_("There is no such session."))  # nor a door to a cancelled one


def _refusal(row: dict[str, Any], day: date, session_id: int | None) -> Answer | None:
    """Why this ticket cannot be checked in at this door on `day`, or None when it can."""
    if row["ticket_event"] != row["event_id"]:
        return _known("wrong_event", row)
    if row["status"] != CONFIRMED:
        return _known("cancelled" if row["status"] == CANCELLED else "waitlisted", row)
    days = json.loads(row["days"]) if isinstance(row["days"], str) else row["days"]
    if day.isoformat() not in days:
        return _known("wrong_day", row)
    if session_id is not None and row["requires_signup"] and row["choice_status"] != CONFIRMED:
        return _known("not_in_session", row)
    if row["attendance_uid"] is not None:
        return _already(row, row)
    return None


def _already(row: dict[str, Any], first: dict[str, Any], result: str = "already_checked_in") -> Answer:
    return _known(
        result,
        row,
        checked_in_at=raw_timestamp(first["checked_in_at"]),
        by=first["staff_name"],
        device=first["device"],
        method=first["method"],
        attendance=str(first["attendance_uid"]),
    )


async def undo(attendance_uid: str, actor: Actor, *, event_slug: str | None = None) -> None:
    """Take back a mistaken check-in (of the event `event_slug`, when given); the audit log keeps
    what was undone."""
    uid = parse_uid(attendance_uid)
    async with atomic():
        where = Attendance.uid == uid
        if event_slug is not None:
            where &= Attendance.event.slug == event_slug
        row = (
            await Attendance.select(
                Attendance.id,
                Attendance.uid,
                Attendance.day,
                Attendance.checked_in_at,
                Attendance.staff_name,
                Attendance.device,
                Attendance.method,
                Attendance.registration,
                Attendance.registration.uid.as_alias("registration_uid"),
                Attendance.registration.name.as_alias("name"),
                Attendance.session.uid.as_alias("session_uid"),
            )
            .where(where)
            .first()
            if uid
            else None
        )
        if row is None:
            raise NotFound(N_("There is no such check-in."))
        await Attendance.delete().where(Attendance.id == row["id"])
        # Devices' door lists sync what changed by the registration's updated_at (door_sync).
        await Registration.update({Registration.updated_at: utcnow()}).where(Registration.id == row["registration"])
        await audit.record(
            "checkin.undone",
            actor,
            object_type="registration",
            object_id=row["registration_uid"],
            summary=row["name"],
            details={
                "day": row["day"].isoformat(),
                "session": str(row["session_uid"] or ""),
                "checked_in_at": row["checked_in_at"].isoformat(),
                "by": row["staff_name"],
                "device": row["device"],
                "method": row["method"],
            },
        )


@dataclass
class WalkIn:
    name: str
    organisation: str = ""
    email: str = ""


async def walk_in(event_slug: str, data: WalkIn, scan: Scan, staff: dict[str, Any]) -> Answer:
    """Register someone at the door and check them in, in one step. Staff decide at the door, so a
    walk-in gets a place even when the event is full. Without an address no mail is sent."""
    given = (data.email or "").strip().lower()
    if given:  # already registered (perhaps without knowing it): check that registration in instead
        event = await Event.select(Event.id).where(Event.slug == event_slug).first()
        existing = (
            await Registration.select(*door_columns("uid"))
            .where(
                (Registration.event == (event or {}).get("id", 0))
                & (Registration.email == given)
                & (Registration.status != CANCELLED)
            )
            .first()
        )
        if existing is not None:
            return await check_in_registration(str(existing["uid"]), scan, staff)
    email = given or f"ingen-epost-{secrets.token_hex(8)}@{NO_ADDRESS_DOMAIN}"
    actor = Actor(staff.get("name", ""), staff_id=staff.get("id"))
    day, sessions = scan.day or today(), []
    if scan.session:  # at a session's door: that session (and its day), so the check-in that follows admits them
        session_uid = parse_uid(scan.session)
        session = (
            await ProgrammeSession.select(ProgrammeSession.starts_at).where(ProgrammeSession.uid == session_uid).first()
            if session_uid
            else None
        )
        if session is None:
            raise NotFound(N_("There is no such session."))
        day, sessions = localtime(session["starts_at"]).date(), [scan.session]
    # Before registering: a refused walk-in, or one for another day not yet confirmed, leaves nothing.
    if _check_day_allowed(day, staff, scan.reason) and not scan.confirmed:
        event = await Event.select(Event.id).where(Event.slug == event_slug).first()
        if event is None:
            raise NotFound(N_("There is no such event."))
        number = await day_number(event["id"], day)
        if await EventDay.exists().where((EventDay.event == event["id"]) & (EventDay.day == day)):
            return Answer(result="needs_confirmation", name=data.name, day=day, day_number=number)
        # Not one of the event's days: registering refuses it, with its own message.
    result = await registrations.register(
        event_slug,
        registrations.RegistrationInput(
            name=data.name,
            email=email,
            organisation=data.organisation,
            days=[day.isoformat()],
            sessions=sessions,
            send_mail=bool(given),
        ),
        registrations.Registrant(source="walk_in", actor=actor),
    )
    return await check_in_registration(str(result.registration["uid"]), scan, staff)


class _SyncedMeanwhile(Exception):
    """The same walk-in, sent twice at once, was registered by the other request: roll this one back."""


async def walk_in_offline(offline: OfflineScan, staff: dict[str, Any]) -> tuple[Answer, bool]:
    """Register and check in, at the time it was done, someone a device let in as a walk-in while it
    was offline (`offline.walk_in`); returns the answer, with the new ticket's codes for a badge, and
    whether it is a conflict (only a walk-in already registered can be one).

    Once however often it is sent, also twice at the same moment: the scan's id is the check-in's
    (`Attendance.client_id`, unique), so a check-in with that id means "synced before" and is
    answered again. Registering and checking in are one transaction; a request that registered the
    same walk-in while another did finds the id taken when it checks in, and is rolled back whole
    (registration, person and mail), then answered from the one that won. The rules are those of
    `walk_in` at the door: an address already registered checks that registration in instead (as an
    offline scan of its ticket); a place is given even when the event is full."""
    data = offline.walk_in
    if data is None:
        raise ValueError("not a walk-in")
    client_id, scanned_at = _checked_offline(offline)
    if not " ".join((data.name or "").split()):
        raise DomainError(N_("A walk-in needs a name."), field="name")
    scan = Scan(
        code="",
        event=offline.scan.event,
        day=offline.scan.day,
        session=offline.scan.session,
        device=offline.scan.device,
        method=CheckInMethod.walk_in.value,
    )
    checked = OfflineScan(scan, client_id, scanned_at)
    for _ in range(3):
        try:
            async with atomic():
                synced = await _read_check_in_by_client_id(client_id, scan)
                if synced is not None:
                    answer, conflict = synced, False
                else:
                    answer, conflict = await _register_walk_in_offline(data, checked, staff)
        except (_SyncedMeanwhile, registrations.AlreadyRegistered):
            continue  # the same walk-in (or its address) was registered by another request: read again
        return await _with_ticket_codes(answer), conflict
    raise DomainError(N_("The ticket was being checked in on another device: send the scan again."), code="busy")


async def _read_check_in_by_client_id(client_id: str, scan: Scan) -> Answer | None:
    """The check-in an offline scan `client_id` made, answered as a scan sent again is (ok, with the
    check-in), or None when there is none."""
    made = (
        await Attendance.select(Attendance.registration.uid.as_alias("registration_uid"), Attendance.day)
        .where(Attendance.client_id == client_id)
        .first()
    )
    if made is None:
        return None
    row = await _read_ticket("uid", made["registration_uid"], scan, made["day"])
    _check_door(row, scan)
    if row["attendance_uid"] is None:  # the id belongs to a check-in at another door
        raise DomainError(N_("The scan has no valid id."), field="id")
    return _already(row, row, result="ok")


async def _register_walk_in_offline(data: WalkIn, offline: OfflineScan, staff: dict[str, Any]) -> tuple[Answer, bool]:
    """Inside walk_in_offline's transaction: register the walk-in and write the check-in with the scan's id."""
    scan, given = offline.scan, (data.email or "").strip().lower()
    if given:  # already registered: that registration's ticket, scanned offline
        existing = (
            await Registration.select(*door_columns("short_code"))
            .where(
                (Registration.event.slug == scan.event)
                & (Registration.email == given)
                & (Registration.status != CANCELLED)
            )
            .first()
        )
        if existing is not None:
            ticket = replace(scan, code=existing["short_code"])
            return await check_in_offline(OfflineScan(ticket, offline.client_id, offline.scanned_at), staff)
    day, sessions = scan.day or localtime(offline.scanned_at).date(), []
    if scan.session:  # at a session's door: that session (and its day), as `walk_in` does
        session_uid = parse_uid(scan.session)
        session = (
            await ProgrammeSession.select(ProgrammeSession.starts_at)
            .where((ProgrammeSession.uid == session_uid) & (ProgrammeSession.event.slug == scan.event))
            .first()
            if session_uid
            else None
        )
        if session is None:
            raise NotFound(N_("There is no such session."))
        day, sessions = localtime(raw_timestamp(session["starts_at"])).date(), [scan.session]
    if day not in days_open_to_door_staff(offline.scanned_at):
        raise DomainError(N_("A scan made offline is for the day it was made on."), field="day")
    registrant = registrations.Registrant(
        source="walk_in", actor=Actor(staff.get("name", ""), staff_id=staff.get("id"))
    )
    try:
        result = await registrations.register(scan.event, _walk_in_input(data, given, day, sessions), registrant)
    except ValidationFailed as failed:
        if set(failed.errors) != {"email"}:  # the field's own message says what is wrong with the walk-in
            raise next(iter(failed.errors.values())) from None
        # The person is in: an address mistyped offline must not lose them. Registered without it.
        result = await registrations.register(scan.event, _walk_in_input(data, "", day, sessions), registrant)
    row = await _read_ticket("uid", result.registration["uid"], scan, day)
    _check_door(row, scan)
    session_id = row.get("session_id")
    refusal = _refusal(row, day, session_id)
    if refusal is not None:  # no place at the session's door: nothing is registered either
        raise DomainError(refusal.message, field="walk_in")
    attendance_uid = uuid.uuid4()
    written = await _insert_check_in(
        attendance_uid, row, day, session_id, scan, staff, checked_in_at=offline.scanned_at, client_id=offline.client_id
    )
    if not written:  # the scope is this new registration's: what was taken is the scan's id
        raise _SyncedMeanwhile()
    answer = _known(
        "ok",
        row,
        checked_in_at=offline.scanned_at,
        by=staff.get("name", ""),
        device=scan.device,
        method=scan.method,
        attendance=str(attendance_uid),
    )
    return answer, False


def _walk_in_input(data: WalkIn, email: str, day: date, sessions: list[str]) -> registrations.RegistrationInput:
    return registrations.RegistrationInput(
        name=data.name,
        email=email or f"ingen-epost-{secrets.token_hex(8)}@{NO_ADDRESS_DOMAIN}",
        organisation=data.organisation,
        days=[day.isoformat()],
        sessions=sessions,
        send_mail=bool(email),
    )


async def _with_ticket_codes(answer: Answer) -> Answer:
    """The answer with the ticket's short code and signed code (its QR code), for the badge: only a
    walk-in's, never those of a registration the walk-in's address happened to find."""
    if not answer.registration:
        return answer
    ticket = (
        await Registration.select(
            *door_columns("ticket_id", "short_code"), Registration.event.uid.as_alias("event_uid")
        )
        .where((Registration.uid == answer.registration) & (Registration.source == "walk_in"))
        .first()
    )
    if ticket is not None:
        answer.short_code = ticket["short_code"]
        answer.ticket_code = tickets.ticket_code(ticket["ticket_id"], ticket["event_uid"])
    return answer


# --- For the organisers' live view and the reports ----------------------------------------------


async def _expected_on(event_id: int, day: date) -> list[dict[str, Any]]:
    """Confirmed and registered for the day, by name (with the organisation as shown)."""
    rows = (
        await Registration.select(
            Registration.id,
            Registration.uid,
            Registration.name,
            Registration.email,
            Registration.days,
            Registration.organisation_text,
            Registration.organisation.name_sv.as_alias("organisation_sv"),
            Registration.organisation.name_en.as_alias("organisation_en"),
        )
        .where((Registration.event == event_id) & (Registration.status == CONFIRMED))
        .order_by(Registration.name)
        .output(load_json=True)
    )
    return [{**row, "organisation": organisation_of(row)} for row in rows if day.isoformat() in row["days"]]


async def _check_ins_on(event_id: int, day: date) -> list[dict[str, Any]]:
    """The day's check-ins, at the entrance or at a session's door. Having any of them is what
    attending the day means, for the live figure and the no-shows alike."""
    return await Attendance.select(Attendance.registration, Attendance.session).where(
        (Attendance.event == event_id) & (Attendance.day == day)
    )


async def day_counts(event_slug: str, day: date) -> dict[str, int]:
    """Checked in / expected for the day, as on the organisers' live view, for the scanner's counter:
    read from DOOR_COLUMNS and the day's check-ins only."""
    event_id = await _published_event_id(event_slug)
    rows = (
        await Registration.select(*door_columns("id", "days"))
        .where((Registration.event == event_id) & (Registration.status == CONFIRMED))
        .output(load_json=True)
    )
    expected = {row["id"] for row in rows if day.isoformat() in row["days"]}
    return {"checked_in": _attending(expected, await _check_ins_on(event_id, day)), "expected": len(expected)}


async def _published_event_id(event_slug: str) -> int:
    """The id of the published event `event_slug`; NotFound for any other slug."""
    event = await Event.select(Event.id).where((Event.slug == event_slug) & (Event.status == "published")).first()
    if event is None:
        raise NotFound(N_("There is no such event."))
    return event["id"]


def _attending(expected: set[int], check_ins: list[dict[str, Any]]) -> int:
    """How many of those expected have a check-in of the day (at the entrance or a session's door)."""
    return len(expected & {row["registration"] for row in check_ins})


async def live_counts(event_slug: str, day: date | None = None) -> dict[str, Any]:
    """Checked in / expected for the day, for each session that day and for each organisation."""
    event = await get_event(event_slug)
    day = day or today()
    expected = await _expected_on(event["id"], day)
    attended = await _check_ins_on(event["id"], day)
    at_day = {row["registration"] for row in attended}
    by_session = Counter(row["session"] for row in attended if row["session"] is not None)
    organisations: dict[str, dict[str, int]] = {}
    for row in expected:
        counts = organisations.setdefault(row["organisation"] or "–", {"expected": 0, "checked_in": 0})
        counts["expected"] += 1
        counts["checked_in"] += row["id"] in at_day
    sessions = []
    for session in (
        await ProgrammeSession.select(
            ProgrammeSession.id,
            ProgrammeSession.uid,
            ProgrammeSession.title,
            ProgrammeSession.starts_at,
            ProgrammeSession.requires_signup,
        )
        .where((ProgrammeSession.event == event["id"]) & (ProgrammeSession.status == "scheduled"))
        .order_by(ProgrammeSession.starts_at)
    ):
        if localtime(session["starts_at"]).date() != day:
            continue
        if session["requires_signup"]:
            wanted = await SessionChoice.count().where(
                (SessionChoice.session == session["id"])
                & (SessionChoice.status == CONFIRMED)
                & (SessionChoice.registration.status == CONFIRMED)
            )
        else:
            wanted = len(expected)
        sessions.append({**session, "expected": wanted, "checked_in": by_session.get(session["id"], 0)})
    return {
        "event": event,
        "day": day,
        "expected": len(expected),
        "checked_in": _attending({r["id"] for r in expected}, attended),
        "sessions": sessions,
        "organisations": dict(sorted(organisations.items())),
    }


async def no_shows(event_slug: str, day: date) -> list[dict[str, Any]]:
    """Confirmed for the day, never checked in that day: name, organisation, email."""
    event = await Event.select(Event.id).where(Event.slug == event_slug).first()
    if event is None:
        raise NotFound(N_("There is no such event."))
    came = {row["registration"] for row in await _check_ins_on(event["id"], day)}
    # A walk-in's made-up address (…@walk-in.invalid) is no address to show or to write to.
    return [
        {**row, "email": row["email"] if can_receive_mail(row["email"]) else ""}
        for row in await _expected_on(event["id"], day)
        if row["id"] not in came
    ]


# The door's search: the registrations found with the check-in already made at this door, one
# statement. "{scope}" is the door's part of an attendance scope (see _scope): "/<day>" or "/s<id>".
# The organisation and the check-in are joined to the 20 found only, not to every match before the sort.
_SEARCH = """
SELECT {door_columns},
       o.name_sv AS organisation_sv, o.name_en AS organisation_en, a.checked_in_at
FROM (
    SELECT {door_columns}, r.organisation, r.search_text
    FROM event e JOIN registration r ON r.event = e.id
    WHERE e.slug = {{}} AND e.status = 'published' AND r.status <> {{}} AND {matching}
    ORDER BY r.search_text, r.id
    LIMIT {{}}
) r
LEFT JOIN organisation o ON o.id = r.organisation
LEFT JOIN attendance a ON a.scope = CAST(r.id AS TEXT) || {{}}
ORDER BY r.search_text, r.id
"""


async def search(
    event_slug: str, query: str, limit: int = SEARCH_LIMIT, *, day: date | None = None, session: str = ""
) -> list[dict[str, Any]]:
    """Registrations found by what staff type at the door, for checking in by hand: every word typed
    begins a word of the name or of the organisation, case and diacritics ignored ("asa ob" finds
    "Åsa Öberg", "oberg" finds "Öberg", "sundsv" those of Sundsvalls kommun). In the database, by
    the registrations' `search_text` and its indexes (text_folding.search_text): an event of 10,000
    is never read whole. At most `limit`, in the folded names' order, each with `checked_in_at`:
    when they were checked in at this door (the day's entrance, or the session's door), else None.
    One statement at the day's entrance (the door's busiest search); a session's door first finds
    its session."""
    words = search_words(query)
    if len("".join(words)) < 2:
        return []
    scope = _scope_suffix(day or today(), await _session_id(event_slug, session) if session else None)
    organisations = await organisation_names()
    conditions, values = [], []
    for word in words:
        # At the start of a word: search_text puts a space before each of its words.
        condition, word_values = "r.search_text LIKE {}", [f"% {word}%"]
        named = organisations.with_word_beginning(word)
        if named:
            condition = f"({condition} OR r.organisation IN ({', '.join('{}' for _ in named)}))"
            word_values += named
        conditions.append(condition)
        values += word_values
    sql = _SEARCH.format(door_columns=_DOOR_SEARCH_SQL, matching=" AND ".join(conditions))
    rows = await Registration.raw(sql, event_slug, CANCELLED, *values, limit, scope)
    if not rows and not session:  # found no one: of an event there is? (a session's door has found its event)
        await _published_event_id(event_slug)
    return [
        {**row, "organisation": organisation_of(row), "checked_in_at": raw_timestamp(row["checked_in_at"])}
        for row in rows
    ]


_DOOR_SEARCH_SQL = ", ".join(
    f"r.{name}" for name in DOOR_COLUMNS if name not in ("days", "event", "ticket_id", "short_code")
)


async def _session_id(event_slug: str, session: str) -> int:
    """The id of the session `session` (its uid) of the published event `event_slug`."""
    session_uid = parse_uid(session)
    door = (
        await ProgrammeSession.select(ProgrammeSession.id)
        .where(
            (ProgrammeSession.uid == session_uid)
            & (ProgrammeSession.event.slug == event_slug)
            & (ProgrammeSession.event.status == "published")
        )
        .first()
        if session_uid
        else None
    )
    if door is None:
        await _published_event_id(event_slug)  # an unknown event says so first
        raise NotFound(N_("There is no such session."))
    return door["id"]
