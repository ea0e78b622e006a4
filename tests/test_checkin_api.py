"""POST /api/v1/checkins: the QR code of a real mail checks in through the API, a repeat answers the
first check-in, two devices at once make one check-in, a bad token or a missing role is refused,
and a mistaken check-in is undone. Runs on both databases."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from events_app.domain import api_tokens, checkins, registrations, remembered_accounts
from events_app.domain.audit import Actor
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance, AuditEntry
from events_app.i18n import STOCKHOLM, format_day, localtime
from tests.account_helpers import tr
from tests.certificate_helpers import BY_HAND
from tests.registration_helpers import (
    decode_qr,
    deliver,
    event_today,
    form,
    parts,
    published_event,
    registered,
)

URL = "/api/v1/checkins"
STRANGER = Registrant(ip="198.51.100.11")


@pytest.fixture
async def tokens(staff_accounts) -> dict[str, str]:
    return {
        role: await api_tokens.create_token(staff_accounts[role]["id"], f"test {role}", Actor.system("test"))
        for role in ("checkin", "organiser")
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def scan(event: dict, code: str, **fields) -> dict:
    return {"code": code, "event": event["slug"], "day": localtime(event["starts_at"]).date().isoformat(), **fields}


async def test_the_qr_code_of_the_mail_checks_in_and_a_repeat_answers_the_first(client, tokens, smtp_server):
    event = await event_today()
    await registrations.register(event["slug"], form("anna@example.se"), STRANGER)
    await deliver(smtp_server.settings)
    code = decode_qr(parts(smtp_server.collector.messages[0])["inline"]["ticket-qr"])

    first = await client.post(
        URL, json=scan(event, code, device="dörr 1", method="camera"), headers=bearer(tokens["checkin"])
    )
    again = await client.post(URL, json=scan(event, code, device="dörr 2"), headers=bearer(tokens["organiser"]))

    assert first.status_code == 200, first.text
    assert first.json()["result"] == "ok"
    assert (first.json()["name"], first.json()["organisation"]) == ("Anna Andersson", "Sundsvalls kommun")
    assert first.json()["message"] == tr("sv", "Welcome")
    body = again.json()
    assert body["result"] == "already_checked_in"
    assert (body["checked_in_at"], body["device"], body["checkin"]) == (
        first.json()["checked_in_at"],
        "dörr 1",
        first.json()["checkin"],
    )
    assert await Attendance.count() == 1


async def test_two_devices_posting_the_same_ticket_at_once_make_one_check_in(client, tokens):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    responses = await asyncio.gather(
        *[
            client.post(
                URL, json=scan(event, anna["ticket_code"], device=f"enhet {n}"), headers=bearer(tokens["checkin"])
            )
            for n in range(8)
        ]
    )
    results = sorted(response.json()["result"] for response in responses)
    assert results == ["already_checked_in"] * 7 + ["ok"]
    assert await Attendance.count() == 1


async def test_the_short_code_and_the_refusals_through_the_api(client, tokens):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    typed = await client.post(
        URL, json=scan(event, anna["short_code_display"].lower()), headers=bearer(tokens["checkin"])
    )
    assert typed.json()["result"] == "ok"
    forged = await client.post(
        URL, json=scan(event, anna["ticket_code"][:-3] + "xyz"), headers=bearer(tokens["checkin"])
    )
    assert forged.json() == {"result": "unknown", "message": tr("sv", "Unknown ticket")}
    wrong_day = await client.post(
        URL,
        json={**scan(event, anna["ticket_code"]), "day": "2020-01-01", "reason": "Test"},
        headers=bearer(tokens["organiser"]),
    )
    assert wrong_day.json()["result"] == "wrong_day" and wrong_day.json()["name"] == "Anna Andersson"
    assert (
        await client.post(
            URL, json={**scan(event, anna["ticket_code"]), "event": "nej"}, headers=bearer(tokens["checkin"])
        )
    ).status_code == 404
    assert (
        await client.post(URL, json={**scan(event, anna["ticket_code"]), "extra": 1}, headers=bearer(tokens["checkin"]))
    ).status_code == 400
    assert await Attendance.count() == 1


async def test_a_token_is_needed_and_the_session_cookie_is_not_enough(client, tokens, staff_accounts):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    assert (await client.post(URL, json=scan(event, anna["ticket_code"]))).status_code == 401
    assert (await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer("made-up"))).status_code == 401
    await api_tokens.revoke_token(*(await _token_uid_and_staff(tokens["checkin"])), Actor.system("test"))
    assert (
        await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer(tokens["checkin"]))
    ).status_code == 401
    assert await Attendance.count() == 0


async def _token_uid_and_staff(token: str) -> tuple[str, int]:
    from events_app.domain.tables import ApiToken

    row = (
        await ApiToken.select(ApiToken.uid, ApiToken.staff)
        .where(ApiToken.token_hash == api_tokens._hash(token))
        .first()
    )
    return str(row["uid"]), row["staff"]


async def test_a_mistaken_check_in_is_undone_through_the_api(client, tokens):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    done = (await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer(tokens["checkin"]))).json()
    undone = await client.post(f"{URL}/{done['checkin']}/undo", headers=bearer(tokens["checkin"]))
    assert undone.status_code == 200 and await Attendance.count() == 0
    assert await AuditEntry.count().where(AuditEntry.action == "checkin.undone") == 1
    assert (await client.post(f"{URL}/{done['checkin']}/undo", headers=bearer(tokens["checkin"]))).status_code == 404
    again = await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer(tokens["checkin"]))
    assert again.json()["result"] == "ok"


async def test_a_scanners_token_only_checks_in_and_expires(client, staff_accounts):
    from datetime import timedelta

    from events_app.domain.tables import ApiToken
    from events_app.domain.transactions import utcnow

    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    organiser = staff_accounts["organiser"]["id"]
    scanner = await api_tokens.create_token(
        organiser,
        "Skanner: entrén",
        Actor.system("test"),
        scope=api_tokens.CHECKIN_SCOPE,
        expires_at=utcnow() + timedelta(hours=24),
    )
    assert (await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer(scanner))).json()[
        "result"
    ] == "ok"
    # An organiser paired the scanner, but its token cannot do an organiser's API work.
    assert (
        await client.get(f"/api/v1/events/{event['slug']}/registrations", headers=bearer(scanner))
    ).status_code == 403
    await ApiToken.update({ApiToken.expires_at: utcnow() - timedelta(seconds=1)}).where(ApiToken.scope == "checkin")
    remembered_accounts.forget()  # the day has passed: longer than the token's account is remembered
    assert (await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer(scanner))).status_code == 401


# --- another day than today ---------------------------------------------------------------------


async def test_check_in_staff_cannot_check_in_for_another_day(client, tokens):
    """Attendance makes certificates: a scanner's token cannot back-date it, nor check in ahead."""
    event = await published_event(days_ahead=-21)
    anna = await registered(event["slug"], form("anna@example.se"), BY_HAND)
    ahead = await published_event(title="Rådsmöte", days_ahead=35)
    bo = await registered(ahead["slug"], form("bo@example.se"), STRANGER)
    for target, person in ((event, anna), (ahead, bo)):
        refused = await client.post(
            URL, json={**scan(target, person["ticket_code"]), "reason": "Glömde"}, headers=bearer(tokens["checkin"])
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "another_day"
        assert refused.json()["message"] == tr(
            "sv",
            "Check-in staff can check people in for today only. Ask an organiser to check in for another day.",
        )
    assert await Attendance.count() == 0


async def test_an_organiser_checks_in_for_another_day_with_a_reason_and_it_is_audited(client, tokens):
    event = await published_event(days_ahead=-21)
    anna = await registered(event["slug"], form("anna@example.se"), BY_HAND)
    without = await client.post(URL, json=scan(event, anna["ticket_code"]), headers=bearer(tokens["organiser"]))
    assert without.status_code == 422
    assert without.json()["errors"][0]["field"] == "reason"
    assert await Attendance.count() == 0

    reason = "Släpptes in utan skanning, enligt deltagarlistan"
    asked = await client.post(
        URL, json={**scan(event, anna["ticket_code"]), "reason": reason}, headers=bearer(tokens["organiser"])
    )
    assert asked.status_code == 200
    assert (asked.json()["result"], asked.json()["day_number"], asked.json()["name"]) == (
        "needs_confirmation",
        1,
        "Anna Andersson",
    )
    assert asked.json()["confirm"] == tr(
        "sv",
        "This is day %(number)s, %(day)s. Today is %(today)s.",
        number=1,
        day=format_day(localtime(event["starts_at"]).date()),
        today=format_day(checkins.today()),
    )
    assert await Attendance.count() == 0 and not await AuditEntry.exists().where(
        AuditEntry.action == "checkin.another_day"
    )
    done = await client.post(
        URL,
        json={**scan(event, anna["ticket_code"]), "reason": reason, "confirmed": True},
        headers=bearer(tokens["organiser"]),
    )
    assert done.json()["result"] == "ok"
    entry = await AuditEntry.select().where(AuditEntry.action == "checkin.another_day").output(load_json=True).first()
    assert entry["object_id"] == str(anna["uid"]) and entry["summary"] == reason
    assert entry["details"]["day"] == localtime(event["starts_at"]).date().isoformat()


def test_the_door_may_still_check_in_for_yesterday_just_after_midnight():
    evening = datetime(2027, 5, 20, 23, 50, tzinfo=STOCKHOLM)
    assert checkins.days_open_to_door_staff(evening) == {date(2027, 5, 20)}
    after_midnight = datetime(2027, 5, 21, 0, 40, tzinfo=STOCKHOLM)
    assert checkins.days_open_to_door_staff(after_midnight) == {date(2027, 5, 21), date(2027, 5, 20)}
    morning = datetime(2027, 5, 21, 3, 0, tzinfo=STOCKHOLM)
    assert checkins.days_open_to_door_staff(morning) == {date(2027, 5, 21)}
