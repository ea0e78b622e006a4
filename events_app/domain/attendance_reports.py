"""What the organisers' live check-in view lists besides the counts (`checkins.live_counts`): the
latest check-ins of a day, to undo a mistake, and the no-shows of a day as a CSV file written the
way the registration export writes it (`registration_reports.to_csv`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from events_app import i18n
from events_app.domain import checkins
from events_app.domain.registration_reports import to_csv
from events_app.domain.tables import Attendance, CheckInMethod
from events_app.i18n import N_

METHOD_LABELS = {
    CheckInMethod.camera.value: N_("Camera"),
    CheckInMethod.scanner.value: N_("Scanner or typed code"),
    CheckInMethod.search.value: N_("Search"),
    CheckInMethod.walk_in.value: N_("Walk-in"),
    CheckInMethod.api.value: N_("Another device (API)"),
}
LATEST = 25


async def latest_check_ins(event_id: int, day: date, limit: int = LATEST) -> list[dict[str, Any]]:
    """The day's latest check-ins (at the day or at a session's door that day), newest first."""
    registration = Attendance.registration
    rows = (
        await Attendance.select(
            Attendance.uid,
            Attendance.checked_in_at,
            Attendance.staff_name,
            Attendance.device,
            Attendance.method,
            Attendance.session.title.as_alias("session_title"),
            registration.name.as_alias("name"),
            registration.organisation_text.as_alias("organisation_text"),
            registration.organisation.name_sv.as_alias("organisation_sv"),
            registration.organisation.name_en.as_alias("organisation_en"),
        )
        .where((Attendance.event == event_id) & (Attendance.day == day))
        .order_by(Attendance.checked_in_at, ascending=False)
        .order_by(Attendance.id, ascending=False)
        .limit(limit)
    )
    return [{**row, "organisation": checkins.organisation_of(row)} for row in rows]


async def no_shows_csv(event_slug: str, day: date) -> bytes:
    """The day's no-shows (`checkins.no_shows`): name, organisation, email; semicolons, every cell
    quoted, formulas neutralised."""
    header = [i18n.gettext(label) for label in (N_("Name"), N_("Organisation"), N_("Email address"))]
    rows = [[row["name"], row["organisation"], row["email"]] for row in await checkins.no_shows(event_slug, day)]
    return to_csv(header, rows)
