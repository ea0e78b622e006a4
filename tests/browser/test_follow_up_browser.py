"""Follow-up after an event in a real browser: an organiser uploads a PDF as material for those who
attended, sends a follow-up mailing to them, and opens the event's participation report. Only the
person checked in gets the mailing; every page of the way passes axe's check."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def _small_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Presentation: Klimatanpassning")
    return bytes(pdf.output())


async def test_material_a_mailing_and_the_report(page: Page, staff_accounts):
    from events_app.domain.tables import MailingRecipient, Material
    from tests.certificate_helpers import check_in, days_of, finished_event, participant

    event = await finished_event(title="Hållbarhetsdagen i Sundsvall")
    came = await participant(event, "Anna Andersson", "anna@example.se")
    await participant(event, "Bo Berg", "bo@example.se")
    await check_in(event, came, days_of(event)[0])
    base = f"/organiser/events/{event['slug']}"

    await sign_in_as_organiser(page)
    await page.goto(base)
    await page.locator(f"a[href='{base}/material']").first.click()
    await expect(page.locator("h1")).to_contain_text(event["title"])
    await assert_accessible(page, "the event's material")
    upload = page.locator(f"main form[action='{base}/material/upload']")
    await upload.locator("#field-title").fill("Presentationen från förmiddagen")
    await upload.locator("#field-visibility").select_option("attended")
    await upload.locator("#field-file").set_input_files(
        files=[{"name": "presentation.pdf", "mimeType": "application/pdf", "buffer": _small_pdf()}]
    )
    await upload.locator("button[type=submit]").click()
    await expect(page.locator("main")).to_contain_text("Presentationen från förmiddagen")
    assert await Material.count() == 1
    await assert_accessible(page, "the event's material after an upload")

    await page.goto(base)
    await page.locator(f"a[href='{base}/mailings']").first.click()
    await assert_accessible(page, "the event's mailings")
    await page.goto(f"{base}/mailings/new")
    await page.locator("label[for='audience-attended']").click()
    await page.locator("#field-subject_sv").fill("Tack för att du kom")
    await page.locator("#field-body_sv").fill("Här är presentationerna från dagen.\n\nVälkommen tillbaka!")
    await assert_accessible(page, "the mailing form")
    await page.locator(f"main form[action='{base}/mailings/new'] button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/mailings/[0-9a-f-]{36}$"))
    await expect(page.locator("main")).to_contain_text(sv("This mailing will go to %(num)s person.", num=1))
    await assert_accessible(page, "the mailing's preview")
    await page.locator("main form[action$='/send'] button[type=submit]").click()
    await expect(page.locator("main")).to_contain_text("anna@example.se")
    recipients = await MailingRecipient.select(MailingRecipient.email)
    assert [row["email"] for row in recipients] == ["anna@example.se"]
    await assert_accessible(page, "the mailing after sending")

    await page.goto(base)
    await page.locator(f"a[href='{base}/report']").first.click()
    await expect(page.locator("main figure.chart").first).to_be_visible()
    await assert_accessible(page, "the event's participation report")
