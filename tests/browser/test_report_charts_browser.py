"""The participation report's charts in a real browser, on a desktop (1366x900) and a phone: every
label is text at the page's own size (neither bigger than the headings on a desktop nor ~8 px on a
phone, as when the chart was an SVG scaled to its width), the counts are written with the plural they
need, the chart never makes the page scroll sideways, and axe finds nothing."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from events_app import i18n
from events_app.i18n import localtime
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SHOTS = "/work/notes/shots"
LABEL_SIZES = """() => [...document.querySelectorAll('.chart-category, .chart-value, .chart-legend-label')]
    .map(el => parseFloat(getComputedStyle(el).fontSize))"""
WIDTHS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"


def sv_count(singular: str, plural: str, n: int) -> str:
    with i18n.use_language("sv"):
        return i18n.ngettext(singular, plural, n)


async def _check_report(page: Page, url: str, shot: str, what: str) -> None:
    await page.goto(url)
    await expect(page.locator("figure.chart").first).to_be_visible()
    sizes = await page.evaluate(LABEL_SIZES)
    assert sizes and all(14 <= size <= 20 for size in sizes), sizes
    # No label is bigger than the page's second-level headings.
    heading = await page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('main h2')).fontSize)")
    assert max(sizes) < heading
    widths = await page.evaluate(WIDTHS)
    assert widths["scroll"] <= widths["inner"], widths
    await page.screenshot(path=f"{SHOTS}/{shot}", full_page=True)
    await assert_accessible(page, what)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_chart_labels_are_page_sized_text_with_plurals(page: Page, phone_page: Page, staff_accounts, viewport):
    from tests.certificate_helpers import check_in, days_of, participant
    from tests.test_participation_reports import scenario

    if viewport == "desktop":
        await page.set_viewport_size({"width": 1366, "height": 900})
    else:
        page = phone_page
    event = await scenario()
    gun = await participant(event, "Gun Grå", "gun@example.se", organisation="sundsvall")
    await check_in(event, gun, days_of(event)[0])
    await sign_in_as_organiser(page)

    await _check_report(
        page, f"/organiser/events/{event['slug']}/report", f"charts-event-{viewport}.png", "the event's report"
    )
    sundsvall = page.locator("figure.chart").first.locator(".chart-group", has_text="Sundsvall")
    await expect(sundsvall.locator(".chart-value")).to_have_text(
        [
            sv_count("%(num)s registered", "%(num)s registered", 2),
            sv_count("%(num)s attended", "%(num)s attended", 2),
        ]
    )
    year = localtime(event["starts_at"]).year
    await _check_report(page, f"/organiser/reports?year={year}", f"charts-year-{viewport}.png", "the year's report")
