"""The organisers' registration pages in a real browser on a 360 px phone: checked with axe (the
list with every row's actions opened) and for sideways scrolling of the page itself (the tables
scroll inside their own region)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import PHONE_WIDTH, sign_in_as_organiser

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_the_registration_pages_work_on_a_phone(phone_page: Page, staff_accounts):
    from events_app.domain import questions, registrations
    from events_app.domain.questions import QuestionInput
    from events_app.domain.registrations import Registrant
    from tests.registration_helpers import SYSTEM, form, published_event

    event = await published_event(capacity=2, workshop_capacity=1)
    question = await questions.add_question(
        event["id"],
        QuestionInput(
            label="Vilken lunch vill du ha under Hållbarhetsdagarna?",
            kind="single",
            options=["Fisk", "Vegetariskt"],
            sensitive=True,  # its column marked in the list, its box ticked with its hint on the form
        ),
        SYSTEM,
    )
    by_hand = Registrant(source="organiser", actor=SYSTEM)
    registered = []
    workshop_a = str(event["sessions"]["Workshop A"]["uid"])
    for n, name in enumerate(("Åsa Öberg", "Anna Andersson", "Bertil Berg-Långnamnsson")):
        registered.append(
            await registrations.register(
                event["slug"],
                form(
                    f"person{n}@example.se",
                    name=name,
                    answers={"lunch": "Fisk"},
                    dietary=["vegan"],
                    dietary_other="Selleri",
                    sessions=[workshop_a] if n == 0 else [],
                    waitlist_sessions=[workshop_a] if n else [],
                ),
                by_hand,
            )
        )
    await sign_in_as_organiser(phone_page)
    base = f"/organiser/events/{event['slug']}"
    for path in (
        f"{base}/registrations",
        f"{base}/registrations?sort=name&dir=desc&q=%C3%A5sa",
        f"{base}/registrations/summary",
        f"{base}/registrations/new",
        f"{base}/questions",
        f"/organiser/questions/{question['uid']}",
        f"/organiser/registrations/{registered[2].registration['uid']}",
    ):
        await phone_page.goto(path)
        await expect(phone_page.locator("h1")).to_be_visible()
        await phone_page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        widths = await phone_page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        assert widths["inner"] == PHONE_WIDTH, widths
        assert widths["scroll"] <= PHONE_WIDTH, f"{path} scrolls sideways at {PHONE_WIDTH} px: {widths}"
        await assert_accessible(phone_page, f"{path} on a phone")
