"""The public event pages in a real browser: axe checks, the programme's layout on a wide screen and a
phone (parallel sessions side by side, or one after the other), and the printed programme."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), STOCKHOLM)


async def two_day_event() -> dict:
    from events_app.domain import events, programme
    from events_app.domain.audit import Actor
    from events_app.domain.events import EventInput
    from events_app.domain.programme import SessionInput, SpeakerInput

    actor = Actor.system("test")
    first = date.today() + timedelta(days=30)
    second = first + timedelta(days=1)
    event = await events.create_event(
        EventInput(
            title="Hållbarhetsdagarna",
            kind="sustainability_day",
            starts_at=at(first, 9),
            ends_at=at(second, 16),
            venue_name="Folkets hus",
            venue_address="Storgatan 1, Sundsvall",
            venue_map_url="https://kartor.example.se/1",
            description="Två dagar om **klimat** och energi.\n\n- Föredrag\n- Workshoppar",
            themes=["klimat-energi"],
        ),
        actor,
    )
    await events.publish_event(event["slug"], actor)
    await programme.add_session(
        event["slug"],
        SessionInput(
            title="Välkommen",
            starts_at=at(first, 9),
            ends_at=at(first, 10),
            room="Stora salen",
            speakers=[SpeakerInput(name="Anna Ek", title="Regionråd", organisation="Region Västernorrland")],
        ),
        actor,
    )
    for room in ("Sal A", "Sal B", "Sal C"):
        await programme.add_session(
            event["slug"],
            SessionInput(
                title=f"Workshop i {room}",
                kind="workshop",
                starts_at=at(first, 10),
                ends_at=at(first, 11),
                room=room,
                requires_signup=True,
                capacity=30,
                themes=["klimat-energi"],
            ),
            actor,
        )
    cancelled = await programme.add_session(
        event["slug"],
        SessionInput(title="Exkursion", kind="excursion", starts_at=at(second, 9), ends_at=at(second, 12)),
        actor,
    )
    await programme.cancel_session(str(cancelled["uid"]), actor)
    return event


async def boxes(page: Page, selector: str) -> list[dict]:
    return await page.locator(selector).evaluate_all(
        "nodes => nodes.map(n => { const r = n.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width}; })"
    )


async def test_the_event_pages_are_accessible_and_parallel_sessions_sit_side_by_side(page: Page):
    event = await two_day_event()
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.goto("/events")
    await assert_accessible(page, "the event listing")
    await page.goto("/themes/klimat-energi")
    await assert_accessible(page, "a theme page")
    await page.goto(f"/events/{event['slug']}")
    await expect(page.locator("h1")).to_contain_text("Hållbarhetsdagarna")
    await assert_accessible(page, "an event page")

    workshops = await boxes(page, ".slot-parallel .session")
    assert len(workshops) == 3
    assert len({round(box["y"]) for box in workshops}) == 1, workshops  # one row ...
    assert workshops[0]["x"] < workshops[1]["x"] < workshops[2]["x"], workshops  # ... three columns


async def test_on_a_phone_the_programme_is_one_column_in_time_order(phone_page: Page):
    event = await two_day_event()

    await phone_page.goto(f"/events/{event['slug']}")

    workshops = await boxes(phone_page, ".slot-parallel .session")
    assert len({round(box["x"]) for box in workshops}) == 1, workshops
    assert workshops[0]["y"] < workshops[1]["y"] < workshops[2]["y"], workshops
    width = await phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the event page scrolls sideways on a phone: {width}px"
    await assert_accessible(phone_page, "an event page on a phone")


async def test_the_printed_programme_has_no_menu_forms_or_calendar_links(page: Page):
    event = await two_day_event()
    await page.goto(f"/events/{event['slug']}")

    await page.emulate_media(media="print")

    await expect(page.locator(".site-header nav")).to_be_hidden()
    await expect(page.locator(".site-footer")).to_be_hidden()
    await expect(page.locator(".session-calendar").first).to_be_hidden()
    await expect(page.locator(".actions").first).to_be_hidden()
    await expect(page.locator(".session").first).to_be_visible()
    second_day = page.locator(".programme-day").nth(1)
    assert await second_day.evaluate("n => getComputedStyle(n).breakBefore") == "page"
    first_day = page.locator(".programme-day").nth(0)
    assert await first_day.evaluate("n => getComputedStyle(n).breakBefore") != "page"
