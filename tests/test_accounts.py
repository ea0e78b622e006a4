"""Signing in and out: staff passwords and resets, members' emailed links, rate limits, language."""

from __future__ import annotations

import asyncio
import html
import re
import statistics
import time
from datetime import timedelta

import pytest

from events_app.domain import api_tokens, people, remembered_accounts, staff
from events_app.domain.audit import Actor
from events_app.domain.tables import AuditEntry, EmailToken, StaffAccount
from events_app.domain.transactions import utcnow
from tests.account_helpers import (
    RESET_LINK,
    add_member,
    another_client,
    audit_actions,
    link_in_latest_mail,
    location,
    ntr,
    outbox,
    sign_in_member,
    text_of,
    tr,
)
from tests.conftest import DEMO_PASSWORD, sign_in

NEW_PASSWORD = "Hogakusten-i-dimma-2031"
MEMBER_EMAIL = "asa.oberg@sundsvall.se"
WRONG_CREDENTIALS = "The email address or the password is wrong."
TOO_MANY = "Too many attempts. Please wait a few minutes and try again."
LINK_EXPIRED = "This link has expired or has already been used. Ask for a new one."


def field_error(response, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="error-{field}">(.*?)</p>', response.text)
    return html.unescape(match.group(1)) if match else None


def without_csrf(page: str) -> str:
    return re.sub(r'name="_csrf_token" value="[^"]*"', "", page)


async def is_signed_in_as_staff(client) -> bool:
    response = await client.get("/staff")
    if response.status_code == 200:
        return True
    assert location(response).startswith("/login?next=")
    return False


# --- Staff sign-in and sign-out ---------------------------------------------------------------


async def test_wrong_password_and_unknown_email_get_the_same_answer(client, staff_accounts):
    wrong_password = await sign_in(client, "organiser@test.se", "not-the-password-at-all")
    unknown_email = await sign_in(client, "nobody@test.se", DEMO_PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert field_error(wrong_password, "email") == field_error(unknown_email, "email") == tr("sv", WRONG_CREDENTIALS)
    assert 'aria-invalid="true"' in wrong_password.text
    assert not await is_signed_in_as_staff(client)
    assert "staff.signed_in" not in await audit_actions()


async def test_staff_sign_in_goes_to_the_back_office_and_is_audited(client, staff_accounts):
    response = await sign_in(client, "Organiser@Test.se ", DEMO_PASSWORD)  # as people type it

    assert location(response) == "/staff"
    page = await client.get("/staff")
    assert page.status_code == 200
    assert "Olle Organisatör" in text_of(page)
    entries = await AuditEntry.select().where(AuditEntry.action == "staff.signed_in")
    assert len(entries) == 1
    assert entries[0]["actor_staff"] == staff_accounts["organiser"]["id"]
    assert entries[0]["ip"] == "127.0.0.1"
    account = (
        await StaffAccount.select(StaffAccount.last_login_at).where(StaffAccount.email == "organiser@test.se").first()
    )
    assert account["last_login_at"] is not None


async def test_sign_in_does_not_follow_next_to_another_host(client, staff_accounts):
    response = await client.submit(
        "/login", {"email": "admin@test.se", "password": DEMO_PASSWORD, "next": "//evil.example/steal"}
    )
    assert location(response) == "/staff"


async def test_a_deactivated_account_cannot_sign_in(client, staff_accounts):
    await StaffAccount.update({StaffAccount.active: False}).where(StaffAccount.email == "checkin@test.se")
    response = await sign_in(client, "checkin@test.se")
    assert response.status_code == 400
    assert field_error(response, "email") == tr("sv", WRONG_CREDENTIALS)
    assert not await is_signed_in_as_staff(client)


async def test_sign_out_ends_the_session(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    assert await is_signed_in_as_staff(client)

    response = await client.submit("/logout", {}, form_page="/staff")

    assert location(response) == "/"
    assert not await is_signed_in_as_staff(client)
    assert (await client.get("/admin/staff")).status_code in (302, 303)
    front = await client.get("/")
    assert tr("sv", "You are signed out.") in text_of(front)


async def test_a_session_cookie_copied_before_signing_out_does_not_work_after_it(app, client, staff_accounts):
    """Someone who copied the cookie (a shared computer, a stolen cookie) cannot use it once its
    owner has signed out: signing out ends the account's sessions on every device."""
    await sign_in(client, "admin@test.se")
    async with another_client(app, port=50003) as thief:
        thief.cookies.update(client.cookies)
        assert await is_signed_in_as_staff(thief)
        await client.submit("/logout", {}, form_page="/staff")
        assert not await is_signed_in_as_staff(thief)
        assert (await thief.get("/admin/staff")).status_code in (302, 303)
    assert location(await sign_in(client, "admin@test.se")) == "/staff"  # signing in again works


async def test_a_members_copied_cookie_stops_working_when_the_member_signs_out(app, client):
    await add_member(email=MEMBER_EMAIL)
    await sign_in_member(client, MEMBER_EMAIL)
    async with another_client(app, port=50003) as thief:
        thief.cookies.update(client.cookies)
        assert (await thief.get("/my")).status_code == 200
        await client.submit("/logout", {}, form_page="/my")
        assert (await thief.get("/my")).status_code in (302, 303)
        assert (await client.get("/my")).status_code in (302, 303)


def test_an_account_read_before_a_change_is_not_remembered_after_it():
    """A request that read an account just before another request in the process changed it must
    not keep the old account for a second after the change."""
    key, account = ("session", 1, 0), {"id": 1, "role": "admin"}
    read_at = remembered_accounts.reading()
    remembered_accounts.forget()  # the change, made while the read was on its way
    remembered_accounts.remember(key, account, read_at)
    assert remembered_accounts.recall(key) is None
    remembered_accounts.remember(key, account, remembered_accounts.reading())
    assert remembered_accounts.recall(key) == account


def _session_cookies_set(response) -> list[str]:
    return [header for header in response.headers.get_list("set-cookie") if header.startswith("session=")]


async def test_the_session_cookie_is_sent_again_only_when_the_session_changes(client, staff_accounts):
    """Writing back an unchanged session (encrypting it again) cost a fifth of a door's request."""
    assert _session_cookies_set(await sign_in(client, "organiser@test.se"))
    page = await client.get("/organiser/members")
    assert page.status_code == 200 and _session_cookies_set(page) == []
    assert (await client.get("/organiser/members")).status_code == 200  # the cookie the browser kept still works
    # The API counts bearer tokens only: it neither reads nor writes the cookie sent with it.
    assert _session_cookies_set(await client.get("/api/v1/events")) == []
    signed_out = await client.submit("/logout", {}, form_page="/staff")  # a changed session is written
    assert _session_cookies_set(signed_out)
    assert not await is_signed_in_as_staff(client)


async def test_a_staff_session_ended_by_another_worker_stops_within_a_second(client, staff_accounts):
    """Each process remembers a session's account for a second (a door's search asks several times a
    second); a change made by another worker process reaches this one within that second."""
    await sign_in(client, "organiser@test.se")
    assert (await client.get("/organiser/members")).status_code == 200
    # Deactivated as another worker process would: this one has the account in memory.
    await StaffAccount.update({StaffAccount.active: False}).where(StaffAccount.email == "organiser@test.se")
    await asyncio.sleep(remembered_accounts.REMEMBER_FOR)
    assert location(await client.get("/organiser/members")) == "/login?next=/organiser/members"


@pytest.mark.parametrize("change", ["deactivated", "role changed"])
async def test_an_admins_change_ends_the_staff_members_open_session(app, client, staff_accounts, change):
    async with another_client(app, port=50002) as organiser:
        await sign_in(organiser, "organiser@test.se")
        assert (await organiser.get("/organiser/members")).status_code == 200

        await sign_in(client, "admin@test.se")
        uid = staff_accounts["organiser"]["uid"]
        form = {"name": "Olle Organisatör", "role": "organiser", "active": "1"}
        if change == "deactivated":
            form.pop("active")  # an unticked checkbox is not sent
        else:
            form["role"] = "checkin"
        saved = await client.submit(f"/admin/staff/{uid}", form)
        assert location(saved) == "/admin/staff"

        response = await organiser.get("/organiser/members")
        assert location(response) == "/login?next=/organiser/members"
        assert not await is_signed_in_as_staff(organiser)
        signed_in_again = await sign_in(organiser, "organiser@test.se")
        if change == "deactivated":
            assert signed_in_again.status_code == 400
        else:  # the new, lower role applies
            assert location(signed_in_again) == "/staff"
            assert (await organiser.get("/organiser/members")).status_code == 403
    assert await is_signed_in_as_staff(client)  # the admin's own session is untouched


# --- Password reset ----------------------------------------------------------------------------


async def test_password_reset_request_mails_a_link(client, staff_accounts):
    response = await client.submit("/password/forgot", {"email": "Admin@test.se"})

    assert response.status_code == 200
    messages = await outbox()
    assert len(messages) == 1
    assert messages[0]["to_address"] == "admin@test.se"
    assert RESET_LINK.search(messages[0]["text_body"])
    assert "staff.password_reset_requested" in await audit_actions()


async def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, staff_accounts):
    known = await client.submit("/password/forgot", {"email": "admin@test.se"})
    unknown = await client.submit("/password/forgot", {"email": "nobody@test.se"})

    assert unknown.status_code == known.status_code == 200
    assert without_csrf(unknown.text) == without_csrf(known.text)
    assert [m["to_address"] for m in await outbox()] == ["admin@test.se"]


async def test_password_reset_end_to_end(app, client, staff_accounts):
    token = await api_tokens.create_token(staff_accounts["admin"]["id"], "Skript", Actor.system("test"))
    async with another_client(app, port=50003) as elsewhere:  # a session open on another computer
        await sign_in(elsewhere, "admin@test.se")
        await client.submit("/password/forgot", {"email": "admin@test.se"})
        link = await link_in_latest_mail("admin@test.se", RESET_LINK)

        weak = await client.submit(link, {"password": "short", "password_again": "short"})
        assert weak.status_code == 400
        assert field_error(weak, "password") == tr(
            "sv", "The password must be at least %(min)s characters long.", min=12
        )
        assert 'id="field-password" name="password" type="password"' in weak.text
        assert re.search(r'id="field-password"[^>]*aria-invalid="true"', weak.text)

        mismatch = await client.submit(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"})
        assert mismatch.status_code == 400
        assert field_error(mismatch, "password_again") == tr("sv", "The two passwords are not the same.")

        # Neither mistake used the link up.
        done = await client.submit(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        assert location(done) == "/login"
        assert "staff.password_reset" in await audit_actions()
        assert await api_tokens.staff_for_token(token) is None  # the reset revoked the account's token
        single = "%(num)s API token was revoked with the old password: make a new one for the program that used it."
        several = (
            "%(num)s API tokens were revoked with the old password: make new ones for the programs that used them."
        )
        assert ntr("sv", single, several, 1) in text_of(await client.get("/login"))
        assert not await is_signed_in_as_staff(elsewhere)  # a reset signs out every session

    assert (await sign_in(client, "admin@test.se", DEMO_PASSWORD)).status_code == 400
    assert location(await sign_in(client, "admin@test.se", NEW_PASSWORD)) == "/staff"

    again = await client.submit(
        link, {"password": "Another-Strong-Passw0rd", "password_again": "Another-Strong-Passw0rd"}
    )
    assert again.status_code == 400
    assert tr("sv", LINK_EXPIRED) in text_of(again)
    await client.submit("/logout", {}, form_page="/")
    assert location(await sign_in(client, "admin@test.se", NEW_PASSWORD)) == "/staff"


async def test_an_expired_password_reset_link_is_refused(client, staff_accounts):
    await client.submit("/password/forgot", {"email": "admin@test.se"})
    link = await link_in_latest_mail("admin@test.se", RESET_LINK)
    await EmailToken.update({EmailToken.expires_at: utcnow() - timedelta(seconds=1)}, force=True)

    response = await client.submit(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert response.status_code == 400
    assert tr("sv", LINK_EXPIRED) in text_of(response)
    assert location(await sign_in(client, "admin@test.se", DEMO_PASSWORD)) == "/staff"


# --- Members' sign-in links --------------------------------------------------------------------


async def test_member_sign_in_link_end_to_end(app, client):
    await add_member(name="Åsa Öberg", email=MEMBER_EMAIL)

    sent = await client.submit("/login/link", {"email": " Asa.Oberg@Sundsvall.se"})
    assert sent.status_code == 200
    messages = await outbox(MEMBER_EMAIL)
    assert len(messages) == 1
    link = await link_in_latest_mail(MEMBER_EMAIL)

    # Opening the link (as a mail scanner does) only shows a button, however often it happens.
    for _ in range(2):
        landing = await client.get(link)
        assert landing.status_code == 200
        assert f'action="{link}"' in landing.text
        assert "<button" in landing.text
    assert (await client.get("/my")).status_code in (302, 303)

    used = await client.submit(link)
    assert location(used) == "/my"
    my_pages = await client.get("/my")
    assert my_pages.status_code == 200
    assert "Åsa Öberg" in text_of(my_pages)
    assert MEMBER_EMAIL in my_pages.text
    assert "person.signed_in" in await audit_actions()

    # The link works once.
    async with another_client(app, port=50004) as someone_else:
        assert (await someone_else.get(link)).status_code == 410
        second = await someone_else.submit(link)
        assert second.status_code == 410
        assert tr("sv", LINK_EXPIRED) in text_of(second)
        assert (await someone_else.get("/my")).status_code in (302, 303)


async def test_a_sign_in_link_lives_fifteen_minutes(client):
    await add_member(email=MEMBER_EMAIL)
    await client.submit("/login/link", {"email": MEMBER_EMAIL})
    link = await link_in_latest_mail(MEMBER_EMAIL)
    token = await EmailToken.select().first()
    assert timedelta(minutes=14) < token["expires_at"] - utcnow() <= timedelta(minutes=15)

    await EmailToken.update({EmailToken.expires_at: utcnow() - timedelta(seconds=1)}, force=True)

    assert (await client.get(link)).status_code == 410
    response = await client.submit(link)
    assert response.status_code == 410
    assert tr("sv", LINK_EXPIRED) in text_of(response)
    assert (await client.get("/my")).status_code in (302, 303)


async def test_sign_in_link_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    await add_member(email=MEMBER_EMAIL)
    known = await client.submit("/login/link", {"email": MEMBER_EMAIL})
    unknown = await client.submit("/login/link", {"email": "nobody@sundsvall.se"})

    assert unknown.status_code == known.status_code == 200
    # The same page but for the address it repeats (the one typed), so it tells nobody who has an account.
    assert MEMBER_EMAIL in known.text and "nobody@sundsvall.se" in unknown.text
    assert without_csrf(unknown.text).replace("nobody@sundsvall.se", MEMBER_EMAIL) == without_csrf(known.text)
    assert [m["to_address"] for m in await outbox()] == [MEMBER_EMAIL]


async def test_check_your_email_repeats_the_address_and_sends_the_link_again_within_the_limit(client):
    await add_member(email=MEMBER_EMAIL)
    sent = await client.submit("/login/link", {"email": " Asa.Oberg@Sundsvall.se", "next": "/my/data"})
    page = text_of(sent)
    assert (
        tr(
            "sv",
            "If %(email)s is registered with us, a sign-in link is on its way to it. It works once, for 15 minutes.",
            email=MEMBER_EMAIL,
        )
        in page
    )
    form = re.search(r'<form method="post" action="/login/link" class="send-again">(.*?)</form>', sent.text, re.S)
    assert form and tr("sv", "Send the link again") in form.group(1)
    assert f'name="email" value="{MEMBER_EMAIL}"' in form.group(1) and 'name="next" value="/my/data"' in form.group(1)
    assert 'name="again" value="1"' in form.group(1)

    for _ in range(4):  # the button posts the same form: five links in all
        again = await client.post(
            "/login/link", data={"email": MEMBER_EMAIL, "again": "1", "_csrf_token": client.last_csrf}
        )
        assert again.status_code == 200
        assert tr(
            "sv",
            "If %(email)s is registered with us, a new sign-in link is on its way to it. "
            "It works once, for 15 minutes.",
            email=MEMBER_EMAIL,
        ) in text_of(again)
    assert len(await outbox(MEMBER_EMAIL)) == 5

    refused = await client.post("/login/link", data={"email": MEMBER_EMAIL, "_csrf_token": client.last_csrf})
    assert refused.status_code == 429
    page = text_of(refused)
    assert tr("sv", "Check your email") in page and tr("sv", TOO_MANY) in page
    assert tr("sv", "No new link was sent this time. A link we sent earlier still works.") in page
    assert "send-again" not in page  # no button that cannot work now
    assert len(await outbox(MEMBER_EMAIL)) == 5


async def test_a_link_request_with_a_malformed_address_is_answered_on_the_form(client):
    response = await client.submit("/login/link", {"email": "not an address"})
    assert response.status_code == 400
    assert field_error(response, "email") == tr("sv", "Enter a valid email address, like name@example.se.")
    assert await outbox() == []


# --- Rate limits -------------------------------------------------------------------------------


async def test_the_sixth_link_request_for_an_address_is_refused(app, client):
    await add_member(email=MEMBER_EMAIL)
    for _ in range(5):
        assert (await client.submit("/login/link", {"email": MEMBER_EMAIL})).status_code == 200

    refused = await client.submit("/login/link", {"email": MEMBER_EMAIL.upper()})

    assert refused.status_code == 429
    assert tr("sv", TOO_MANY) in text_of(refused)
    assert len(await outbox(MEMBER_EMAIL)) == 5
    # The limit is on the address, wherever the requests come from ...
    async with another_client(app, ip="10.1.2.3") as elsewhere:
        assert (await elsewhere.submit("/login/link", {"email": MEMBER_EMAIL})).status_code == 429
        # ... and other addresses are not affected.
        assert (await elsewhere.submit("/login/link", {"email": "other@sundsvall.se"})).status_code == 200
    assert len(await outbox(MEMBER_EMAIL)) == 5


async def test_link_requests_are_limited_per_ip_address(app, client):
    await add_member(email=MEMBER_EMAIL)
    for number in range(people.SIGN_IN_LINKS_PER_IP):
        response = await client.submit("/login/link", {"email": f"person{number}@sundsvall.se"})
        assert response.status_code == 200, number

    refused = await client.submit("/login/link", {"email": MEMBER_EMAIL})

    assert refused.status_code == 429
    assert tr("sv", TOO_MANY) in text_of(refused)
    assert await outbox() == []
    async with another_client(app, ip="10.9.8.7") as elsewhere:
        assert (await elsewhere.submit("/login/link", {"email": MEMBER_EMAIL})).status_code == 200
    assert len(await outbox(MEMBER_EMAIL)) == 1


async def test_the_guessing_client_is_refused_after_ten_failures_but_not_the_owner(app, client, staff_accounts):
    assert staff.SIGN_IN_FAILURES_PER_CLIENT == 10
    for _ in range(10):
        assert (await sign_in(client, "admin@test.se", "wrong-password-guess")).status_code == 400

    refused = await sign_in(client, "admin@test.se", DEMO_PASSWORD)  # the guesser: even the right password

    assert refused.status_code == 429
    assert tr("sv", TOO_MANY) in text_of(refused)
    assert not await is_signed_in_as_staff(client)
    async with another_client(app, ip="10.1.2.3") as owner:  # the owner, on their own computer, gets in
        assert location(await sign_in(owner, "admin@test.se", DEMO_PASSWORD)) == "/staff"


async def test_failures_from_many_places_slow_the_address_down_but_never_lock_its_owner_out(
    app, client, staff_accounts, monkeypatch
):
    """Ten wrong passwords for one address, each from another IP, once locked the real user out (and
    one attempt every 90 s kept any account locked). Now they only slow further attempts down, and
    the owner is mailed a notice, once."""
    monkeypatch.setattr(staff, "BACKOFF_UNIT", 0.05)  # the doubling as in production, in twentieths
    waits = []
    for number in range(12):
        async with another_client(app, ip=f"10.66.0.{number}") as stranger:
            started = time.monotonic()
            assert (await sign_in(stranger, "admin@test.se", f"guess-{number}")).status_code == 400
            waits.append(time.monotonic() - started)
    # The later attempts waited 0.4 s each (doubled up to 8 units). Medians, so that one attempt slowed
    # by a busy machine (argon2 is the bulk of an attempt) does not decide.
    assert statistics.median(waits[:5]) + 0.3 < statistics.median(waits[8:]), waits
    assert [staff.backoff_seconds(n) for n in (4, 5, 6, 7, 8, 50)] == [0, 0.05, 0.1, 0.2, 0.4, 0.4]

    assert location(await sign_in(client, "admin@test.se", DEMO_PASSWORD)) == "/staff"  # the owner: in
    notices = [m for m in await outbox("admin@test.se") if m["kind"] == "sign_in_failures"]
    assert len(notices) == 1  # one notice, not one per failure
    assert notices[0]["subject"] == tr("sv", "Failed attempts to sign in to your account")
    assert " 10 " in notices[0]["text_body"]


async def test_staff_sign_in_is_limited_per_ip_address(app, client, staff_accounts):
    for number in range(staff.SIGN_IN_FAILURES_PER_IP):
        assert (await sign_in(client, f"guess{number}@test.se", "wrong-password-guess")).status_code == 400

    assert (await sign_in(client, "admin@test.se")).status_code == 429

    async with another_client(app, ip="10.1.2.3") as elsewhere:
        assert location(await sign_in(elsewhere, "admin@test.se")) == "/staff"


async def test_successful_sign_ins_do_not_count_against_the_limit(client, staff_accounts):
    for _ in range(staff.SIGN_IN_FAILURES_PER_CLIENT + 2):
        assert location(await sign_in(client, "checkin@test.se")) == "/staff"
        await client.submit("/logout", {}, form_page="/staff")


async def test_an_opened_reset_link_that_no_longer_works_says_so_at_once(client, staff_accounts):
    await client.submit("/password/forgot", {"email": "admin@test.se"})
    link = await link_in_latest_mail("admin@test.se", RESET_LINK)
    assert 'name="password"' in (await client.get(link)).text
    await EmailToken.update({EmailToken.used_at: EmailToken.created_at}).where(EmailToken.purpose == "password_reset")
    page = await client.get(link)
    assert page.status_code == 410
    assert 'name="password"' not in page.text


# --- Language ----------------------------------------------------------------------------------


async def test_switching_to_english_and_back(client):
    assert '<html lang="sv">' in (await client.get("/privacy")).text

    switched = await client.submit("/language", {"language": "en", "next": "/privacy"}, form_page="/privacy")
    assert location(switched) == "/privacy"
    english = await client.get("/privacy")
    assert '<html lang="en">' in english.text
    assert tr("en", "How we handle personal data") in text_of(english)
    assert '<html lang="en">' in (await client.get("/")).text  # remembered on the next request, too

    back = await client.submit("/language", {"language": "sv", "next": "/"}, form_page="/")
    assert location(back) == "/"
    swedish = await client.get("/privacy")
    assert '<html lang="sv">' in swedish.text
    assert tr("sv", "How we handle personal data") in text_of(swedish)


async def test_an_unknown_language_falls_back_to_swedish(client):
    await client.submit("/language", {"language": "xx", "next": "/"}, form_page="/")
    assert '<html lang="sv">' in (await client.get("/")).text


@pytest.mark.parametrize(
    "target", ["//evil.example", "//evil.example/path", "https://evil.example/", "/\\evil.example", "evil.example"]
)
async def test_the_language_switch_does_not_redirect_to_another_host(client, target):
    response = await client.submit("/language", {"language": "en", "next": target}, form_page="/")
    assert location(response) == "/"


async def test_a_signed_in_persons_language_choice_is_saved(client):
    from events_app.domain.tables import Person

    await add_member(email=MEMBER_EMAIL)
    await sign_in_member(client, MEMBER_EMAIL)
    await client.submit("/language", {"language": "en", "next": "/my"}, form_page="/my")
    person = await Person.select(Person.language).where(Person.email == MEMBER_EMAIL).first()
    assert person["language"] == "en"
    assert '<html lang="en">' in (await client.get("/my")).text


async def test_parallel_link_requests_cannot_pass_the_limit():
    """Thirty requests at the same moment for one address: only the limit's worth of mail is queued."""
    import asyncio

    from events_app.domain.errors import RateLimited

    await add_member(email=MEMBER_EMAIL)

    async def request(number: int):
        try:
            await people.request_sign_in_link(MEMBER_EMAIL, ip=f"10.0.0.{number}", language="sv")
            return True
        except RateLimited:
            return False

    results = await asyncio.gather(*[request(n) for n in range(30)])
    assert sum(results) == people.SIGN_IN_LINKS_PER_ADDRESS
    assert len(await outbox(MEMBER_EMAIL)) == people.SIGN_IN_LINKS_PER_ADDRESS


async def test_parallel_password_guesses_cannot_pass_the_limit(staff_accounts):
    import asyncio

    from events_app.domain.errors import RateLimited

    async def guess(number: int):
        try:
            await staff.authenticate("admin@test.se", f"wrong-guess-{number}", ip="10.0.1.7")
            return "checked"
        except RateLimited:
            return "refused"

    staff.BACKOFF_UNIT, unit = 0.001, staff.BACKOFF_UNIT
    try:
        results = await asyncio.gather(*[guess(n) for n in range(25)])
    finally:
        staff.BACKOFF_UNIT = unit
    assert results.count("checked") == staff.SIGN_IN_FAILURES_PER_CLIENT


async def test_a_member_sent_to_sign_in_comes_back_to_the_page_they_wanted(client):
    await add_member(email=MEMBER_EMAIL)
    asked = await client.get("/my")
    assert location(asked) == "/login/link?next=/my"
    await client.submit(
        "/login/link",
        {"email": MEMBER_EMAIL, "next": "/events?when=past"},
        form_page="/login/link?next=/events%3Fwhen%3Dpast",
    )
    link = await link_in_latest_mail(MEMBER_EMAIL)
    await client.get(link)
    used = await client.post(link, data={"_csrf_token": client.last_csrf})
    assert location(used) == "/events?when=past"


async def test_a_sign_in_link_never_leads_to_another_site(client):
    await add_member(email=MEMBER_EMAIL)
    await client.submit("/login/link", {"email": MEMBER_EMAIL, "next": "//evil.example/phish"})
    link = await link_in_latest_mail(MEMBER_EMAIL)
    await client.get(link)
    used = await client.post(link, data={"_csrf_token": client.last_csrf})
    assert location(used) == "/my"
