"""Places left on the public pages in a real browser, on a desktop (1366x900) and a phone: the list of
events says "12 platser kvar", "1 plats kvar", "Fullt – väntelista", "Anmälan stängd" or when
registration opens; the event page says the places left; axe finds nothing and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.account_helpers import ntr, tr
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SHOTS = "/work/notes/shots"
WIDTHS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_the_list_and_the_event_page_say_the_places_left(page: Page, phone_page: Page, viewport):
    from tests.test_public_places import PLACES, _events

    if viewport == "desktop":
        await page.set_viewport_size({"width": 1366, "height": 900})
    else:
        page = phone_page
    made = await _events()

    await page.goto("/events")

    def line(title: str):
        return page.locator(".event-item", has_text=title).locator(".availability")

    await expect(line("Många platser")).to_have_text(ntr("sv", *PLACES, 12))
    await expect(line("En plats")).to_have_text(ntr("sv", *PLACES, 1))
    await expect(line("Fullsatt")).to_have_text(tr("sv", "Full – waiting list"))
    await expect(line("Stängd")).to_have_text(tr("sv", "Registration closed"))
    await expect(line("Utan tak")).to_have_text(tr("sv", "Registration open"))
    await expect(line("Snart")).to_contain_text(tr("sv", "Registration opens %(when)s.", when="").rstrip(". "))
    widths = await page.evaluate(WIDTHS)
    assert widths["scroll"] <= widths["inner"], widths
    await page.screenshot(path=f"{SHOTS}/charts-places-list-{viewport}.png", full_page=True)
    await assert_accessible(page, "the list of events with places left")

    await page.goto(f"/events/{made['one']['slug']}")
    await expect(page.locator(".registration-call .availability")).to_have_text(ntr("sv", *PLACES, 1))
    await page.screenshot(path=f"{SHOTS}/charts-places-event-{viewport}.png")
    await assert_accessible(page, "an event page with one place left")

    await page.goto(f"/events/{made['full']['slug']}")
    await expect(page.locator(".registration-call .availability")).to_have_text(tr("sv", "Full – waiting list"))
    await page.screenshot(path=f"{SHOTS}/charts-places-full-{viewport}.png")
    await assert_accessible(page, "a full event's page")
