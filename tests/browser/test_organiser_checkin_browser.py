"""An organiser follows check-in on a 360 px phone: the live view's figures change by themselves when
someone is checked in at the door (through the domain, as the scanner would), without reloading the
page. The page passes axe's check and does not scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import (
    PHONE_WIDTH,
    sign_in_as_organiser,
    sv,
)
from tests.test_organiser_checkin import figure

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
        Scan(
            code=anna["ticket_code"],
            event=event["slug"],
            day=day,
            device="telefon 1",
            reason="Efterhand",
            confirmed=True,
        ),
        {"id": None, "name": "Kim", "role": "organiser"},
    )
    page = phone_page
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{event['slug']}")
    await page.locator(f"main a[href='/organiser/events/{event['slug']}/checkin']").click()
    await expect(page.locator("h1")).to_contain_text(sv("Check-in"))
    total = page.locator("[data-live-part=total]")
    await expect(total).to_contain_text(figure(1, 2, 50))
    marker = await page.evaluate("() => (window.notReloaded = true)")

    await checkins.check_in(
        Scan(
            code=bo["ticket_code"], event=event["slug"], day=day, device="telefon 2", reason="Efterhand", confirmed=True
        ),
        {"id": None, "name": "Kim", "role": "organiser"},
    )

    await expect(total).to_contain_text(figure(2, 2, 100))
    await expect(page.locator("#latest-caption ~ tbody tr").first.locator("th")).to_have_text("Bo Ek")
    assert await page.evaluate("() => window.notReloaded") is marker  # the same page, updated in place
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["inner"] == PHONE_WIDTH and widths["scroll"] <= PHONE_WIDTH, widths
    await assert_accessible(page, "the live check-in view on a phone")


# --- the scanner page, for another day than today --------------------------------------------------


def another_day_sentence(number: int, day) -> str:
    from events_app import i18n
    from events_app.domain import checkins

    with i18n.use_language("sv"):
        return i18n.gettext(
            "This is day %(number)s, %(day)s. Today is %(today)s.",
            number=number,
            day=i18n.format_day(day),
            today=i18n.format_day(checkins.today()),
        )


async def another_day_is_confirmed_first(page: Page, viewport: str) -> None:
    """An organiser's scanner on an event's first day, weeks ahead: the top says it is not today, a
    scan asks to confirm (writing nothing), the confirmation checks in and the counter follows."""
    from events_app import i18n
    from events_app.domain import checkins
    from events_app.domain.registrations import Registrant
    from events_app.domain.tables import Attendance
    from events_app.i18n import localtime
    from tests.browser.test_checkin_browser import KEEP_ANSWERS, counter, day_label, screenshot, sign_in_and_pair
    from tests.registration_helpers import form, published_event, registered

    event = await published_event(days_ahead=20)
    day_one = localtime(event["starts_at"]).date()
    anna = await registered(event["slug"], form("anna@example.se"), Registrant())
    await sign_in_and_pair(page, event["slug"], email="organiser@test.se")
    await page.evaluate(KEEP_ANSWERS)

    await expect(page.locator("#door-label")).to_have_text(day_label(1, day_one))
    with i18n.use_language("sv"):
        today = i18n.format_day(checkins.today())
    await expect(page.locator("#door-not-today")).to_have_text(
        sv("This is not today. Today is %(today)s.", today=today)
    )
    count = page.locator("#checkin-counter")
    await expect(count).to_have_text(counter(0, 1))

    await page.get_by_label(sv("Reason, when checking in for another day than today")).fill("Efter listan")
    code = page.get_by_label(sv("Ticket code"))
    await code.fill(anna["short_code_display"])
    await code.press("Enter")
    asked = page.locator("#checkin-answer")
    await expect(asked.locator(".answer-confirm")).to_have_text(another_day_sentence(1, day_one))
    await expect(asked.locator(".answer-name")).to_have_text("Anna Andersson")
    assert await Attendance.count() == 0  # nothing written before the confirmation
    await assert_accessible(page, f"the scanner asking to confirm another day ({viewport})")
    await screenshot(page, f"confirm-{viewport}")

    await asked.get_by_role("button", name=sv("Check in for day %(number)s", number=1)).click()
    await expect(asked.locator(".answer-title")).to_have_text(sv("Welcome"))
    await expect(count).to_have_text(counter(1, 1))
    assert await Attendance.count() == 1
    await page.keyboard.press("Escape")
    await assert_accessible(page, f"the scanner for another day ({viewport})")
    await screenshot(page, f"another-day-{viewport}")


async def test_another_day_is_confirmed_first_on_a_phone(phone_page: Page, staff_accounts):
    await another_day_is_confirmed_first(phone_page, "phone")


async def test_another_day_is_confirmed_first_on_a_desktop(page: Page, staff_accounts):
    await page.set_viewport_size({"width": 1366, "height": 900})
    await another_day_is_confirmed_first(page, "desktop")


async def accessible_as_shown(checker: Page, shown: Page, what: str) -> None:
    """axe needs script, which `shown` has not: its page is checked in `checker`, from the same origin."""
    await checker.goto("/")
    await checker.set_content(await shown.content())
    await assert_accessible(checker, what)


async def test_without_javascript_the_search_checks_in_and_another_day_is_confirmed(
    browser, live_server, page: Page, staff_accounts
):
    from events_app.domain.registrations import Registrant
    from events_app.domain.tables import Attendance
    from events_app.i18n import localtime
    from tests.browser.test_checkin_browser import screenshot
    from tests.registration_helpers import form, published_event, registered

    event = await published_event(days_ahead=20)
    day_one = localtime(event["starts_at"]).date()
    await registered(event["slug"], form("anna@example.se"), Registrant())
    context = await browser.new_context(
        base_url=live_server, locale="sv-SE", java_script_enabled=False, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    checker, page = page, await context.new_page()
    try:
        await sign_in_as_organiser(page)
        await page.goto(f"/checkin/{event['slug']}")
        await page.get_by_label(sv("Reason, when checking in for another day than today")).fill("Efter listan")
        await page.get_by_label(sv("Name or organisation")).fill("anna")
        await page.locator("#search-form button[type=submit]").click()
        await expect(page.locator("h1")).to_contain_text("anna")
        await accessible_as_shown(checker, page, "the search without the script")
        await page.get_by_role("button", name=re.compile(sv("Check in"))).click()

        await expect(page.locator("main")).to_contain_text(another_day_sentence(1, day_one))
        assert await Attendance.count() == 0
        await accessible_as_shown(checker, page, "the confirmation without the script")
        await screenshot(page, "confirm-without-script-desktop")
        await page.get_by_role("button", name=sv("Check in for day %(number)s", number=1)).click()
        await expect(page.locator("h1")).to_have_text(sv("Welcome"))
        assert await Attendance.count() == 1
    finally:
        await context.close()
