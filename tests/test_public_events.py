"""The public side of events: listings, event pages and programmes, theme pages, calendar files and feeds.

Events are built with the domain services; the pages are read the way a visitor reads them. Dates
are relative to today where "upcoming" or "past" matters, fixed where the calendar matters (the
daylight-saving weekend of March 2027).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from events_app.domain import calendar, events, programme
from events_app.domain.audit import Actor
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.tables import Person
from tests.account_helpers import add_member, sign_in_member, text_of, tr
from tests.conftest import sign_in

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTOR = Actor.system("test")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), STOCKHOLM)


def in_days(n: int) -> date:
    return date.today() + timedelta(days=n)


async def make_event(
    title: str, first: date, last: date | None = None, *, start: int = 9, end: int = 16, publish: bool = True, **fields
) -> dict:
    data = EventInput(
        title=title,
        starts_at=at(first, start),
        ends_at=at(last or first, end),
        venue_name="Folkets hus",
        venue_address="Storgatan 1, Sundsvall",
        **fields,
    )
    event = await events.create_event(data, ACTOR)
    if publish:
        event = await events.publish_event(event["slug"], ACTOR)
    return event


async def add_session(event: dict, title: str, starts_at: datetime, ends_at: datetime, **fields) -> dict:
    return await programme.add_session(
        event["slug"], SessionInput(title=title, starts_at=starts_at, ends_at=ends_at, **fields), ACTOR
    )


def session_titles(response) -> list[str]:
    return [text_of_html(title) for title in re.findall(r'<span class="session-title">(.*?)</span>', response.text)]


def listed_slugs(response) -> list[str]:
    return re.findall(r'class="event-item-title"><a href="/events/([^"]+)"', response.text)


def text_of_html(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def vevents(content: bytes) -> list:
    return list(Calendar.from_ical(content).walk("VEVENT"))


# --- the programme ------------------------------------------------------------------------------


async def test_a_two_day_programme_with_parallel_tracks_is_in_day_time_and_position_order(client):
    first, second = in_days(40), in_days(41)
    event = await make_event("Hållbarhetsdagarna", first, second, kind="sustainability_day")
    # Added out of order on purpose: the page must sort by day, then time, then the organiser's order.
    await add_session(event, "Avslutning", at(second, 15), at(second, 16), room="Stora salen")
    await add_session(event, "Spår: Skog", at(second, 10), at(second, 11), room="Sal B")
    await add_session(event, "Spår: Energi", at(second, 10), at(second, 11), room="Sal C")
    await add_session(event, "Spår: Vatten", at(second, 10), at(second, 11, 30), room="Sal A")
    await add_session(event, "Lunch", at(first, 12), at(first, 13), kind="meal")
    await add_session(event, "Workshop Transport", at(first, 13), at(first, 14), room="Sal B", kind="workshop")
    await add_session(event, "Workshop Bredband", at(first, 13), at(first, 14), room="Sal A", kind="workshop")
    await add_session(event, "Workshop Landsbygd", at(first, 13), at(first, 14), room="Sal C", kind="workshop")
    await add_session(
        event,
        "Välkommen",
        at(first, 9, 30),
        at(first, 10, 30),
        room="Stora salen",
        speakers=[SpeakerInput(name="Anna Ek", title="Regionråd", organisation="Region Västernorrland")],
    )

    response = await client.get(f"/events/{event['slug']}")

    assert response.status_code == 200
    assert session_titles(response) == [
        "Välkommen",
        "Lunch",
        "Workshop Transport",
        "Workshop Bredband",
        "Workshop Landsbygd",
        "Spår: Skog",
        "Spår: Energi",
        "Spår: Vatten",
        "Avslutning",
    ]
    page = text_of(response)
    # One h2 per day, in order, and one h3 per session.
    day_headings = re.findall(r"<h2 id=\"day-(\d{4}-\d\d-\d\d)\">", response.text)
    assert day_headings == [first.isoformat(), second.isoformat()]
    assert len(re.findall(r"<h3 id=\"session-title-", response.text)) == 9
    # The parallel sessions share a slot (a grid row on wide screens), one per day.
    assert response.text.count('class="slot slot-parallel"') == 2
    # Swedish times in the text, the exact instant for machines.
    assert f'<time datetime="{first.isoformat()}T09:30{at(first, 9, 30).strftime("%z")[:3]}:' in response.text
    assert "09.30</time>–<time" in response.text
    assert "Anna Ek" in page and "Regionråd, Region Västernorrland" in page

    # The organiser's order decides among parallel sessions.
    vatten = next(s for s in await programme.programme(event["id"]) if s["title"] == "Spår: Vatten")
    await programme.move_session(str(vatten["uid"]), -1, ACTOR)
    reordered = session_titles(await client.get(f"/events/{event['slug']}"))
    assert reordered[5:8] == ["Spår: Skog", "Spår: Vatten", "Spår: Energi"]


async def test_the_event_page_shows_the_facts_and_links_to_themes_and_calendar(client):
    day = in_days(30)
    event = await make_event(
        "Klimatdagen",
        day,
        kind="sustainability_day",
        audience="members",
        themes=["klimat-energi"],
        venue_map_url="https://kartor.example.se/folkets-hus",
    )
    session = await add_session(
        event,
        "Solceller på taken",
        at(day, 10),
        at(day, 11),
        room="Sal A",
        requires_signup=True,
        capacity=25,
        themes=["transport"],
    )

    response = await client.get(f"/events/{event['slug']}")

    page = text_of(response)
    assert tr("sv", "Sustainability days") in page
    assert tr("sv", "Council members only") in page
    assert "Folkets hus" in page and "Storgatan 1, Sundsvall" in page
    assert 'href="https://kartor.example.se/folkets-hus"' in response.text
    assert 'href="/themes/klimat-energi"' in response.text and 'href="/themes/transport"' in response.text
    assert f'href="/events/{event["slug"]}/calendar.ics"' in response.text
    assert f'href="/events/{event["slug"]}/sessions/{session["uid"]}/calendar.ics"' in response.text
    assert tr("sv", "Requires sign-up.") in page
    assert tr("sv", "Room: %(room)s", room="Sal A") in page
    # Each day of the event, in Swedish.
    assert f'<time datetime="{day.isoformat()}">' in response.text
    assert "09.00</time>–<time" in response.text


# --- drafts -------------------------------------------------------------------------------------


async def test_a_draft_does_not_exist_for_the_public(client, staff_accounts):
    day = in_days(20)
    draft = await make_event("Utkast till rådsmöte", day, kind="council_meeting", publish=False)
    session = await add_session(draft, "Dagordning", at(day, 10), at(day, 11))
    urls = [
        f"/events/{draft['slug']}",
        f"/events/{draft['slug']}/calendar.ics",
        f"/events/{draft['slug']}/sessions/{session['uid']}/calendar.ics",
    ]

    for url in urls:
        assert (await client.get(url)).status_code == 404, url
    assert draft["slug"] not in (await client.get("/events")).text

    await sign_in(client, "checkin@test.se")
    for url in urls:
        assert (await client.get(url)).status_code == 404, f"check-in staff: {url}"


@pytest.mark.parametrize("role", ["organiser", "admin"])
async def test_an_organiser_previews_a_draft(client, staff_accounts, role):
    day = in_days(20)
    draft = await make_event("Utkast till rådsmöte", day, kind="council_meeting", publish=False)
    session = await add_session(draft, "Dagordning", at(day, 10), at(day, 11))
    await sign_in(client, f"{role}@test.se")

    response = await client.get(f"/events/{draft['slug']}")

    assert response.status_code == 200
    assert tr("sv", "Preview — not published.") in text_of(response)
    assert "Dagordning" in session_titles(response)
    assert (await client.get(f"/events/{draft['slug']}/calendar.ics")).status_code == 200
    assert (await client.get(f"/events/{draft['slug']}/sessions/{session['uid']}/calendar.ics")).status_code == 200
    assert draft["slug"] not in listed_slugs(await client.get("/events"))  # listings stay public

    await events.publish_event(draft["slug"], ACTOR)
    assert tr("sv", "Preview — not published.") not in text_of(await client.get(f"/events/{draft['slug']}"))


async def test_unknown_events_and_sessions_answer_404(client):
    event = await make_event("Rådsmöte", in_days(10), kind="council_meeting")
    other = await make_event("Annat möte", in_days(11), kind="council_meeting")
    foreign = await add_session(other, "Annans punkt", at(in_days(11), 10), at(in_days(11), 11))
    assert (await client.get("/events/finns-inte")).status_code == 404
    assert (await client.get(f"/events/{event['slug']}/sessions/not-a-uid/calendar.ics")).status_code == 404
    # A session of another event is not reachable under this one.
    assert (await client.get(f"/events/{event['slug']}/sessions/{foreign['uid']}/calendar.ics")).status_code == 404


# --- listings -------------------------------------------------------------------------------------


async def test_the_listing_filters_by_theme_and_kind(client):
    climate = await make_event("Klimatdag", in_days(10), kind="sustainability_day", themes=["klimat-energi"])
    transport = await make_event("Transportkurs", in_days(12), kind="training_module", themes=["transport"])
    meeting = await make_event("Rådsmöte", in_days(14), kind="council_meeting")

    everything = await client.get("/events")
    assert listed_slugs(everything) == [climate["slug"], transport["slug"], meeting["slug"]]
    # The filters are a labelled GET form.
    assert '<label for="filter-theme">' in everything.text and '<label for="filter-kind">' in everything.text
    assert '<form method="get" action="/events"' in everything.text

    assert listed_slugs(await client.get("/events?theme=klimat-energi")) == [climate["slug"]]
    assert listed_slugs(await client.get("/events?kind=training_module")) == [transport["slug"]]
    assert listed_slugs(await client.get("/events?kind=council_meeting")) == [meeting["slug"]]
    nothing = await client.get("/events?theme=transport&kind=council_meeting")
    assert listed_slugs(nothing) == []
    assert tr("sv", "No events match the filters.") in text_of(nothing)
    # The chosen values stay chosen.
    kept = await client.get("/events?theme=transport")
    assert '<option value="transport" selected>' in kept.text
    # An unknown value is ignored rather than emptying the list.
    assert len(listed_slugs(await client.get("/events?kind=picnic"))) == 3


async def test_upcoming_and_past_are_listed_apart(client):
    upcoming = await make_event("Kommande dag", in_days(5), kind="sustainability_day", themes=["transport"])
    past = await make_event("Förra årets dag", in_days(-300), kind="sustainability_day", themes=["transport"])
    cancelled = await make_event("Inställd kurs", in_days(-200), kind="training_module")
    await events.cancel_event(cancelled["slug"], ACTOR, "För få anmälda.")
    running = await make_event("Pågående", in_days(-1), in_days(1), kind="other")  # not yet ended: upcoming

    assert listed_slugs(await client.get("/events")) == [running["slug"], upcoming["slug"]]
    past_page = await client.get("/events?when=past")
    assert listed_slugs(past_page) == [cancelled["slug"], past["slug"]]  # latest first
    item = re.search(rf'<li class="event-item is-cancelled">.*?{cancelled["slug"]}.*?</li>', past_page.text, re.S)
    assert item and tr("sv", "Cancelled") in text_of_html(item.group(0))
    # The filters keep to the chosen half.
    assert listed_slugs(await client.get("/events?when=past&theme=transport")) == [past["slug"]]

    home = await client.get("/")
    assert upcoming["slug"] in home.text and past["slug"] not in home.text
    # Above the themes, whose names lead to their pages.
    assert home.text.index(upcoming["slug"]) < home.text.index(tr("sv", "The council's themes"))
    assert 'href="/themes/klimat-energi"' in home.text
    assert 'href="/events"' in home.text  # the menu


# --- theme pages -----------------------------------------------------------------------------------


async def test_a_theme_page_gathers_events_and_sessions(client):
    upcoming = await make_event("Energidagen", in_days(15), themes=["klimat-energi"])
    past = await make_event("Energidagen i fjol", in_days(-350), themes=["klimat-energi"])
    other = await make_event("Transportdagen", in_days(16), themes=["transport"])
    tagged = await add_session(
        other, "Elbilar och laddning", at(in_days(16), 10), at(in_days(16), 11), themes=["klimat-energi"]
    )
    await add_session(other, "Kollektivtrafik", at(in_days(16), 11), at(in_days(16), 12), themes=["transport"])
    old = await add_session(
        past, "Vindkraft förr", at(in_days(-350), 10), at(in_days(-350), 11), themes=["klimat-energi"]
    )
    draft = await make_event("Hemligt utkast", in_days(17), publish=False, themes=["klimat-energi"])
    await add_session(draft, "Hemlig punkt", at(in_days(17), 10), at(in_days(17), 11), themes=["klimat-energi"])

    response = await client.get("/themes/klimat-energi")

    assert response.status_code == 200
    page = text_of(response)
    assert "Klimat och energi" in page
    assert upcoming["slug"] in listed_slugs(response) and past["slug"] in listed_slugs(response)
    assert other["slug"] not in listed_slugs(response)
    assert f'href="/events/{other["slug"]}#session-{tagged["uid"]}"' in response.text
    assert f'href="/events/{past["slug"]}#session-{old["uid"]}"' in response.text
    assert "Kollektivtrafik" not in page
    assert "Hemligt utkast" not in page and "Hemlig punkt" not in page
    # Upcoming before past.
    assert page.index("Elbilar och laddning") < page.index("Vindkraft förr")
    assert (await client.get("/themes/finns-inte")).status_code == 404


# --- descriptions, changes ----------------------------------------------------------------------


async def test_descriptions_are_markdown_and_html_typed_in_is_escaped(client):
    day = in_days(25)
    description = (
        "Välkommen till **Sundsvall**.\n\n- Klimat\n- Energi\n\n[Läs programmet](https://example.se/program)"
        "\n\n<script>alert('x')</script>\n\n[klick](javascript:alert(1))"
    )
    event = await make_event("Markdowndagen", day, description=description)
    await add_session(event, "Pass", at(day, 10), at(day, 11), description="*Ta med* <b>dator</b>")

    response = await client.get(f"/events/{event['slug']}")

    assert "<strong>Sundsvall</strong>" in response.text
    assert "<li>Klimat</li>" in response.text and "<li>Energi</li>" in response.text
    assert '<a href="https://example.se/program">Läs programmet</a>' in response.text
    assert "<script>alert" not in response.text  # the page's own scripts come from /static only
    assert "&lt;script&gt;alert" in response.text
    assert 'href="javascript:' not in response.text
    assert "<em>Ta med</em> &lt;b&gt;dator&lt;/b&gt;" in response.text


async def test_a_moved_session_shows_the_change_and_a_cancelled_one_stays_visible(client):
    day = in_days(30)
    event = await make_event("Ändringsdagen", day)
    moved = await add_session(event, "Flyttat pass", at(day, 9, 30), at(day, 10, 30), room="Sal A")
    cancelled = await add_session(event, "Inställt pass", at(day, 11), at(day, 12), room="Sal B")
    renamed = await add_session(event, "Gammalt namn", at(day, 14), at(day, 15), room="Sal A")
    untouched = await add_session(event, "Orört pass", at(day, 15), at(day, 16))

    await programme.update_session(
        str(moved["uid"]),
        SessionInput(title="Flyttat pass", starts_at=at(day, 13), ends_at=at(day, 14), room="Sal C"),
        ACTOR,
    )
    await programme.cancel_session(str(cancelled["uid"]), ACTOR)
    await programme.update_session(
        str(renamed["uid"]),
        SessionInput(title="Nytt namn", starts_at=at(day, 14), ends_at=at(day, 15), room="Sal A"),
        ACTOR,
    )

    response = await client.get(f"/events/{event['slug']}")

    def article(uid) -> str:
        match = re.search(rf'<article class="session[^"]*" id="session-{uid}".*?</article>', response.text, re.S)
        assert match, uid
        return match.group(0)

    moved_text = text_of_html(article(moved["uid"]))
    assert tr("sv", "Changed:") in moved_text
    assert tr("sv", "moved from %(time)s", time="09.30–10.30") in moved_text
    assert tr("sv", "moved from %(before)s to %(room)s", before="Sal A", room="Sal C") in moved_text

    cancelled_html = article(cancelled["uid"])
    assert 'class="session is-cancelled"' in cancelled_html  # struck through by the stylesheet ...
    heading = re.search(r"<h3.*?</h3>", cancelled_html, re.S).group(0)
    assert tr("sv", "Cancelled") in text_of_html(heading)  # ... and said in words
    assert "Inställt pass" in session_titles(response)

    assert tr("sv", "previously called “%(title)s”", title="Gammalt namn") in text_of_html(article(renamed["uid"]))
    assert tr("sv", "Changed:") not in text_of_html(article(untouched["uid"]))
    css = (Path(__file__).resolve().parent.parent / "events_app/web/static/site.css").read_text()
    assert ".is-cancelled .session-title" in css and "line-through" in css

    ics = await client.get(f"/events/{event['slug']}/sessions/{cancelled['uid']}/calendar.ics")
    assert str(vevents(ics.content)[0]["STATUS"]) == "CANCELLED"


async def test_changes_before_publication_are_not_news(client):
    day = in_days(30)
    event = await make_event("Utkastdagen", day, publish=False)
    session = await add_session(event, "Pass", at(day, 9, 30), at(day, 10, 30))
    await programme.update_session(
        str(session["uid"]), SessionInput(title="Pass", starts_at=at(day, 13), ends_at=at(day, 14)), ACTOR
    )
    await events.publish_event(event["slug"], ACTOR)

    assert tr("sv", "Changed:") not in text_of(await client.get(f"/events/{event['slug']}"))


async def test_a_cancelled_event_says_so_with_its_message(client):
    event = await make_event("Inställd dag", in_days(12))
    await events.cancel_event(event["slug"], ACTOR, "Vi ses i höst i stället.")

    page = text_of(await client.get(f"/events/{event['slug']}"))

    assert tr("sv", "This event is cancelled") in page
    assert "Vi ses i höst i stället." in page
    ics = await client.get(f"/events/{event['slug']}/calendar.ics")
    assert [str(v["STATUS"]) for v in vevents(ics.content)] == ["CANCELLED"]


# --- calendar files ----------------------------------------------------------------------------


async def test_the_event_calendar_has_the_right_instants_across_the_daylight_saving_change(client):
    # Sweden moves its clocks forward in the night to Sunday 28 March 2027.
    event = await make_event("Vårdagjämningsdagarna", date(2027, 3, 27), date(2027, 3, 28))
    session = await add_session(
        event, "Söndagspasset", at(date(2027, 3, 28), 10), at(date(2027, 3, 28), 11), room="Sal A"
    )

    response = await client.get(f"/events/{event['slug']}/calendar.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{event["slug"]}.ics"'
    days = sorted((v["DTSTART"].dt, v["DTEND"].dt) for v in vevents(response.content))
    assert days == [
        (datetime(2027, 3, 27, 8, 0, tzinfo=UTC), datetime(2027, 3, 27, 15, 0, tzinfo=UTC)),
        (datetime(2027, 3, 28, 7, 0, tzinfo=UTC), datetime(2027, 3, 28, 14, 0, tzinfo=UTC)),
    ]
    assert b"DTSTART:20270327T080000Z" in response.content

    single = await client.get(f"/events/{event['slug']}/sessions/{session['uid']}/calendar.ics")
    assert single.status_code == 200
    assert single.headers["content-type"] == "text/calendar; charset=utf-8"
    assert single.headers["content-disposition"].startswith(f'attachment; filename="{event["slug"]}-')
    [entry] = vevents(single.content)
    assert (entry["DTSTART"].dt, entry["DTEND"].dt) == (
        datetime(2027, 3, 28, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
    )
    assert "Söndagspasset" in str(entry["SUMMARY"])
    assert str(entry["LOCATION"]).startswith("Sal A, Folkets hus")

    # On the page, the same days in Swedish time.
    page = (await client.get(f"/events/{event['slug']}")).text
    assert '<time datetime="2027-03-28T10:00+02:00">10.00</time>' in page
    assert '<time datetime="2027-03-27T09:00+01:00">09.00</time>' in page


# --- the personal calendar feed -----------------------------------------------------------------


def feed_path(page) -> str:
    match = re.search(r'value="http://testserver(/calendar/[A-Za-z0-9_-]+/feed\.ics)"', page.text)
    assert match, "no feed address on the page"
    return match.group(1)


async def test_a_members_feed_has_the_council_meetings_and_renewing_it_retires_the_old_address(client):
    meeting = await make_event("Rådsmöte i maj", in_days(20), kind="council_meeting", start=13, end=15)
    await make_event("Rådsmöte, utkast", in_days(40), kind="council_meeting", publish=False)
    await make_event("Hållbarhetsdag", in_days(30), kind="sustainability_day")
    await add_member()
    await sign_in_member(client, "asa.oberg@sundsvall.se")

    my_pages = await client.get("/my")
    assert tr("sv", "Your calendar") in text_of(my_pages)
    old = feed_path(my_pages)
    assert f'href="webcal://testserver{old}"' in my_pages.text

    feed = await client.get(old)
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    entries = vevents(feed.content)
    assert [str(entry["SUMMARY"]) for entry in entries] == ["Rådsmöte i maj"]
    assert entries[0]["URL"] == f"http://testserver/events/{meeting['slug']}"
    # The address is stable until renewed.
    assert feed_path(await client.get("/my")) == old

    renewed = await client.submit("/my/calendar/renew", {}, form_page="/my")
    assert renewed.status_code in (302, 303) and renewed.headers["location"] == "/my"
    new = feed_path(await client.get("/my"))
    assert new != old
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200


async def test_a_feed_for_someone_who_is_not_a_member_has_no_council_meetings(client):
    await make_event("Rådsmöte", in_days(20), kind="council_meeting")
    guest = Person(name="Gäst Gästsson", email="gast@example.se", is_member=False)
    await guest.save()
    token = await calendar.feed_token(guest.id)

    feed = await client.get(f"/calendar/{token}/feed.ics")

    assert feed.status_code == 200
    assert vevents(feed.content) == []
    assert (await client.get("/calendar/not-a-real-token/feed.ics")).status_code == 404
    await Person.update({Person.active: False}).where(Person.id == guest.id)
    assert (await client.get(f"/calendar/{token}/feed.ics")).status_code == 404


# --- printing -----------------------------------------------------------------------------------


def test_the_programme_prints_cleanly():
    css = (Path(__file__).resolve().parent.parent / "events_app/web/static/site.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert re.search(r"\.site-header nav[^{]*\bform\b[^{]*\{\s*display: none", print_rules)
    assert re.search(r"\.session-calendar[^{]*\{\s*display: none", print_rules)
    assert re.search(r"\.programme-day \+ \.programme-day \{[^}]*break-before: page", print_rules)


async def test_concurrent_first_visits_share_one_feed_token():
    import asyncio

    from events_app.domain import calendar as calendar_service
    from events_app.domain.audit import Actor
    from events_app.domain.people import MemberInput, create_member, get_person

    uid = await create_member(
        MemberInput(name="Åsa Öberg", email="asa.feed@example.se", organisation="sundsvall", side="majority"),
        Actor.system("test"),
    )
    person = await get_person(uid)
    tokens = await asyncio.gather(*[calendar_service.feed_token(person["id"]) for _ in range(8)])
    assert len(set(tokens)) == 1


async def test_a_draft_cancelled_before_publication_stays_hidden(client):
    event = await make_event("Inställt utkast", in_days(20), publish=False)
    await events.cancel_event(event["slug"], ACTOR, "Blev aldrig av")
    assert (await client.get(f"/events/{event['slug']}")).status_code == 404
    assert event["slug"] not in listed_slugs(await client.get("/events"))
