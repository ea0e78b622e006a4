"""The public pages kept for visitors without a session (web/public_page_cache.py): a change made
through the services shows on the very next anonymous request, a browser revalidating with its ETag
gets 304, signed-in visitors get their own page, every visitor gets their own CSRF token and cookie,
and each language its own page."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

from events_app.domain import events, programme, registrations
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Event
from events_app.web.app import create_app
from events_app.web.context import CONTENT_SECURITY_POLICY
from tests.account_helpers import add_member, another_client, sign_in_member, text_of, tr
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, _day, form, published_event

ROOT = Path(__file__).resolve().parent.parent
TOKEN_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _tokens(response) -> set[str]:
    return set(TOKEN_FIELD.findall(response.text))


async def _kept(client, url: str):
    """GET `url` twice: the second answer comes from the kept page (it carries an ETag)."""
    await client.get(url)
    response = await client.get(url)
    assert response.status_code == 200 and "etag" in response.headers, response.headers
    return response


async def test_a_changed_title_shows_on_the_next_request(client):
    event = await published_event(title="Klimatdagen", capacity=10)
    page = await _kept(client, f"/events/{event['slug']}")
    assert "Klimatdagen" in page.text
    assert "Klimatdagen" in (await _kept(client, "/events")).text

    await events.update_event(
        event["slug"],
        EventInput(
            title="Klimatdagen i Härnösand",
            kind="sustainability_day",
            capacity=10,
            starts_at=_day(20, "09:00"),
            ends_at=_day(21, "16:00"),
            venue_name="Folkets hus",
            venue_address="Sundsvall",
        ),
        SYSTEM,
    )

    assert "Klimatdagen i Härnösand" in text_of(await client.get(f"/events/{event['slug']}"))
    assert "Klimatdagen i Härnösand" in text_of(await client.get("/events"))


async def test_a_changed_session_shows_on_the_next_request(client):
    event = await published_event()
    await _kept(client, f"/events/{event['slug']}")

    await programme.add_session(
        event["slug"],
        SessionInput(title="Panelsamtal om vatten", starts_at=_day(21, "10:00"), ends_at=_day(21, "11:00")),
        SYSTEM,
    )
    assert "Panelsamtal om vatten" in text_of(await client.get(f"/events/{event['slug']}"))

    workshop = event["sessions"]["Workshop A"]
    await programme.update_session(
        str(workshop["uid"]),
        SessionInput(
            title="Workshop A: Klimatanpassning",
            kind="workshop",
            starts_at=_day(20, "13:00"),
            ends_at=_day(20, "14:30"),
            room="Sal 1",
            requires_signup=True,
            capacity=2,
        ),
        SYSTEM,
    )
    assert "Workshop A: Klimatanpassning" in text_of(await client.get(f"/events/{event['slug']}"))


async def test_a_full_event_shows_on_the_next_request(client):
    event = await published_event(title="Fullsatt snart", capacity=1)
    full = tr("sv", "Full – waiting list")
    assert full not in text_of(await _kept(client, f"/events/{event['slug']}"))
    assert full not in text_of(await _kept(client, "/events"))

    await registrations.register(event["slug"], form("first@example.se"), Registrant(ip="10.1.2.3"))

    assert full in text_of(await client.get(f"/events/{event['slug']}"))
    assert full in text_of(await client.get("/events"))
    assert full in text_of(await client.get("/"))


async def test_another_process_s_change_reaches_this_one_through_the_shared_version(client):
    event = await published_event(title="Skogsdagen")
    await _kept(client, f"/events/{event['slug']}")
    # Another worker (here: another process) changes the event and records the change.
    await Event.update({Event.title: "Skogsdagen i Sollefteå"}).where(Event.id == event["id"])
    subprocess.run(
        [sys.executable, "-c", "from events_app.domain import public_page_versions; public_page_versions.changed()"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=60,
    )
    assert "Skogsdagen i Sollefteå" in text_of(await client.get(f"/events/{event['slug']}"))


async def test_a_browser_revalidating_with_the_etag_gets_304_with_the_security_headers(client):
    event = await published_event(title="Energidagen")
    url = f"/events/{event['slug']}"
    first = await _kept(client, url)
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert first.headers["x-frame-options"] == "DENY"
    assert first.headers["x-content-type-options"] == "nosniff"

    again = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "set-cookie" not in again.headers

    await programme.cancel_session(str(event["sessions"]["Workshop B"]["uid"]), SYSTEM)
    changed = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]


async def test_calendar_files_are_kept_and_revalidated_too(client):
    event = await published_event(title="Vattendagen")
    url = f"/events/{event['slug']}/calendar.ics"
    first = await _kept(client, url)
    assert first.headers["content-type"].startswith("text/calendar")
    assert "Vattendagen" in first.text
    assert (await client.get(url, headers={"If-None-Match": first.headers["etag"]})).status_code == 304


async def test_each_visitor_gets_their_own_csrf_token_and_cookie(app, client):
    event = await published_event(title="Cirkulär ekonomi")
    url = f"/events/{event['slug']}"
    first = await _kept(client, url)
    first_cookie = client.cookies["csrftoken"]
    assert _tokens(first) == {first_cookie}
    assert "set-cookie" not in first.headers  # the cookie was set once, with the first answer

    async with another_client(app, ip="10.0.0.9") as other:
        second = await other.get(url)
        assert "etag" in second.headers  # the same kept page ...
        assert second.headers["set-cookie"].startswith("csrftoken=")
        assert "session" not in second.headers["set-cookie"]
        second_cookie = other.cookies["csrftoken"]
        assert second_cookie != first_cookie
        assert _tokens(second) == {second_cookie}  # ... with this visitor's own token
        # The token of a kept page is good for its visitor's forms: the language switch works.
        switched = await other.post("/language", data={"language": "en", "next": url, "_csrf_token": second_cookie})
        assert switched.status_code in (302, 303)
        assert "Cirkulär ekonomi" in text_of(await other.get(url))
        assert tr("en", "Sign in") in text_of(await other.get(url))

    # A cookie that is not a token Litestar made is never copied into a page.
    client.cookies.set("csrftoken", '"><script>alert(1)</script>')
    odd = await client.get(url)
    assert "<script>alert(1)" not in odd.text and "etag" not in odd.headers


async def test_languages_are_kept_apart(app, client):
    await published_event(title="Klimatdagen", title_en="Climate Day")
    swedish = await _kept(client, "/events")
    async with another_client(app, ip="10.0.0.8") as english:
        english.cookies.set("lang", "en")
        english_page = await _kept(english, "/events")
        assert 'lang="en"' in english_page.text and "Climate Day" in english_page.text
    assert 'lang="sv"' in (await client.get("/events")).text
    assert swedish.headers["etag"].split("-")[0] != english_page.headers["etag"].split("-")[0]


async def test_signed_in_visitors_are_not_served_the_kept_page(app, client, staff_accounts):
    event = await published_event(title="Biologisk mångfald")
    url = f"/events/{event['slug']}"
    anonymous = await _kept(client, url)
    assert tr("sv", "Sign out") not in text_of(anonymous)

    async with another_client(app, ip="10.0.0.7") as staff_browser:
        await sign_in(staff_browser, "organiser@test.se")
        page = await staff_browser.get(url)
        assert tr("sv", "Sign out") in text_of(page) and tr("sv", "Back office") in text_of(page)
        assert "etag" not in page.headers

    email = "mia.member@sundsvall.se"
    await add_member(name="Mia Medlem", email=email)
    async with another_client(app, ip="10.0.0.6") as member_browser:
        await sign_in_member(member_browser, email)
        page = await member_browser.get(url)
        assert tr("sv", "My pages") in text_of(page) and "etag" not in page.headers

    # Their pages were not kept for the next anonymous visitor either.
    after = await client.get(url)
    assert tr("sv", "Sign out") not in text_of(after) and tr("sv", "My pages") not in text_of(after)


async def test_a_draft_stays_hidden_and_is_not_kept(client):
    draft = await published_event(title="Utkastet", publish=False)
    for _ in range(2):
        response = await client.get(f"/events/{draft['slug']}")
        assert response.status_code == 404 and "etag" not in response.headers
        assert _tokens(response) <= {client.cookies.get("csrftoken")}


async def test_the_cache_can_be_turned_off(settings):
    import httpx
    from asgi_lifespan import LifespanManager

    event = await published_event(title="Utan cache")
    app = create_app(dataclasses.replace(settings, public_page_cache_seconds=0))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(2):
                response = await http.get(f"/events/{event['slug']}")
                assert response.status_code == 200 and "etag" not in response.headers
