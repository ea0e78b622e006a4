"""An organiser invites people in a real browser on a 360 px phone: adds an invitee through the form,
sends the invitations and watches the sending progress update by itself as the mail is delivered
(to a real SMTP server). Every page on the way is checked with axe and for sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from events_app import i18n
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import (
    PHONE_WIDTH,
    sign_in_as_organiser,
    sv,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

BAD_LIST = "namn;e-post\nKarin Berg;karin@energibolaget.se\nPer Ek;inte-en-adress\nLina Holm;lina@forskning.se\n"


async def check_page(page: Page, what: str) -> None:
    """Every row's actions opened, no sideways scrolling of the page itself, and axe's check."""
    await expect(page.locator("h1")).to_be_visible()
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["inner"] == PHONE_WIDTH, widths
    assert widths["scroll"] <= PHONE_WIDTH, f"{what} scrolls sideways at {PHONE_WIDTH} px: {widths}"
    await assert_accessible(page, f"{what} on a phone")


async def test_an_organiser_invites_someone_and_sees_the_invitation_delivered(
    phone_page: Page, staff_accounts, smtp_server
):
    from tests.account_helpers import add_member
    from tests.registration_helpers import deliver, published_event

    event = await published_event(audience="invitation")
    await add_member("Anna Lindqvist", "anna.lindqvist@example.se")
    base = f"/organiser/events/{event['slug']}/invitations"
    page = phone_page
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{event['slug']}")
    await page.locator(f"main a[href='{base}']").click()
    await expect(page.locator("h1")).to_contain_text(sv("Invitations"))
    await expect(page.locator("#sending-progress")).to_have_text(sv("No invitations have been sent yet."))
    await check_page(page, "the empty invite list")

    # The add form: a bad address is pointed out next to its field, then corrected.
    await page.locator(f"main a[href='{base}/new']").click()
    await check_page(page, "the add form")
    await page.locator("#field-name").fill("Karin Berg")
    await page.locator("#field-email").fill("karin@")
    await page.locator("#field-organisation").select_option("sundsvall")
    await page.locator("#field-note").fill("Vi hoppas att du vill berätta om vätgas.")
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator("#field-email")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#error-email")).to_have_text(sv("Enter a valid email address, like name@example.se."))
    await check_page(page, "the add form with an error")
    await page.locator("#field-email").fill("karin@energibolaget.se")
    await page.locator("main form button[type=submit]").click()

    await expect(page.locator(".flash")).to_have_text(sv("%(name)s was added to the invite list.", name="Karin Berg"))
    row = page.locator("tbody tr", has=page.locator("th", has_text="Karin Berg"))
    await expect(row.locator("td").nth(1)).to_have_text("Sundsvalls kommun")
    await expect(row.locator("td").nth(2)).to_have_text(sv("Not sent"))
    await check_page(page, "the invite list with one invitee")

    # The members page and an import with a bad row (nothing imported until asked) pass the same checks.
    await page.goto(f"{base}/members")
    await page.locator("#select-all-members").check()  # shown by the script, which ticks every member
    await expect(page.locator("input[name=members]")).to_be_checked()
    await check_page(page, "the members page")
    await page.goto(f"{base}/import")
    await check_page(page, "the import form")
    await page.locator("#field-file").set_input_files(
        files=[{"name": "gaster.csv", "mimeType": "text/csv", "buffer": BAD_LIST.encode()}]
    )
    await page.locator("main form.narrow button[type=submit]").click()
    await expect(page.locator("table tbody th")).to_have_text(["2", "3"])  # Karin is on the list already
    await expect(page.locator("input[name=only_good_rows] ~ button")).to_be_visible()
    await check_page(page, "the import report")

    # Sending: the button says how many; the progress follows the mail without reloading the page.
    await page.goto(base)
    await page.locator("#field-message").fill("Välkommen till årets Hållbarhetsdagar!")
    send = page.locator(f"main form[action='{base}/send'] button[type=submit]")
    with i18n.use_language("sv"):
        await expect(send).to_have_text(i18n.ngettext("Send %(num)s invitation", "Send %(num)s invitations", 1))
    await send.click()
    progress = page.locator("#sending-progress")
    await expect(progress).to_contain_text(f"{sv('Being sent')}: 1")
    await expect(row.locator("td").nth(2)).to_have_text(sv("Being sent"))
    await check_page(page, "the invite list while sending")

    assert await deliver(smtp_server.settings) == 1
    [message] = smtp_server.collector.messages
    assert message["To"].addresses[0].addr_spec == "karin@energibolaget.se"
    await expect(progress).to_contain_text(f"{sv('Delivered')}: 1")
    await expect(progress).to_contain_text(f"{sv('Being sent')}: 0")
    await progress.get_by_role("link").click()
    await expect(row.locator("td").nth(2)).to_have_text(sv("Sent"))
    await check_page(page, "the invite list after sending")
