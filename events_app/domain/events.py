"""Events: creating, editing, duplicating, publishing and cancelling them, and reading them back.

An event has days (for a training module: occasions), themes and a programme (`programme.py`).
Status moves draft -> published -> cancelled or archived; the public sees only published, cancelled
and archived events, never drafts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from events_app.domain import audit, localized_texts, notices, waiting_list
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    Audience,
    CompletionRule,
    Event,
    EventDay,
    EventKind,
    EventStatus,
    EventTheme,
    HoursCredit,
    ProgrammeSession,
    SessionStatus,
    SessionTheme,
    Speaker,
    Theme,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import (
    collect_capacity,
    collect_choice,
    collect_max_length,
    collect_theme_ids,
    collect_time_span,
    collect_title,
)
from events_app.i18n import N_, STOCKHOLM, localtime

PUBLIC_STATUSES = (EventStatus.published, EventStatus.cancelled, EventStatus.archived)


# Why a status change is refused, by the event's present status.
_STATUS_REFUSALS = {
    EventStatus.draft.value: N_("This cannot be done to an event that is still a draft."),
    EventStatus.published.value: N_("This cannot be done to an event that is already published."),
    EventStatus.cancelled.value: N_("This cannot be done to a cancelled event."),
    EventStatus.archived.value: N_("This cannot be done to an archived event."),
}


def is_public(event: dict[str, Any]) -> bool:
    """Published at some time and not a draft now: a draft cancelled before publication stays hidden."""
    return event["status"] in {status.value for status in PUBLIC_STATUSES} and event["published_at"] is not None


def public_condition(event_table=Event):
    """The same rule as `is_public`, as a query condition (also usable through a foreign key)."""
    return (
        event_table.status.is_in([status.value for status in PUBLIC_STATUSES]) & event_table.published_at.is_not_null()
    )


@dataclass
class EventInput:
    """An event as an organiser (or an API client) describes it, before it is checked."""

    title: str = ""
    kind: str = EventKind.other.value
    description: str = ""
    audience: str = Audience.public.value
    capacity: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    venue_name: str = ""
    venue_address: str = ""
    venue_map_url: str = ""
    themes: list[str] = field(default_factory=list)  # theme slugs
    # Which attendance completes the event and earns its certificate (see certificates.py).
    completion_rule: str = CompletionRule.all_occasions.value
    completion_min: int | None = None
    hours_credit: str = HoursCredit.none.value
    hours_per_day: float | None = None  # with hours_credit "day"; stored in minutes
    signatory_name: str = ""
    signatory_title: str = ""
    # Occasion dates for a training module; other kinds get one day per date from start to end.
    occasion_dates: list[date] = field(default_factory=list)
    # Optional English texts, shown to English readers instead of the Swedish (localized_texts.py).
    title_en: str = ""
    description_en: str = ""


# Letters that Unicode does not decompose into a base letter and a mark, so NFKD alone would drop them:
# Southern Sami (the Sami language of Västernorrland) writes æ and ø, Northern Sami đ, ŋ and ŧ.
_UNDECOMPOSABLE = str.maketrans(
    {
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ŋ": "n",
        "Ŋ": "N",
        "ŧ": "t",
        "Ŧ": "T",
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
    }
)


def slugify(text: str) -> str:
    """'Hållbarhetsdagarna 2027' -> 'hallbarhetsdagarna-2027'."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "evenemang"


# An event's days are rows of their own: its length is bounded (see _collect_days).
MAX_EVENT_DAYS = 31
MAX_OCCASIONS = 60


async def _unique_slug(title: str, starts_at: datetime) -> str:
    base = slugify(title)
    year = str(localtime(starts_at).year)
    if not base.endswith(year):
        base = f"{base}-{year}"
    slug, number = base, 2
    while await Event.exists().where(Event.slug == slug):
        slug, number = f"{base}-{number}", number + 1
    return slug


async def clean_event(data: EventInput) -> dict[str, Any]:
    """Check every field; raise ValidationFailed with all the field errors at once."""
    errors: dict[str, str | DomainError] = {}
    title = collect_title(data.title, errors, N_("Give the event a title."))
    kind = collect_choice(data.kind, EventKind, "kind", N_("Choose what kind of event this is."), errors)
    audience = collect_choice(data.audience, Audience, "audience", N_("Choose who may register."), errors)
    rule = collect_choice(
        data.completion_rule or CompletionRule.all_occasions.value,
        CompletionRule,
        "completion_rule",
        N_("Choose a completion rule."),
        errors,
    )
    hours_credit = collect_choice(
        data.hours_credit or HoursCredit.none.value,
        HoursCredit,
        "hours_credit",
        N_("Choose how hours are counted."),
        errors,
    )
    minutes_per_day = _collect_minutes_per_day(data, hours_credit, errors)
    for field_name in ("signatory_name", "signatory_title"):
        collect_max_length(getattr(data, field_name), field_name, 200, errors)
    collect_time_span(data.starts_at, data.ends_at, errors, N_("The event must end after it starts."))
    collect_capacity(data.capacity, errors)
    _collect_registration_window(data, errors)
    _collect_venue(data, errors)
    theme_ids = await collect_theme_ids(data.themes, errors)
    days = _collect_days(data, kind, errors)
    completion_min = _collect_completion_min(data, rule, None if days is None else len(days), errors)
    _collect_occasions_within(data, errors)
    title_en = localized_texts.clean_line(data.title_en, "title_en", 200, errors)
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "kind": kind,
        "description": (data.description or "").strip(),
        "title_en": title_en,
        "description_en": (data.description_en or "").strip(),
        "audience": audience,
        "capacity": data.capacity,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "registration_opens_at": data.registration_opens_at,
        "registration_closes_at": data.registration_closes_at,
        "venue_name": data.venue_name.strip(),
        "venue_address": data.venue_address.strip(),
        "venue_map_url": data.venue_map_url.strip(),
        "completion_rule": rule,
        "completion_min": completion_min,
        "hours_credit": hours_credit,
        "minutes_per_day": minutes_per_day,
        "signatory_name": " ".join(data.signatory_name.split()),
        "signatory_title": " ".join(data.signatory_title.split()),
        "theme_ids": theme_ids,
        "days": days or [],
    }


def _collect_minutes_per_day(data: EventInput, hours_credit: str, errors: dict) -> int | None:
    """The minutes credited for a day under the "per day" rule; None under the others."""
    if hours_credit != HoursCredit.per_day.value:
        return None
    if data.hours_per_day is None or not 0 < data.hours_per_day <= 24:
        errors["hours_per_day"] = N_("Give the hours credited for a day, more than 0 and at most 24.")
        return None
    return round(data.hours_per_day * 60)


def _collect_registration_window(data: EventInput, errors: dict) -> None:
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = N_("Registration must close after it opens.")
    if closes and data.ends_at and closes > data.ends_at:
        errors["registration_closes_at"] = N_("Registration must close before the event ends.")


def _collect_venue(data: EventInput, errors: dict) -> None:
    for field_name, max_length in (("venue_name", 200), ("venue_address", 300), ("venue_map_url", 500)):
        collect_max_length(getattr(data, field_name), field_name, max_length, errors)
    if data.venue_map_url and not data.venue_map_url.startswith(("https://", "http://")):
        errors["venue_map_url"] = N_("The map link must start with https://.")


def _collect_days(data: EventInput, kind: str, errors: dict) -> list[tuple[date, datetime, datetime]] | None:
    """The event's days, once their number is known to be sensible (None when it is not).

    Each day becomes a row: an end date in the year 9999 would make millions of them and stop the
    worker, so an event lasts at most MAX_EVENT_DAYS and a module has at most MAX_OCCASIONS.
    """
    if data.starts_at is None or data.ends_at is None or data.ends_at <= data.starts_at:
        return []
    span = (localtime(data.ends_at).date() - localtime(data.starts_at).date()).days + 1
    if kind == EventKind.training_module.value and not data.occasion_dates and span > 1:
        # A module from March to May meets on a few dates, not every day in between.
        errors["occasion_dates"] = N_("List the dates of the module's occasions.")
    if len(set(data.occasion_dates)) > MAX_OCCASIONS:
        errors["occasion_dates"] = DomainError(
            N_("At most %(max)s occasions."), field="occasion_dates", max=MAX_OCCASIONS
        )
        return None
    if not data.occasion_dates and span > MAX_EVENT_DAYS:
        if "occasion_dates" not in errors:  # a module is told to list its occasions, which is the fix
            errors["ends_at"] = DomainError(
                N_("An event lasts at most %(max)s days. For a training module, list its occasions instead."),
                field="ends_at",
                max=MAX_EVENT_DAYS,
            )
        return None
    return _days(data)


def _collect_completion_min(data: EventInput, rule: str, day_count: int | None, errors: dict) -> int | None:
    """How many days the "at least" rule needs; None under the other rules. `day_count` is None when
    the days themselves were refused: then only the lower bound can be checked."""
    if rule != CompletionRule.at_least.value:
        return None
    most = max(day_count, 1) if day_count is not None else data.completion_min or 1
    if data.completion_min is None or not 1 <= data.completion_min <= most:
        errors["completion_min"] = N_("Give how many days or occasions are needed, at most the number the event has.")
    return data.completion_min


def _collect_occasions_within(data: EventInput, errors: dict) -> None:
    if data.starts_at is None or data.ends_at is None:
        return
    first, last = localtime(data.starts_at).date(), localtime(data.ends_at).date()
    if any(not first <= occasion <= last for occasion in data.occasion_dates):
        errors["occasion_dates"] = N_("Every occasion must be between the start and the end of the module.")


def _days(data: EventInput) -> list[tuple[date, datetime, datetime]]:
    """The event's days: each with its start and end instants.

    Every day runs from the event's daily start time to its daily end time, in Stockholm time, so a
    two-day event from 09.00 to 16.00 has two days of 09.00-16.00 even across a DST change.
    """
    if data.starts_at is None or data.ends_at is None or data.ends_at <= data.starts_at:
        return []
    first, last = localtime(data.starts_at), localtime(data.ends_at)
    if data.occasion_dates:
        dates = sorted(set(data.occasion_dates))
    else:
        dates = [first.date() + timedelta(days=n) for n in range((last.date() - first.date()).days + 1)]
    start_time, end_time = first.timetz().replace(tzinfo=None), last.timetz().replace(tzinfo=None)
    if end_time <= start_time:  # an event over midnight: each day ends at midnight
        end_time = time(23, 59)
    return [
        (day, datetime.combine(day, start_time, STOCKHOLM), datetime.combine(day, end_time, STOCKHOLM)) for day in dates
    ]


async def _write_relations(event_id: int, clean: dict[str, Any]) -> None:
    await EventTheme.delete().where(EventTheme.event == event_id)
    if clean["theme_ids"]:
        await EventTheme.insert(*[EventTheme(event=event_id, theme=theme_id) for theme_id in clean["theme_ids"]])
    await EventDay.delete().where(EventDay.event == event_id)
    await EventDay.insert(
        *[EventDay(event=event_id, day=day, starts_at=start, ends_at=end) for day, start, end in clean["days"]]
    )


def _columns(clean: dict[str, Any]) -> dict[str, Any]:
    columns = {key: value for key, value in clean.items() if key not in {"theme_ids", "days"}}
    if clean["kind"] == EventKind.council_meeting.value:
        # A council meeting is an official record (its attendance register is kept, "bevaras"), so
        # it is preserved from the start and the retention purge never touches it. Never unset here.
        columns["preserve"] = True
    return columns


@changes_public_pages
async def create_event(data: EventInput, actor: Actor) -> dict[str, Any]:
    clean = await clean_event(data)
    async with atomic():
        event = Event(**_columns(clean), slug=await _unique_slug(clean["title"], clean["starts_at"]))
        await event.save()
        await _write_relations(event.id, clean)
        await audit.record("event.created", actor, object_type="event", object_id=event.slug, summary=event.title)
    return await get_event(event.slug)


@changes_public_pages
async def update_event(slug: str, data: EventInput, actor: Actor) -> dict[str, Any]:
    clean = await clean_event(data)
    async with atomic():
        event = await get_event(slug)
        await waiting_list.lock_event(event["id"])
        outside = await _sessions_outside_days(event["id"], [day for day, _, _ in clean["days"]])
        if outside:
            raise ValidationFailed(
                {"starts_at": N_("Some sessions would fall outside the event's days. Move them first.")}
            )
        if clean["capacity"] is not None and clean["capacity"] < await waiting_list.confirmed_registrations(
            event["id"]
        ):
            raise ValidationFailed({"capacity": N_("The capacity cannot be lower than the places already confirmed.")})
        await Event.update({**_columns(clean), Event.updated_at: utcnow()}).where(Event.id == event["id"])
        await _write_relations(event["id"], clean)
        await audit.record("event.updated", actor, object_type="event", object_id=slug, summary=clean["title"])
        # A raised capacity (or none at all) lets the first in line in at once.
        await waiting_list.fill_event(event["id"], actor)
    return await get_event(slug)


async def _sessions_outside_days(event_id: int, days: list[date]) -> list[dict]:
    sessions = await ProgrammeSession.select(ProgrammeSession.starts_at).where(ProgrammeSession.event == event_id)
    return [s for s in sessions if localtime(s["starts_at"]).date() not in days]


async def _change_status(
    slug: str,
    new: EventStatus,
    allowed_from: tuple[EventStatus, ...],
    actor: Actor,
    extra: dict[Any, Any] | None = None,
) -> bool:
    """Inside the caller's transaction, with the event locked: change the status; False when it
    already was `new` (repeating the action changes nothing)."""
    event = await get_event(slug)
    await waiting_list.lock_event(event["id"])
    event = await get_event(slug)  # as it is now that nobody else can change it
    if event["status"] == new.value:
        return False
    if event["status"] not in {status.value for status in allowed_from}:
        raise DomainError(_STATUS_REFUSALS[event["status"]], code="invalid_status")
    await Event.update({Event.status: new, Event.updated_at: utcnow(), **(extra or {})}).where(Event.id == event["id"])
    await audit.record(f"event.{new.value}", actor, object_type="event", object_id=slug, summary=event["title"])
    return True


async def _set_status(
    slug: str,
    new: EventStatus,
    allowed_from: tuple[EventStatus, ...],
    actor: Actor,
    extra: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    async with atomic():
        await _change_status(slug, new, allowed_from, actor, extra)
    return await get_event(slug)


# What publishing an event of a kind also does, in the same transaction, by kind: registered by the
# module that owns the kind (council_meetings.py invites the council), which imports this one.
ON_PUBLISH: dict[str, Callable[[str, Actor], Awaitable[Any]]] = {}


@changes_public_pages
async def publish_event(slug: str, actor: Actor) -> dict[str, Any]:
    async with atomic():
        if await _change_status(
            slug, EventStatus.published, (EventStatus.draft,), actor, {Event.published_at: utcnow()}
        ):
            hook = ON_PUBLISH.get((await get_event(slug))["kind"])
            if hook is not None:
                await hook(slug, actor)
    return await get_event(slug)


@changes_public_pages
async def cancel_event(slug: str, actor: Actor, message: str = "") -> dict[str, Any]:
    """Cancel; the message is shown on the event page and mailed to everyone registered or waiting."""
    async with atomic():
        if await _change_status(
            slug,
            EventStatus.cancelled,
            (EventStatus.draft, EventStatus.published),
            actor,
            {Event.cancel_message: message.strip()},
        ):
            await notices.notify_event_cancelled((await get_event(slug))["id"])
    return await get_event(slug)


@changes_public_pages
async def archive_event(slug: str, actor: Actor) -> dict[str, Any]:
    return await _set_status(slug, EventStatus.archived, (EventStatus.published, EventStatus.cancelled), actor)


def moved_by_days(value: datetime | None, shift: timedelta) -> datetime | None:
    """`value` moved by whole days at the same Stockholm time of day (09.00 stays 09.00 across a
    daylight-saving change); None stays None."""
    if value is None:
        return None
    local = localtime(value)
    return datetime.combine(local.date() + shift, local.timetz().replace(tzinfo=None), STOCKHOLM)


async def duplicate_event(slug: str, new_start: date, actor: Actor, title: str = "") -> dict[str, Any]:
    """Copy an event and its programme to a new first day, keeping times of day and the programme's shape.

    Days and sessions move by whole days, so 09.00 stays 09.00 in Stockholm even when the copy falls
    on the other side of a daylight-saving change. The copy is a draft.
    """
    source = await get_event(slug)
    year = str(new_start.year)
    old_year = str(localtime(source["starts_at"]).year)
    async with atomic():
        copy = await copy_event(
            source,
            new_start,
            actor,
            title=title.strip() or source["title"].replace(old_year, year),
            title_en=source["title_en"].replace(old_year, year),
        )
    return await get_event(copy["slug"])


# The columns a copy takes over as they are (its dates move; its status, slug and history are its own).
_COPIED_COLUMNS = (
    "kind",
    "description",
    "description_en",
    "audience",
    "capacity",
    "venue_name",
    "venue_address",
    "venue_map_url",
    "completion_rule",
    "completion_min",
    "hours_credit",
    "minutes_per_day",
    "signatory_name",
    "signatory_title",
)


async def copy_event(
    source: dict[str, Any],
    new_start: date,
    actor: Actor,
    *,
    title: str,
    title_en: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Inside the caller's transaction: a draft copy of `source` (as get_event reads it) starting on
    `new_start`, with its days, themes and scheduled sessions (their speakers and themes) moved by
    whole days. `extra` sets further columns (the year's plan: `copied_from`, `preserve`, ...)."""
    shift = timedelta(days=(new_start - localtime(source["starts_at"]).date()).days)

    def moved(value: datetime | None) -> datetime | None:
        return moved_by_days(value, shift)

    copy = Event(
        **{key: source[key] for key in _COPIED_COLUMNS},
        title=title,
        title_en=title_en,
        starts_at=moved(source["starts_at"]),
        ends_at=moved(source["ends_at"]),
        registration_opens_at=moved(source["registration_opens_at"]),
        registration_closes_at=moved(source["registration_closes_at"]),
        slug=await _unique_slug(title, moved(source["starts_at"])),
        **(extra or {}),
    )
    if copy.kind == EventKind.council_meeting.value:
        copy.preserve = True  # a council meeting is an official record from the start (as _columns says)
    await copy.save()
    if source["themes"]:
        await EventTheme.insert(*[EventTheme(event=copy.id, theme=t["id"]) for t in source["themes"]])
    days = await EventDay.select().where(EventDay.event == source["id"]).order_by(EventDay.day)
    if days:
        await EventDay.insert(
            *[
                EventDay(
                    event=copy.id, day=d["day"] + shift, starts_at=moved(d["starts_at"]), ends_at=moved(d["ends_at"])
                )
                for d in days
            ]
        )
    await _copy_sessions(source["id"], copy.id, moved)
    await audit.record(
        "event.duplicated",
        actor,
        object_type="event",
        object_id=copy.slug,
        summary=f"{source['slug']} -> {copy.slug}",
    )
    return copy.to_dict()


_COPIED_SESSION_COLUMNS = (
    "title",
    "description",
    "title_en",
    "description_en",
    "kind",
    "room",
    "capacity",
    "requires_signup",
    "position",
    "status",
)


async def _copy_sessions(source_id: int, copy_id: int, moved) -> None:
    # Cancelled sessions stay behind: the copy is next year's plan, not this year's history.
    for session in await ProgrammeSession.select().where(
        (ProgrammeSession.event == source_id) & (ProgrammeSession.status == SessionStatus.scheduled)
    ):
        new_session = ProgrammeSession(
            event=copy_id,
            **{key: session[key] for key in _COPIED_SESSION_COLUMNS},
            starts_at=moved(session["starts_at"]),
            ends_at=moved(session["ends_at"]),
        )
        await new_session.save()
        themes = await SessionTheme.select(SessionTheme.theme).where(SessionTheme.session == session["id"])
        if themes:
            await SessionTheme.insert(*[SessionTheme(session=new_session.id, theme=t["theme"]) for t in themes])
        speakers = await Speaker.select().where(Speaker.session == session["id"])
        if speakers:
            await Speaker.insert(
                *[
                    Speaker(
                        session=new_session.id,
                        name=s["name"],
                        title=s["title"],
                        organisation=s["organisation"],
                        position=s["position"],
                    )
                    for s in speakers
                ]
            )


async def get_event(slug: str) -> dict[str, Any]:
    """The event with its days and themes, whatever its status (organisers' view)."""
    event = await Event.select().where(Event.slug == slug).first()
    if event is None:
        raise NotFound(N_("There is no such event."))
    event["days"] = await EventDay.select().where(EventDay.event == event["id"]).order_by(EventDay.day)
    event["themes"] = (
        await Theme.select(Theme.id, Theme.slug, Theme.name_sv, Theme.name_en)
        .where(Theme.id.is_in(await _theme_ids(event["id"]) or [0]))
        .order_by(Theme.id)
    )
    return event


async def _theme_ids(event_id: int) -> list[int]:
    return [row["theme"] for row in await EventTheme.select(EventTheme.theme).where(EventTheme.event == event_id)]


async def get_public_event(slug: str) -> dict[str, Any]:
    """The event as the public may see it: drafts do not exist for them."""
    event = await get_event(slug)
    if not is_public(event):
        raise NotFound(N_("There is no such event."))
    return event


async def list_events(
    *,
    public: bool = True,
    when: str = "upcoming",
    theme: str = "",
    kind: str = "",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Events for a listing: upcoming (not yet ended) or past, optionally by theme slug and kind."""
    now = now or utcnow()
    select = Event.select(
        Event.id,
        Event.uid,
        Event.slug,
        Event.title,
        Event.title_en,
        Event.kind,
        Event.audience,
        Event.status,
        Event.starts_at,
        Event.ends_at,
        Event.venue_name,
        Event.capacity,
        Event.registration_opens_at,
        Event.registration_closes_at,
    )
    if public:
        select = select.where(public_condition())
    if when == "upcoming":
        select = select.where(Event.ends_at >= now).order_by(Event.starts_at)
    elif when == "past":
        select = select.where(Event.ends_at < now).order_by(Event.starts_at, ascending=False)
    else:
        select = select.order_by(Event.starts_at, ascending=False)
    if kind:
        select = select.where(Event.kind == kind)
    if theme:
        theme_row = await Theme.select(Theme.id).where(Theme.slug == theme).first()
        event_ids = [
            r["event"]
            for r in await EventTheme.select(EventTheme.event).where(
                EventTheme.theme == (theme_row["id"] if theme_row else 0)
            )
        ]
        select = select.where(Event.id.is_in(event_ids or [0]))
    events = await select
    await _attach_themes(events)
    return events


async def _attach_themes(events: list[dict[str, Any]]) -> None:
    if not events:
        return
    links = await EventTheme.select(
        EventTheme.event,
        EventTheme.theme.slug.as_alias("slug"),
        EventTheme.theme.name_sv.as_alias("name_sv"),
        EventTheme.theme.name_en.as_alias("name_en"),
    ).where(EventTheme.event.is_in([event["id"] for event in events]))
    for event in events:
        event["themes"] = [link for link in links if link["event"] == event["id"]]
