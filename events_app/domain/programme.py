"""The programme: an event's sessions, their speakers and themes, and the rules they follow.

Rules: a session ends after it starts, on one of the event's days; two sessions in the same room may
not overlap; a capacity cannot go below the places already confirmed. Once the event is published,
a moved, changed or cancelled session records what changed, for the public page, and everyone
registered to it gets one mail saying what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events_app.domain import audit, localized_texts, notices, waiting_list
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.events import get_event
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    EventStatus,
    ProgrammeSession,
    SessionKind,
    SessionStatus,
    SessionTheme,
    Speaker,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import (
    collect_capacity,
    collect_choice,
    collect_max_length,
    collect_theme_ids,
    collect_time_span,
    collect_title,
    parse_uid,
)
from events_app.i18n import N_, localtime

# The fields whose change after publication is shown to the public.
WATCHED_FIELDS = ("title", "starts_at", "ends_at", "room", "status")


@dataclass
class SpeakerInput:
    name: str = ""
    title: str = ""
    organisation: str = ""


@dataclass
class SessionInput:
    title: str = ""
    description: str = ""
    kind: str = SessionKind.plenary.value
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    room: str = ""
    capacity: int | None = None
    requires_signup: bool = False
    themes: list[str] = field(default_factory=list)
    speakers: list[SpeakerInput] = field(default_factory=list)
    # Optional English texts, shown to English readers instead of the Swedish (localized_texts.py).
    title_en: str = ""
    description_en: str = ""


async def _clean_session(event: dict[str, Any], data: SessionInput, *, session_id: int | None = None) -> dict[str, Any]:
    errors: dict[str, str | DomainError] = {}
    title = collect_title(data.title, errors, N_("Give the session a title."))
    kind = collect_choice(data.kind, SessionKind, "kind", N_("Choose what kind of session this is."), errors)
    collect_time_span(data.starts_at, data.ends_at, errors, N_("The session must end after it starts."))
    _collect_on_an_event_day(event, data, errors)
    collect_capacity(data.capacity, errors)
    await _collect_capacity_for_the_confirmed(data.capacity, session_id, errors)
    room = " ".join((data.room or "").split())
    collect_max_length(room, "room", 100, errors)
    await _collect_room_free(event["id"], room, data, session_id, errors)
    theme_ids = await collect_theme_ids(data.themes, errors)
    speakers = _collect_speakers(data.speakers, errors)
    title_en = localized_texts.clean_line(data.title_en, "title_en", 200, errors)
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "description": (data.description or "").strip(),
        "title_en": title_en,
        "description_en": (data.description_en or "").strip(),
        "kind": kind,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "room": room,
        "capacity": data.capacity,
        "requires_signup": bool(data.requires_signup),
        "theme_ids": theme_ids,
        "speakers": speakers,
    }


def _collect_on_an_event_day(event: dict[str, Any], data: SessionInput, errors: dict) -> None:
    if data.starts_at is None or "ends_at" in errors:
        return
    event_days = {day["day"] for day in event["days"]}
    start_day, end_day = localtime(data.starts_at).date(), localtime(data.ends_at).date() if data.ends_at else None
    if start_day not in event_days or (end_day is not None and end_day != start_day):
        errors["starts_at"] = N_("The session must take place on one of the event's days.")


async def _collect_capacity_for_the_confirmed(capacity: int | None, session_id: int | None, errors: dict) -> None:
    """A session's capacity may not drop below the places it has already given."""
    if "capacity" in errors or capacity is None or session_id is None:
        return
    if capacity < await waiting_list.confirmed_places(session_id):
        errors["capacity"] = N_("The capacity cannot be lower than the places already confirmed.")


async def _collect_room_free(
    event_id: int, room: str, data: SessionInput, session_id: int | None, errors: dict
) -> None:
    """A room holds one session at a time (checked once the room and the times are valid)."""
    if not room or not data.starts_at or not data.ends_at or {"room", "starts_at", "ends_at"} & set(errors):
        return
    clash = await _room_clash(event_id, room, data.starts_at, data.ends_at, session_id)
    if clash:
        errors["room"] = DomainError(
            N_("%(room)s is already booked then, for “%(title)s”."), field="room", room=room, title=clash["title"]
        )


def _collect_speakers(given: list[SpeakerInput], errors: dict) -> list[SpeakerInput]:
    """The speakers with anything filled in (empty rows of the form are dropped); each needs a name."""
    speakers = [s for s in given if s.name.strip() or s.title.strip() or s.organisation.strip()]
    if any(not s.name.strip() for s in speakers):
        errors["speakers"] = N_("Every speaker needs a name.")
    for speaker in speakers:
        for value in (speaker.name.strip(), speaker.title.strip(), speaker.organisation.strip()):
            collect_max_length(value, "speakers", 200, errors)
    return speakers


async def _room_clash(event_id: int, room: str, starts_at: datetime, ends_at: datetime, session_id: int | None):
    query = ProgrammeSession.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.room).where(
        (ProgrammeSession.event == event_id)
        & (ProgrammeSession.status == SessionStatus.scheduled)
        & (ProgrammeSession.starts_at < ends_at)
        & (ProgrammeSession.ends_at > starts_at)
    )
    if session_id is not None:
        query = query.where(ProgrammeSession.id != session_id)
    for other in await query:
        if other["room"].casefold() == room.casefold():
            return other
    return None


async def _write_relations(session_id: int, clean: dict[str, Any]) -> None:
    await SessionTheme.delete().where(SessionTheme.session == session_id)
    if clean["theme_ids"]:
        await SessionTheme.insert(*[SessionTheme(session=session_id, theme=t) for t in clean["theme_ids"]])
    await Speaker.delete().where(Speaker.session == session_id)
    if clean["speakers"]:
        await Speaker.insert(
            *[
                Speaker(
                    session=session_id,
                    name=s.name.strip(),
                    title=s.title.strip(),
                    organisation=s.organisation.strip(),
                    position=n,
                )
                for n, s in enumerate(clean["speakers"])
            ]
        )


def _columns(clean: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in clean.items() if key not in {"theme_ids", "speakers"}}


@changes_public_pages
async def add_session(event_slug: str, data: SessionInput, actor: Actor) -> dict[str, Any]:
    async with atomic():
        event = await get_event(event_slug)
        clean = await _clean_session(event, data)
        last = (
            await ProgrammeSession.select(ProgrammeSession.position)
            .where(ProgrammeSession.event == event["id"])
            .order_by(ProgrammeSession.position, ascending=False)
            .first()
        )
        session = ProgrammeSession(event=event["id"], **_columns(clean), position=(last["position"] + 1) if last else 0)
        await session.save()
        await _write_relations(session.id, clean)
        await audit.record(
            "session.created",
            actor,
            object_type="session",
            object_id=session.uid,
            summary=f"{event_slug}: {clean['title']}",
        )
    return await get_session(str(session.uid))


def _change_record(before: dict[str, Any], after: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """What changed since publication, merged with earlier changes (keeping the first 'before' values)."""
    fields = [name for name in WATCHED_FIELDS if name in after and after[name] != before[name]]
    if not fields:
        return previous
    earlier = previous.get("before", {}) if previous else {}
    first_values = {name: earlier.get(name, _serialisable(before[name])) for name in set(fields) | set(earlier)}
    return {"fields": sorted(set(fields) | set(previous.get("fields", []) if previous else [])), "before": first_values}


def _serialisable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def _locked_session(session_uid: str) -> dict[str, Any]:
    """The session read again after locking its event, inside the caller's transaction: a second,
    simultaneous edit sees the first one's result (and so mails nobody twice)."""
    session = await get_session(session_uid)
    await waiting_list.lock_event(session["event"])
    return await get_session(session_uid)


@changes_public_pages
async def update_session(session_uid: str, data: SessionInput, actor: Actor) -> dict[str, Any]:
    async with atomic():
        session = await _locked_session(session_uid)
        event = await get_event(session["event_slug"])
        clean = await _clean_session(event, data, session_id=session["id"])
        changes: dict[Any, Any] = {**_columns(clean)}
        if event["status"] == EventStatus.published.value:
            record = _change_record(session, clean, session["change"])
            if record != session["change"]:
                changes.update(change=record, changed_at=utcnow())
            this_edit = _change_record(session, clean, {})
            if this_edit:
                await notices.notify_session_changed(session, this_edit)
        await ProgrammeSession.update({getattr(ProgrammeSession, k): v for k, v in changes.items()}).where(
            ProgrammeSession.id == session["id"]
        )
        await _write_relations(session["id"], clean)
        await audit.record(
            "session.updated", actor, object_type="session", object_id=session_uid, summary=clean["title"]
        )
        await waiting_list.fill_session(session["id"], actor)  # a raised capacity lets the first in line in
    return await get_session(session_uid)


@changes_public_pages
async def cancel_session(session_uid: str, actor: Actor) -> dict[str, Any]:
    async with atomic():
        session = await _locked_session(session_uid)
        if session["status"] == SessionStatus.cancelled.value:
            return session
        event = await get_event(session["event_slug"])
        changes: dict[Any, Any] = {ProgrammeSession.status: SessionStatus.cancelled}
        if event["status"] == EventStatus.published.value:
            changes[ProgrammeSession.change] = _change_record(
                session, {"status": SessionStatus.cancelled.value}, session["change"]
            )
            changes[ProgrammeSession.changed_at] = utcnow()
            this_edit = _change_record(session, {"status": SessionStatus.cancelled.value}, {})
            await notices.notify_session_changed(session, this_edit)
        await ProgrammeSession.update(changes).where(ProgrammeSession.id == session["id"])
        await audit.record(
            "session.cancelled", actor, object_type="session", object_id=session_uid, summary=session["title"]
        )
    return await get_session(session_uid)


@changes_public_pages
async def delete_session(session_uid: str, actor: Actor) -> None:
    """Remove a session from a draft; a published programme keeps it, cancelled, so people see the change."""
    async with atomic():
        session = await get_session(session_uid)
        event = await get_event(session["event_slug"])
        if event["status"] != EventStatus.draft.value:
            raise DomainError(N_("A published session cannot be deleted; cancel it instead."), code="invalid_status")
        await ProgrammeSession.delete().where(ProgrammeSession.id == session["id"])
        await audit.record(
            "session.deleted", actor, object_type="session", object_id=session_uid, summary=session["title"]
        )


@changes_public_pages
async def move_session(session_uid: str, direction: int, actor: Actor) -> None:
    """Swap a session with its neighbour among the sessions that start at the same time (-1 up, +1 down).

    The programme is ordered by time first, so only sessions of one time slot have an order to change:
    that order is the order of the tracks shown side by side.
    """
    async with atomic():
        session = await get_session(session_uid)
        siblings = (
            await ProgrammeSession.select(ProgrammeSession.id, ProgrammeSession.position)
            .where((ProgrammeSession.event == session["event"]) & (ProgrammeSession.starts_at == session["starts_at"]))
            .order_by(ProgrammeSession.position)
            .order_by(ProgrammeSession.id)
        )
        ids = [row["id"] for row in siblings]
        index = ids.index(session["id"])
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        for position, session_id in enumerate(ids):
            await ProgrammeSession.update({ProgrammeSession.position: position}).where(
                ProgrammeSession.id == session_id
            )
        await audit.record(
            "session.moved", actor, object_type="session", object_id=session_uid, summary=session["title"]
        )


async def get_session(session_uid: str) -> dict[str, Any]:
    uid = parse_uid(session_uid)
    session = None
    if uid is not None:
        session = (
            await ProgrammeSession.select(
                *ProgrammeSession.all_columns(),
                ProgrammeSession.event.slug.as_alias("event_slug"),
            )
            .where(ProgrammeSession.uid == uid)
            .output(load_json=True)
            .first()
        )
    if session is None:
        raise NotFound(N_("There is no such session."))
    await _attach_details([session])
    return session


async def programme(event_id: int) -> list[dict[str, Any]]:
    """The event's sessions in programme order (time, then the organiser's order), with speakers and themes."""
    sessions = (
        await ProgrammeSession.select()
        .where(ProgrammeSession.event == event_id)
        .order_by(ProgrammeSession.starts_at)
        .order_by(ProgrammeSession.position)
        .order_by(ProgrammeSession.id)
        .output(load_json=True)
    )
    await _attach_details(sessions)
    return sessions


async def _attach_details(sessions: list[dict[str, Any]]) -> None:
    if not sessions:
        return
    ids = [s["id"] for s in sessions]
    speakers = await Speaker.select().where(Speaker.session.is_in(ids)).order_by(Speaker.position)
    themes = await SessionTheme.select(
        SessionTheme.session,
        SessionTheme.theme.slug.as_alias("slug"),
        SessionTheme.theme.name_sv.as_alias("name_sv"),
        SessionTheme.theme.name_en.as_alias("name_en"),
    ).where(SessionTheme.session.is_in(ids))
    for session in sessions:
        session["speakers"] = [s for s in speakers if s["session"] == session["id"]]
        session["themes"] = [t for t in themes if t["session"] == session["id"]]


def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two sessions run at the same time for a while (one ending as the other starts does not)."""
    return a["starts_at"] < b["ends_at"] and b["starts_at"] < a["ends_at"]


def overlapping_slots(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions grouped by overlapping time, in time order: [{starts_at, ends_at, sessions}].

    A session joins the slot when it starts before every session so far in it has ended, so a chain of
    overlaps is one slot: one choice per slot can never be a clash (the registration form's radio groups).
    """
    slots: list[dict[str, Any]] = []
    for session in sorted(sessions, key=lambda s: (s["starts_at"], s["ends_at"])):
        if slots and session["starts_at"] < slots[-1]["ends_at"]:
            slots[-1]["sessions"].append(session)
            slots[-1]["ends_at"] = max(slots[-1]["ends_at"], session["ends_at"])
        else:
            slots.append({"starts_at": session["starts_at"], "ends_at": session["ends_at"], "sessions": [session]})
    return slots


def by_day_and_track(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group a programme for display: [{day, tracks: [room...], slots: [{starts_at, sessions}]}].

    Sessions that start at the same time form one slot, shown side by side on wide screens (they may
    end at different times, so a slot has no end of its own). Tracks are the rooms in order of
    appearance.
    """
    days: dict[Any, dict[str, Any]] = {}
    for session in sessions:
        day = localtime(session["starts_at"]).date()
        entry = days.setdefault(day, {"day": day, "tracks": [], "slots": {}})
        if session["room"] and session["room"] not in entry["tracks"]:
            entry["tracks"].append(session["room"])
        slot = entry["slots"].setdefault(session["starts_at"], {"starts_at": session["starts_at"], "sessions": []})
        slot["sessions"].append(session)
    return [
        {"day": entry["day"], "tracks": entry["tracks"], "slots": list(entry["slots"].values())}
        for entry in sorted(days.values(), key=lambda e: e["day"])
    ]
