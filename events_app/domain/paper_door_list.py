"""The paper door list: when the door works on paper (no network, no phone, a queue too long for
the scanners), the organiser prints one day's list of those expected, staff tick the ones who
came, and afterwards the organiser enters the ticked short codes and they are checked in.

The list is read like everything door staff see: through `checkins.DOOR_COLUMNS` (plus the short
code printed on the ticket), never an email address, dietary or accessibility need nor any answer.
Entering the ticks checks each code in with `checkins.check_in`, the door's own rules: a ticket
already checked in stays as it was, so entering the same list twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from events_app.domain import checkins, tickets
from events_app.domain.checkins import CONFIRMED, Scan, door_columns, organisation_of
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.events import get_event
from events_app.domain.localized_texts import localized
from events_app.domain.tables import CheckInMethod, EventStatus, Registration
from events_app.domain.text_folding import surname_key
from events_app.i18n import N_, gettext

MAX_CODES = 1000  # more than any day's list: a paste of something else is refused, not half-entered
DEVICE = "Paper door list"  # the check-ins' device, so the live view and the audit tell them apart
# The check-ins are entered after the day, perhaps, and always by an organiser from a list: for a
# day other than today the door asks why (checkins._check_day_allowed), and this is why.
REASON = N_("Entered from the paper door list")
# Between codes: new lines, commas, semicolons and spaces (a code itself may be typed "ABCD EFGH").
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Row:
    name: str
    organisation: str
    short_code: str  # as printed on the ticket, with its dash


@dataclass(frozen=True)
class DoorList:
    """One day's list, picklable for drawing in another thread or process."""

    event_title: str
    day: date
    rows: list[Row]


def _event_day(event: dict[str, Any], day: date) -> date:
    if day not in {row["day"] for row in event["days"]}:
        raise NotFound(N_("The event has no such day."))
    return day


async def door_list(event_slug: str, day: date) -> DoorList:
    """The confirmed registrations for `day`, by surname, as the paper list prints them (the event's
    title in the language of the one printing)."""
    event = await get_event(event_slug)
    _event_day(event, day)
    rows = (
        await Registration.select(
            *door_columns("name", "organisation_text", "days", "short_code"),
            Registration.organisation.name_sv.as_alias("organisation_sv"),
            Registration.organisation.name_en.as_alias("organisation_en"),
        )
        .where((Registration.event == event["id"]) & (Registration.status == CONFIRMED) & (Registration.name != ""))
        .output(load_json=True)
    )
    listed = [
        Row(
            name=row["name"], organisation=organisation_of(row), short_code=tickets.format_short_code(row["short_code"])
        )
        for row in rows
        if day.isoformat() in row["days"]
    ]
    return DoorList(
        event_title=localized(event, "title"), day=day, rows=sorted(listed, key=lambda row: surname_key(row.name))
    )


def codes_in(text: str) -> list[str]:
    """The short codes in what the organiser typed, each once, in the order typed: one a line or
    separated by commas or spaces, with or without the dash, in any case. A code typed in two
    halves ("ABCD EFGH") is joined again; anything else is kept as typed, to be reported."""
    pieces = [piece for piece in _SEPARATORS.split(text or "") if piece]
    codes: list[str] = []
    while pieces:
        piece = pieces.pop(0)
        half = len(tickets.normalise_short_code(piece)) == tickets.SHORT_CODE_LENGTH // 2
        if half and pieces and len(tickets.normalise_short_code(pieces[0])) == tickets.SHORT_CODE_LENGTH // 2:
            piece = f"{piece}-{pieces.pop(0)}"
        codes.append(piece)
    unique: dict[str, str] = {}  # by the code as the door reads it: "abcd-efgh" is ABCDEFGH
    for code in codes:
        unique.setdefault(tickets.normalise_short_code(code) or code, code)
    return list(unique.values())


@dataclass(frozen=True)
class Entered:
    """What happened to one code typed: `answer.result` is "ok" (checked in now),
    "already_checked_in" or one of the other refusals of `checkins.RESULTS`."""

    code: str  # as typed
    answer: checkins.Answer


async def enter_check_ins(event_slug: str, day: date | None, text: str, staff: dict[str, Any]) -> list[Entered]:
    """Check in the registrations whose short codes were ticked on the paper list of `day` (by an
    organiser: `staff` is their account's id, name and role). A day the event does not have, nothing
    typed, more than MAX_CODES codes or an event not published is refused before anything is written."""
    event = await get_event(event_slug)
    if day not in {row["day"] for row in event["days"]}:
        raise DomainError(N_("Choose one of the event's days."), field="day")
    codes = codes_in(text)
    if not codes:
        raise DomainError(N_("Enter the short codes ticked on the list."), field="codes")
    if len(codes) > MAX_CODES:
        raise DomainError(N_("At most %(max)s codes at a time."), field="codes", max=MAX_CODES)
    if event["status"] != EventStatus.published.value:  # the door of a draft or cancelled event is closed
        raise DomainError(N_("Only a published event can be checked in to."))
    entered = []
    for code in codes:
        scan = Scan(
            code=code,
            event=event_slug,
            day=day,
            device=DEVICE,
            # The short code typed by hand, which is what "scanner" records ("a handheld scanner, or
            # the code typed"; the live view says "Scanner or typed code"); the device says from where.
            # Not "search" (found by name) nor "api"; a value of its own would need a migration.
            method=CheckInMethod.scanner.value,
            reason=gettext(REASON),  # in the organiser's language, for the audit log
            # The organiser chose the day on the form: that is the confirmation the door asks for.
            confirmed=True,
        )
        entered.append(Entered(code=code, answer=await checkins.check_in(scan, staff)))
    return entered
