"""The scanner page in Chromium: pairing the device, a ticket shown to a (fake) camera, the short
code typed into the field and typed again; the answers as the staff see them, axe on every step and
no sideways scrolling on a phone."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image
from playwright.async_api import Page, expect

from events_app import i18n
from events_app.domain import checkins, tickets
from events_app.domain.audit import Actor
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance
from tests.account_helpers import tr
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.conftest import DEMO_PASSWORD
from tests.registration_helpers import event_today, form, registered

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
SHOTS = Path("/work/notes/shots")
DESKTOP = {"width": 1366, "height": 900}
STRANGER = Registrant(ip="198.51.100.13")
KEEP_ANSWERS = "() => { document.getElementById('checkin').dataset.answerMs = '60000'; }"  # time for axe


def sv(message: str, **params) -> str:
    return tr("sv", message, **params)


def y4m_video(png: bytes, path: Path, frames: int = 5) -> Path:
    """A few identical frames of the QR code on a light background, as YUV4MPEG2 (4:2:0) for
    Chromium's fake camera."""
    width, height = 640, 480
    picture = Image.new("RGB", (width, height), (230, 230, 230))
    picture.paste(Image.open(io.BytesIO(png)).convert("RGB").resize((400, 400), Image.NEAREST), (120, 40))
    luma, blue, red = picture.convert("YCbCr").split()
    frame = (
        b"FRAME\n"
        + luma.tobytes()
        + b"".join(plane.resize((width // 2, height // 2)).tobytes() for plane in (blue, red))
    )
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)
    return path


async def sign_in_and_pair(
    page: Page, slug: str, device: str = "Entrén, telefon 1", email: str = "checkin@test.se"
) -> None:
    await page.goto(f"/login?next=/checkin/{slug}")
    await page.locator("#field-email").fill(email)
    await page.locator("#field-password").fill(DEMO_PASSWORD)
    await page.locator("main form[action='/login'] button[type=submit]").click()
    await expect(page.get_by_role("heading", name=sv("Name this device"))).to_be_visible()
    await assert_accessible(page, "the scanner page, naming the device")
    await page.get_by_label(sv("Device name")).fill(device)
    await page.get_by_role("button", name=sv("Save and start")).click()
    await expect(page.locator("#device-name")).to_have_text(device)
    await expect(page.locator("#code")).to_be_focused()


@pytest_asyncio.fixture(loop_scope="session")
async def camera_browser(browser):
    """A second Chromium whose camera shows the ticket's QR code (the video is written per test)."""
    browsers = []

    async def launch(video: Path):
        launched = await browser.browser_type.launch(
            executable_path=str(CHROMIUM),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        browsers.append(launched)
        return launched

    yield launch
    for launched in browsers:
        await launched.close()


async def test_a_ticket_shown_to_the_camera_checks_in(camera_browser, live_server, staff_accounts, tmp_path):
    event = await event_today()  # the door scans for today
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    video = y4m_video(tickets.qr_png(anna["ticket_code"]), tmp_path / "ticket.y4m")
    chromium = await camera_browser(video)
    context = await chromium.new_context(
        base_url=live_server, locale="sv-SE", viewport={"width": 390, "height": 844}, permissions=["camera"]
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()

    await sign_in_and_pair(page, event["slug"])
    await page.evaluate(KEEP_ANSWERS)
    await page.get_by_role("button", name=sv("Start the camera")).click()

    answer = page.locator("#checkin-answer .answer-ok")
    await expect(answer).to_be_visible(timeout=20_000)  # a frame or two to the server and back
    await expect(answer.locator(".answer-title")).to_have_text(sv("Welcome"))
    await expect(answer.locator(".answer-name")).to_have_text("Anna Andersson")
    await expect(answer.locator(".answer-organisation")).to_have_text("Sundsvalls kommun")
    await expect(page.get_by_role("button", name=sv("Undo"))).to_be_visible()
    await assert_accessible(page, "the green answer after a camera scan")
    # The ticket stays in front of the camera: it is not checked in again (no amber answer).
    await page.wait_for_timeout(2500)
    await expect(page.locator("#checkin-answer .answer-warn")).to_have_count(0)


async def test_the_typed_code_checks_in_and_again_says_already(phone_page: Page, staff_accounts):
    event = await event_today()  # the door scans for today
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    page = phone_page

    await sign_in_and_pair(page, event["slug"])
    await page.evaluate(KEEP_ANSWERS)
    code = page.get_by_label(sv("Ticket code"))
    await code.fill(anna["short_code_display"].lower())
    await code.press("Enter")
    ok = page.locator("#checkin-answer .answer-ok")
    await expect(ok.locator(".answer-title")).to_have_text(sv("Welcome"))
    await expect(ok.locator(".answer-name")).to_have_text("Anna Andersson")
    await expect(code).to_have_value("")
    await assert_accessible(page, "the green answer on a phone")

    await page.wait_for_timeout(2100)  # past the two seconds in which a repeat counts as a bounce
    await code.fill(anna["short_code_display"])
    await code.press("Enter")
    warn = page.locator("#checkin-answer .answer-warn")
    await expect(warn.locator(".answer-title")).to_have_text(sv("Already checked in"))
    await expect(warn.locator(".answer-detail")).to_have_text(
        re.compile(
            r"^"
            + re.escape(
                sv(
                    "Checked in at %(time)s by %(by)s (%(device)s).",
                    time="TIME",
                    by="Karin Incheckare",
                    device="Entrén, telefon 1",
                )
            ).replace("TIME", r"\d\d\.\d\d")
            + "$"
        )
    )
    await assert_accessible(page, "the amber answer on a phone")
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths

    await page.keyboard.press("Escape")
    await expect(page.locator("#checkin-answer")).to_be_empty()
    await assert_accessible(page, "the scanner page, ready")
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths


def counter(checked_in: int, expected: int) -> str:
    with i18n.use_language("sv"):
        return i18n.ngettext(
            "%(checked_in)s of %(num)s checked in",
            "%(checked_in)s of %(num)s checked in",
            expected,
            checked_in=checked_in,
        )


def day_label(number: int, day) -> str:
    with i18n.use_language("sv"):
        return i18n.gettext("Day %(number)s, %(day)s", number=number, day=i18n.format_day(day))


async def screenshot(page: Page, name: str) -> None:
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"checkin-{name}.png"), full_page=True)


async def no_sideways_scrolling(page: Page) -> None:
    widths = await page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths


async def the_day_the_counter_and_who_is_checked_in(page: Page, viewport: str) -> None:
    """Check-in staff on the day: the day at the top, "0 of 2" turning "1 of 2" after a scan without
    reloading, and the search showing Anna checked in (with the time) where Bo has a button."""
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    await registered(event["slug"], form("bo@example.se", name="Bo Ek"), STRANGER)
    await sign_in_and_pair(page, event["slug"])
    await page.evaluate(KEEP_ANSWERS)

    await expect(page.locator("#door-label")).to_have_text(day_label(1, checkins.today()))
    await expect(page.locator("#door-not-today")).to_be_hidden()
    count = page.locator("#checkin-counter")
    await expect(count).to_have_text(counter(0, 2))
    await page.evaluate("() => (window.notReloaded = true)")

    code = page.get_by_label(sv("Ticket code"))
    await code.fill(anna["short_code_display"])
    await code.press("Enter")
    await expect(page.locator("#checkin-answer .answer-title")).to_have_text(sv("Welcome"))
    await expect(count).to_have_text(counter(1, 2))
    assert await page.evaluate("() => window.notReloaded") is True
    await page.keyboard.press("Escape")

    await page.get_by_label(sv("Name or organisation")).fill("anna")
    found = page.locator("#search-results li")
    await expect(found).to_have_count(1)
    await expect(found.locator(".checkin-found-done")).to_have_text(
        re.compile("^" + re.escape(sv("Checked in %(time)s", time="TIME")).replace("TIME", r"\d\d[.:]\d\d") + "$")
    )
    await expect(found.get_by_role("button")).to_have_count(0)
    await assert_accessible(page, f"the scanner with the counter and a search result checked in ({viewport})")
    await no_sideways_scrolling(page)
    await screenshot(page, f"today-{viewport}")

    await page.get_by_label(sv("Name or organisation")).fill("bo ek")
    await expect(found.locator(".checkin-found-who")).to_contain_text("Bo Ek")
    await found.get_by_role("button", name=re.compile(sv("Check in"))).click()
    await expect(page.locator("#checkin-answer .answer-name")).to_have_text("Bo Ek")
    await expect(count).to_have_text(counter(2, 2))
    await page.keyboard.press("Escape")
    await expect(found.locator(".checkin-found-done")).to_have_count(1)  # the list again, Bo now checked in

    # Another device's change shows too, without reloading: here an organiser undoes Anna's check-in.
    [first] = await Attendance.select(Attendance.uid).where(Attendance.registration.name == "Anna Andersson")
    await checkins.undo(str(first["uid"]), Actor.system("test"))
    await expect(count).to_have_text(counter(1, 2), timeout=15_000)  # the page asks every ten seconds
    assert await page.evaluate("() => window.notReloaded") is True


async def test_the_day_the_counter_and_who_is_checked_in_on_a_phone(phone_page: Page, staff_accounts):
    await the_day_the_counter_and_who_is_checked_in(phone_page, "phone")


async def test_the_day_the_counter_and_who_is_checked_in_on_a_desktop(page: Page, staff_accounts):
    await page.set_viewport_size(DESKTOP)
    await the_day_the_counter_and_who_is_checked_in(page, "desktop")
