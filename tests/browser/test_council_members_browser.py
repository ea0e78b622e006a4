"""The council's members page on a 360 px phone: an organiser chooses a date, sees who holds each seat
and which are empty ("Kramfors saknar ledamot för oppositionen"), follows a member to add a term with a
substitute, and the pages pass axe's check without scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import PHONE_WIDTH, sign_in_as_organiser, sv

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def _no_sideways_scroll(page: Page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


async def test_the_council_on_a_date_with_its_gaps_and_a_new_term(phone_page: Page, staff_accounts):
    from tests.account_helpers import add_member

    await add_member(
        "Anna Ängström",
        "anna@kramfors.se",
        organisation="kramfors",
        side="majority",
        term_start="2027-01-01",
        term_end="2030-12-31",
    )
    await add_member(
        "Bo Berg",
        "bo@kramfors.se",
        organisation="kramfors",
        side="opposition",
        term_start="2027-01-01",
        term_end="2027-06-30",
    )
    page = phone_page
    await sign_in_as_organiser(page)
    await page.goto("/organiser/members/")
    await page.get_by_label(sv("Show the council on")).fill("2027-09-01")
    await page.get_by_role("button", name=sv("Show")).click()

    await expect(page.locator("#council-heading")).to_contain_text("2027")
    await expect(page.locator(".warning")).to_contain_text("Kramfors saknar ledamot för oppositionen")
    await assert_accessible(page, "the council on a date, on a phone")
    await _no_sideways_scroll(page)

    await page.get_by_role("link", name="Anna Ängström").first.click()
    await page.get_by_role("link", name=sv("Add a term")).click()
    await page.get_by_label(sv("From")).fill("2031-01-01")
    await page.get_by_label(sv("Substitute's name")).fill("Máret Ŋuolja")
    await page.get_by_label(sv("Substitute's email address")).fill("maret@kramfors.se")
    await page.get_by_role("button", name=sv("Add the term")).click()

    await expect(page.locator("main")).to_contain_text("Máret Ŋuolja")
    await assert_accessible(page, "a member's page with terms and roles, on a phone")
    await _no_sideways_scroll(page)
