"""The organisers' registration pages in a real browser: the list of a long event fits a 1366 px
screen without sideways scrolling, in pages of 50, and each registration's own page (its answers,
actions and history) works there and on a 360 px phone. Checked with axe; screenshots taken to
/work/notes/shots/ when that folder exists, for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible
from tests.browser.test_organiser_events_flow import PHONE_WIDTH, sign_in_as_organiser
from tests.test_organiser_registrations import matching

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
SHOTS = Path("/work/notes/shots")
DESKTOP = {"width": 1366, "height": 900}
NO_SIDEWAYS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


async def shot(page: Page, name: str) -> None:
    if SHOTS.is_dir():
        await page.screenshot(path=str(SHOTS / f"reglist-{name}.png"), full_page=True)


# The elements reaching beyond the viewport, to name in a failure.
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 1)
  .slice(-3).map(el => el.outerHTML.slice(0, 160))"""


async def assert_no_sideways_scroll(page: Page, width: int, what: str) -> None:
    widths = await page.evaluate(NO_SIDEWAYS)
    if widths["scroll"] > width:
        widths["too_wide"] = await page.evaluate(TOO_WIDE, width)
    assert widths["inner"] == width, f"{what}: {widths}"
    assert widths["scroll"] <= widths["inner"], f"{what} scrolls sideways at {width} px: {widths}"


async def long_event() -> tuple[dict, list]:
    """A two-day event with a long (sensitive) question, 60 bulk registrations and three by hand with
    long names, addresses and organisations, sessions and answers."""
    from events_app.domain import questions, registrations
    from events_app.domain.questions import QuestionInput
    from events_app.domain.registrations import Registrant
    from tests.registration_helpers import SYSTEM, bulk_registrations, form, published_event

    event = await published_event(capacity=200, workshop_capacity=1, days_ahead=-1)  # yesterday and today
    lunch = await questions.add_question(
        event["id"],
        QuestionInput(
            label="Vilken lunch vill du ha under Hållbarhetsdagarna?",
            kind="single",
            options=["Fisk", "Vegetariskt"],
            sensitive=True,
        ),
        SYSTEM,
    )
    topic = await questions.add_question(
        event["id"], QuestionInput(label="Vilken fråga vill du att rådet tar upp?", kind="text"), SYSTEM
    )
    by_hand = Registrant(source="organiser", actor=SYSTEM)
    workshop_a = str(event["sessions"]["Workshop A"]["uid"])
    people = []
    for n, (name, organisation) in enumerate(
        (
            ("Åsa Öberg", "timra"),
            ("Per-Olof Nyström-Långnamnsson", "Naturskyddsföreningen i Västernorrlands län, lokalavdelningen"),
            ("Bertil Berg", "lansstyrelsen"),
        )
    ):
        people.append(
            (
                await registrations.register(
                    event["slug"],
                    form(
                        f"per-olof.nystrom-langnamnsson.{n}@naturskyddsforeningen-vasternorrland.example.se",
                        name=name,
                        organisation=organisation,
                        answers={lunch["key"]: "Fisk", topic["key"]: "Laddinfrastruktur"},
                        dietary=["vegan"],
                        dietary_other="Selleri",
                        sessions=[workshop_a] if n == 0 else [],
                        waitlist_sessions=[workshop_a] if n else [],
                    ),
                    by_hand,
                )
            ).registration
        )
    await bulk_registrations(event, 60)
    return event, people


async def test_the_list_fits_a_desktop_in_pages_and_a_registration_is_handled_on_its_page(page: Page, staff_accounts):
    event, people = await long_event()
    await page.set_viewport_size(DESKTOP)
    await sign_in_as_organiser(page)
    await page.goto(f"/organiser/events/{event['slug']}/registrations")
    await expect(page.locator("h1")).to_be_visible()
    await assert_no_sideways_scroll(page, DESKTOP["width"], "the registration list")
    table = page.locator("table.registrations")
    # The table itself fits: its region does not scroll sideways either.
    region = await page.locator(".table-scroll").evaluate("(el) => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert region["scroll"] <= region["client"], region
    assert await table.locator("tbody tr").count() == 50
    headers = [text.strip() for text in await table.locator("thead th").all_inner_texts()]
    # The first column holds the boxes that choose badges to print (its heading is for screen readers).
    assert len(headers) == 7 and headers[1].startswith(sv("Name"))
    await expect(page.locator("#registrations-count")).to_contain_text(matching("sv", 63))
    await assert_accessible(page, "the registration list at 1366 px")
    await shot(page, "list-1366")
    # The next page, through the pagination's links.
    nav = page.get_by_role("navigation", name=sv("Pages of registrations"))
    await nav.get_by_role("link", name=re.compile(r"\b2$")).click()
    await expect(page).to_have_url(re.compile(r"page=2"))
    assert await table.locator("tbody tr").count() == 13
    await expect(nav.locator("a[aria-current=page]")).to_have_text(re.compile(r"2$"))

    # A registration's own page: the answers, and the actions that act.
    await page.goto(f"/organiser/events/{event['slug']}/registrations?sort=name&dir=desc")  # Å after Z
    await page.get_by_role("link", name="Åsa Öberg").click()
    await expect(page.locator("h1")).to_have_text("Åsa Öberg")
    await expect(page.locator("main")).to_contain_text("Laddinfrastruktur")
    await expect(page.locator("#sensitive-heading + p + dl")).to_contain_text("Fisk")
    await assert_no_sideways_scroll(page, DESKTOP["width"], "a registration's page")
    await assert_accessible(page, "a registration's page at 1366 px")
    await page.get_by_role("button", name=sv("Check in"), exact=True).click()
    await expect(page.locator(".flash")).to_contain_text(sv("%(name)s is checked in.", name="Åsa Öberg"))
    await expect(page.locator("ol.history")).to_contain_text(sv("Checked in"))
    await page.get_by_role("button", name=re.compile(sv("Undo the check-in"))).click()
    await expect(page.locator(".flash")).to_contain_text(sv("The check-in is undone."))
    await expect(page.locator("ol.history")).to_contain_text(sv("Check-in undone"))
    await page.get_by_role("button", name=sv("Send again")).click()
    await expect(page.locator(".flash")).to_contain_text(
        sv("The registration mail to %(email)s is on its way.", email=people[0]["email"])
    )
    await assert_no_sideways_scroll(page, DESKTOP["width"], "a registration's page after its actions")
    await shot(page, "detail-1366")
    await page.get_by_role("link", name=sv("Change"), exact=True).click()
    await expect(page.locator("h1")).to_contain_text(sv("Change the registration"))
    await assert_no_sideways_scroll(page, DESKTOP["width"], "the change form")
    await assert_accessible(page, "the registration's change form at 1366 px")


async def test_the_registration_pages_work_on_a_phone(phone_page: Page, staff_accounts):
    event, people = await long_event()
    await sign_in_as_organiser(phone_page)
    base = f"/organiser/events/{event['slug']}"
    for path, name in (
        (f"{base}/registrations", "list-phone"),
        (f"{base}/registrations?sort=name&dir=desc&q=%C3%A5sa", None),
        (f"{base}/registrations?page=2", None),
        (f"{base}/registrations/summary", None),
        (f"{base}/registrations/new", None),
        (f"{base}/questions", None),
        (f"/organiser/registrations/{people[1]['uid']}", None),  # on the waiting list: promote
        (f"/organiser/registrations/{people[0]['uid']}", "detail-phone"),  # confirmed: move, check in
        (f"/organiser/registrations/{people[0]['uid']}/edit", None),
    ):
        await phone_page.goto(path)
        await expect(phone_page.locator("h1")).to_be_visible()
        await phone_page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        await assert_no_sideways_scroll(phone_page, PHONE_WIDTH, path)
        await assert_accessible(phone_page, f"{path} on a phone")
        if name:
            await shot(phone_page, name)
