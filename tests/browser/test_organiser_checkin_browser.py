"""An organiser follows check-in on a 360 px phone: the live view's figures change by themselves when
someone is checked in at the door (through the domain, as the scanner would), without reloading the
page. The page passes axe's check and does not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import (
    PHONE_WIDTH,
    sign_in_as_organiser,
    sv,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_the_live_view_follows_check_ins_without_reloading(phone_page: Page, staff_accounts):
    from events_app.domain import checkins
    from events_app.domain.checkins import Scan
    from events_app.domain.registrations import Registrant
    from events_app.i18n import localtime
    from tests.registration_helpers import form, published_event, registered

    event = await published_event()
    day = localtime(event["starts_at"]).date()
    anna = await registered(event["slug"], form("anna@example.se"), Registrant())
    bo = await registered(
        event["slug"], form("bo@example.se", name="Bo Ek", organisation="Energibolaget AB"), Registrant()
    )
    await checkins.check_in(
        Scan(code=anna["ticket_code"], event=event["slug"], day=day, device="telefon 1", reason="Efterhand"),
        {"id": None, "name": "Kim", "role": "organiser"},
    )
    page = phone_page
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{event['slug']}")
    await page.locator(f"main a[href='/organiser/events/{event['slug']}/checkin']").click()
    await expect(page.locator("h1")).to_contain_text(sv("Check-in"))
    total = page.locator("[data-live-part=total]")
    await expect(total).to_contain_text(
        sv(
            "%(checked_in)s of %(expected)s expected are checked in (%(percent)s %%).",
            checked_in=1,
            expected=2,
            percent=50,
        )
    )
    marker = await page.evaluate("() => (window.notReloaded = true)")

    await checkins.check_in(
        Scan(code=bo["ticket_code"], event=event["slug"], day=day, device="telefon 2", reason="Efterhand"),
        {"id": None, "name": "Kim", "role": "organiser"},
    )

    await expect(total).to_contain_text(
        sv(
            "%(checked_in)s of %(expected)s expected are checked in (%(percent)s %%).",
            checked_in=2,
            expected=2,
            percent=100,
        )
    )
    await expect(page.locator("#latest-caption ~ tbody tr").first.locator("th")).to_have_text("Bo Ek")
    assert await page.evaluate("() => window.notReloaded") is marker  # the same page, updated in place
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["inner"] == PHONE_WIDTH and widths["scroll"] <= PHONE_WIDTH, widths
    await assert_accessible(page, "the live check-in view on a phone")
