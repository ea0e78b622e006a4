"""An organiser corrects a registrant's organisation in a real browser, at 1366x900 and on a phone:
the page (and its error state) checked with axe and for sideways scrolling, and the event's report
counting the registrant under the organisation chosen. Screenshots: /work/notes/shots/orgname-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SHOTS = Path("/work/notes/shots")


async def _shot(page: Page, name: str) -> None:
    if SHOTS.is_dir():  # only where the reviewers look at them
        await page.screenshot(path=str(SHOTS / f"orgname-{name}.png"), full_page=True)


async def _corrects_the_organisation(page: Page, viewport: str) -> None:
    from events_app.domain import registrations
    from events_app.domain.registrations import Registrant, RegistrationInput
    from tests.registration_helpers import published_event

    event = await published_event()
    result = await registrations.register(
        event["slug"],
        RegistrationInput(
            name="Gun Gäst", email="gun@example.se", organisation="Sundsvalls kommun, miljökontoret", consent=True
        ),
        Registrant(),
    )
    uid = str(result.registration["uid"])
    await sign_in_as_organiser(page)
    url = f"/organiser/registrations/{uid}/organisation"
    await page.goto(url)

    await expect(page.locator("h1")).to_have_text(f"{sv('Correct the organisation')}: Gun Gäst")
    other = page.get_by_label(sv("Other organisation"), exact=True)
    await expect(other).to_have_value("Sundsvalls kommun, miljökontoret")
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"{url} scrolls sideways: {widths}"
    await assert_accessible(page, f"the organisation form ({viewport})")
    await _shot(page, f"form-{viewport}")

    # Too long: the error summary, with focus on it, and nothing changed.
    await other.fill("x" * 201)
    await page.get_by_role("button", name=sv("Save the organisation")).click()
    await expect(page.locator(".error-summary")).to_be_visible()
    await expect(page.locator(".error-summary a")).to_have_text(
        sv("Other organisation") + ": " + sv("At most %(max)s characters.", max=200)
    )
    await expect(page.locator(".error-summary")).to_be_focused()
    await assert_accessible(page, f"the organisation form with an error ({viewport})")
    await _shot(page, f"error-{viewport}")

    await page.get_by_label(sv("The county’s organisations")).select_option(label="Sundsvalls kommun")
    await other.fill("")
    await page.get_by_role("button", name=sv("Save the organisation")).click()
    await expect(page).to_have_url(re.compile(rf"/organiser/registrations/{uid}$"))
    await expect(page.get_by_text(sv("The organisation of %(name)s is saved.", name="Gun Gäst"))).to_be_visible()

    await page.goto(f"/organiser/events/{event['slug']}/report")
    row = page.locator("table:has(#org-caption) tr", has=page.locator("th", has_text="Sundsvalls kommun"))
    await expect(row.locator("td").first).to_have_text("1")
    others = page.locator("table:has(#org-caption) tr", has=page.locator("th", has_text=sv("Others")))
    await expect(others.locator("td").first).to_have_text("0")


async def test_an_organiser_corrects_an_organisation_on_a_desktop(page: Page, staff_accounts):
    await page.set_viewport_size({"width": 1366, "height": 900})
    await _corrects_the_organisation(page, "desktop")


async def test_an_organiser_corrects_an_organisation_on_a_phone(phone_page: Page, staff_accounts):
    await _corrects_the_organisation(phone_page, "phone")
