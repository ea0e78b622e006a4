"""Calendar files (.ics) made with the icalendar library: per event, per session, and per person.

Times are written in UTC (the `Z` form), which every calendar program turns into local time
correctly, across daylight-saving changes too. Titles and descriptions are in the current language
(the visitor's, or the person's for their feed and mails) where the organiser wrote an English text,
and descriptions are plain text: calendar programs show DESCRIPTION as it is, so Markdown would show
its asterisks and brackets.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from events_app.domain import audit, events, links, programme, rich_text
from events_app.domain.audit import Actor
from events_app.domain.localized_texts import localized
from events_app.domain.tables import (
    CalendarFeed,
    EventKind,
    EventStatus,
    Person,
    Registration,
    RegistrationStatus,
    SessionChoice,
    SessionStatus,
)

if TYPE_CHECKING:
    from icalendar import Calendar
    from icalendar import Event as VEvent
from events_app.domain.transactions import atomic
from events_app.i18n import gettext, use_language

PRODUCT_ID = "-//Hallbarhetsradet i Vasternorrland//Evenemang//SV"


def _calendar(name: str) -> Calendar:
    # icalendar is imported where a calendar is made: 4 MB in every web process, which most never use.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _vevent(
    uid: str,
    summary: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    location: str,
    url: str,
    description: str = "",
    cancelled: bool = False,
    updated: datetime | None = None,
) -> VEvent:
    from icalendar import Event as VEvent

    vevent = VEvent()
    vevent.add("uid", f"{uid}@hallbarhetsradet")
    vevent.add("summary", summary)
    vevent.add("dtstart", starts_at)
    vevent.add("dtend", ends_at)
    vevent.add("dtstamp", updated or datetime.now(tz=starts_at.tzinfo))
    if location:
        vevent.add("location", location)
    vevent.add("url", url)
    if description:
        vevent.add("description", description)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent


def _location(event: dict[str, Any], room: str = "") -> str:
    return ", ".join(part for part in (room, event["venue_name"], event["venue_address"]) if part)


def event_vevents(event: dict[str, Any]) -> list[VEvent]:
    """One entry per day (a training module's occasions are separate dates, not one long block)."""
    cancelled = event["status"] == EventStatus.cancelled.value
    days = event["days"] or [{"day": None, "starts_at": event["starts_at"], "ends_at": event["ends_at"]}]
    return [
        _vevent(
            f"{event['uid']}-{day['day'] or 'event'}",
            localized(event, "title"),
            day["starts_at"],
            day["ends_at"],
            location=_location(event),
            url=links.event_url(event["slug"]),
            description=rich_text.plain_text(localized(event, "description")),
            cancelled=cancelled,
            updated=event["updated_at"],
        )
        for day in days
    ]


def session_vevent(event: dict[str, Any], session: dict[str, Any]) -> VEvent:
    return _vevent(
        str(session["uid"]),
        f"{localized(session, 'title')} – {localized(event, 'title')}",
        session["starts_at"],
        session["ends_at"],
        location=_location(event, session["room"]),
        url=links.event_url(event["slug"]),
        description=rich_text.plain_text(localized(session, "description")),
        cancelled=session["status"] == SessionStatus.cancelled.value or event["status"] == EventStatus.cancelled.value,
        updated=session["changed_at"] or event["updated_at"],
    )


def event_calendar(event: dict[str, Any]) -> bytes:
    calendar = _calendar(localized(event, "title"))
    for vevent in event_vevents(event):
        calendar.add_component(vevent)
    return calendar.to_ical()


def session_calendar(event: dict[str, Any], session: dict[str, Any]) -> bytes:
    calendar = _calendar(localized(session, "title"))
    calendar.add_component(session_vevent(event, session))
    return calendar.to_ical()


def personal_calendar(name: str, entries: list[VEvent]) -> bytes:
    calendar = _calendar(name)
    for vevent in entries:
        calendar.add_component(vevent)
    return calendar.to_ical()


async def feed_token(person_id: int) -> str:
    """The person's subscription token, made on first use."""
    row = await CalendarFeed.select(CalendarFeed.token).where(CalendarFeed.person == person_id).first()
    if row:
        return row["token"]
    token = secrets.token_urlsafe(32)
    # Two first visits at the same moment: the second insert breaks the unique rule on `person`,
    # and the token the first one made is the answer.
    await CalendarFeed.insert(CalendarFeed(person=person_id, token=token)).on_conflict(action="DO NOTHING")
    row = await CalendarFeed.select(CalendarFeed.token).where(CalendarFeed.person == person_id).first()
    return row["token"]


async def renew_feed_token(person_id: int, actor: Actor | None = None) -> str:
    """A new secret; the old subscription URL stops working (for a leaked link)."""
    async with atomic():
        await CalendarFeed.delete().where(CalendarFeed.person == person_id)
        token = await feed_token(person_id)
        if actor is not None:
            await audit.record("calendar_feed.renewed", actor, object_type="person", object_id=person_id)
    return token


async def person_for_feed(token: str) -> int | None:
    row = await CalendarFeed.select(CalendarFeed.person).where(CalendarFeed.token == token).first()
    return row["person"] if row else None


async def person_feed(token: str) -> bytes | None:
    """The personal calendar behind a subscription token, or None for an unknown token or inactive person.

    It holds the events the person has a confirmed place at, with the sessions they signed up for.
    Council members also get every council meeting the public may see, without registering: they are
    expected at all of them. Cancelled events stay in it marked STATUS:CANCELLED (so a subscribed
    calendar shows the cancellation instead of silently dropping the entry) and past ones keep the history.
    """
    person_id = await person_for_feed(token)
    if person_id is None:
        return None
    person = (
        await Person.select(Person.name, Person.is_member, Person.active, Person.language)
        .where(Person.id == person_id)
        .first()
    )
    if person is None or not person["active"]:
        return None
    # In the person's language, like their mails: the English titles where the organiser wrote them.
    with use_language(person["language"]):
        entries = await _feed_entries(person_id, is_member=person["is_member"])
        name = gettext("Sustainability Council of Västernorrland")
    return personal_calendar(name, entries)


async def _feed_entries(person_id: int, *, is_member: bool) -> list[VEvent]:
    entries: list[VEvent] = []
    seen: set[str] = set()
    registered = (
        await Registration.select(Registration.id, Registration.event.slug.as_alias("slug"))
        .where((Registration.person == person_id) & (Registration.status == RegistrationStatus.confirmed))
        .order_by(Registration.event.starts_at)
    )
    for registration in registered:
        event = await events.get_event(registration["slug"])
        if not events.is_public(event):
            continue
        seen.add(event["slug"])
        entries.extend(event_vevents(event))
        choices = await SessionChoice.select(SessionChoice.session.uid.as_alias("uid")).where(
            (SessionChoice.registration == registration["id"]) & (SessionChoice.status == RegistrationStatus.confirmed)
        )
        for choice in choices:
            entries.append(session_vevent(event, await programme.get_session(str(choice["uid"]))))
    if is_member:
        meetings = await events.list_events(public=True, when="all", kind=EventKind.council_meeting.value)
        for meeting in sorted(meetings, key=lambda row: row["starts_at"]):
            if meeting["slug"] not in seen:
                entries.extend(event_vevents(await events.get_event(meeting["slug"])))
    return entries
