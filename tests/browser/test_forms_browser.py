"""The long forms and their errors in a real browser, at 1366×900 and on a phone, with and without
scripts: the event form shows the training-module fields only for a module; a session's speakers are
rows added and removed in the page; a mailing's send button comes after its preview; a form that comes
back with errors puts the focus on its error summary, whose messages start with their field's label."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from events_app.domain import events, mailings, programme
from events_app.domain.audit import Actor
from events_app.domain.events import EventInput
from events_app.i18n import STOCKHOLM
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv
from tests.certificate_helpers import check_in, days_of, finished_event, participant

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SHOTS = Path("/work/notes/shots")
SCREENS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {  # as the phone_page fixture
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
ACTOR = Actor.system("test")


@asynccontextmanager
async def opened(browser, live_server, screen: str, *, javascript: bool = True) -> AsyncIterator[Page]:
    ctx = await browser.new_context(
        base_url=live_server, locale="sv-SE", java_script_enabled=javascript, **SCREENS[screen]
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield await ctx.new_page()
    finally:
        await ctx.close()


@pytest_asyncio.fixture(loop_scope="session", params=list(SCREENS))
async def screen(request, browser, live_server) -> AsyncIterator[tuple[str, Page]]:
    """(name, page) at each size: the desktop at 1366×900 and the phone."""
    async with opened(browser, live_server, request.param) as page:
        yield request.param, page


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"forms-{name}.png"), full_page=True)


async def an_event() -> dict:
    return await events.create_event(
        EventInput(
            title="Hållbarhetsdagarna 2027",
            starts_at=datetime(2027, 3, 25, 9, tzinfo=STOCKHOLM),
            ends_at=datetime(2027, 3, 26, 16, tzinfo=STOCKHOLM),
            venue_name="Folkets Hus",
        ),
        ACTOR,
    )


async def focused_id(page: Page) -> str:
    return await page.evaluate("() => document.activeElement && document.activeElement.id")


# --- The event form's training-module fields -------------------------------------------------------


@pytest.mark.parametrize("name", list(SCREENS))
async def test_the_module_fields_appear_only_for_a_module(name, browser, live_server, staff_accounts):
    for javascript in (True, False):
        async with opened(browser, live_server, name, javascript=javascript) as page:
            await sign_in_as_organiser(page)
            await page.goto("/organiser/events/new")
            occasions = page.locator("#field-occasion_dates")
            await expect(occasions).to_be_hidden()  # a sustainability day to start with
            await page.locator("#field-kind").select_option("training_module")
            await expect(occasions).to_be_visible()
            if javascript:
                await assert_accessible(page, f"the event form of a training module ({name})")
                await shoot(page, f"event-module-{name}")
            await page.locator("#field-kind").select_option("council_meeting")
            await expect(occasions).to_be_hidden()
            if javascript:
                await shoot(page, f"event-meeting-{name}")

            # A module comes back with its occasions asked for, and they stay in sight.
            await page.locator("#field-kind").select_option("training_module")
            await page.locator("#field-title").fill("Klimatutbildning")
            await page.locator("#field-starts_at").fill("2027-03-02")
            await page.locator("#field-starts_at-time").fill("09:00")
            await page.locator("#field-ends_at").fill("2027-03-30")
            await page.locator("#field-ends_at-time").fill("12:00")
            await page.locator("main form button[type=submit]").last.click()
            await expect(page.locator("#error-occasion_dates")).to_be_visible()
            await occasions.fill("2027-03-02\n2027-03-16\n2027-03-30")
            await page.locator("main form button[type=submit]").last.click()
            await expect(page).to_have_url(re.compile(r"/organiser/events/klimatutbildning[-0-9]*$"))


# --- Speakers as rows ----------------------------------------------------------------------------


async def test_speaker_rows_are_added_and_removed_in_the_page(screen, staff_accounts):
    name, page = screen
    event = await an_event()
    await sign_in_as_organiser(page)
    url = f"/organiser/events/{event['slug']}/sessions/new"
    await page.goto(url)
    rows = page.locator("[data-row-list] .speaker-row")
    await expect(rows).to_have_count(1)
    await page.locator("#field-title").fill("Länets klimatplan")
    await page.locator("#field-starts_at-time").fill("09:30")
    await page.locator("#field-ends_at").fill("10:30")
    await page.locator("#field-speakers").fill("Anna Ek")

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if request.method == "POST" else None)
    add = page.get_by_role("button", name=sv("Add a speaker"))
    await add.click()
    await expect(rows).to_have_count(2)
    new_name = rows.nth(1).get_by_label(sv("Name"))
    await expect(new_name).to_be_focused()
    await new_name.fill("Bo Berg")
    await rows.nth(1).get_by_label(sv("Organisation")).fill("Region Västernorrland")
    await add.click()
    await expect(rows).to_have_count(3)
    await rows.nth(2).get_by_label(sv("Name")).fill("Cia Dahl")
    await assert_accessible(page, f"the session form with three speaker rows ({name})")
    await shoot(page, f"speakers-{name}")

    await page.get_by_role("button", name=sv("Remove speaker %(num)s", num=1)).click()
    await expect(rows).to_have_count(2)
    await expect(add).to_be_focused()
    # Numbered again from 1.
    await expect(rows.nth(0).locator("legend")).to_have_text(sv("Speaker %(num)s", num=1))
    await expect(page.get_by_role("button", name=sv("Remove speaker %(num)s", num=2))).to_be_visible()
    assert requests == [], "adding and removing rows sent the form"

    # Enter in a field saves the form; it does not press a row's remove button.
    await page.locator("#field-room").press("Enter")
    await expect(page).to_have_url(re.compile(rf"/organiser/events/{event['slug']}#session-"))
    session = (await programme.programme(event["id"]))[0]
    assert [(s["name"], s["organisation"]) for s in session["speakers"]] == [
        ("Bo Berg", "Region Västernorrland"),
        ("Cia Dahl", ""),
    ]


async def test_speaker_rows_without_scripts(browser, live_server, staff_accounts):
    event = await an_event()
    async with opened(browser, live_server, "desktop", javascript=False) as page:
        await sign_in_as_organiser(page)
        await page.goto(f"/organiser/events/{event['slug']}/sessions/new")
        await page.locator("#field-title").fill("Länets klimatplan")
        await page.locator("#field-speakers").fill("Anna Ek")
        await page.get_by_role("button", name=sv("Add a speaker")).click()
        rows = page.locator("[data-row-list] .speaker-row")
        await expect(rows).to_have_count(2)
        await expect(page.locator("#field-title")).to_have_value("Länets klimatplan")
        await expect(page.locator("#field-speakers")).to_have_value("Anna Ek")
        await expect(rows.nth(1).get_by_label(sv("Name"))).to_be_focused()
        await rows.nth(1).get_by_label(sv("Name")).fill("Bo Berg")
        await page.get_by_role("button", name=sv("Remove speaker %(num)s", num=1)).click()
        await expect(rows).to_have_count(1)
        await expect(page.locator("#field-speakers")).to_have_value("Bo Berg")
        await expect(page.get_by_role("button", name=sv("Add a speaker"))).to_be_focused()
        # (axe runs as a script, so it checks these pages in the test above, with scripts.)
        assert await programme.programme(event["id"]) == []


# --- The mailing's send button after its preview ----------------------------------------------------


async def test_the_send_button_is_below_the_preview(screen, staff_accounts):
    name, page = screen
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    mailing = await mailings.create_draft(
        event["slug"], mailings.MailingInput(subject_sv="Tack för i dag", body_sv="Hej!", audience="attended"), ACTOR
    )
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{event['slug']}/mailings/{mailing['uid']}")
    preview = page.locator("iframe.mail-preview")
    send = page.get_by_role("button", name=re.compile("^" + re.escape(sv("Send to %(num)s person", num=1))))
    await expect(preview).to_be_visible()
    preview_box, send_box = await preview.bounding_box(), await send.bounding_box()
    assert preview_box and send_box, (preview_box, send_box)
    assert send_box["y"] >= preview_box["y"] + preview_box["height"], (preview_box, send_box)
    await assert_accessible(page, f"a mailing's draft ({name})")
    await shoot(page, f"mailing-{name}")


# --- The error summary -------------------------------------------------------------------------------


async def test_the_error_summary_gets_the_focus_and_names_the_field(screen, staff_accounts):
    name, page = screen
    await page.goto("/login")
    await page.locator("#field-email").fill("")
    await page.locator("main form[action='/login'] button[type=submit]").click()
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.locator("li").first).to_have_text(re.compile("^" + re.escape(sv("Email address") + ": ")))
    await assert_accessible(page, f"the sign-in form with an error ({name})")
    await shoot(page, f"error-summary-login-{name}")

    # Its link takes the focus to the field.
    await summary.locator("a").first.click()
    await expect(page.locator("#field-email")).to_be_focused()

    await sign_in_as_organiser(page)
    await page.goto("/organiser/events/new")
    await page.locator("#field-title").fill("")
    await page.locator("main form button[type=submit]").last.click()
    await expect(summary).to_be_focused()
    await expect(summary.locator("li").first).to_have_text(re.compile("^" + re.escape(sv("Title") + ": ")))
    await assert_accessible(page, f"the event form with errors ({name})")
    await shoot(page, f"error-summary-event-{name}")
