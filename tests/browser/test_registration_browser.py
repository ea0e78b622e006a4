"""Registering in a real browser: from the event page through the form (with its errors) to "my
registration", changing the workshop and cancelling, with an axe check on every page on the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


async def test_register_change_the_workshop_and_cancel(page: Page):
    from tests.registration_helpers import published_event

    event = await published_event(title="Hållbarhetsdagarna")
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.goto(f"/events/{event['slug']}")
    await assert_accessible(page, "the event page with its call to register")
    await page.get_by_role("link", name=re.compile("^" + re.escape(sv("Register")))).click()

    await expect(page.locator("h1")).to_contain_text(sv("Register for %(title)s", title="Hållbarhetsdagarna"))
    await assert_accessible(page, "the registration form")

    # Sending it half filled in: the messages, a summary linking to the fields, what was typed kept.
    await page.get_by_label(sv("Name")).fill("Anna Andersson")
    await page.get_by_role("button", name=sv("Register")).click()
    await expect(page.locator(".error-summary")).to_be_visible()
    await expect(page.locator("#error-email")).to_have_text(sv("Enter an email address."))
    await expect(page.locator("#error-consent")).to_be_visible()
    await expect(page.get_by_label(sv("Name"))).to_have_value("Anna Andersson")
    await assert_accessible(page, "the registration form with errors")

    await page.get_by_label(sv("Email address")).fill("anna@example.se")
    await page.get_by_label(sv("Organisation"), exact=True).select_option("sundsvall")
    await page.get_by_label("Workshop A: Klimat").check()
    await page.get_by_label(sv("I agree that the council stores and uses my details to organise the event.")).check()
    await page.get_by_role("button", name=sv("Register")).click()

    await expect(page).to_have_url(re.compile(r"/registration/[A-Za-z0-9_-]{43}\?new=1$"))
    await expect(page.locator(".notice-success")).to_contain_text(sv("Thank you! Your registration is confirmed."))
    await expect(page.locator(".ticket-qr svg[role=img]")).to_be_visible()
    await expect(page.locator(".short-code")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    await expect(page.locator(".session-list")).to_contain_text("Workshop A: Klimat")
    await assert_accessible(page, "my registration")
    qr = await page.locator(".ticket-qr svg").bounding_box()
    assert 200 <= qr["width"] <= 320, qr  # at most 320 px on a wide screen
    await page.set_viewport_size({"width": 360, "height": 740})
    qr = await page.locator(".ticket-qr svg").bounding_box()
    assert qr["width"] >= 300, qr  # the width of a phone screen, less the margins
    await page.set_viewport_size({"width": 1280, "height": 900})

    # Another workshop at the same time: the change form opens from its button, one radio for the other.
    await page.get_by_text(sv("Change your registration"), exact=True).click()
    await expect(page.get_by_label("Workshop A: Klimat")).to_be_checked()
    await page.get_by_label("Workshop B: Energi").check()
    await expect(page.get_by_label("Workshop A: Klimat")).not_to_be_checked()
    await page.get_by_role("button", name=sv("Save changes")).click()
    await expect(page.locator(".flash")).to_contain_text(sv("Your registration is updated."))
    await expect(page.locator(".session-list")).to_contain_text("Workshop B: Energi")
    await expect(page.locator(".session-list")).not_to_contain_text("Workshop A: Klimat")

    await page.get_by_role("link", name=sv("Cancel registration")).click()
    await expect(page.locator("h1")).to_have_text(sv("Cancel registration"))
    await assert_accessible(page, "the cancel confirmation")
    await page.get_by_role("button", name=sv("Yes, cancel my registration")).click()
    await expect(page.locator(".registration-status")).to_contain_text(sv("Registration cancelled"))
    await expect(page.locator(".ticket-qr")).to_have_count(0)


async def test_a_held_registration_is_confirmed_from_its_private_page(page: Page):
    """The eleventh anonymous registration from one address within the hour: thanked without a ticket,
    then confirmed on the private page the mail links to, and the ticket appears."""
    from events_app.domain import registrations
    from events_app.domain.registrations import Registrant
    from events_app.domain.tables import Registration
    from tests.registration_helpers import form, published_event

    event = await published_event(title="Hållbarhetsdagarna")
    for n in range(10):  # the browser, like these, comes from 127.0.0.1
        await registrations.register(event["slug"], form(f"p{n}@example.se"), Registrant(ip="127.0.0.1"))

    await page.goto(f"/events/{event['slug']}/register")
    await page.get_by_label(sv("Name")).fill("Bo Berg")
    await page.get_by_label(sv("Email address")).fill("bo@example.se")
    await page.get_by_label(sv("Organisation"), exact=True).select_option("sundsvall")
    await page.get_by_label(sv("I agree that the council stores and uses my details to organise the event.")).check()
    await page.get_by_role("button", name=sv("Register")).click()
    await expect(page).to_have_url(re.compile(rf"/events/{event['slug']}/register/check-email$"))
    await expect(page.locator("h1")).to_have_text(sv("Check your email"))
    await expect(page.locator("main")).to_contain_text("bo@example.se")
    await assert_accessible(page, "check your email after a held registration")
    await page.get_by_role("button", name=sv("Send the link again")).click()
    await expect(page.locator(".flash")).to_contain_text(
        sv("We have sent the link again to %(email)s.", email="bo@example.se")
    )
    await assert_accessible(page, "check your email after sending the link again")
    if Path("/work/notes/shots").is_dir():
        await page.screenshot(path="/work/notes/shots/ticket-held-sent-again-1280.png", full_page=True)

    row = await Registration.select(Registration.manage_token).where(Registration.email == "bo@example.se").first()
    await page.goto(f"/registration/{row['manage_token']}")
    await expect(page.locator("#held-title")).to_have_text(sv("Confirm your registration"))
    await expect(page.locator(".ticket-qr")).to_have_count(0)
    await assert_accessible(page, "a held registration")
    await page.get_by_role("button", name=sv("Confirm"), exact=True).click()
    await expect(page.locator(".flash")).to_have_text(
        sv("Thank you! Your registration is confirmed; your ticket is on its way.")
    )
    await expect(page.locator(".ticket-qr svg[role=img]")).to_be_visible()
    await expect(page.locator("#held-title")).to_have_count(0)
