"""A council meeting in a real browser: the organiser's meeting page (agenda, invitees, the
representation table) and a member's answer page on a 360 px phone, opened from the invitation mail
delivered to a real SMTP server; the member passes the invitation to their substitute. Each page is
checked with axe and for sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_organiser_events_flow import PHONE_WIDTH, sign_in_as_organiser
from tests.browser.test_organiser_invitations_browser import check_page

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

MAIL_LINK = re.compile(r"http://testserver(/invitation/[A-Za-z0-9_-]+)")


async def test_a_member_answers_on_a_phone_and_the_organiser_sees_it(phone_page: Page, staff_accounts, smtp_server):
    from events_app.domain import council_meetings, events
    from events_app.domain.council_meetings import AgendaItemInput
    from tests.registration_helpers import SYSTEM, deliver, parts
    from tests.test_council_meetings import make_council

    council = await make_council()
    await events.publish_event(council["slug"], SYSTEM)
    await council_meetings.add_item(council["slug"], AgendaItemInput(title="Regional utvecklingsstrategi"), SYSTEM)
    await deliver(smtp_server.settings)
    links = {
        message["To"].addresses[0].addr_spec: MAIL_LINK.search(parts(message)["text"]).group(1)
        for message in smtp_server.collector.messages
    }
    smtp_server.collector.messages.clear()
    page = phone_page

    await page.goto(links["bertil@kramfors.se"])
    await expect(page.locator("h1")).to_be_visible()
    await expect(page.locator(".council-agenda")).to_contain_text("Regional utvecklingsstrategi")
    await check_page(page, "a member's invitation to a council meeting")
    await page.locator("#field-pass_to_substitute").check()
    await page.locator(".danger-zone button[type=submit]").click()
    await expect(page.locator(".flash")).to_be_visible()
    await check_page(page, "the member's page after sending apologies")
    await deliver(smtp_server.settings)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.collector.messages] == ["cecilia@kramfors.se"]

    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{council['slug']}/council")
    await expect(page.locator("h1")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Cecilia Sund")
    widths = await page.evaluate("() => window.innerWidth")
    assert widths == PHONE_WIDTH
    await check_page(page, "the organiser's council meeting page")
