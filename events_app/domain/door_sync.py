"""The door's list on a scanning device, and the scans a device made offline (docs/checkin.md).

A paired scanner keeps what the door needs of an event's registrations, so that it can check tickets
with no network: for each, a hash of its ticket id, its short code, name, organisation, status, days,
sessions and check-ins; never an address, an answer or a need (the registration's columns are read
through `checkins.DOOR_COLUMNS`). It fetches the whole list when the page opens and then, every few
seconds online, only what changed since its cursor: registrations whose `updated_at` moved (new,
cancelled, promoted, edited, erased, a session choice changed, a check-in undone) and those with a
check-in the server wrote since (`Attendance.recorded_at`). A registration deleted outright (an
event's data thinned by the retention rules) leaves the list at the next full fetch.

Scans made offline come back in batches (`apply_batch`), each applied like an online scan by
`checkins.check_in_offline` (the plain first check-ins of a batch together, by
`checkins.check_in_first_offline_scans`, for speed); what could not be the check-in is a
`CheckInConflict`, which the organisers' live view lists (`conflicts`). A walk-in a device
registered offline comes back in a batch too and is registered and checked in then
(`checkins.walk_in_offline`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from events_app.domain import checkins
from events_app.domain.checkins import Answer, OfflineScan
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.events import get_event
from events_app.domain.tables import (
    Attendance,
    CheckInConflict,
    EventStatus,
    ProgrammeSession,
    Registration,
    SessionChoice,
    SessionStatus,
)
from events_app.domain.tickets import event_tag
from events_app.domain.transactions import raw_timestamp, utcnow
from events_app.i18n import N_, localtime

# A change committed a moment after the list was read, by a transaction that began before it, has
# an earlier `updated_at` than the read: the cursor given lies this far back, so the next sync
# catches it (a registration sent twice is merged on the device).
CURSOR_OVERLAP = timedelta(seconds=10)
BATCH_MAX = 500  # scans a batch: a device with more sends several


def ticket_hash(ticket_id: str) -> str:
    """What the device looks a scanned ticket up by: the first 128 bits of the SHA-256 of the ticket
    id's 16 bytes (as the QR code carries them), base64url. The list holds no ticket id itself."""
    digest = hashlib.sha256(bytes.fromhex(ticket_id)).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _cursor(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def parse_cursor(text: str) -> datetime:
    """The moment a cursor given by `door_list` stands for; DomainError for anything else."""
    try:
        moment = datetime.fromtimestamp(int(text) / 1_000_000, UTC)
    except (ValueError, OverflowError, OSError):
        raise DomainError(N_("The cursor is not one this server gave."), field="since") from None
    if moment > utcnow() + timedelta(minutes=5):
        raise DomainError(N_("The cursor is not one this server gave."), field="since")
    return moment


@dataclass
class DoorList:
    event: dict[str, Any]  # what the device checks offline: the event's tag, days and sessions
    registrations: list[dict[str, Any]]
    cursor: str  # to send as `since` next time
    full: bool  # the whole list (replace what the device has) or only what changed (merge it)


async def door_list(event_slug: str, since: datetime | None = None) -> DoorList:
    """The door's list of the published event `event_slug`: whole, or what changed since `since`."""
    read_at = utcnow()
    event = await get_event(event_slug)
    if event["status"] != EventStatus.published.value:
        raise NotFound(N_("There is no such event."))
    sessions = await ProgrammeSession.select(
        ProgrammeSession.id,
        ProgrammeSession.uid,
        ProgrammeSession.title,
        ProgrammeSession.starts_at,
        ProgrammeSession.requires_signup,
    ).where((ProgrammeSession.event == event["id"]) & (ProgrammeSession.status == SessionStatus.scheduled.value))
    session_uids = {row["id"]: str(row["uid"]) for row in sessions}
    where = Registration.event == event["id"]
    if since is not None:
        checked_in = await Attendance.select(Attendance.registration).where(
            (Attendance.event == event["id"]) & (Attendance.recorded_at > since)
        )
        changed = Registration.updated_at > since
        if checked_in:
            changed |= Registration.id.is_in(list({row["registration"] for row in checked_in}))
        where &= changed
    rows = await (
        Registration.select(
            *checkins.door_columns(
                "id", "uid", "status", "name", "organisation_text", "days", "ticket_id", "short_code"
            ),
            Registration.organisation.name_sv.as_alias("organisation_sv"),
            Registration.organisation.name_en.as_alias("organisation_en"),
        )
        .where(where)
        .output(load_json=True)
    )
    ids = [row["id"] for row in rows]
    choices, visits = await _choices_and_visits(event["id"], ids if since is not None else None)
    listed = [
        _removed(row)
        if not row["name"]
        else {
            "registration": str(row["uid"]),
            "ticket": ticket_hash(row["ticket_id"]),
            "code": row["short_code"],
            "name": row["name"],
            "organisation": checkins.organisation_of(row),
            "status": row["status"],
            "days": row["days"],
            "sessions": [session_uids[s] for s in choices.get(row["id"], []) if s in session_uids],
            "checked_in": [
                {
                    "door": f"s:{session_uids.get(visit['session'], '')}" if visit["session"] else str(visit["day"]),
                    "at": raw_timestamp(visit["checked_in_at"]),
                    "by": visit["staff_name"],
                    "device": visit["device"],
                }
                for visit in visits.get(row["id"], [])
            ],
        }
        for row in rows
        if row["name"] or since is not None  # erased: left out of a whole list, removed by a delta
    ]
    return DoorList(
        event={
            "slug": event["slug"],
            "title": event["title"],
            "tag": event_tag(event["uid"]),
            "days": [row["day"].isoformat() for row in event["days"]],
            "sessions": [
                {
                    "uid": str(row["uid"]),
                    "title": row["title"],
                    "day": localtime(raw_timestamp(row["starts_at"])).date().isoformat(),
                    "requires_signup": row["requires_signup"],
                }
                for row in sessions
            ],
        },
        registrations=listed,
        cursor=_cursor(read_at - CURSOR_OVERLAP),
        full=since is None,
    )


def _removed(row: dict[str, Any]) -> dict[str, Any]:
    """An erased registration in a delta: the device deletes what it holds of it (its ticket then
    answers as unknown, as online, where an erased registration admits no one by name)."""
    return {
        "registration": str(row["uid"]),
        "removed": True,
        **dict.fromkeys(("ticket", "code", "name", "organisation", "status"), ""),
        **{"days": [], "sessions": [], "checked_in": []},
    }


async def _choices_and_visits(
    event_id: int, registration_ids: list[int] | None
) -> tuple[dict[int, list[int]], dict[int, list[dict[str, Any]]]]:
    """The confirmed session choices and the check-ins of the event's registrations (of those
    `registration_ids`, when given), by registration."""
    if registration_ids == []:
        return {}, {}
    choice_where = (SessionChoice.session.event == event_id) & (SessionChoice.status == checkins.CONFIRMED)
    visit_where = Attendance.event == event_id
    if registration_ids is not None:
        choice_where &= SessionChoice.registration.is_in(registration_ids)
        visit_where &= Attendance.registration.is_in(registration_ids)
    choices: dict[int, list[int]] = {}
    for row in await SessionChoice.select(SessionChoice.registration, SessionChoice.session).where(choice_where):
        choices.setdefault(row["registration"], []).append(row["session"])
    visits: dict[int, list[dict[str, Any]]] = {}
    for row in await Attendance.select(
        Attendance.registration,
        Attendance.day,
        Attendance.session,
        Attendance.checked_in_at,
        Attendance.staff_name,
        Attendance.device,
    ).where(visit_where):
        visits.setdefault(row["registration"], []).append(row)
    return choices, visits


@dataclass
class Applied:
    """One offline scan of a batch, applied: its id, the answer as things stand, and whether it is a
    conflict; or, for a scan that could not be applied, the problem."""

    client_id: str
    answer: Answer | None = None
    conflict: bool = False
    problem: DomainError | None = None


async def apply_batch(scans: list[OfflineScan], staff: dict[str, Any]) -> list[Applied]:
    """Apply a device's offline scans as if in the order they were made (so that within a batch the
    earliest is the check-in); one scan's problem (a bad id, a time out of range) does not stop the
    others. Sending the same batch again changes nothing. The answers are in the order sent.

    The plain first check-ins are written together (`checkins.check_in_first_offline_scans`); every
    other scan is then applied one by one, by the rules for offline scans and walk-ins."""
    if len(scans) > BATCH_MAX:
        raise DomainError(N_("At most %(max)s scans a batch."), field="scans", max=BATCH_MAX)
    applied: list[Applied | None] = [None] * len(scans)
    first = await checkins.check_in_first_offline_scans(scans, staff)
    for number, answer in first.items():
        applied[number] = Applied(scans[number].client_id, answer=answer)
    for number in sorted(range(len(scans)), key=lambda number: scans[number].scanned_at):
        if applied[number] is None:
            applied[number] = await _apply_one(scans[number], staff)
    return [item for item in applied if item is not None]


async def _apply_one(offline: OfflineScan, staff: dict[str, Any]) -> Applied:
    """One offline scan or walk-in, applied by the rules; a DomainError is the scan's problem, also
    an event or session gone since (NotFound): one such scan must not hold up a device's queue."""
    try:
        if bool(offline.scan.code) == (offline.walk_in is not None):
            raise DomainError(N_("A scan has either a ticket's code or a walk-in: one of the two."), field="code")
        if offline.walk_in is not None:
            answer, conflict = await checkins.walk_in_offline(offline, staff)
        else:
            answer, conflict = await checkins.check_in_offline(offline, staff)
    except DomainError as problem:
        return Applied(offline.client_id, problem=problem)
    return Applied(offline.client_id, answer=answer, conflict=conflict)


async def conflicts(event_slug: str, day: date | None = None) -> list[dict[str, Any]]:
    """The event's conflicts at the door (of `day`, when given), latest first: whose ticket, what
    happened, which devices and staff, and when."""
    event = await get_event(event_slug)
    where = CheckInConflict.event == event["id"]
    if day is not None:
        where &= CheckInConflict.day == day
    return await (
        CheckInConflict.select(
            CheckInConflict.uid,
            CheckInConflict.kind,
            CheckInConflict.day,
            CheckInConflict.session.title.as_alias("session_title"),
            CheckInConflict.registration.uid.as_alias("registration_uid"),
            CheckInConflict.registration.name.as_alias("name"),
            CheckInConflict.admitted_at,
            CheckInConflict.staff_name,
            CheckInConflict.device,
            CheckInConflict.first_at,
            CheckInConflict.first_staff_name,
            CheckInConflict.first_device,
        )
        .where(where)
        .order_by(CheckInConflict.admitted_at, ascending=False)
    )
