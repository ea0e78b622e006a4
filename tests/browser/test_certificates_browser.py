"""Certificates in a real browser, on the demo data: an organiser issues the certificates of last
year's Hållbarhetsdagarna; Máret Čuđetsá signs in with her emailed link, downloads hers from *My
pages*, and its QR code leads to the public verification page, which says it is valid. Every page
of the way passes axe's check."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv
from tests.certificate_helpers import MARET, pdf_qr_codes, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def _sign_in_by_link(page: Page, email: str) -> None:
    from events_app.domain.tables import OutboxMessage

    await page.goto("/login/link")
    await page.locator("#field-email").fill(email)
    await page.locator("main form[action='/login/link'] button[type=submit]").click()
    await expect(page.locator("h1")).to_have_text(sv("Check your email"))
    # The link is queued after the answer (so that the answer takes as long whether or not the
    # address is known): wait for it.
    for _ in range(100):
        message = (
            await OutboxMessage.select(OutboxMessage.text_body)
            .where((OutboxMessage.to_address == email) & (OutboxMessage.kind == "sign_in_link"))
            .first()
        )
        if message is not None:
            break
        await asyncio.sleep(0.1)
    assert message is not None, "no sign-in link was queued"
    link = re.search(r"/login/link/[A-Za-z0-9_\-]+", message["text_body"]).group(0)
    await page.goto(link)
    await page.locator("main form[action^='/login/link/'] button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/my/?$"))


async def test_certificates_are_issued_downloaded_and_verified(browser, live_server, staff_accounts):
    from events_app.domain.seed import load_demo
    from events_app.domain.tables import Certificate, Event

    await load_demo()
    finished = await Event.select(Event.slug, Event.title).where(Event.status == "archived").first()

    organiser = await browser.new_context(base_url=live_server, locale="sv-SE")
    organiser.set_default_timeout(TIMEOUT_MS)
    page = await organiser.new_page()
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{finished['slug']}")
    await page.locator(f"main a[href='/organiser/events/{finished['slug']}/certificates']").first.click()
    await expect(page.locator("h1")).to_contain_text(finished["title"])
    await expect(page.locator("main")).to_contain_text(MARET)
    await expect(page.locator("main")).to_contain_text(sv("Not checked in."))
    await assert_accessible(page, "the certificates of a finished event, before issuing")
    await page.locator(
        f"main form[action='/organiser/events/{finished['slug']}/certificates/issue'] button[type=submit]"
    ).click()
    await expect(page.locator(".flash")).to_be_visible()
    issued = await Certificate.count()
    assert issued > 0
    await expect(page.locator("main")).to_contain_text((await Certificate.select(Certificate.number).first())["number"])
    await assert_accessible(page, "the certificates after issuing")
    await organiser.close()

    member = await browser.new_context(base_url=live_server, locale="sv-SE", accept_downloads=True)
    member.set_default_timeout(TIMEOUT_MS)
    page = await member.new_page()
    await _sign_in_by_link(page, "maret.cudetsa@exempel.se")
    mine = await Certificate.select(Certificate.uid, Certificate.number).where(Certificate.name == MARET).first()
    link = page.locator(f"main a[href='/my/certificates/{mine['uid']}.pdf']")
    await expect(link).to_be_visible()
    await assert_accessible(page, "My pages with a certificate")
    async with page.expect_download() as download_info:
        await link.click()
    pdf = Path(await (await download_info.value).path()).read_bytes()
    text = pdf_text(pdf)
    assert MARET in text and finished["title"] in text and mine["number"] in text

    [url] = pdf_qr_codes(pdf)
    await page.goto(urlsplit(url).path)
    await expect(page.locator("main")).to_contain_text(sv("Valid certificate"))
    await expect(page.locator("main")).to_contain_text(MARET)
    await expect(page.locator("main")).to_contain_text(mine["number"])
    await assert_accessible(page, "the verification page")
    await member.close()
