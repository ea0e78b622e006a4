"""Evaluations in a real browser: a participant opens the link from the mail delivered to a real SMTP
server on a 360 px phone, reads that the form is anonymous, answers (a mistake first, then right) and
changes the answer; an organiser on a phone makes a form from the standard template and reads the
results of the demo's evaluated sustainability days, with small groups merged. Each page is checked
with axe and for sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_organiser_events_flow import sign_in_as_organiser, sv
from tests.browser.test_organiser_invitations_browser import check_page

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

MAIL_LINK = re.compile(r"http://testserver(/evaluation/[A-Za-z0-9._-]+)")


async def test_a_participant_answers_on_a_phone_from_the_mailed_link(phone_page: Page, smtp_server):
    from events_app.domain import evaluation_requests, evaluations
    from events_app.domain.evaluations import EvaluationInput
    from tests.certificate_helpers import check_in, days_of, finished_event, participant
    from tests.registration_helpers import SYSTEM, deliver, parts

    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    form = await evaluations.create_evaluation(event["slug"], EvaluationInput(), SYSTEM, copy_from="standard")
    form = await evaluations.set_status(event["slug"], str(form["uid"]), evaluations.OPEN, SYSTEM)
    await deliver(smtp_server.settings)
    smtp_server.collector.messages.clear()
    assert await evaluation_requests.ask(form, SYSTEM) == 1
    await deliver(smtp_server.settings)
    [message] = smtp_server.collector.messages
    page = phone_page

    await page.goto(MAIL_LINK.search(parts(message)["text"]).group(1))
    await expect(page.locator("h1")).to_have_text("Utvärdering")
    await expect(page.locator("main")).to_contain_text(sv("This evaluation is anonymous:"))
    await check_page(page, "the evaluation's answer page")

    # Sent without the required rating: the message names the question, and nothing is stored.
    await page.locator("main form.evaluation-form button[type=submit]").click()
    await expect(page.locator(".error-summary")).to_contain_text(sv("This question must be answered."))
    await check_page(page, "the answer page with a message")

    overall = page.locator("main fieldset", has_text="Vad tycker du om evenemanget som helhet?")
    await overall.get_by_label("4", exact=True).check()
    await page.get_by_label("Ja", exact=True).check()
    await page.get_by_label("Klimat och energi").check()
    await page.get_by_label(sv("Another theme")).fill("Vattenförsörjning")
    await page.get_by_label(re.compile("Vad var bäst")).fill("Bra samtal i workshopparna")
    await page.locator("main form.evaluation-form button[type=submit]").click()
    await expect(page.locator(".flash")).to_contain_text(sv("Thank you for your answer."))
    await expect(page.get_by_label(re.compile("Vad var bäst"))).to_have_value("Bra samtal i workshopparna")
    await check_page(page, "the answer page after answering")

    await overall.get_by_label("5 – Mycket bra", exact=True).check()
    await page.locator("main form.evaluation-form button[type=submit]").click()
    await expect(page.locator(".flash")).to_contain_text(sv("Your answer has been changed."))
    assert (await evaluations.get_evaluation(event["slug"], str(form["uid"])))["answered"] == 1


async def test_an_organiser_reads_the_demo_s_results_on_a_phone(phone_page: Page, staff_accounts):
    from events_app.domain.seed import load_demo
    from events_app.domain.tables import Event

    await load_demo()
    archived = await Event.select(Event.slug).where(Event.status == "archived").first()
    page = phone_page
    await sign_in_as_organiser(page)

    await page.goto(f"/organiser/events/{archived['slug']}/evaluations")
    await check_page(page, "an event's evaluations")
    await page.locator("main").get_by_role("link", name=re.compile(sv("Results"))).first.click()
    await expect(page.locator("main")).to_contain_text("Vad tycker du om evenemanget som helhet?")
    await expect(page.locator("main")).to_contain_text("Bra blandning av politiker och tjänstepersoner.")
    # Ten answers: the municipalities' groups are too small to show, so they are merged.
    await expect(page.locator("main")).to_contain_text(sv("Others"))
    await check_page(page, "an evaluation's results")
