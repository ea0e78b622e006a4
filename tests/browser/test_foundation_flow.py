"""The foundation's main paths through a real browser, against the real server, with axe checks on every page.

Swedish texts are looked up in the app's own catalogue (`sv(...)`), so the tests state what the page
must say without copying the translations.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from events_app import i18n
from tests.browser.accessibility import assert_accessible
from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE_WIDTH = 360


def sv(message: str, **params: object) -> str:
    with i18n.use_language("sv"):
        return i18n.gettext(message, **params)


async def add_member(name: str, email: str, organisation: str, side: str) -> None:
    from events_app.domain.audit import Actor
    from events_app.domain.people import MemberInput, create_member

    await create_member(
        MemberInput(
            name=name,
            email=email,
            organisation=organisation,
            side=side,
            title="Ledamot",
            term_start="2027-01-01",
            term_end="2030-12-31",
        ),
        Actor.system("test"),
    )


async def expect_language(page: Page, language: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", language)
    # The switch always offers the other language, written in that language.
    offered = "English" if language == "sv" else "Svenska"
    await expect(page.locator("header form[action='/language'] button")).to_have_text(offered)


async def test_staff_sign_in_language_switch_and_sign_out(page: Page, staff_accounts):
    await add_member("Sofia Åkesson", "sofia.akesson@test.se", "sundsvall", "majority")

    # The front page, in Swedish by default.
    response = await page.goto("/")
    assert response is not None and response.status == 200
    await expect_language(page, "sv")
    await expect(page.locator("h1")).to_have_text(sv("Sustainability Council of Västernorrland"))
    await assert_accessible(page, "the front page")

    # To the staff sign-in page through the front page's link.
    await page.locator("main a[href='/login']").click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    await expect(page.locator("h1")).to_have_text(sv("Staff sign-in"))
    await assert_accessible(page, "the staff sign-in page")

    # A wrong password: the message sits by the email field, tied to it for screen readers.
    await page.locator("#field-email").fill("organiser@test.se")
    await page.locator("#field-password").fill("not-the-right-password")
    async with page.expect_navigation() as navigation:
        await page.locator("main form[action='/login'] button[type=submit]").click()
    assert (await navigation.value).status == 400
    message = sv("The email address or the password is wrong.")
    field = page.locator("#field-email")
    await expect(field).to_have_attribute("aria-invalid", "true")
    assert "error-email" in ((await field.get_attribute("aria-describedby")) or "").split()
    await expect(page.locator(".field.has-error:has(#field-email) #error-email")).to_have_text(message)
    summary_link = page.locator(".error-summary a[href='#field-email']")
    await expect(summary_link).to_have_text(f"{sv('Email address')}: {message}")
    await expect(field).to_have_value("organiser@test.se")  # the address is kept, the password is not
    await expect(page.locator("#field-password")).to_have_value("")
    await assert_accessible(page, "the sign-in page showing an error")

    # The right password lands in the back office.
    await page.locator("#field-password").fill(DEMO_PASSWORD)
    await page.locator("main form[action='/login'] button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/staff$"))
    await expect(page.locator("h1")).to_have_text(sv("Back office"))
    await expect(page.locator("main")).to_contain_text("Olle Organisatör")
    await assert_accessible(page, "the back office")

    # The members list, through the back office's card.
    await page.locator("main a[href='/organiser/members']").click()
    await expect(page).to_have_url(re.compile(r"/organiser/members$"))
    await expect(page.locator("h1")).to_have_text(sv("Council members"))
    await expect(page.locator("#roster table tbody")).to_contain_text("Sofia Åkesson")
    await expect(page.locator("#roster table tbody")).to_contain_text("Sundsvalls kommun")
    await assert_accessible(page, "the members list")

    # English with the header's button: the same page comes back in English...
    await page.get_by_role("button", name="English").click()
    await expect_language(page, "en")
    await expect(page).to_have_url(re.compile(r"/organiser/members$"))
    await expect(page.locator("h1")).to_have_text("Council members")
    await expect(page.locator("#roster table tbody")).to_contain_text("Sundsvall Municipality")
    await expect(page.locator("header nav")).to_contain_text("Sign out")
    await assert_accessible(page, "the members list in English")

    # ...and the next page is English too.
    await page.locator("header a[href='/staff']").click()
    await expect(page).to_have_url(re.compile(r"/staff$"))
    await expect_language(page, "en")
    await expect(page.locator("h1")).to_have_text("Back office")

    # Back to Swedish.
    await page.get_by_role("button", name="Svenska").click()
    await expect_language(page, "sv")
    await expect(page).to_have_url(re.compile(r"/staff$"))
    await expect(page.locator("h1")).to_have_text(sv("Back office"))

    # Signing out: the header offers to sign in again, and the back office is closed.
    await page.locator("header form[action='/logout'] button").click()
    await expect(page).to_have_url(re.compile(r"/$"))
    sign_in_link = page.locator("header a[href='/login/link']")
    await expect(sign_in_link).to_have_text(sv("Sign in"))
    await expect(page.locator("header form[action='/logout']")).to_have_count(0)
    await expect(page.locator(".flash")).to_have_text(sv("You are signed out."))
    await assert_accessible(page, "the front page after signing out")
    await page.goto("/staff")
    await expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)staff$"))


async def test_member_signs_in_with_the_emailed_link(page: Page):
    from events_app.domain.tables import OutboxMessage

    await add_member("Maja Medlemsson", "maja.medlemsson@test.se", "kramfors", "opposition")

    await page.goto("/")
    await page.locator("header a[href='/login/link']").click()
    await expect(page).to_have_url(re.compile(r"/login/link$"))
    await assert_accessible(page, "the sign-in link form")

    await page.locator("#field-email").fill("Maja.Medlemsson@test.se")
    await page.locator("main form[action='/login/link'] button[type=submit]").click()
    await expect(page.locator("h1")).to_have_text(sv("Check your email"))
    await assert_accessible(page, "the 'check your email' page")

    message = (
        await OutboxMessage.select(OutboxMessage.text_body)
        .where(OutboxMessage.to_address == "maja.medlemsson@test.se")
        .first()
    )
    assert message is not None, "no sign-in link was queued for the member"
    match = re.search(r"/login/link/([A-Za-z0-9_\-]+)", message["text_body"])
    assert match, f"no sign-in link in the message:\n{message['text_body']}"

    # Opening the link only shows a button (mail scanners must not use it up); pressing it signs in.
    await page.goto(f"/login/link/{match.group(1)}")
    await expect(page.locator("h1")).to_have_text(sv("Sign in"))
    await assert_accessible(page, "the sign-in link's landing page")
    await page.locator("main form[action^='/login/link/'] button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/my/?$"))
    await expect(page.locator("h1")).to_have_text(sv("My pages"))
    await expect(page.locator("main")).to_contain_text(sv("Signed in as %(name)s.", name="Maja Medlemsson"))
    await expect(page.locator("main")).to_contain_text("Kramfors kommun")
    await expect(page.locator("header a[href='/my']")).to_be_visible()
    await assert_accessible(page, "My pages")

    # The link works once.
    await page.goto(f"/login/link/{match.group(1)}")
    await expect(page.locator("h1")).to_have_text(sv("The link no longer works"))


@pytest.mark.parametrize("path", ["/", "/login"])
async def test_no_horizontal_scrolling_on_a_phone(phone_page: Page, path: str):
    await phone_page.goto(path)
    await expect(phone_page.locator("h1")).to_be_visible()
    widths = await phone_page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
        " inner: window.innerWidth})"
    )
    assert widths["inner"] == PHONE_WIDTH, widths
    assert widths["scroll"] <= PHONE_WIDTH, f"{path} scrolls sideways at {PHONE_WIDTH} px: {widths}"
    await assert_accessible(phone_page, f"{path} on a phone")


async def test_the_accessibility_check_reports_violations(page: Page):
    """The helper is not vacuous: a page with an unlabelled field and an image without text fails it."""
    await page.set_content(
        '<!doctype html><html lang="sv"><head><title>Fel</title></head><body><main><h1>Fel</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text"></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        await assert_accessible(page, "a broken page")
    report = str(failure.value)
    assert "image-alt (critical)" in report and "label (critical)" in report, report
    assert "at img" in report and "at input" in report, report
