"""The privacy notice in a real browser, in Swedish and in English, with axe checks; and the admin's
form for its texts, which shows the version now published."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from events_app import i18n
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def sv(message: str, **params: object) -> str:
    with i18n.use_language("sv"):
        return i18n.gettext(message, **params)


async def test_the_notice_in_swedish_and_english(page: Page):
    from events_app.domain import privacy_notice, site_settings
    from events_app.domain.audit import Actor

    await site_settings.save(
        "privacy",
        {
            **await site_settings.values("privacy"),
            "privacy_controller_email": "dataskydd@kfvn.se",
            "privacy_dpo_contact": "Dataskyddsombudet\ndso@kfvn.se",
        },
        actor=Actor.system("test"),
    )
    version = await privacy_notice.current_version()

    response = await page.goto("/privacy")
    assert response is not None and response.status == 200
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await expect(page.locator("h1")).to_have_text(sv("How we handle personal data"))
    await expect(page.locator("#notice-version")).to_contain_text(version)
    await expect(page.locator("main")).to_contain_text("Anmälan till evenemang")
    await expect(page.locator("main a[href='https://www.imy.se']")).to_be_visible()
    await expect(page.locator("main a[href='/my/data']")).to_have_text(
        sv("You can see and download your data on My pages")
    )
    await assert_accessible(page, "the privacy notice in Swedish")

    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page).to_have_url(re.compile(r"/privacy$"))
    await expect(page.locator("h1")).to_have_text("How we handle personal data")
    await expect(page.locator("main")).to_contain_text("Registration for events")
    await expect(page.locator("#retention-retention_sensitive_days")).to_have_text("30 days")
    await assert_accessible(page, "the privacy notice in English")


async def test_the_admins_form_for_the_notice(page: Page, staff_accounts):
    from events_app.domain import privacy_notice

    await sign_in_as_organiser(page, "admin@test.se")

    await page.goto("/admin/settings/privacy")
    await expect(page.locator("h1")).to_have_text(sv("Privacy notice"))
    await expect(page.locator("main")).to_contain_text(await privacy_notice.current_version())
    await assert_accessible(page, "the privacy notice's settings")
