"""Organisers build events through the back office: the event form, the programme, status changes,
duplicating last year's event, and their own API tokens. Check-in staff may do none of it."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta

import pytest

from events_app import i18n
from events_app.domain import api_tokens, events, programme
from events_app.domain.audit import Actor
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.tables import ApiToken, Event, ProgrammeSession
from events_app.domain.transactions import utcnow
from events_app.i18n import STOCKHOLM, localtime
from tests.account_helpers import TOKENS_REVOKED, database_snapshot, location, ntr, text_of, tr
from tests.conftest import DEMO_PASSWORD, sign_in

SYSTEM = Actor.system("test")

GOOD_EVENT = {
    "title": "Hållbarhetsdagarna 2027",
    "kind": "sustainability_day",
    "description": "Två dagar om **klimat**, energi och transporter.\n\n- Plenum\n- Verkstäder",
    "audience": "public",
    "capacity": "200",
    "starts_at_date": "2027-03-25",
    "starts_at_time": "09:00",
    "ends_at_date": "2027-03-26",
    "ends_at_time": "16:00",
    "registration_opens_at_date": "2027-01-10",
    "registration_opens_at_time": "08:00",
    "registration_closes_at_date": "2027-03-18",
    "registration_closes_at_time": "23:59",
    "venue_name": "Sundsvalls Folkets Hus",
    "venue_address": "Esplanaden 10, Sundsvall",
    "venue_map_url": "https://www.openstreetmap.org/",
    "themes": ["klimat-energi", "transport"],
    "occasion_dates": "",
    "completion_rule": "all",
    "completion_min": "",
}


def local(day: str, clock: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), STOCKHOLM)


def session_form(
    title: str = "Länets klimatplan",
    day: str = "2027-03-25",
    start: str = "09:30",
    end: str = "10:30",
    room: str = "Plenum",
    **fields,
) -> dict:
    form = {
        "title": title,
        "description": "",
        "kind": "plenary",
        "date": day,
        "start_time": start,
        "end_time": end,
        "room": room,
        "capacity": "",
        "themes": [],
        **{f"speaker_{part}_{n}": "" for n in range(4) for part in ("name", "title", "organisation")},
    }
    form.update(fields)
    return form


async def make_event(title: str = "Hållbarhetsdagarna 2027", **fields) -> dict:
    data = dict(
        title=title,
        kind="sustainability_day",
        starts_at=local("2027-03-25", "09:00"),
        ends_at=local("2027-03-26", "16:00"),
        venue_name="Folkets Hus",
        themes=["klimat-energi"],
    )
    data.update(fields)
    return await events.create_event(EventInput(**data), SYSTEM)


async def add(slug: str, title: str, day: str, start: str, end: str, room: str = "Plenum", **fields) -> dict:
    return await programme.add_session(
        slug,
        SessionInput(title=title, starts_at=local(day, start), ends_at=local(day, end), room=room, **fields),
        SYSTEM,
    )


def field_error(response, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="error-{field}">(.*?)</p>', response.text)
    return html.unescape(match.group(1)) if match else None


def assert_field_marked(response, field: str, message: str) -> None:
    """The message sits next to the field, the field points at it for screen readers, the summary links to it."""
    assert response.status_code == 400, response.status_code
    assert field_error(response, field) == message, (field_error(response, field), message)
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="field-{field}"[^>]*>', response.text)
    assert control, f"no control for {field}"
    assert 'aria-invalid="true"' in control.group(0), control.group(0)
    described_by = re.search(r'aria-describedby="([^"]*)"', control.group(0))
    assert described_by and f"error-{field}" in described_by.group(1).split(), control.group(0)
    assert f'<a href="#field-{field}">' in response.text


async def count(table) -> int:
    return await table.count()


async def session_titles(event_id: int) -> list[str]:
    return [s["title"] for s in await programme.programme(event_id)]


# --- The event form ------------------------------------------------------------------------------


async def test_an_organiser_creates_an_event_through_the_form(organiser):
    form_page = await organiser.get("/organiser/events/new")
    assert form_page.status_code == 200
    for name in (
        "title",
        "kind",
        "description",
        "audience",
        "capacity",
        "starts_at",
        "ends_at",
        "registration_opens_at",
        "registration_closes_at",
        "venue_name",
        "themes",
        "occasion_dates",
        "completion_rule",
        "completion_min",
    ):
        assert f'id="field-{name}"' in form_page.text, name
        assert f'for="field-{name}"' in form_page.text or f'id="field-{name}" name="themes"' in form_page.text, name
    assert form_page.text.count("<legend>") >= 6  # the date+time pairs, venue, themes, the module's fields

    response = await organiser.submit("/organiser/events/new", GOOD_EVENT)

    assert location(response) == "/organiser/events/hallbarhetsdagarna-2027"
    event = await events.get_event("hallbarhetsdagarna-2027")
    assert event["status"] == "draft"
    assert event["starts_at"] == local("2027-03-25", "09:00")
    assert event["ends_at"] == local("2027-03-26", "16:00")
    assert event["registration_closes_at"] == local("2027-03-18", "23:59")
    assert event["capacity"] == 200
    assert [t["slug"] for t in event["themes"]] == ["klimat-energi", "transport"]
    assert [d["day"] for d in event["days"]] == [date(2027, 3, 25), date(2027, 3, 26)]

    overview = await organiser.get(location(response))
    assert overview.status_code == 200
    assert tr("sv", "The event was created as a draft. Add its programme, then publish it.") in text_of(overview)
    assert "<strong>klimat</strong>" in overview.text  # the description's Markdown
    assert 'href="/events/hallbarhetsdagarna-2027"' in overview.text  # the preview
    listing = await organiser.get("/organiser/events")
    assert "Hållbarhetsdagarna 2027" in text_of(listing) and tr("sv", "Draft") in text_of(listing)


async def test_a_training_module_gets_its_occasions_and_completion_rule(organiser):
    form = {
        **GOOD_EVENT,
        "title": "Utbildning i klimatanpassning",
        "kind": "training_module",
        "starts_at_date": "2027-02-04",
        "starts_at_time": "13:00",
        "ends_at_date": "2027-03-04",
        "ends_at_time": "16:00",
        "registration_opens_at_date": "",
        "registration_opens_at_time": "",
        "registration_closes_at_date": "",
        "registration_closes_at_time": "",
        "occasion_dates": "2027-02-04\n2027-02-18\r\n2027-03-04",
        "completion_rule": "at_least",
        "completion_min": "2",
    }
    response = await organiser.submit("/organiser/events/new", form)
    event = await events.get_event(location(response).rsplit("/", 1)[1])
    assert [d["day"] for d in event["days"]] == [date(2027, 2, 4), date(2027, 2, 18), date(2027, 3, 4)]
    assert (event["completion_rule"], event["completion_min"]) == ("at_least", 2)
    # The edit form shows the occasions again, one per line.
    edit = await organiser.get(f"/organiser/events/{event['slug']}/edit")
    assert "2027-02-04\n2027-02-18\n2027-03-04</textarea>" in edit.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at_date": "2027-03-25", "ends_at_time": "08:00"}, "ends_at", "The event must end after it starts."),
        ({"title": "  "}, "title", "Give the event a title."),
        ({"starts_at_date": "25/3 2027"}, "starts_at", "Write the date as YYYY-MM-DD, for example 2027-05-11."),
        ({"starts_at_time": "nio"}, "starts_at", "Write the time as HH:MM, for example 09:30."),
        ({"ends_at_time": ""}, "ends_at", "Give both a date and a time."),
        ({"capacity": "tvåhundra"}, "capacity", "Write a whole number, for example 120."),
        (
            {"registration_closes_at_date": "2027-04-01"},
            "registration_closes_at",
            "Registration must close before the event ends.",
        ),
        ({"venue_map_url": "javascript:alert(1)"}, "venue_map_url", "The map link must start with https://."),
    ],
)
async def test_bad_event_input_is_marked_next_to_its_field_and_nothing_is_saved(organiser, changes, field, message):
    before = await count(Event)

    response = await organiser.submit("/organiser/events/new", {**GOOD_EVENT, **changes})

    assert_field_marked(response, field, tr("sv", message))
    assert await count(Event) == before
    # What was typed is still there, the themes too.
    assert 'value="Sundsvalls Folkets Hus"' in response.text
    assert re.search(r'value="transport"\s*checked', response.text)


async def test_an_unreadable_field_and_a_broken_rule_are_shown_together(organiser):
    response = await organiser.submit("/organiser/events/new", {**GOOD_EVENT, "title": "", "capacity": "x"})
    assert_field_marked(response, "capacity", tr("sv", "Write a whole number, for example 120."))
    assert_field_marked(response, "title", tr("sv", "Give the event a title."))
    assert await count(Event) == 0


async def test_an_organiser_edits_an_event(organiser):
    event = await make_event()
    await add(event["slug"], "Avslutning", "2027-03-26", "15:00", "16:00")
    form = await organiser.get(f"/organiser/events/{event['slug']}/edit")
    assert form.status_code == 200
    assert 'value="2027-03-25"' in form.text and 'value="09:00"' in form.text and 'value="16:00"' in form.text
    assert re.search(r'value="klimat-energi"\s*checked', form.text)

    values = {
        **GOOD_EVENT,
        "title": "Hållbarhetsdagarna 2027 i Sundsvall",
        "venue_name": "Tonhallen",
        "themes": ["landsbygd"],
        "capacity": "1 500",
    }
    response = await organiser.submit(f"/organiser/events/{event['slug']}/edit", values)

    assert location(response) == f"/organiser/events/{event['slug']}"  # the address stays
    changed = await events.get_event(event["slug"])
    assert (changed["title"], changed["venue_name"], changed["capacity"]) == (
        "Hållbarhetsdagarna 2027 i Sundsvall",
        "Tonhallen",
        1500,
    )
    assert [t["slug"] for t in changed["themes"]] == ["landsbygd"]

    # Shortening the event to one day would leave the last session outside it: refused, by the start.
    shorter = {**values, "ends_at_date": "2027-03-25"}
    refused = await organiser.submit(f"/organiser/events/{event['slug']}/edit", shorter)
    assert_field_marked(
        refused, "starts_at", tr("sv", "Some sessions would fall outside the event's days. Move them first.")
    )
    assert len((await events.get_event(event["slug"]))["days"]) == 2


# --- The programme ------------------------------------------------------------------------------


async def test_an_organiser_adds_sessions_with_speakers_and_themes(organiser):
    event = await make_event()
    url = f"/organiser/events/{event['slug']}/sessions/new"
    form_page = await organiser.get(url)
    assert form_page.status_code == 200
    assert '<option value="2027-03-25" selected>' in form_page.text  # the first day, to start with
    assert '<option value="2027-03-26">' in form_page.text

    first = await organiser.submit(
        url,
        session_form(
            themes=["klimat-energi"],
            speaker_name_0="Maja Lind",
            speaker_organisation_0="Länsstyrelsen",
            speaker_name_2="Per Holm",
            speaker_title_2="Energistrateg",
        ),
    )
    second = await organiser.submit(
        url,
        session_form(
            "Verkstad: solenergi",
            day="2027-03-26",
            start="10:00",
            end="11:30",
            room="Sal A",
            kind="workshop",
            capacity="40",
            requires_signup="1",
        ),
    )

    assert location(first).startswith(f"/organiser/events/{event['slug']}#session-")
    assert location(second).startswith(f"/organiser/events/{event['slug']}#session-")
    sessions = await programme.programme(event["id"])
    assert [s["title"] for s in sessions] == ["Länets klimatplan", "Verkstad: solenergi"]
    assert [(s["name"], s["organisation"], s["title"]) for s in sessions[0]["speakers"]] == [
        ("Maja Lind", "Länsstyrelsen", ""),
        ("Per Holm", "", "Energistrateg"),
    ]  # the empty rows are left out
    assert [t["slug"] for t in sessions[0]["themes"]] == ["klimat-energi"]
    assert localtime(sessions[1]["starts_at"]).strftime("%Y-%m-%d %H:%M") == "2027-03-26 10:00"
    assert (sessions[1]["kind"], sessions[1]["capacity"], sessions[1]["requires_signup"]) == ("workshop", 40, True)

    overview = await organiser.get(f"/organiser/events/{event['slug']}")
    text = text_of(overview)
    text = text[text.index('id="programme"') :]  # after the flash message, which names the last session added
    assert "Länets klimatplan" in text and "Verkstad: solenergi" in text and "Maja Lind" in text
    assert text.index("Länets klimatplan") < text.index("Verkstad: solenergi")


async def test_a_room_double_booking_is_refused_next_to_the_room(organiser):
    event = await make_event()
    await add(event["slug"], "Verkstad: solenergi", "2027-03-25", "11:00", "12:30", room="Sal A")
    before = await count(ProgrammeSession)

    response = await organiser.submit(
        f"/organiser/events/{event['slug']}/sessions/new",
        session_form("Verkstad: vindkraft", start="12:00", end="13:00", room="sal a"),
    )

    assert_field_marked(
        response,
        "room",
        tr("sv", "%(room)s is already booked then, for “%(title)s”.", room="sal a", title="Verkstad: solenergi"),
    )
    assert await count(ProgrammeSession) == before
    assert 'value="Verkstad: vindkraft"' in response.text  # what was typed stays


async def test_a_session_outside_the_event_days_is_refused_next_to_the_day(organiser):
    event = await make_event()
    url = f"/organiser/events/{event['slug']}/sessions/new"

    response = await organiser.submit(url, session_form(day="2027-03-27"))

    assert_field_marked(response, "starts_at", tr("sv", "The session must take place on one of the event's days."))
    assert await count(ProgrammeSession) == 0

    ends_first = await organiser.submit(url, session_form(start="10:00", end="09:00"))
    assert_field_marked(ends_first, "ends_at", tr("sv", "The session must end after it starts."))
    unreadable = await organiser.submit(url, session_form(start="kvart över nio"))
    assert_field_marked(unreadable, "starts_at", tr("sv", "Write the time as HH:MM, for example 09:30."))
    no_name = await organiser.submit(url, session_form(speaker_organisation_1="Region Västernorrland"))
    assert field_error(no_name, "speakers") == tr("sv", "Every speaker needs a name.")
    assert await count(ProgrammeSession) == 0


async def test_an_organiser_edits_a_session(organiser):
    event = await make_event()
    session = await add(
        event["slug"],
        "Länets klimatplan",
        "2027-03-25",
        "09:30",
        "10:30",
        speakers=[SpeakerInput(name="Maja Lind", organisation="Länsstyrelsen")],
    )
    url = f"/organiser/sessions/{session['uid']}/edit"
    form = await organiser.get(url)
    assert form.status_code == 200
    assert 'value="09:30"' in form.text and 'value="Maja Lind"' in form.text
    assert re.search(r'<option value="2027-03-25" selected>', form.text)

    response = await organiser.submit(
        url,
        session_form(
            "Länets klimat- och energiplan",
            day="2027-03-26",
            start="13:00",
            end="14:00",
            room="Sal B",
            speaker_name_0="Maja Lind",
            speaker_name_1="Ola Berg",
        ),
    )

    assert location(response) == f"/organiser/events/{event['slug']}#session-{session['uid']}"
    changed = await programme.get_session(session["uid"])
    assert changed["title"] == "Länets klimat- och energiplan"
    assert (changed["starts_at"], changed["room"]) == (local("2027-03-26", "13:00"), "Sal B")
    assert [s["name"] for s in changed["speakers"]] == ["Maja Lind", "Ola Berg"]


async def test_move_up_and_down_orders_parallel_sessions(organiser):
    event = await make_event()
    a = await add(event["slug"], "Verkstad A", "2027-03-25", "11:00", "12:00", room="Sal A")
    b = await add(event["slug"], "Verkstad B", "2027-03-25", "11:00", "12:00", room="Sal B")
    c = await add(event["slug"], "Verkstad C", "2027-03-25", "11:00", "12:00", room="Sal C")
    overview_url = f"/organiser/events/{event['slug']}"
    page = await organiser.get(overview_url)
    # The first has no "up", the last no "down".
    assert f'action="/organiser/sessions/{a["uid"]}/move"' in page.text
    assert page.text.count(f'action="/organiser/sessions/{a["uid"]}/move"') == 1
    assert page.text.count(f'action="/organiser/sessions/{b["uid"]}/move"') == 2

    moved = await organiser.submit(f"/organiser/sessions/{c['uid']}/move", {"direction": "up"}, form_page=overview_url)
    assert location(moved) == f"{overview_url}#session-{c['uid']}"
    assert await session_titles(event["id"]) == ["Verkstad A", "Verkstad C", "Verkstad B"]

    await organiser.submit(f"/organiser/sessions/{a['uid']}/move", {"direction": "down"}, form_page=overview_url)
    assert await session_titles(event["id"]) == ["Verkstad C", "Verkstad A", "Verkstad B"]
    page = text_of(await organiser.get(overview_url))
    page = page[page.index('id="programme"') :]
    assert page.index("Verkstad C") < page.index("Verkstad A") < page.index("Verkstad B")

    # Moving the first one up changes nothing.
    await organiser.submit(f"/organiser/sessions/{c['uid']}/move", {"direction": "up"}, form_page=overview_url)
    assert await session_titles(event["id"]) == ["Verkstad C", "Verkstad A", "Verkstad B"]


async def test_a_session_is_deleted_only_from_a_draft(organiser):
    event = await make_event()
    keep = await add(event["slug"], "Välkommen", "2027-03-25", "09:00", "09:30")
    gone = await add(event["slug"], "Fika", "2027-03-25", "09:30", "10:00", kind="break")
    overview_url = f"/organiser/events/{event['slug']}"

    response = await organiser.submit(f"/organiser/sessions/{gone['uid']}/delete", {}, form_page=overview_url)
    assert location(response) == overview_url
    assert await session_titles(event["id"]) == ["Välkommen"]

    await events.publish_event(event["slug"], SYSTEM)
    page = await organiser.get(overview_url)
    assert f"/organiser/sessions/{keep['uid']}/delete" not in page.text  # no button once published
    refused = await organiser.submit(f"/organiser/sessions/{keep['uid']}/delete", {}, form_page=overview_url)
    assert location(refused) == overview_url
    assert tr("sv", "A published session cannot be deleted; cancel it instead.") in text_of(
        await organiser.get(overview_url)
    )
    assert await session_titles(event["id"]) == ["Välkommen"]

    cancelled = await organiser.submit(f"/organiser/sessions/{keep['uid']}/cancel", {}, form_page=overview_url)
    assert location(cancelled) == f"{overview_url}#session-{keep['uid']}"
    assert (await programme.get_session(keep["uid"]))["status"] == "cancelled"
    assert f"/organiser/sessions/{keep['uid']}/cancel" not in (await organiser.get(overview_url)).text


# --- Status changes and duplicates --------------------------------------------------------------


async def test_publish_cancel_with_a_message_and_archive(organiser):
    event = await make_event()
    url = f"/organiser/events/{event['slug']}"
    page = await organiser.get(url)
    assert f'action="{url}/publish"' in page.text and f'action="{url}/archive"' not in page.text

    published = await organiser.submit(f"{url}/publish", {}, form_page=url)
    assert location(published) == url
    assert (await events.get_event(event["slug"]))["status"] == "published"
    page = await organiser.get(url)
    assert f'action="{url}/publish"' not in page.text
    assert tr("sv", "The event is published: everyone can now see it.") in text_of(page)

    message = "Vi ställer in på grund av snöstorm. Dagarna hålls i stället i maj."
    cancelled = await organiser.submit(f"{url}/cancel", {"cancel_message": message}, form_page=url)
    assert location(cancelled) == url
    event = await events.get_event(event["slug"])
    assert (event["status"], event["cancel_message"]) == ("cancelled", message)
    page = text_of(await organiser.get(url))
    assert message in page and tr("sv", "Cancelled") in page

    # Publishing a cancelled event is refused with a message, and changes nothing.
    refused = await organiser.submit(f"{url}/publish", {}, form_page=url)
    assert location(refused) == url
    assert tr("sv", "This cannot be done to a cancelled event.") in text_of(await organiser.get(url))
    assert (await events.get_event(event["slug"]))["status"] == "cancelled"

    await organiser.submit(f"{url}/archive", {}, form_page=url)
    assert (await events.get_event(event["slug"]))["status"] == "archived"


async def test_duplicating_to_next_year_keeps_the_programme_shape(organiser):
    # In 2027 the days are in winter time; the copy's days in 2028 are in summer time.
    event = await make_event()
    await add(
        event["slug"], "Välkommen", "2027-03-25", "09:00", "09:30", speakers=[SpeakerInput(name="Rådets ordförande")]
    )
    await add(
        event["slug"],
        "Verkstad: solenergi",
        "2027-03-25",
        "11:00",
        "12:30",
        room="Sal A",
        capacity=40,
        requires_signup=True,
    )
    await add(event["slug"], "Avslutning", "2027-03-26", "15:00", "16:00")
    url = f"/organiser/events/{event['slug']}"
    page = await organiser.get(url)
    assert 'value="2028-03-23"' in page.text  # suggested: the same weekday a year later

    response = await organiser.submit(f"{url}/duplicate", {"new_start": "2028-04-06", "new_title": ""}, form_page=url)

    copy = await events.get_event(location(response).rsplit("/", 1)[1])
    assert copy["slug"] != event["slug"]
    assert (copy["title"], copy["status"]) == ("Hållbarhetsdagarna 2028", "draft")
    assert [d["day"] for d in copy["days"]] == [date(2028, 4, 6), date(2028, 4, 7)]
    original, copied = await programme.programme(event["id"]), await programme.programme(copy["id"])
    assert len(copied) == len(original) == 3

    def shape(sessions, first_day):
        return [
            (
                (localtime(s["starts_at"]).date() - first_day).days,
                localtime(s["starts_at"]).time(),
                localtime(s["ends_at"]).time(),
                s["title"],
                s["room"],
                s["capacity"],
                s["requires_signup"],
            )
            for s in sessions
        ]

    assert shape(copied, date(2028, 4, 6)) == shape(original, date(2027, 3, 25))
    assert localtime(copied[0]["starts_at"]).utcoffset() != localtime(original[0]["starts_at"]).utcoffset()
    assert [s["name"] for s in copied[0]["speakers"]] == ["Rådets ordförande"]
    copy_page = text_of(await organiser.get(location(response)))
    assert tr("sv", "This is the copy, a draft. Check it, then publish it.") in copy_page

    named = await organiser.submit(
        f"{url}/duplicate", {"new_start": "2029-03-22", "new_title": "Klimatdagarna 2029"}, form_page=url
    )
    assert location(named) == "/organiser/events/klimatdagarna-2029"


async def test_duplicating_needs_a_readable_date(organiser):
    event = await make_event()
    url = f"/organiser/events/{event['slug']}"
    before = await count(Event)
    for value, message in (
        ("", "Give the copy's first date."),
        ("nästa år", "Write the date as YYYY-MM-DD, for example 2027-05-11."),
    ):
        response = await organiser.submit(f"{url}/duplicate", {"new_start": value, "new_title": ""}, form_page=url)
        assert_field_marked(response, "new_start", tr("sv", message))
    assert await count(Event) == before


# --- API tokens ---------------------------------------------------------------------------------


async def test_an_api_token_is_shown_once_and_can_be_revoked(organiser, staff_accounts):
    empty = await organiser.submit("/organiser/api-tokens", {"name": " ", "password": DEMO_PASSWORD, "days": "90"})
    assert_field_marked(empty, "name", tr("sv", "Give the token a name, such as the program that will use it."))
    # A stolen session alone cannot mint a token: the password is asked again.
    for password in ("", "Fel-lösenord-123"):
        refused = await organiser.submit(
            "/organiser/api-tokens", {"name": "Sundsvalls webbplats", "password": password, "days": "90"}
        )
        assert_field_marked(refused, "password", tr("sv", "The password is wrong."))
    odd_lifetime = {"name": "Sundsvalls webbplats", "password": DEMO_PASSWORD, "days": "10000"}
    assert_field_marked(
        await organiser.submit("/organiser/api-tokens", odd_lifetime),
        "days",
        tr("sv", "Choose how long the token is valid."),
    )
    assert await ApiToken.count() == 0

    response = await organiser.submit(
        "/organiser/api-tokens", {"name": "Sundsvalls webbplats", "password": DEMO_PASSWORD, "days": "30"}
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    secret = re.search(r'id="token-secret">(hr_[A-Za-z0-9_-]+)<', response.text).group(1)
    assert tr("sv", "Copy the token now: it is shown only this once.") in text_of(response)
    account = await api_tokens.staff_for_token(secret)
    assert account["id"] == staff_accounts["organiser"]["id"]
    row = await ApiToken.select(ApiToken.expires_at).first()
    assert abs(row["expires_at"] - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)

    listing = await organiser.get("/organiser/api-tokens")
    assert i18n.format_short_datetime(row["expires_at"]) in text_of(listing)  # valid until, shown
    assert "Sundsvalls webbplats" in text_of(listing)
    assert secret[:10] in listing.text and secret not in listing.text  # only the beginning, never the secret
    token = await ApiToken.select(ApiToken.uid).first()

    revoked = await organiser.submit(
        f"/organiser/api-tokens/{token['uid']}/revoke", {}, form_page="/organiser/api-tokens"
    )

    assert location(revoked) == "/organiser/api-tokens"
    assert await api_tokens.staff_for_token(secret) is None
    listing = await organiser.get("/organiser/api-tokens")
    assert f"/organiser/api-tokens/{token['uid']}/revoke" not in listing.text


SINGLE_REVOKED = "%(num)s API token was revoked with the old password: make a new one for the program that used it."
SEVERAL_REVOKED = (
    "%(num)s API tokens were revoked with the old password: make new ones for the programs that used them."
)


async def test_a_password_change_revokes_the_accounts_tokens_and_says_so(organiser, staff_accounts):
    secrets = [
        await api_tokens.create_token(staff_accounts["organiser"]["id"], name, SYSTEM) for name in ("Webb", "Skript")
    ]
    others = await api_tokens.create_token(staff_accounts["admin"]["id"], "Adminskript", SYSTEM)
    new_password = "Hogakusten-i-dimma-2031"
    changed = await organiser.submit(
        "/staff/password",
        {"current_password": DEMO_PASSWORD, "password": new_password, "password_again": new_password},
    )
    assert changed.status_code in (302, 303)
    assert [await api_tokens.staff_for_token(secret) for secret in secrets] == [None, None]
    assert await api_tokens.staff_for_token(others) is not None  # another account's stay
    page = await organiser.get("/staff")
    assert ntr("sv", *TOKENS_REVOKED, 2) in text_of(page)


async def test_a_token_expires_after_90_days_by_default_and_the_list_says_so(organiser, staff_accounts):
    secret = await api_tokens.create_token(staff_accounts["organiser"]["id"], "Webb", SYSTEM)
    row = await ApiToken.select(ApiToken.id, ApiToken.expires_at).first()
    assert abs(row["expires_at"] - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
    await ApiToken.update({ApiToken.expires_at: utcnow() - timedelta(seconds=1)}).where(ApiToken.id == row["id"])
    assert await api_tokens.staff_for_token(secret) is None
    listing = await organiser.get("/organiser/api-tokens")
    assert tr("sv", "Expired") in text_of(listing)


async def test_one_cannot_revoke_someone_elses_token(client, staff_accounts):
    secret = await api_tokens.create_token(staff_accounts["admin"]["id"], "Adminskript", SYSTEM)
    token = await ApiToken.select(ApiToken.uid).first()
    await sign_in(client, "organiser@test.se")
    response = await client.submit(
        f"/organiser/api-tokens/{token['uid']}/revoke", {}, form_page="/organiser/api-tokens"
    )
    assert response.status_code == 404
    assert await api_tokens.staff_for_token(secret) is not None
    assert "Adminskript" not in text_of(await client.get("/organiser/api-tokens"))


# --- Who may ------------------------------------------------------------------------------------


async def test_check_in_staff_may_not_manage_events_or_tokens(client, staff_accounts):
    event = await make_event()
    session = await add(event["slug"], "Välkommen", "2027-03-25", "09:00", "09:30")
    await sign_in(client, "checkin@test.se")
    home = await client.get("/staff")
    assert "/organiser/events" not in home.text and "/organiser/api-tokens" not in home.text
    for url in (
        "/organiser/events",
        "/organiser/events/new",
        f"/organiser/events/{event['slug']}",
        f"/organiser/events/{event['slug']}/edit",
        f"/organiser/events/{event['slug']}/sessions/new",
        f"/organiser/sessions/{session['uid']}/edit",
        "/organiser/api-tokens",
    ):
        response = await client.get(url)
        assert response.status_code == 403, url
        assert tr("sv", "You do not have access to this page.") in text_of(response)
    before = await database_snapshot()
    for url, form in (
        ("/organiser/events/new", GOOD_EVENT),
        (f"/organiser/events/{event['slug']}/publish", {}),
        (f"/organiser/sessions/{session['uid']}/delete", {}),
        ("/organiser/api-tokens", {"name": "x"}),
    ):
        response = await client.submit(url, form, form_page="/staff")
        assert response.status_code == 403, url
    assert await database_snapshot() == before


async def test_organisers_find_the_pages_from_the_back_office(organiser):
    home = await organiser.get("/staff")
    assert 'href="/organiser/events"' in home.text and 'href="/organiser/api-tokens"' in home.text
