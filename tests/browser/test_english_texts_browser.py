"""English texts in a real browser: a visitor switches to English on an event page and sees the
organiser's English title, description, sessions and registration question (with the Swedish texts where
no English one was written), on a desktop (1366×900) and a phone, with axe; an organiser finds the
English fields in a fieldset of their own at the end of the event form."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from events_app.domain import events, programme, questions
from events_app.domain.audit import Actor
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput
from events_app.domain.questions import QuestionInput
from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import sign_in_as_organiser

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SHOTS = Path("/work/notes/shots")
ACTOR = Actor.system("test")


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


def en(message: str, **params) -> str:
    return tr("en", message, **params)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), STOCKHOLM)


async def bilingual_event() -> dict:
    day = date.today() + timedelta(days=30)
    event = await events.create_event(
        EventInput(
            title="Hållbarhetsdagarna",
            title_en="Sustainability Days",
            kind="sustainability_day",
            starts_at=at(day, 9),
            ends_at=at(day, 16),
            venue_name="Folkets hus",
            venue_address="Storgatan 1, Sundsvall",
            description="En dag om **klimat** och energi i länet.",
            description_en="A day on **climate** and energy in the county.",
            themes=["klimat-energi"],
        ),
        ACTOR,
    )
    await events.publish_event(event["slug"], ACTOR)
    await programme.add_session(
        event["slug"],
        SessionInput(
            title="Klimatanpassning i kommunen",
            title_en="Climate adaptation in the municipality",
            starts_at=at(day, 9),
            ends_at=at(day, 10),
            room="Stora salen",
        ),
        ACTOR,
    )
    await programme.add_session(
        event["slug"],
        SessionInput(title="Fika", kind="break", starts_at=at(day, 10), ends_at=at(day, 10, 30)),
        ACTOR,
    )
    await questions.add_question(
        event["id"],
        QuestionInput(
            label="Vilken lunch vill du ha?",
            label_en="Which lunch would you like?",
            kind="single",
            options=["Vegetarisk", "Fisk"],
            options_en=["Vegetarian", "Fish"],
            required=True,
        ),
        ACTOR,
    )
    return event


async def switch_to_english_on_the_event_and_its_form(page: Page, shot: str) -> None:
    event = await bilingual_event()
    await page.goto(f"/events/{event['slug']}")
    await expect(page.locator("h1")).to_contain_text("Hållbarhetsdagarna")
    await expect(page.locator("main")).to_contain_text("Klimatanpassning i kommunen")

    await page.get_by_role("button", name="English").click()

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_contain_text("Sustainability Days")
    main = page.locator("main")
    await expect(main.locator(".rich-text strong").first).to_have_text("climate")
    await expect(main).to_contain_text("Climate adaptation in the municipality")
    await expect(main).to_contain_text("Fika")  # no English title: the Swedish one
    await expect(main).not_to_contain_text("Klimatanpassning")
    await assert_accessible(page, f"the event page in English ({shot})")
    await page.screenshot(path=str(SHOTS / f"english-event-{shot}.png"), full_page=True)

    await main.get_by_role("link", name=en("Register")).first.click()

    await expect(page.locator("h1")).to_have_text(en("Register for %(title)s", title="Sustainability Days"))
    question = page.get_by_role("group", name="Which lunch would you like?")
    await expect(question.get_by_label("Vegetarian")).to_have_value("Vegetarisk")
    await expect(question.get_by_label("Fish")).to_have_value("Fisk")
    await assert_accessible(page, f"the registration form in English ({shot})")
    await question.scroll_into_view_if_needed()
    await page.screenshot(path=str(SHOTS / f"english-register-{shot}.png"))

    # The theme the event belongs to, described in English.
    await page.goto("/themes/klimat-energi")
    await expect(page.locator("main .lead")).to_contain_text("The county's climate and energy plan")
    await expect(page.locator("main")).to_contain_text("Sustainability Days")
    await assert_accessible(page, f"a theme page in English ({shot})")
    await page.screenshot(path=str(SHOTS / f"english-theme-{shot}.png"))


async def test_switching_to_english_on_a_desktop(page: Page):
    await page.set_viewport_size({"width": 1366, "height": 900})
    await switch_to_english_on_the_event_and_its_form(page, "1366")


async def test_switching_to_english_on_a_phone(phone_page: Page):
    await switch_to_english_on_the_event_and_its_form(phone_page, "phone")


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 360, "height": 740}])
async def test_the_event_form_ends_with_the_english_fieldset(page: Page, staff_accounts, viewport):
    await page.set_viewport_size(viewport)
    await sign_in_as_organiser(page)
    await page.goto("/organiser/events/new")

    fieldset = page.locator("fieldset.english-texts")
    await expect(fieldset.locator("legend")).to_have_text(sv("In English (optional)"))
    await expect(fieldset.get_by_label(sv("Title in English"))).to_have_attribute("lang", "en")
    await expect(fieldset.get_by_label(sv("Description in English"))).to_be_visible()
    # The last fields of the form, right before its button.
    await expect(page.locator("main form fieldset").last).to_have_class("field group english-texts")
    await assert_accessible(page, "the event form with its English fieldset")
    await fieldset.scroll_into_view_if_needed()
    await page.screenshot(path=str(SHOTS / f"english-event-form-{viewport['width']}.png"))


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 360, "height": 740}])
async def test_a_question_with_options_that_do_not_line_up_says_so_in_the_english_fieldset(
    page: Page, staff_accounts, viewport
):
    event = await bilingual_event()
    await page.set_viewport_size(viewport)
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{event['slug']}/questions")
    form = page.locator(f"main form[action='/organiser/events/{event['slug']}/questions']")
    await form.locator("#field-label").fill("Vill du ha buss från stationen?")
    await form.get_by_label(sv("Single choice")).check()
    await form.locator("#field-options").fill("Ja, dit\nJa, tillbaka\nNej")
    await form.get_by_label(sv("Question in English")).fill("Would you like a bus from the station?")
    await form.get_by_label(sv("Options in English")).fill("Yes, there\nNo")
    await form.locator("button[type=submit]").click()

    message = sv("Write one English option per Swedish option, in the same order, or none.")
    await expect(page.locator(".error-summary")).to_contain_text(message)
    await expect(page.locator("#field-options_en")).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page, "the question form with an error in its English fieldset")
    await page.locator("fieldset.english-texts").scroll_into_view_if_needed()
    await page.screenshot(path=str(SHOTS / f"english-question-form-{viewport['width']}.png"))
