"""A person's data in a real browser, on the demo data: Amina Yusuf, a guest of the demo's
sustainability days, opens *Your data* from My pages and asks to be erased; an administrator finds the
request in the back office, reads what is held and erases her. Máret Čuđetsá, a council member who
attended a council meeting (whose attendance the records plan keeps), cannot be erased: her page says
why and offers no erase button. Every page of the way passes axe's check."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_certificates_browser import _sign_in_by_link
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv
from tests.certificate_helpers import MARET

GUEST = "Amina Yusuf"  # a guest of the demo's sustainability days, on no council

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_a_person_asks_to_be_erased_and_an_admin_erases_her(browser, live_server, staff_accounts):
    from events_app.domain.seed import load_demo
    from events_app.domain.tables import Person

    await load_demo()
    guest = await Person.select(Person.email).where(Person.name == GUEST).first()

    member = await browser.new_context(base_url=live_server, locale="sv-SE")
    member.set_default_timeout(TIMEOUT_MS)
    page = await member.new_page()
    await _sign_in_by_link(page, guest["email"])
    await page.locator("main a[href='/my/data']").click()
    await expect(page.locator("h1")).to_have_text(sv("Your data"))
    await expect(page.locator("main")).to_contain_text(guest["email"])
    await assert_accessible(page, "a person's own data")
    await page.get_by_label(sv("Yes, I want my data erased")).check()
    await page.locator("main form[action='/my/data/erasure'] button[type=submit]").click()
    await expect(page.locator(".flash")).to_contain_text(
        sv("Your request has been recorded. We will mail you when your data has been erased.")
    )
    await assert_accessible(page, "a person's own data, erasure asked for")

    admin = await browser.new_context(base_url=live_server, locale="sv-SE")
    admin.set_default_timeout(TIMEOUT_MS)
    page = await admin.new_page()
    await sign_in_as_organiser(page, "admin@test.se")
    await page.locator("main a[href='/admin/people']").click()
    await assert_accessible(page, "people and their data, one request waiting")
    await page.get_by_role("link", name=re.compile(re.escape(GUEST))).click()
    await expect(page.locator("h1")).to_have_text(GUEST)
    await assert_accessible(page, "the admin's page about a person")
    await page.get_by_label(sv("I have checked the records plan: erase this person")).check()
    await page.locator("main form[action$='/erase'] button[type=submit]").click()
    await expect(page.locator(".flash")).to_contain_text(sv("The person was erased. A mail tells them so."))
    await expect(page.locator("main")).to_contain_text(sv("No request is waiting."))
    assert not await Person.exists().where(Person.name == GUEST)

    # A council member in a kept attendance register: the page says why nothing can be erased.
    await page.goto("/admin/people")
    await page.locator("#filter-q").fill("Čuđetsá")
    await page.locator("main form[role=search] button[type=submit]").click()
    await page.get_by_role("link", name=re.compile(re.escape(MARET))).click()
    await expect(page.locator("h1")).to_have_text(MARET)
    await expect(page.locator("main .warning[role=note]")).to_contain_text("bevaras")
    await expect(page.locator("main form[action$='/erase']")).to_have_count(0)
    await assert_accessible(page, "the admin's page about a person whose records are kept")
    assert await Person.exists().where(Person.name == MARET)
    await member.close()
    await admin.close()
