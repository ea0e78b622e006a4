"""An organiser builds an event in a real browser: every page of the way is checked with axe, and
the organiser's pages are checked for sideways scrolling on a 360 px phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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


async def sign_in_as_organiser(page: Page, email: str = "organiser@test.se") -> None:
    """Sign in as a staff member (the organiser unless `email` names another); ends on the back office."""
    await page.goto("/login")
    await page.locator("#field-email").fill(email)
    await page.locator("#field-password").fill(DEMO_PASSWORD)
    await page.locator("main form[action='/login'] button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"/staff$"))


async def submit(page: Page, form: str) -> None:
    # The last button: a form with row buttons (the session form's speakers) ends with the one that saves.
    await page.locator(f"main form[action='{form}'] button[type=submit]").last.click()


async def test_an_organiser_builds_an_event_with_its_programme(page: Page, staff_accounts):
    await sign_in_as_organiser(page)
    await page.locator("main a[href='/organiser/events']").click()
    await expect(page.locator("h1")).to_have_text(sv("Events"))
    await assert_accessible(page, "the organiser's event list")

    await page.locator("main a[href='/organiser/events/new']").click()
    await expect(page.locator("h1")).to_have_text(sv("Create an event"))
    await assert_accessible(page, "the event form")
    await page.locator("#field-title").fill("Hållbarhetsdagarna 2027")
    await page.locator("#field-description").fill("Två dagar om **klimat** och energi.")
    await page.locator("#field-starts_at").fill("2027-03-25")
    await page.locator("#field-starts_at-time").fill("09:00")
    await page.locator("#field-ends_at").fill("2027-03-25")
    await page.locator("#field-ends_at-time").fill("08:00")
    await page.get_by_label("Klimat och energi").check()
    await submit(page, "/organiser/events/new")

    # The end before the start: the message by the end's date and time, the fields still filled in.
    field = page.locator("#field-ends_at")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#error-ends_at")).to_have_text(sv("The event must end after it starts."))
    await expect(page.locator(".error-summary a[href='#field-ends_at']")).to_be_visible()
    await expect(page.locator("#field-title")).to_have_value("Hållbarhetsdagarna 2027")
    await expect(page.get_by_label("Klimat och energi")).to_be_checked()
    await assert_accessible(page, "the event form showing an error")

    await page.locator("#field-ends_at").fill("2027-03-26")
    await page.locator("#field-ends_at-time").fill("16:00")
    await submit(page, "/organiser/events/new")
    await expect(page).to_have_url(re.compile(r"/organiser/events/hallbarhetsdagarna-2027$"))
    await expect(page.locator("h1")).to_have_text("Hållbarhetsdagarna 2027")
    await assert_accessible(page, "the event's overview")

    for title, room in (("Verkstad: solenergi", "Sal A"), ("Verkstad: vindkraft", "sal a")):
        await page.locator("main a[href$='/sessions/new']").first.click()
        await expect(page.locator("h1")).to_have_text(sv("Add session"))
        await page.locator("#field-title").fill(title)
        await page.locator("#field-starts_at").select_option("2027-03-25")
        await page.locator("#field-starts_at-time").fill("11:00")
        await page.locator("#field-ends_at").fill("12:30")
        await page.locator("#field-room").fill(room)
        await page.locator("#field-speakers").fill("Maja Lind")
        await submit(page, "/organiser/events/hallbarhetsdagarna-2027/sessions/new")

    # The second is refused: the room is taken.
    room = page.locator("#field-room")
    await expect(room).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#error-room")).to_have_text(
        sv("%(room)s is already booked then, for “%(title)s”.", room="sal a", title="Verkstad: solenergi")
    )
    await assert_accessible(page, "the session form showing an error")
    await room.fill("Sal B")
    await submit(page, "/organiser/events/hallbarhetsdagarna-2027/sessions/new")
    await expect(page).to_have_url(re.compile(r"/organiser/events/hallbarhetsdagarna-2027#session-"))
    await expect(page.locator("main .organiser-session")).to_have_count(2)
    await assert_accessible(page, "the overview with its programme")

    # Preview as the public will see it: the draft's page with a banner saying it is not published.
    await page.locator("main a[href='/events/hallbarhetsdagarna-2027']").click()
    await expect(page.locator("h1")).to_have_text("Hållbarhetsdagarna 2027")
    await expect(page.get_by_text(sv("Preview — not published."))).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Verkstad: solenergi")
    await assert_accessible(page, "the preview of a draft")
    await page.go_back()

    await page.get_by_role("button", name=sv("Publish the event")).click()
    await expect(page.locator(".flash")).to_have_text(sv("The event is published: everyone can now see it."))
    await assert_accessible(page, "the overview of a published event")

    # Anyone (a fresh browser with no sign-in) now finds the event and its programme.
    visitor = await page.context.browser.new_context(base_url=page.url.split("/organiser")[0])
    try:
        public = await visitor.new_page()
        await public.goto("/events")
        await public.locator("main a[href='/events/hallbarhetsdagarna-2027']").first.click()
        await expect(public.locator("h1")).to_have_text("Hållbarhetsdagarna 2027")
        await expect(public.get_by_text(sv("Preview — not published."))).to_have_count(0)
        await expect(public.locator("main")).to_contain_text("Verkstad: vindkraft")
        await assert_accessible(public, "the public page of the published event")
    finally:
        await visitor.close()


async def test_an_api_token_is_made_and_shown_once(page: Page, staff_accounts):
    await sign_in_as_organiser(page)
    await page.locator("main a[href='/organiser/api-tokens']").click()
    await expect(page.locator("h1")).to_have_text(sv("API tokens"))
    await assert_accessible(page, "the API token list")
    await page.locator("#field-name").fill("Sundsvalls webbplats")
    await page.locator("#field-password").fill("not the password")
    await submit(page, "/organiser/api-tokens")
    await expect(page.locator("#field-password")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "the API token form with a wrong password")
    await page.locator("#field-password").fill(DEMO_PASSWORD)
    await submit(page, "/organiser/api-tokens")
    await expect(page.locator("#token-secret")).to_have_text(re.compile(r"^hr_"))
    await assert_accessible(page, "the new token's page")
    await page.locator("main a[href='/organiser/api-tokens']").click()
    await expect(page.locator("main table tbody")).to_contain_text("Sundsvalls webbplats")
    valid_until = datetime.now(UTC) + timedelta(days=90)  # the default lifetime
    await expect(page.locator("main table tbody")).to_contain_text(str(valid_until.year))
    await assert_accessible(page, "the API token list with a token")


async def test_the_organiser_pages_fit_a_phone(phone_page: Page, staff_accounts):
    from events_app.domain import events, programme
    from events_app.domain.audit import Actor
    from events_app.domain.events import EventInput
    from events_app.domain.programme import SessionInput, SpeakerInput
    from events_app.i18n import STOCKHOLM

    actor = Actor.system("test")
    event = await events.create_event(
        EventInput(
            title="Hållbarhetsdagarna 2027 i Sundsvalls Folkets Hus",
            starts_at=datetime(2027, 3, 25, 9, tzinfo=STOCKHOLM),
            ends_at=datetime(2027, 3, 26, 16, tzinfo=STOCKHOLM),
            venue_name="Folkets Hus",
            venue_address="Esplanaden 10, 852 30 Sundsvall",
            themes=["klimat-energi", "samverkan"],
        ),
        actor,
    )
    for room in ("Sal A", "Sal B"):
        session = await programme.add_session(
            event["slug"],
            SessionInput(
                title=f"Verkstad om kommunala solcellsanläggningar ({room})",
                room=room,
                starts_at=datetime(2027, 3, 25, 11, tzinfo=STOCKHOLM),
                ends_at=datetime(2027, 3, 25, 12, tzinfo=STOCKHOLM),
                speakers=[SpeakerInput(name="Maja Lind", organisation="Länsstyrelsen Västernorrland")],
            ),
            actor,
        )
    await sign_in_as_organiser(phone_page)
    await phone_page.goto("/organiser/api-tokens")
    await phone_page.locator("#field-name").fill("Webbplatsen")
    await submit(phone_page, "/organiser/api-tokens")

    for path in (
        "/organiser/events",
        "/organiser/events/new",
        f"/organiser/events/{event['slug']}",
        f"/organiser/events/{event['slug']}/sessions/new",
        f"/organiser/sessions/{session['uid']}/edit",
        "/organiser/api-tokens",
    ):
        await phone_page.goto(path)
        await expect(phone_page.locator("h1")).to_be_visible()
        widths = await phone_page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        assert widths["inner"] == PHONE_WIDTH, widths
        assert widths["scroll"] <= PHONE_WIDTH, f"{path} scrolls sideways at {PHONE_WIDTH} px: {widths}"
        await assert_accessible(phone_page, f"{path} on a phone")
