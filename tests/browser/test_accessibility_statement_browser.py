"""The accessibility statement in a real browser: reached from the footer, checked with axe in Swedish and
in English (the header's language switch, same address), and its feedback form sent, first with a
mistake (the messages and the summary) and then right, with the thanks shown and the message stored."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


def en(message: str, **params) -> str:
    return tr("en", message, **params)


async def test_the_statement_in_both_languages_and_its_feedback_form(page: Page):
    from events_app.domain.tables import AccessibilityFeedback

    await page.goto("/")
    await page.locator("footer").get_by_role("link", name=sv("Accessibility statement")).click()
    await expect(page).to_have_url(re.compile(r"/tillganglighet$"))
    await expect(page.locator("h1")).to_have_text(sv("Accessibility statement"))
    await expect(page.get_by_role("link", name=sv("Report to DIGG (digg.se)"))).to_have_attribute(
        "href", "https://www.digg.se/tdosanmalan"
    )
    await assert_accessible(page, "the accessibility statement in Swedish")

    # A message without text: the summary and the field's own message, what was typed kept.
    await page.get_by_label(sv("Your name")).fill("Åsa Öberg")
    await page.get_by_label(sv("Your email address")).fill("asa.oberg@example")
    await page.get_by_role("button", name=sv("Send"), exact=True).click()
    await expect(page.locator(".error-summary")).to_be_visible()
    await expect(page.locator("#error-message")).to_have_text(sv("Write your message."))
    await expect(page.locator("#error-email")).to_be_visible()
    await expect(page.get_by_label(sv("Your name"))).to_have_value("Åsa Öberg")
    await assert_accessible(page, "the feedback form with errors")

    await page.get_by_label(sv("Your email address")).fill("asa.oberg@example.se")
    await page.get_by_label(sv("Your message")).fill("Intyget som PDF går inte att läsa med min skärmläsare.")
    await page.get_by_role("button", name=sv("Send"), exact=True).click()
    await expect(page.locator(".flash")).to_have_text(
        sv("Thank you! Your message has been sent to the platform's administrators.")
    )
    await expect(page.get_by_label(sv("Your message"))).to_have_value("")
    stored = await AccessibilityFeedback.select(AccessibilityFeedback.message, AccessibilityFeedback.email)
    assert stored == [
        {"message": "Intyget som PDF går inte att läsa med min skärmläsare.", "email": "asa.oberg@example.se"}
    ]
    await assert_accessible(page, "the statement after sending feedback")

    # The same address in English, with the header's switch.
    await page.get_by_role("button", name="English").click()
    await expect(page).to_have_url(re.compile(r"/tillganglighet$"))
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text(en("Accessibility statement"))
    await expect(page.locator("main")).to_contain_text("Certificates and competence records in PDF lack the tags")
    await assert_accessible(page, "the accessibility statement in English")


async def test_the_admin_edits_the_statement_and_reads_the_feedback(page: Page, staff_accounts):
    from events_app.domain import accessibility_feedback
    from events_app.domain.accessibility_feedback import FeedbackInput

    await accessibility_feedback.send(FeedbackInput(message="Kontrasten i sidfoten är för låg."), ip="10.0.0.9")
    await sign_in_as_organiser(page, "admin@test.se")

    await page.get_by_role("link", name=sv("Feedback on accessibility")).click()
    await expect(page.locator("main")).to_contain_text("Kontrasten i sidfoten är för låg.")
    await assert_accessible(page, "the admins' list of feedback")

    await page.get_by_role("link", name=sv("Edit the statement's settings")).click()
    await expect(page.locator("h1")).to_have_text(sv("Accessibility statement"))
    await assert_accessible(page, "the accessibility statement's settings")
    # "Fully compliant" without a manual review is refused, next to the date's field.
    await page.get_by_label(sv("Compliance with WCAG 2.1 AA (EN 301 549)")).select_option("full")
    await page.get_by_role("button", name=sv("Save")).click()
    await expect(page.locator("#error-accessibility_review_date")).to_be_visible()
    await assert_accessible(page, "the statement's settings with an error")
    await page.get_by_label(sv("Date of the latest manual review")).fill("2026-11-20")
    await page.get_by_role("button", name=sv("Save")).click()
    await expect(page.locator(".flash")).to_have_text(sv("The changes were saved."))

    await page.goto("/tillganglighet")
    await expect(page.locator(".compliance-level")).to_have_text(
        sv("This website is fully compliant with the Act on accessibility to digital public services.")
    )
