"""An invitee in a real browser: the invitation is delivered to a real SMTP server, the link is taken
from the mail and opened in Chromium; accepting goes through the registration form filled in from the
invitation, declining takes a reason (on a 360 px phone). Every page on the way is checked with axe,
and nothing may be loaded from anywhere but the site (the pages carry the invitation's secret)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE_WIDTH = 360
MAIL_LINK = re.compile(r"http://testserver(/invitation/[A-Za-z0-9_-]+)")
NOTE = "Vi vill gärna höra om er vätgassatsning."


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


async def invitation_link(smtp_server, email: str, **fields) -> tuple[dict, str]:
    """A published invitation-only event, `email` invited and the invitation delivered over SMTP;
    returns the event and the path of the link in the mail that arrived."""
    from events_app.domain import invitations
    from events_app.domain.invitations import InviteeInput
    from tests.registration_helpers import SYSTEM, deliver, parts, published_event

    event = await published_event(audience="invitation", description="Två dagar om **klimat** och energi.")
    await invitations.add_invitee(event["slug"], InviteeInput(email=email, **fields), SYSTEM)
    assert await invitations.send_invitations(event["slug"], "Välkommen!", SYSTEM) == 1
    await deliver(smtp_server.settings)
    [message] = smtp_server.collector.messages
    assert message["To"].addresses[0].addr_spec == email
    match = MAIL_LINK.search(parts(message)["text"])
    assert match, parts(message)["text"]
    return event, match.group(1)


def requests_elsewhere(page: Page, site: str) -> list[str]:
    """Collects every request the page makes to another origin than the site's (none expected)."""
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(site + "/") else elsewhere.append(request.url))
    return elsewhere


async def test_accept_the_invitation_from_the_mail_and_register(page: Page, live_server: str, smtp_server):
    from events_app.domain.tables import Invitation, Registration

    event, link = await invitation_link(
        smtp_server, "karin@energibolaget.se", name="Karin Berg", note=NOTE, organisation="sundsvall"
    )
    elsewhere = requests_elsewhere(page, live_server)
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.goto(link)
    await expect(page.locator("h1")).to_have_text(sv("Invitation: %(title)s", title="Hållbarhetsdagarna"))
    await expect(page.locator("main")).to_contain_text(sv("Hello %(name)s,", name="Karin Berg"))
    await expect(page.locator(".invitation-note")).to_have_text(NOTE)
    await expect(page.locator(".invitation-answer")).to_have_text(sv("Not answered yet"))
    await expect(page.locator(".rich-text strong")).to_have_text("klimat")
    await assert_accessible(page, "the invitation page")

    await page.get_by_role("link", name=sv("Accept and register")).click()
    await expect(page).to_have_url(re.compile(rf"/events/{event['slug']}/register\?invitation="))
    await expect(page.locator("main")).to_contain_text(sv("You are invited personally."))
    email = page.get_by_label(sv("Email address"))
    await expect(email).to_have_value("karin@energibolaget.se")
    await expect(email).not_to_be_editable()
    await expect(page.locator("#hint-email")).to_have_text(
        sv("The invitation is personal, so the registration uses the address it was sent to.")
    )
    await expect(page.get_by_label(sv("Name"))).to_have_value("Karin Berg")
    await expect(page.get_by_label(sv("Organisation"), exact=True)).to_have_value("sundsvall")
    await assert_accessible(page, "the registration form filled in from the invitation")

    await page.get_by_label(sv("I agree that the council stores and uses my details to organise the event.")).check()
    await page.get_by_role("button", name=sv("Register")).click()

    await expect(page).to_have_url(re.compile(r"/registration/[A-Za-z0-9_-]{43}\?new=1$"))
    await expect(page.locator(".notice-success")).to_contain_text(sv("Thank you! Your registration is confirmed."))
    await assert_accessible(page, "the confirmation")
    assert (await Invitation.select(Invitation.status).first())["status"] == "accepted"
    assert (await Registration.select(Registration.email, Registration.status).first()) == {
        "email": "karin@energibolaget.se",
        "status": "confirmed",
    }

    # Back on the invitation: accepted, with the way to the registration and still a way to decline.
    await page.goto(link)
    await expect(page.locator(".invitation-answer")).to_have_text(sv("Accepted"))
    await expect(page.locator(".registration-status")).to_have_text(sv("Confirmed"))
    await expect(page.locator("main")).to_contain_text(
        sv("Declining cancels your registration, and your place goes to the next in line.")
    )
    await assert_accessible(page, "the accepted invitation")
    await page.get_by_role("link", name=sv("My registration")).click()
    await expect(page).to_have_url(re.compile(r"/registration/[A-Za-z0-9_-]{43}$"))
    assert elsewhere == []


async def test_decline_with_a_reason_on_a_phone(phone_page: Page, live_server: str, smtp_server):
    from events_app.domain.tables import Invitation

    page = phone_page
    _, link = await invitation_link(smtp_server, "olle@example.se", name="Olle Ek", note=NOTE)
    elsewhere = requests_elsewhere(page, live_server)

    await page.goto(link)
    await expect(page.locator("h1")).to_be_visible()
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["inner"] == PHONE_WIDTH and widths["scroll"] <= PHONE_WIDTH, widths
    await assert_accessible(page, "the invitation page on a phone")

    # Too long a reason: the message sits by the field, and the text is kept.
    reason = page.get_by_label(sv("Reason for declining"))
    await reason.fill("x" * 2001)
    await page.get_by_role("button", name=sv("Decline")).click()
    message = sv("At most %(max)s characters.", max=2000)
    await expect(page.locator(".error-summary a[href='#field-reason']")).to_have_text(
        f"{sv('Reason for declining')}: {message}"
    )
    await expect(page.locator("#error-reason")).to_have_text(message)
    await expect(reason).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "the invitation page with an error")
    assert (await Invitation.select(Invitation.status).first())["status"] == "pending"

    await reason.fill("Krockar med styrelsemöte.")
    await page.get_by_role("button", name=sv("Decline")).click()
    await expect(page).to_have_url(re.compile(re.escape(link) + "$"))
    await expect(page.locator(".flash")).to_have_text(
        sv("Thank you for your answer. You have declined the invitation.")
    )
    await expect(page.locator(".invitation-answer")).to_have_text(sv("Declined"))
    await expect(page.get_by_role("link", name=sv("Accept and register"))).to_be_visible()
    await assert_accessible(page, "the declined invitation on a phone")
    row = await Invitation.select(Invitation.status, Invitation.decline_reason).first()
    assert row == {"status": "declined", "decline_reason": "Krockar med styrelsemöte."}
    assert elsewhere == []
