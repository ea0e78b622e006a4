"""The scanner page with no network, in Chromium (Playwright's `set_offline`): opened once, it opens
again offline and checks tickets against the door list on the device (a valid one green "offline",
a forged or cancelled one red); two devices offline admit the same ticket and, back online, the server
has one check-in and one conflict, and both devices know who was first; 200 scans queued offline
survive a reload and are sent once; a cancellation on the server reaches a device's list within one
sync; the list on the device holds no address."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from playwright.async_api import Page, expect

from events_app.domain import registrations
from events_app.domain.audit import Actor
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance, CheckInConflict, Registration
from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_checkin_browser import KEEP_ANSWERS, sign_in_and_pair
from tests.registration_helpers import event_today, form, registered

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
STRANGER = Registrant(ip="198.51.100.14")
PHONE = {"width": 390, "height": 844}
# What the device holds, read straight from IndexedDB as a data protection officer would.
READ_LIST = """() => new Promise((resolve, reject) => {
  const opened = indexedDB.open("door");
  opened.onerror = () => reject(opened.error);
  opened.onsuccess = () => {
    const db = opened.result, read = db.transaction(["events", "people", "queue"]).objectStore("people").getAll();
    read.onsuccess = () => resolve(read.result);
  };
})"""


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


async def scanner(browser, live_server, slug: str, device: str) -> Page:
    """A phone that has opened the scanner once with the network: paired, its list fetched, and the
    page kept by the service worker."""
    context = await browser.new_context(base_url=live_server, locale="sv-SE", viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    await sign_in_and_pair(page, slug, device=device)
    await expect(page.locator("#checkin-network")).to_contain_text(re.compile(r"\d"))
    await page.evaluate("() => navigator.serviceWorker.ready")
    await eventually(page, "() => caches.open('checkin-v1').then(kept => kept.match(location.pathname)).then(Boolean)")
    return page


async def eventually(page: Page, script: str, arg=None, seconds: float = 10) -> None:
    """Wait until the page's (asynchronous) `script` answers true: evaluate awaits its promise, where
    wait_for_function would take the promise itself for a true answer."""
    for _ in range(int(seconds * 10)):
        if await page.evaluate(script, arg):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {script}")


async def _no_network(route) -> None:
    await route.abort("internetdisconnected")


async def go_offline(page: Page) -> None:
    """No network for the page, and none for its service worker either (whose requests Chromium
    lets Playwright route): the page must come from what the worker kept."""
    await page.context.set_offline(True)
    await page.context.route("**/*", _no_network)


async def go_online(page: Page) -> None:
    await page.context.unroute("**/*", _no_network)
    await page.context.set_offline(False)


async def type_code(page: Page, code: str) -> None:
    field = page.get_by_label(sv("Ticket code"))
    await field.fill(code)
    await field.press("Enter")


async def answer(page: Page, kind: str):
    panel = page.locator(f"#checkin-answer .answer-{kind}")
    await expect(panel).to_be_visible()
    return panel


async def until(condition, seconds: float = 10) -> None:
    """Wait for the database to show what the devices sent."""
    for _ in range(int(seconds * 10)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    assert await condition()


async def sync_now(page: Page) -> None:
    """What the page does when the network comes back (it also syncs every 30 seconds)."""
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")


async def test_a_page_opened_once_reloads_offline_and_scans(browser, live_server, staff_accounts):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se", dietary_other="Inga nötter"), STRANGER)
    bo = await registered(event["slug"], form("bo@example.se", name="Bo Ek"), STRANGER)
    await registrations.cancel_registration(str(bo["uid"]), Actor.system("test"), by_organiser=True)
    page = await scanner(browser, live_server, event["slug"], "Entrén, telefon 1")

    await go_offline(page)
    reloaded = await page.reload()
    assert reloaded.from_service_worker
    assert await page.evaluate("() => fetch('/healthz').then(() => 'reached', () => 'no network')") == "no network"
    await expect(page.locator("#checkin-network")).to_contain_text(
        sv("No network: tickets are checked with the door list on this device.")
    )
    await page.evaluate(KEEP_ANSWERS)

    await type_code(page, anna["ticket_code"])
    ok = await answer(page, "ok")
    await expect(ok.locator(".answer-title")).to_have_text(sv("Welcome"))
    await expect(ok.locator(".answer-name")).to_have_text("Anna Andersson")
    await expect(ok.locator(".answer-offline")).to_have_text(
        sv("No network: checked with the door list on this device.")
    )
    await assert_accessible(page, "the green answer, offline")
    await page.keyboard.press("Escape")

    await type_code(page, anna["ticket_code"][:-4] + "AAAA")  # the signature no longer fits
    forged = await answer(page, "bad")
    await expect(forged.locator(".answer-title")).to_have_text(sv("Unknown ticket"))
    await page.keyboard.press("Escape")
    await type_code(page, bo["short_code_display"])
    cancelled = await answer(page, "bad")
    await expect(cancelled.locator(".answer-title")).to_have_text(sv("The registration is cancelled"))
    await expect(page.locator("#checkin-network")).to_contain_text(sv("Waiting to be sent: %(num)s.", num=1))

    kept = json.dumps(await page.evaluate(READ_LIST), ensure_ascii=False)
    assert "Anna Andersson" in kept and "@" not in kept and "nötter" not in kept
    assert await Attendance.count() == 0  # nothing has reached the server yet

    await go_online(page)
    await sync_now(page)
    await until(lambda: Attendance.exists().where(Attendance.registration == anna["id"]))
    assert await Attendance.count() == 1
    await expect(page.locator("#checkin-network")).not_to_contain_text(sv("Waiting to be sent: %(num)s.", num=1))
    await page.context.close()


async def test_two_devices_offline_admit_the_same_ticket_and_the_server_keeps_one(browser, live_server, staff_accounts):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    first = await scanner(browser, live_server, event["slug"], "Entrén 1")
    second = await scanner(browser, live_server, event["slug"], "Entrén 2")
    for page in (first, second):
        await go_offline(page)
        await page.evaluate(KEEP_ANSWERS)
    await type_code(first, anna["short_code_display"])
    await answer(first, "ok")
    await type_code(second, anna["ticket_code"])
    await answer(second, "ok")  # it cannot know: both admitted her

    for page in (second, first):  # the later scan reaches the server first
        await go_online(page)
        await sync_now(page)
    await until(lambda: CheckInConflict.exists())
    assert await Attendance.select(Attendance.device) == [{"device": "Entrén 1"}]
    assert await CheckInConflict.select(CheckInConflict.device, CheckInConflict.kind) == [
        {"device": "Entrén 2", "kind": "twice"}
    ]
    for page in (first, second):  # after the next sync each device knows the one check-in that stands
        await sync_now(page)
        await eventually(
            page,
            """async (read) => {
                 const people = await (eval(read))();
                 const visits = people[0].checked_in;
                 return visits.length === 1 && visits[0].device === "Entrén 1" && !visits[0].waiting;
               }""",
            READ_LIST,
        )
        await page.context.close()


async def test_scans_queued_offline_survive_a_reload_and_are_sent_once(browser, live_server, staff_accounts):
    event = await event_today(capacity=None)
    for n in range(200):
        await registrations.register(event["slug"], form(f"p{n}@example.se", name=f"Deltagare {n}"), STRANGER)
    codes = [row["short_code"] for row in await Registration.select(Registration.short_code)]
    page = await scanner(browser, live_server, event["slug"], "Entrén")
    batches: list[str] = []
    page.on(
        "request",
        lambda request: batches.append(request.post_data) if request.url.endswith("/checkins/batch") else None,
    )

    await go_offline(page)
    for code in codes:
        await type_code(page, code)
    await expect(page.locator("#checkin-network")).to_contain_text(sv("Waiting to be sent: %(num)s.", num=200))
    await page.reload()  # the phone restarts, still without a network
    await expect(page.locator("#checkin-network")).to_contain_text(sv("Waiting to be sent: %(num)s.", num=200))
    assert await Attendance.count() == 0

    await go_online(page)
    await sync_now(page)
    await until(lambda: _count_is(200), seconds=20)
    await expect(page.locator("#checkin-network")).not_to_contain_text(sv("Waiting to be sent: %(num)s.", num=200))
    # The same batch again (a retry whose answer was lost) changes nothing.
    token = await page.evaluate("() => localStorage.getItem('checkin.token')")
    resent = await page.evaluate(
        """([body, token]) => fetch("/api/v1/checkins/batch", {method: "POST", body: body,
             headers: {Authorization: "Bearer " + token, "Content-Type": "application/json"}}).then(r => r.status)""",
        [batches[0], token],
    )
    assert resent == 200
    assert await Attendance.count() == 200 and await CheckInConflict.count() == 0
    await page.context.close()


async def _count_is(number: int) -> bool:
    return await Attendance.count() == number


async def test_a_cancellation_on_the_server_reaches_the_device_within_one_sync(browser, live_server, staff_accounts):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    page = await scanner(browser, live_server, event["slug"], "Entrén")
    await registrations.cancel_registration(str(anna["uid"]), Actor.system("test"), by_organiser=True)
    await sync_now(page)
    await eventually(page, "async (read) => (await (eval(read))())[0].status === 'cancelled'", READ_LIST)
    await go_offline(page)
    await page.evaluate(KEEP_ANSWERS)
    await type_code(page, anna["ticket_code"])
    refused = await answer(page, "bad")
    await expect(refused.locator(".answer-title")).to_have_text(sv("The registration is cancelled"))
    await page.context.close()


async def test_the_search_and_walk_ins_work_offline(browser, live_server, staff_accounts):
    event = await event_today()
    await registered(event["slug"], form("asa@example.se", name="Åsa Öberg"), STRANGER)
    page = await scanner(browser, live_server, event["slug"], "Entrén")
    await go_offline(page)
    await page.evaluate(KEEP_ANSWERS)

    await page.get_by_label(sv("Name or organisation")).fill("asa ob")
    found = page.locator("#search-results")
    await expect(found.get_by_role("status")).to_have_text(sv("Found: %(num)s.", num=1))
    await assert_accessible(page, "the search's results, offline")
    await found.get_by_role("button", name=re.compile(sv("Check in"))).click()
    ok = await answer(page, "ok")
    await expect(ok.locator(".answer-name")).to_have_text("Åsa Öberg")
    await expect(found.locator(".checkin-found-done")).to_be_visible()  # the list shows her checked in
    await page.keyboard.press("Escape")

    await page.get_by_text(sv("Walk-in: register someone at the door")).click()
    await page.locator("#walk-in-form").get_by_label(sv("Name")).fill("Ville Vandrare")
    await page.get_by_role("button", name=sv("Register and check in")).click()
    walk_in = await answer(page, "ok")
    await expect(walk_in.locator(".answer-name")).to_have_text("Ville Vandrare")
    provisional = sv("Provisional ticket %(code)s: the registration is made when the network is back.", code="\0")
    await expect(walk_in).to_contain_text(provisional.split("\0")[0])
    await expect(page.locator("#checkin-network")).to_contain_text(sv("Waiting to be sent: %(num)s.", num=2))
    assert await Registration.count() == 1

    await go_online(page)
    await sync_now(page)
    await until(lambda: _count_is(2))
    ville = await Registration.select(Registration.source).where(Registration.name == "Ville Vandrare").first()
    assert ville == {"source": "walk_in"}

    # Online, a walk-in's answer has the button to their name badge (the walk-in form is still open).
    await page.keyboard.press("Escape")
    await page.locator("#walk-in-form").get_by_label(sv("Name")).fill("Gun Gäst")
    await page.get_by_role("button", name=sv("Register and check in")).click()
    badge = (await answer(page, "ok")).get_by_role("link", name=sv("Print a name badge"))
    href = await badge.get_attribute("href")
    status = await page.evaluate("(url) => fetch(url).then(r => r.status + ' ' + r.headers.get('content-type'))", href)
    assert status == "200 application/pdf"
    await page.context.close()
