"""The participant's everyday screens in a real browser, on a 390x844 phone and a 1366x900 desktop,
with axe: the ticket page (QR code first, the change form behind a button), the registration form's
radio group per time slot, "check your email" with its button to send the link again, and My pages
after an event (attended or not)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
SHOTS = Path("/work/notes/shots")


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


async def shot(page: Page, name: str, part=None) -> None:
    """A screenshot for a person to look at (kept out of the repository), of the page or of one `part`
    of it; skipped where there is no folder for them."""
    if SHOTS.is_dir():
        path = str(SHOTS / f"ticket-{name}.png")
        await (part.screenshot(path=path) if part is not None else page.screenshot(path=path, full_page=True))


async def _ticket_link(**fields) -> tuple[dict, str]:
    from events_app.domain import registrations
    from events_app.domain.registrations import Registrant
    from tests.registration_helpers import form, published_event

    event = await published_event(title="Hållbarhetsdagarna")
    workshop = str(event["sessions"]["Workshop A"]["uid"])
    result = await registrations.register(
        event["slug"], form("karin@example.se", name="Karin Öberg-Testare", sessions=[workshop]), Registrant(ip="")
    )
    return event, f"/registration/{result.registration['manage_token']}"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_the_ticket_page_shows_the_qr_code_first_and_the_change_form_behind_a_button(
    phone_page: Page, page: Page, viewport: str
):
    page = phone_page if viewport == "phone" else page
    size = VIEWPORTS[viewport]
    await page.set_viewport_size(size)
    _, link = await _ticket_link()

    await page.goto(link)
    qr = page.locator(".ticket-qr svg[role=img]")
    await expect(qr).to_be_visible()
    box = await qr.bounding_box()
    assert box["y"] + box["height"] < size["height"], box  # the whole code above the fold
    code = await page.locator(".short-code").bounding_box()
    assert code["y"] > box["y"] + box["height"] and code["y"] + code["height"] < size["height"], code  # under it
    await expect(page.locator(".short-code")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    # The change form waits behind its button; the page is well under two screens tall.
    await expect(page.locator("#field-name")).to_be_hidden()
    await shot(page, f"page-{viewport}")
    height = await page.evaluate("document.documentElement.scrollHeight")
    assert height < 2 * PHONE["height"], height
    await assert_accessible(page, f"the ticket page ({viewport})")

    # Just registered, the thanks come first and the code still fits above the fold.
    await page.goto(f"{link}?new=1")
    await expect(page.locator(".notice-success")).to_be_visible()
    code = await page.locator(".short-code").bounding_box()
    assert code["y"] + code["height"] < size["height"], code
    await shot(page, f"page-new-{viewport}")

    summary = page.get_by_text(sv("Change your registration"), exact=True)
    await summary.click()
    await expect(page.locator("#field-name")).to_be_visible()
    await assert_accessible(page, f"the ticket page with the change form open ({viewport})")
    await shot(page, f"change-open-{viewport}")

    # Sent back with an error, the form is open and says what is wrong.
    await page.locator("#field-name").fill("")
    await page.get_by_role("button", name=sv("Save changes")).click()
    await expect(page.locator("details.change-registration")).to_have_attribute("open", "")
    await expect(page.locator("#error-name")).to_be_visible()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_sessions_at_the_same_time_are_one_radio_group(phone_page: Page, page: Page, viewport: str):
    from tests.registration_helpers import published_event

    page = phone_page if viewport == "phone" else page
    await page.set_viewport_size(VIEWPORTS[viewport])
    event = await published_event(title="Hållbarhetsdagarna")

    await page.goto(f"/events/{event['slug']}/register")
    group = page.locator("fieldset.slot-radios")
    await expect(group).to_have_count(1)
    await expect(group.locator("legend")).to_contain_text("13.00–14.30")
    none = group.get_by_label(sv("No session at this time"))
    workshop_a = group.get_by_label("Workshop A: Klimat")
    workshop_b = group.get_by_label("Workshop B: Energi")
    await expect(none).to_be_checked()
    await workshop_a.check()
    await workshop_b.check()  # one of the two: choosing B un-chooses A
    await expect(workshop_a).not_to_be_checked()
    await expect(none).not_to_be_checked()
    workshop_c = page.get_by_label("Workshop C: Transporter")
    assert await workshop_c.get_attribute("type") == "checkbox"  # overlapping nothing: a checkbox
    await workshop_c.check()
    await assert_accessible(page, f"the registration form's radio group ({viewport})")
    await shot(page, f"slots-{viewport}", page.locator("fieldset.session-choices"))

    await page.locator("#field-name").fill("Anna Andersson")
    await page.get_by_label(sv("Email address")).fill(f"anna-{viewport}@example.se")
    await page.get_by_label(sv("Organisation"), exact=True).select_option("sundsvall")
    await page.get_by_label(sv("I agree that the council stores and uses my details to organise the event.")).check()
    await page.get_by_role("button", name=sv("Register")).click()
    await expect(page.locator(".session-list")).to_contain_text("Workshop B: Energi")
    await expect(page.locator(".session-list")).to_contain_text("Workshop C: Transporter")
    await expect(page.locator(".session-list")).not_to_contain_text("Workshop A: Klimat")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_check_your_email_repeats_the_address_and_sends_the_link_again(
    phone_page: Page, page: Page, viewport: str
):
    from tests.account_helpers import add_member

    page = phone_page if viewport == "phone" else page
    await page.set_viewport_size(VIEWPORTS[viewport])
    email = f"maja-{viewport}@test.se"
    await add_member("Maja Medlemsson", email)

    await page.goto("/login/link")
    await page.locator("#field-email").fill(email.upper())
    await page.locator("main form[action='/login/link'] button[type=submit]").click()
    await expect(page.locator("h1")).to_have_text(sv("Check your email"))
    await expect(page.locator("main")).to_contain_text(email)
    await assert_accessible(page, f"check your email ({viewport})")
    await shot(page, f"check-email-{viewport}")

    for _ in range(4):  # five links an address in a quarter of an hour
        await page.get_by_role("button", name=sv("Send the link again")).click()
        await expect(page.locator("[role=status]")).to_contain_text(
            sv(
                "If %(email)s is registered with us, a new sign-in link is on its way to it. "
                "It works once, for 15 minutes.",
                email=email,
            )
        )
    await assert_accessible(page, f"check your email, sent again ({viewport})")
    await shot(page, f"check-email-again-{viewport}")
    await page.get_by_role("button", name=sv("Send the link again")).click()
    await expect(page.locator("[role=alert]")).to_contain_text(
        sv("Too many attempts. Please wait a few minutes and try again.")
    )
    await expect(page.get_by_role("button", name=sv("Send the link again"))).to_have_count(0)
    await assert_accessible(page, f"check your email, limited ({viewport})")
    await shot(page, f"check-email-limited-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
async def test_my_pages_say_whether_one_came_to_a_past_event(phone_page: Page, page: Page, viewport: str):
    from events_app.domain import email_tokens
    from events_app.domain.email_tokens import Purpose
    from events_app.domain.tables import Person
    from tests.certificate_helpers import check_in, days_of, finished_event, participant

    page = phone_page if viewport == "phone" else page
    await page.set_viewport_size(VIEWPORTS[viewport])
    came = await finished_event(title="Dagen hon kom")
    stayed_away = await finished_event(title="Dagen hon uteblev")
    await check_in(came, await participant(came, "Anna Andersson", "anna@example.se"), days_of(came)[0])
    await participant(stayed_away, "Anna Andersson", "anna@example.se")
    person = await Person.select(Person.id).where(Person.email == "anna@example.se").first()
    token = await email_tokens.issue(Purpose.person_sign_in, person_id=person["id"])

    await page.goto(f"/login/link/{token}")
    await page.locator("main form[action^='/login/link/'] button[type=submit]").click()
    await expect(page.locator("h1")).to_have_text(sv("My pages"))
    cards = page.locator(".registration-card")
    await expect(cards.filter(has_text="Dagen hon kom").locator(".registration-status")).to_have_text(
        sv("Attended the event")
    )
    await expect(cards.filter(has_text="Dagen hon uteblev").locator(".registration-status")).to_have_text(
        sv("Did not attend")
    )
    await assert_accessible(page, f"My pages after the events ({viewport})")
    await shot(page, f"my-pages-{viewport}", page.locator("ul.registrations"))
