"""Retention in a real browser, on the demo data: an admin sets a retention period; an organiser
opens an ended event's *Records and retention* tab, reads what anonymising would empty, and does
it. Every page of the way passes axe's check."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_an_admin_sets_a_period_and_an_organiser_anonymises_an_ended_event(browser, live_server, staff_accounts):
    from events_app.domain import site_settings
    from events_app.domain.seed import load_demo
    from events_app.domain.tables import Event, Registration

    await load_demo()
    admin = await browser.new_context(base_url=live_server, locale="sv-SE")
    admin.set_default_timeout(TIMEOUT_MS)
    page = await admin.new_page()
    await sign_in_as_organiser(page, "admin@test.se")
    await page.locator("main a[href='/admin/settings']").click()
    await assert_accessible(page, "the admin's settings")
    await page.locator("main a[href='/admin/settings/retention']").click()
    field = page.locator("#field-retention_sensitive_days")
    await field.fill("fyrtio")
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator(".error-summary, [role=alert]").first).to_be_visible()
    await assert_accessible(page, "the retention periods, with a refused value")
    await field.fill("40")
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator(".flash")).to_contain_text(sv("The changes were saved."))
    assert (await site_settings.values("retention"))["retention_sensitive_days"] == "40"
    await admin.close()

    ended = await Event.select(Event.slug, Event.title, Event.id).where(Event.status == "archived").first()
    organiser = await browser.new_context(base_url=live_server, locale="sv-SE")
    organiser.set_default_timeout(TIMEOUT_MS)
    page = await organiser.new_page()
    await sign_in_as_organiser(page)
    # The records plan is a page under the event's Report tab.
    await page.goto(f"/organiser/events/{ended['slug']}")
    await page.locator(f"main .tabs a[href='/organiser/events/{ended['slug']}/report']").click()
    await page.locator(f"main a[href='/organiser/events/{ended['slug']}/records']").click()
    await expect(page.locator("h1")).to_contain_text(sv("Records and retention"))
    await expect(page.locator("main")).to_contain_text("40")
    await assert_accessible(page, "an ended event's records and retention")
    await page.get_by_label(sv("Yes, anonymise the event")).check()
    await page.locator("main form[action$='/anonymise'] button[type=submit]").click()
    await expect(page.locator(".flash")).to_be_visible()
    await assert_accessible(page, "an anonymised event's records and retention")
    names = await Registration.select(Registration.name).where(Registration.event == ended["id"])
    assert names and {row["name"] for row in names} == {""}
    await organiser.close()
