"""Places left on the public pages: the list of events, the front page, a theme's page and an event's
page say "12 platser kvar" / "1 plats kvar", "Fullt – väntelista" when the event is full (registering
then puts one on the waiting list), "Anmälan stängd" after registration closed and when it opens before
then. Places are counted as registering counts them (waiting_list: confirmed, not on a place an
invitation reserved) and, for a listing, in one grouped query for all its events."""

from __future__ import annotations

import html
import re

from events_app.domain import registrations, waiting_list
from events_app.domain.registrations import Registrant
from tests.account_helpers import ntr, text_of, tr
from tests.registration_helpers import _day, form, published_event

PLACES = ("%(num)d place left", "%(num)d places left")


async def _register(event: dict, n: int) -> None:
    for i in range(n):
        await registrations.register(
            event["slug"], form(f"p{i}-{event['id']}@example.se"), Registrant(ip=f"10.9.{event['id']}.{i}")
        )


async def _events() -> dict[str, dict]:
    """One upcoming event in each state a listing can show."""
    made = {
        "many": await published_event(title="Många platser", capacity=14),
        "one": await published_event(title="En plats", capacity=2),
        "full": await published_event(title="Fullsatt", capacity=1),
        "unlimited": await published_event(title="Utan tak", capacity=None),
        "closed": await published_event(title="Stängd", registration_closes_at=_day(-1, "12:00")),
        "not_yet": await published_event(title="Snart", registration_opens_at=_day(5, "09:00")),
    }
    await _register(made["many"], 2)
    await _register(made["one"], 1)
    await _register(made["full"], 1)
    return made


def _availability(page: str, title: str) -> str:
    """The availability line of the listed event called `title` ("" when it has none)."""
    item = re.search(r'<li class="event-item[^"]*">(?:(?!</li>\s*<li).)*?>' + title + r"</a>.*?</li>", page, re.S)
    assert item, title
    line = re.search(r'<p class="availability">(.*?)</p>', item.group(0), re.S)
    return " ".join(html.unescape(line.group(1)).split()) if line else ""


def _expected(made: dict) -> dict[str, str]:
    return {
        "Många platser": ntr("sv", *PLACES, 12),
        "En plats": ntr("sv", *PLACES, 1),
        "Fullsatt": tr("sv", "Full – waiting list"),
        "Utan tak": tr("sv", "Registration open"),
        "Stängd": tr("sv", "Registration closed"),
    }


async def test_the_list_of_events_says_the_places_left_in_each_state(client):
    made = await _events()
    page = (await client.get("/events")).text
    for title, text in _expected(made).items():
        assert _availability(page, title) == text, title
    assert _availability(page, "Snart").startswith(tr("sv", "Registration opens %(when)s.", when="").rstrip(". "))
    # The front page's list says the same.
    front = (await client.get("/")).text
    assert _availability(front, "Många platser") == ntr("sv", *PLACES, 12)


async def test_past_events_say_nothing_about_places(client):
    event = await published_event(title="Förra året", days_ahead=-30, capacity=5)
    page = (await client.get("/events?when=past")).text
    assert event["title"] in page and _availability(page, "Förra året") == ""


async def test_an_invitation_only_event_says_so_instead_of_places(client):
    await published_event(title="Slutet sällskap", audience="invitation", capacity=10)
    page = (await client.get("/events")).text
    assert _availability(page, "Slutet sällskap") == tr("sv", "By invitation only")


async def test_the_event_page_says_the_places_left_and_full(client):
    made = await _events()
    many = text_of(await client.get(f"/events/{made['many']['slug']}"))
    assert ntr("sv", *PLACES, 12) in many
    full = text_of(await client.get(f"/events/{made['full']['slug']}"))
    assert tr("sv", "Full – waiting list") in full and tr("sv", "Join the waiting list") in full
    unlimited = text_of(await client.get(f"/events/{made['unlimited']['slug']}"))
    assert 'class="availability"' not in unlimited


async def test_places_are_counted_as_registering_counts_them():
    """Full as registering finds it full: the next registration is waitlisted, and takes no place."""
    event = await published_event(title="Räknat", capacity=3)
    await _register(event, 3)
    extra = await registrations.register(event["slug"], form("sist@example.se"), Registrant(ip="10.8.0.1"))
    assert extra.registration["status"] == "waitlisted"
    found = [dict(event)]
    await registrations.attach_availability(found)
    assert found[0]["availability"]["left"] == 0
    assert found[0]["availability"]["left"] == waiting_list.places_left(
        3, await waiting_list.confirmed_registrations(event["id"])
    )


async def test_a_listing_counts_every_events_places_in_one_query(client, monkeypatch):
    await _events()
    calls = []
    grouped = waiting_list.confirmed_registrations_of

    async def spy(event_ids):
        calls.append(list(event_ids))
        return await grouped(event_ids)

    async def one_by_one(event_id):
        raise AssertionError("a listing counts no event on its own")

    monkeypatch.setattr(waiting_list, "confirmed_registrations_of", spy)
    monkeypatch.setattr(waiting_list, "confirmed_registrations", one_by_one)
    assert (await client.get("/events")).status_code == 200
    assert len(calls) == 1 and len(calls[0]) == 3  # the open events with a capacity
