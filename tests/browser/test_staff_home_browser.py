"""The back office's home and an event's overview in a real browser, at 1366×900 and on a phone:
the numbers an organiser reads for each current event, the same numbers at the top of the event's
page, its one tab bar with the current tab marked on every page (sub-pages mark their tab), and what
check-in staff see instead. Each page is checked with axe and for sideways scrolling on the phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from events_app import i18n
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv
from tests.test_event_dashboard import busy_day

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SHOTS = Path("/work/notes/shots")
DESKTOP = {"width": 1366, "height": 900}


def nsv(singular: str, plural: str, n: int) -> str:
    with i18n.use_language("sv"):
        return i18n.ngettext(singular, plural, n)


async def screenshot(page: Page, name: str) -> None:
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / f"home-{name}.png"), full_page=True)


async def figure(scope, label: str) -> str:
    """The value shown under a figure's label, as read on the page."""
    return (
        await scope.locator(".figures > div", has=scope.page.locator("dt", has_text=label)).locator("dd").inner_text()
    ).strip()


async def assert_no_sideways_scroll(page: Page, what: str) -> None:
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"{what} scrolls sideways: {widths}"


async def assert_tab(page: Page, slug: str, tab: str) -> None:
    current = page.locator("main .event-tabs a[aria-current='page']")
    await expect(current).to_have_count(1)
    await expect(current).to_have_attribute("href", f"/organiser/events/{slug}{tab}")


async def check_home_and_overview(page: Page, event: dict, size: str) -> None:
    card = page.locator(".event-card", has=page.locator("h3", has_text="Klimatdagen"))
    await expect(card).to_be_visible()
    assert await figure(card, sv("People registered")) == sv("%(registered)s of %(capacity)s", registered=2, capacity=2)
    assert await figure(card, sv("Waiting list")) == "1"
    assert await figure(card, sv("Invitations not answered")) == "2"
    assert await figure(card, sv("Checked in today")) == sv("%(checked_in)s of %(expected)s", checked_in=1, expected=2)
    assert await figure(card, sv("Mails not delivered")) == "2"
    await expect(card.locator(".todos")).to_contain_text(
        nsv("Full, with %(num)s on the waiting list.", "Full, with %(num)s on the waiting list.", 1)
    )
    await assert_accessible(page, f"the staff home ({size})")
    await assert_no_sideways_scroll(page, f"the staff home ({size})")
    await screenshot(page, f"staff-{size}")

    await card.locator("h3 a").click()
    await expect(page.locator("h1")).to_have_text("Klimatdagen")
    await assert_tab(page, event["slug"], "")
    assert await figure(page.locator("main"), sv("Waiting list")) == "1"
    assert await figure(page.locator("main"), sv("Checked in today")) == sv(
        "%(checked_in)s of %(expected)s", checked_in=1, expected=2
    )
    actions = page.locator(".event-actions")
    await expect(actions.locator(".button:not(.secondary)")).to_have_count(1)
    await expect(actions.locator(".danger-link")).to_have_text(sv("Cancel the event…"))
    await assert_accessible(page, f"the event overview ({size})")
    await assert_no_sideways_scroll(page, f"the event overview ({size})")
    await screenshot(page, f"event-{size}")


async def test_the_organisers_home_and_event_overview_at_1366(page: Page, staff_accounts):
    event = await busy_day()
    await page.set_viewport_size(DESKTOP)
    await sign_in_as_organiser(page)
    await check_home_and_overview(page, event, "1366")

    # Every tab marks itself; the pages under a tab mark their tab and are reached from it.
    slug = event["slug"]
    for tab in ("/registrations", "/invitations", "/checkin", "/certificates", "/material", "/mailings", "/report", ""):
        await page.locator(f"main .event-tabs a[href='/organiser/events/{slug}{tab}']").click()
        await assert_tab(page, slug, tab)
    for tab, sub in (
        ("/registrations", "/registrations/summary"),
        ("/registrations", "/questions"),
        ("/report", "/records"),
    ):
        await page.locator(f"main .event-tabs a[href='/organiser/events/{slug}{tab}']").click()
        await page.locator(f"main .subtabs a[href='/organiser/events/{slug}{sub}']").click()
        await assert_tab(page, slug, tab)
        await expect(page.locator("main .subtabs [aria-current]")).to_have_count(1)
    await assert_accessible(page, "the records plan under the Report tab")
    await page.locator(f"main .event-tabs a[href='/organiser/events/{slug}/mailings']").click()
    await page.locator(f"main a[href='/organiser/events/{slug}/mailings/new']").click()
    await assert_tab(page, slug, "/mailings")
    await page.locator(f"main .event-tabs a[href='/organiser/events/{slug}/registrations']").click()
    await page.locator(f"main a[href='/organiser/events/{slug}/registrations/new']").click()
    await assert_tab(page, slug, "/registrations")
    await screenshot(page, "subpage-1366")


async def test_the_organisers_home_and_event_overview_on_a_phone(phone_page: Page, staff_accounts):
    event = await busy_day()
    await sign_in_as_organiser(phone_page)
    await check_home_and_overview(phone_page, event, "phone")
    # The tab bar wraps within the page: every tab can be seen and reached without scrolling sideways.
    tabs = phone_page.locator("main .event-tabs a")
    await expect(tabs).to_have_count(9)
    for index in range(9):
        box = await tabs.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 0.5, (index, box)
    await phone_page.locator(f"main .event-tabs a[href='/organiser/events/{event['slug']}/registrations']").click()
    await phone_page.locator(f"main .subtabs a[href='/organiser/events/{event['slug']}/questions']").click()
    await assert_tab(phone_page, event["slug"], "/registrations")
    await assert_no_sideways_scroll(phone_page, "the questions page")
    await assert_accessible(phone_page, "the questions page on a phone")


@pytest.mark.parametrize("size", ["1366", "phone"])
async def test_check_in_staff_see_only_todays_door_figures(page: Page, phone_page: Page, staff_accounts, size):
    event = await busy_day()
    tab = page if size == "1366" else phone_page
    if size == "1366":
        await tab.set_viewport_size(DESKTOP)
    await sign_in_as_organiser(tab, email="checkin@test.se")
    card = tab.locator(".event-card", has=tab.locator("h3", has_text="Klimatdagen"))
    assert await figure(card, sv("Checked in today")) == sv("%(checked_in)s of %(expected)s", checked_in=1, expected=2)
    await expect(tab.locator("main .figures dt")).to_have_count(1)
    await expect(tab.locator("main a[href^='/organiser/']")).to_have_count(0)
    await expect(card.locator(f"a[href='/checkin/{event['slug']}']")).to_be_visible()
    await assert_accessible(tab, f"the check-in staff's home ({size})")
    await assert_no_sideways_scroll(tab, f"the check-in staff's home ({size})")
    await screenshot(tab, f"checkin-{size}")
