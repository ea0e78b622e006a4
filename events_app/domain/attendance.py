"""Reading who came: the first check-in of registrations, for the lists, exports and a registration's
own page. Check-in itself (writing attendance) lives in `checkins`, which registers walk-ins through
`registrations`; the readers here import nothing of either, so `registrations` can show check-in
times without a cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events_app.domain.tables import Attendance


async def first_check_ins(registration_ids: list[int]) -> dict[int, datetime]:
    """Each registration's first check-in (any day or session), for lists and exports."""
    if not registration_ids:
        return {}
    rows = (
        await Attendance.select(Attendance.registration, Attendance.checked_in_at)
        .where(Attendance.registration.is_in(registration_ids))
        .order_by(Attendance.checked_in_at)
    )
    first: dict[int, datetime] = {}
    for row in rows:
        first.setdefault(row["registration"], row["checked_in_at"])
    return first


async def check_ins_of(registration_ids: list[int]) -> list[dict[str, Any]]:
    """Every check-in of the registrations, in order: the day, the session (if at its door), when
    and how. For a registration's page and a person's own data."""
    if not registration_ids:
        return []
    return await (
        Attendance.select(
            Attendance.registration,
            Attendance.day,
            Attendance.session.title.as_alias("session_title"),
            Attendance.checked_in_at,
            Attendance.method,
        )
        .where(Attendance.registration.is_in(registration_ids))
        .order_by(Attendance.checked_in_at)
    )


async def check_ins_at_the_door(registration_id: int) -> list[dict[str, Any]]:
    """One registration's check-ins for its organisers' page: each with its uid (to undo it), the day,
    the session (if at its door), when, how and by whom."""
    return await (
        Attendance.select(
            Attendance.uid,
            Attendance.day,
            Attendance.session.title.as_alias("session_title"),
            Attendance.checked_in_at,
            Attendance.staff_name,
            Attendance.device,
            Attendance.method,
        )
        .where(Attendance.registration == registration_id)
        .order_by(Attendance.checked_in_at)
    )
