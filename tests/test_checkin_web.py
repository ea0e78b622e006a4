"""The scanner page's server side (events_app/web/staff_checkin.py): who may open it, pairing a device
(a token that then works with the check-in API), decoding camera frames (a ticket's PNG and a
camera-like photo of it), searching and checking in the one found, and walk-ins. Both databases."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from PIL import Image, ImageFilter

from events_app import i18n
from events_app.domain import checkins, tickets
from events_app.domain.qr_frames import MAX_FRAME_BYTES
from events_app.domain.registrations import Registrant
from events_app.domain.tables import ApiToken, Attendance, Event, Registration
from events_app.domain.transactions import utcnow
from events_app.i18n import localtime, use_language
from tests.account_helpers import add_member, sign_in_member, text_of, tr
from tests.conftest import sign_in
from tests.registration_helpers import event_today, form, published_event, registered

STRANGER = Registrant(ip="198.51.100.12")


def first_day(event: dict) -> str:
    return localtime(event["starts_at"]).date().isoformat()


async def scanner(client, role: str = "checkin") -> tuple[dict, dict]:
    """A published event with Anna registered, and `client` signed in as staff on its scanner page."""
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    await sign_in(client, f"{role}@test.se")
    assert (await client.get(f"/checkin/{event['slug']}")).status_code == 200
    return event, anna


async def post_frame(client, picture: bytes, content_type: str = "image/jpeg"):
    return await client.post(
        "/checkin/decode", content=picture, headers={"Content-Type": content_type, "X-CSRFToken": client.last_csrf}
    )


def camera_photo(png: bytes, seed: int = 6) -> bytes:
    """The ticket as a phone's camera sees it: printed in grey on grey paper, tilted 15°, on a noisy
    background, the phone held at an angle (skew and perspective), grainy, slightly out of focus, JPEG."""
    rng = random.Random(seed)
    qr = Image.open(io.BytesIO(png)).convert("L").resize((320, 320), Image.NEAREST)
    tilted = qr.point(lambda v: 70 + v * 120 // 255).convert("RGBA").rotate(15, expand=True, resample=Image.BICUBIC)
    photo = Image.merge(
        "RGB", [Image.effect_noise((800, 600), 60).point(lambda v, s=shift: min(255, v + s)) for shift in (10, 0, -10)]
    )
    photo.paste(tilted, (rng.randint(120, 200), rng.randint(60, 120)), tilted)
    photo = photo.transform(
        photo.size,
        Image.PERSPECTIVE,
        (1.05, 0.12, -40, 0.04, 0.98, -10, 0.00012, 0.00008),
        resample=Image.BICUBIC,
        fillcolor=(90, 90, 90),
    )
    grain = Image.effect_noise(photo.size, 50).convert("RGB")
    photo = Image.blend(photo, grain, 0.2).filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=60)
    return out.getvalue()


# --- who may open it ---------------------------------------------------------------------------


async def test_only_staff_open_the_scanner_page(client, staff_accounts):
    event = await event_today()
    page = f"/checkin/{event['slug']}"
    anonymous = await client.get(page)
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"] == f"/login?next={page}"

    await add_member()
    await sign_in_member(client, "asa.oberg@sundsvall.se")
    member = await client.get(page)
    assert member.status_code in (302, 303) and member.headers["location"].startswith("/login?")
    refused = await client.submit("/checkin/device", {"device": "Entrén"}, form_page="/")
    assert refused.status_code in (302, 303) and await ApiToken.count() == 0

    await sign_in(client, "checkin@test.se")
    allowed = await client.get(page)
    assert allowed.status_code == 200
    assert tr("sv", "Name this device") in text_of(allowed)
    assert '<script src="/static/checkin.js" defer></script>' in allowed.text
    assert tr("sv", "Check-in") in text_of(await client.get("/staff"))


async def test_the_event_list_goes_straight_on_to_the_event_of_the_day(client, staff_accounts):
    await sign_in(client, "checkin@test.se")
    later = await published_event(title="Klimatdagen")
    listing = await client.get("/checkin")
    assert listing.status_code == 200 and f'href="/checkin/{later["slug"]}"' in listing.text
    today = await event_today(title="Energidagen")
    assert (await client.get("/checkin")).headers["location"] == f"/checkin/{today['slug']}"
    chosen = await client.get("/checkin?choose=1")
    assert "Klimatdagen" in chosen.text and "Energidagen" in chosen.text
    draft = await published_event(title="Utkastdagen", publish=False)
    assert "Utkastdagen" not in chosen.text
    assert (await client.get(f"/checkin/{draft['slug']}")).status_code == 404


# --- pairing -------------------------------------------------------------------------------------


async def test_pairing_makes_a_token_named_after_the_device_that_checks_in(client, staff_accounts):
    event, anna = await scanner(client)
    response = await client.submit(
        "/checkin/device", {"device": "  Entrén,  telefon 1 "}, form_page=f"/checkin/{event['slug']}"
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    paired = response.json()
    assert paired["device"] == "Entrén, telefon 1"
    token = await ApiToken.select(ApiToken.name, ApiToken.staff).first()
    assert token == {"name": "Skanner: Entrén, telefon 1", "staff": staff_accounts["checkin"]["id"]}

    scan = await client.post(
        "/api/v1/checkins",
        headers={"Authorization": f"Bearer {paired['token']}"},
        json={
            "code": anna["ticket_code"],
            "event": event["slug"],
            "day": first_day(event),
            "device": paired["device"],
            "method": "camera",
        },
    )
    assert scan.json()["result"] == "ok" and scan.json()["checked_in_by"] == "Karin Incheckare"
    assert await Attendance.select(Attendance.device, Attendance.method).first() == {
        "device": "Entrén, telefon 1",
        "method": "camera",
    }

    unnamed = await client.submit("/checkin/device", {"device": " "}, form_page=f"/checkin/{event['slug']}")
    assert unnamed.status_code == 400 and "device" in unnamed.json()["errors"]
    assert await ApiToken.count() == 1


async def test_staff_see_their_paired_devices_and_disconnect_one(client, staff_accounts):
    event, anna = await scanner(client)
    paired = (
        await client.submit("/checkin/device", {"device": "Entrén, telefon 1"}, form_page=f"/checkin/{event['slug']}")
    ).json()
    page = await client.get("/checkin?choose=1")
    assert "Skanner: Entrén, telefon 1" in text_of(page)
    [token] = await ApiToken.select(ApiToken.uid)

    response = await client.submit(f"/checkin/devices/{token['uid']}/revoke", {}, form_page="/checkin?choose=1")

    assert response.status_code == 303
    assert "Skanner: Entrén, telefon 1" not in text_of(await client.get("/checkin?choose=1"))
    scan = await client.post(
        "/api/v1/checkins",
        headers={"Authorization": f"Bearer {paired['token']}"},
        json={"code": anna["ticket_code"], "event": event["slug"], "day": first_day(event)},
    )
    assert scan.status_code == 401
    # Another staff member's device is not theirs to disconnect.
    await client.post("/logout", data={"_csrf_token": client.last_csrf})
    await sign_in(client, "organiser@test.se")
    other = (
        await client.submit("/checkin/device", {"device": "Arrangörens telefon"}, form_page=f"/checkin/{event['slug']}")
    ).json()
    await client.post("/logout", data={"_csrf_token": client.last_csrf})
    await sign_in(client, "checkin@test.se")
    [theirs] = await ApiToken.select(ApiToken.uid).where(ApiToken.name == "Skanner: Arrangörens telefon")
    await client.submit(f"/checkin/devices/{theirs['uid']}/revoke", {}, form_page="/checkin?choose=1")
    still = await client.post(
        "/api/v1/checkins",
        headers={"Authorization": f"Bearer {other['token']}"},
        json={"code": anna["ticket_code"], "event": event["slug"], "day": first_day(event)},
    )
    assert still.json()["result"] == "ok"


# --- the camera's frames -------------------------------------------------------------------------


async def test_the_decoder_reads_a_ticket_and_a_camera_like_photo_of_it(client, staff_accounts):
    _, anna = await scanner(client)
    png = tickets.qr_png(anna["ticket_code"])

    assert (await post_frame(client, png, "image/png")).json() == {"code": anna["ticket_code"]}
    assert (await post_frame(client, camera_photo(png))).json() == {"code": anna["ticket_code"]}

    empty = io.BytesIO()
    Image.effect_noise((640, 480), 40).convert("RGB").save(empty, "JPEG")
    assert (await post_frame(client, empty.getvalue())).json() == {"code": ""}
    assert await Attendance.count() == 0  # decoding checks nobody in: the page posts the code to the API


async def test_the_decoder_refuses_large_uploads_and_what_is_not_a_picture(client, staff_accounts):
    await scanner(client)
    too_large = await post_frame(client, b"\xff\xd8" + b"0" * MAX_FRAME_BYTES)
    assert too_large.status_code == 413
    assert (await post_frame(client, b"%PDF-1.7 no picture", "application/pdf")).status_code == 400
    huge = io.BytesIO()  # few bytes, many pixels: refused before it is unpacked
    Image.new("1", (5000, 4000)).save(huge, "PNG")
    assert len(huge.getvalue()) < MAX_FRAME_BYTES
    assert (await post_frame(client, huge.getvalue(), "image/png")).status_code == 400
    without_csrf = await client.post("/checkin/decode", content=b"x", headers={"Content-Type": "image/jpeg"})
    assert without_csrf.status_code == 403


# --- search, and walk-ins ---------------------------------------------------------------------------


async def test_search_finds_by_name_or_organisation_and_one_tap_checks_in(client, staff_accounts):
    event, anna = await scanner(client)
    await registered(event["slug"], form("bertil@example.se", name="Bertil Berg", organisation="timra"), STRANGER)

    by_organisation = text_of(await client.get(f"/checkin/{event['slug']}/search", params={"q": "sundsv"}))
    assert "Anna Andersson" in by_organisation and "Bertil Berg" not in by_organisation
    by_name = await client.get(f"/checkin/{event['slug']}/search", params={"q": "berti"})
    assert "Bertil Berg" in text_of(by_name) and "Anna Andersson" not in text_of(by_name)
    assert by_name.headers["cache-control"] == "no-store"
    assert tr("sv", "Type at least two letters.") in text_of(
        await client.get(f"/checkin/{event['slug']}/search", params={"q": "a"})
    )

    url = f"/checkin/{event['slug']}/registrations/{anna['uid']}"
    fields = {"day": first_day(event), "session": "", "device": "Entrén, telefon 1"}
    first = await client.submit(url, fields, form_page=f"/checkin/{event['slug']}")
    assert first.status_code == 200, first.text
    assert (first.json()["result"], first.json()["name"]) == ("ok", "Anna Andersson")
    assert first.json()["message"] == tr("sv", "Welcome")
    again = await client.submit(url, fields, form_page=f"/checkin/{event['slug']}")
    assert again.json()["result"] == "already_checked_in" and again.json()["checkin"] == first.json()["checkin"]
    assert await Attendance.select(Attendance.method, Attendance.device, Attendance.staff_name) == [
        {"method": "search", "device": "Entrén, telefon 1", "staff_name": "Karin Incheckare"}
    ]
    bad_day = await client.submit(url, {**fields, "day": "i morgon"}, form_page=f"/checkin/{event['slug']}")
    assert bad_day.status_code == 400 and "day" in bad_day.json()["errors"]


async def test_a_walk_in_is_registered_and_checked_in_in_one_step(client, staff_accounts):
    event, _ = await scanner(client)
    url = f"/checkin/{event['slug']}/walk-in"
    door = {"day": first_day(event), "session": "", "device": "Entrén"}
    missing = await client.submit(
        url,
        {**door, "name": "", "organisation": "", "organisation_other": "", "email": ""},
        form_page=f"/checkin/{event['slug']}",
    )
    assert missing.status_code == 400 and "name" in missing.json()["errors"]

    answer = await client.submit(
        url,
        {**door, "name": "Gustav Ek", "organisation": "", "organisation_other": "Ek & Co", "email": ""},
        form_page=f"/checkin/{event['slug']}",
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["result"], answer.json()["name"], answer.json()["organisation"]) == (
        "ok",
        "Gustav Ek",
        "Ek & Co",
    )
    walk_in = (
        await Registration.select(Registration.id, Registration.source).where(Registration.name == "Gustav Ek").first()
    )
    assert walk_in["source"] == "walk_in"
    assert await Attendance.select(Attendance.registration, Attendance.method) == [
        {"registration": walk_in["id"], "method": "walk_in"}
    ]


async def test_the_scanner_offers_check_in_staff_only_today_and_organisers_any_day_with_a_reason(
    client, staff_accounts
):
    event, anna = await scanner(client)  # a two-day event starting today
    today, tomorrow = first_day(event), (date.fromisoformat(first_day(event)) + timedelta(days=1)).isoformat()
    page = await client.get(f"/checkin/{event['slug']}")
    assert f'value="day:{today}"' in page.text and f'value="day:{tomorrow}"' not in page.text
    assert 'id="another-day-reason"' not in page.text

    door = {"day": tomorrow, "session": "", "device": "Entrén", "reason": "Vill prova"}
    found = await client.submit(
        f"/checkin/{event['slug']}/registrations/{anna['uid']}", door, form_page=f"/checkin/{event['slug']}"
    )
    assert found.status_code == 400
    walk_in = await client.submit(
        f"/checkin/{event['slug']}/walk-in",
        {**door, "name": "Gustav Ek", "organisation": "", "organisation_other": "Timrå", "email": ""},
        form_page=f"/checkin/{event['slug']}",
    )
    assert walk_in.status_code == 400
    assert await Attendance.count() == 0 and await Registration.count() == 1  # the walk-in left nothing

    await client.submit("/logout", {}, form_page="/staff")
    await sign_in(client, "organiser@test.se")
    page = await client.get(f"/checkin/{event['slug']}")
    assert f'value="day:{tomorrow}"' in page.text and 'id="another-day-reason"' in page.text
    asked = await client.submit(
        f"/checkin/{event['slug']}/registrations/{anna['uid']}", door, form_page=f"/checkin/{event['slug']}"
    )
    assert asked.json()["result"] == "needs_confirmation" and await Attendance.count() == 0
    done = await client.submit(
        f"/checkin/{event['slug']}/registrations/{anna['uid']}",
        {**door, "confirmed": "1"},
        form_page=f"/checkin/{event['slug']}",
    )
    assert done.json()["result"] == "ok"


# --- the day scanned for, another day than today, the counter -------------------------------------

COUNTER = ("%(checked_in)s of %(num)s checked in", "%(checked_in)s of %(num)s checked in")


def counter_sv(checked_in: int, expected: int) -> str:
    with use_language("sv"):
        return i18n.ngettext(*COUNTER, expected, checked_in=checked_in)


async def test_the_event_list_opens_an_event_only_on_one_of_its_days(client, staff_accounts, monkeypatch):
    """A module that began yesterday and is still running, meeting only yesterday: today is no day of it."""
    yesterday = checkins.today() - timedelta(days=1)
    module = await published_event(
        title="Klimatmodulen", kind="training_module", days_ahead=-1, occasion_dates=[yesterday]
    )
    # Still running whatever the time of day the test runs at (the helper ends it today at 16.00, after
    # which the list counts it as past): the list of events reads the real clock, not checkins.today.
    await Event.update({Event.ends_at: utcnow() + timedelta(hours=2)}).where(Event.id == module["id"])
    await sign_in(client, "organiser@test.se")
    listing = await client.get("/checkin")
    assert listing.status_code == 200 and f'href="/checkin/{module["slug"]}"' in listing.text

    monkeypatch.setattr(checkins, "today", lambda: yesterday)  # the clock as the tests set it
    assert (await client.get("/checkin")).headers["location"] == f"/checkin/{module['slug']}"


async def test_the_scanner_shows_the_day_it_scans_for_and_whether_it_is_today(client, staff_accounts, monkeypatch):
    event = await published_event(days_ahead=20)  # two days: 1 and 2
    day_one = localtime(event["starts_at"]).date()
    await registered(event["slug"], form("anna@example.se"), STRANGER)
    await registered(event["slug"], form("bo@example.se", name="Bo Ek"), STRANGER)
    await sign_in(client, "organiser@test.se")

    page = text_of(await client.get(f"/checkin/{event['slug']}"))
    with use_language("sv"):
        label = i18n.gettext("Day %(number)s, %(day)s", number=1, day=i18n.format_day(day_one))
        today = i18n.format_day(checkins.today())
    assert label in page
    assert tr("sv", "This is not today. Today is %(today)s.", today=today) in page
    assert counter_sv(0, 2) in page

    monkeypatch.setattr(checkins, "today", lambda: day_one + timedelta(days=1))
    page = await client.get(f"/checkin/{event['slug']}")
    with use_language("sv"):
        label = i18n.gettext("Day %(number)s, %(day)s", number=2, day=i18n.format_day(day_one + timedelta(days=1)))
    assert label in text_of(page) and 'id="door-not-today" hidden' in page.text


async def test_another_day_is_checked_in_only_once_confirmed_also_without_the_script(client, staff_accounts):
    event = await published_event(days_ahead=20)
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    day_one = localtime(event["starts_at"]).date().isoformat()
    await sign_in(client, "organiser@test.se")
    scanner_page = f"/checkin/{event['slug']}"

    # Without the script: the search is a page of its own, each found one a form that checks in.
    found = await client.get(
        f"{scanner_page}/search", params={"q": "anna", "door": f"day:{day_one}", "reason": "Listan"}
    )
    assert "<h1>" in found.text and f'action="/checkin/{event["slug"]}/registrations/{anna["uid"]}"' in found.text
    assert f'name="day" value="{day_one}"' in found.text and 'name="reason" value="Listan"' in found.text

    url = f"{scanner_page}/registrations/{anna['uid']}"
    door = {"day": day_one, "session": "", "device": "", "reason": "Listan"}
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    client.headers.update(browser)
    try:
        asked = await client.submit(url, door, form_page=scanner_page)
        assert asked.status_code == 200 and asked.headers["content-type"].startswith("text/html")
        with use_language("sv"):
            sentence = i18n.gettext(
                "This is day %(number)s, %(day)s. Today is %(today)s.",
                number=1,
                day=i18n.format_day(date.fromisoformat(day_one)),
                today=i18n.format_day(checkins.today()),
            )
        assert sentence in text_of(asked)
        assert tr("sv", "Check in for day %(number)s", number=1) in text_of(asked)
        assert 'name="confirmed" value="1"' in asked.text
        assert await Attendance.count() == 0  # nothing written until confirmed

        done = await client.submit(url, {**door, "confirmed": "1"}, form_page=scanner_page)
        assert tr("sv", "Welcome") in text_of(done) and "Anna Andersson" in text_of(done)
        assert await Attendance.count() == 1
    finally:
        for name in browser:
            client.headers.pop(name)

    # Checked in: the search shows when, in place of the button.
    again = await client.get(f"{scanner_page}/search", params={"q": "anna", "day": day_one, "part": "1"})
    [when] = await Attendance.select(Attendance.checked_in_at)
    with use_language("sv"):
        shown = i18n.gettext("Checked in %(time)s", time=i18n.format_time(when["checked_in_at"]))
    assert shown in text_of(again) and "<h1>" not in again.text
    assert f"registrations/{anna['uid']}" not in again.text
    # ... at this door only: on day two she is still to check in.
    day_two = (date.fromisoformat(day_one) + timedelta(days=1)).isoformat()
    other = await client.get(f"{scanner_page}/search", params={"q": "anna", "day": day_two, "part": "1"})
    assert f"registrations/{anna['uid']}" in other.text


async def test_a_walk_in_for_another_day_registers_nobody_until_confirmed(client, staff_accounts):
    event = await published_event(days_ahead=20)
    await sign_in(client, "organiser@test.se")
    fields = {
        "day": localtime(event["starts_at"]).date().isoformat(),
        "session": "",
        "device": "Entrén",
        "reason": "Efteranmälan",
        "name": "Gustav Ek",
        "organisation": "",
        "organisation_other": "Ek & Co",
        "email": "",
    }
    url, page = f"/checkin/{event['slug']}/walk-in", f"/checkin/{event['slug']}"
    asked = await client.submit(url, fields, form_page=page)
    assert asked.json()["result"] == "needs_confirmation" and asked.json()["name"] == "Gustav Ek"
    assert await Registration.count() == 0 and await Attendance.count() == 0
    done = await client.submit(url, {**fields, "confirmed": "1"}, form_page=page)
    assert done.json()["result"] == "ok"
    assert await Registration.count() == 1 and await Attendance.count() == 1


async def test_the_counter_counts_the_days_check_ins_from_every_device(client, staff_accounts):
    event, anna = await scanner(client)
    await registered(event["slug"], form("bo@example.se", name="Bo Ek"), STRANGER)
    count = f"/checkin/{event['slug']}/count"
    before = await client.get(count, params={"day": first_day(event)})
    assert before.headers["cache-control"] == "no-store"
    assert before.json() == {"checked_in": 0, "expected": 2, "text": counter_sv(0, 2)}

    # Another device (the API, someone else's token) checks Anna in.
    await checkins.check_in(
        checkins.Scan(code=anna["ticket_code"], event=event["slug"], device="dörr 2"), {"id": None, "name": "Kim"}
    )
    assert (await client.get(count, params={"day": first_day(event)})).json()["text"] == counter_sv(1, 2)
    assert (await client.get(count, params={"day": "i morgon"})).status_code == 400
