"""Check-in: the QR code of a real confirmation mail and the short code check in; every other case
gets its own answer and writes nothing; a ticket is checked in once however many devices scan it
at once; walk-ins, undo, the live counts and the no-shows. Runs on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from events_app.domain import checkins, events, registrations, tickets
from events_app.domain.checkins import Scan, WalkIn
from events_app.domain.errors import NotFound
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance, AuditEntry, OutboxMessage, Registration
from events_app.i18n import localtime
from tests.account_helpers import database_snapshot
from tests.registration_helpers import (
    SYSTEM,
    decode_qr,
    deliver,
    form,
    parts,
    published_event,
    registered,
)

STAFF = {"id": None, "name": "Kim på entrén", "role": "organiser"}
# These tests check in for the events' days ahead or past: an organiser's check-in, with a reason.
REASON = "Efterregistrering från deltagarlistan"
STRANGER = Registrant(ip="198.51.100.10")


def first_day(event: dict):
    return localtime(event["starts_at"]).date()


async def test_the_qr_code_from_the_confirmation_mail_checks_in(smtp_server):
    event = await published_event()
    await registrations.register(event["slug"], form("anna@example.se"), STRANGER)
    await deliver(smtp_server.settings)
    [mail] = smtp_server.collector.messages
    code = decode_qr(parts(mail)["inline"]["ticket-qr"])

    answer = await checkins.check_in(
        Scan(
            reason=REASON,
            confirmed=True,
            code=code,
            event=event["slug"],
            day=first_day(event),
            device="telefon 1",
            method="camera",
        ),
        STAFF,
    )

    assert (answer.result, answer.name, answer.organisation) == ("ok", "Anna Andersson", "Sundsvalls kommun")
    [row] = await Attendance.select()
    assert (row["day"], row["method"], row["device"], row["staff_name"]) == (
        first_day(event),
        "camera",
        "telefon 1",
        "Kim på entrén",
    )


async def test_the_short_code_checks_in_however_it_is_typed():
    event = await published_event()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    typed = f" {anna['short_code'][:4].lower()} {anna['short_code'][4:]} "
    answer = await checkins.check_in(
        Scan(reason=REASON, confirmed=True, code=typed, event=event["slug"], day=first_day(event)), STAFF
    )
    assert answer.result == "ok"


async def test_a_second_scan_says_when_and_by_whom_and_writes_nothing():
    event = await published_event()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    scan = Scan(
        reason=REASON,
        confirmed=True,
        code=anna["ticket_code"],
        event=event["slug"],
        day=first_day(event),
        device="telefon 1",
    )
    first = await checkins.check_in(scan, STAFF)
    again = await checkins.check_in(
        Scan(
            reason=REASON,
            confirmed=True,
            code=anna["ticket_code"],
            event=event["slug"],
            day=first_day(event),
            device="skanner 2",
        ),
        {"id": None, "name": "Robin", "role": "organiser"},
    )
    assert again.result == "already_checked_in"
    assert (again.checked_in_at, again.by, again.device) == (first.checked_in_at, "Kim på entrén", "telefon 1")
    assert await Attendance.count() == 1
    # The second day is a day of its own.
    day_two = first_day(event) + timedelta(days=1)
    assert (
        await checkins.check_in(
            Scan(reason=REASON, confirmed=True, code=anna["ticket_code"], event=event["slug"], day=day_two), STAFF
        )
    ).result == "ok"


async def test_every_refusal_has_its_own_answer_and_writes_nothing():
    event = await published_event(capacity=1)
    other = await published_event(title="Rådsmöte")
    anna = await registered(event["slug"], form("anna@example.se", days=[first_day(event).isoformat()]), STRANGER)
    waiting = await registered(event["slug"], form("bo@example.se"), STRANGER)
    gone = await registered(other["slug"], form("cilla@example.se"), STRANGER)
    await registrations.cancel_registration(str(gone["uid"]), SYSTEM)
    elsewhere = await registered(other["slug"], form("dan@example.se"), STRANGER)
    workshop = event["sessions"]["Workshop A"]
    code = anna["ticket_code"]
    before = await database_snapshot()

    cases = [
        (
            Scan(
                reason=REASON, confirmed=True, code=code, event=event["slug"], day=first_day(event) + timedelta(days=1)
            ),
            "wrong_day",
        ),
        (
            Scan(reason=REASON, confirmed=True, code=waiting["ticket_code"], event=event["slug"], day=first_day(event)),
            "waitlisted",
        ),
        (
            Scan(reason=REASON, confirmed=True, code=gone["ticket_code"], event=other["slug"], day=first_day(other)),
            "cancelled",
        ),
        (
            Scan(
                reason=REASON, confirmed=True, code=elsewhere["ticket_code"], event=event["slug"], day=first_day(event)
            ),
            "wrong_event",
        ),
        (
            Scan(reason=REASON, confirmed=True, code=code, event=event["slug"], session=str(workshop["uid"])),
            "not_in_session",
        ),
        (
            Scan(reason=REASON, confirmed=True, code=code[:-6], event=event["slug"], day=first_day(event)),
            "unknown",
        ),  # truncated
        (
            Scan(
                reason=REASON,
                confirmed=True,
                code=code[:-2] + ("AA" if code[-2:] != "AA" else "BB"),
                event=event["slug"],
                day=first_day(event),
            ),
            "unknown",
        ),  # forged signature
        (
            Scan(
                reason=REASON,
                confirmed=True,
                code=tickets.ticket_code("0" * 32, event["uid"]),
                event=event["slug"],
                day=first_day(event),
            ),
            "unknown",
        ),  # genuine format, no such ticket
        (Scan(reason=REASON, confirmed=True, code="ABCD-EFGH", event=event["slug"], day=first_day(event)), "unknown"),
        (Scan(reason=REASON, confirmed=True, code="", event=event["slug"], day=first_day(event)), "unknown"),
    ]
    for scan, expected in cases:
        answer = await checkins.check_in(scan, STAFF)
        assert answer.result == expected, (scan.code, expected, answer.result)
        if expected != "unknown":
            assert answer.name  # a known ticket says whose it is
    assert await database_snapshot() == before
    with pytest.raises(NotFound):
        await checkins.check_in(Scan(reason=REASON, confirmed=True, code=code, event="no-such-event"), STAFF)


async def test_a_session_door_admits_those_signed_up_and_everyone_at_an_open_session():
    event = await published_event()
    workshop = event["sessions"]["Workshop A"]
    anna = await registered(event["slug"], form("anna@example.se", sessions=[str(workshop["uid"])]), STRANGER)
    bo = await registered(event["slug"], form("bo@example.se"), STRANGER)
    door = Scan(
        reason=REASON, confirmed=True, code=anna["ticket_code"], event=event["slug"], session=str(workshop["uid"])
    )
    assert (await checkins.check_in(door, STAFF)).result == "ok"
    assert (await checkins.check_in(door, STAFF)).result == "already_checked_in"
    plenary = str(event["sessions"]["Öppning"]["uid"])
    assert (
        await checkins.check_in(
            Scan(reason=REASON, confirmed=True, code=bo["ticket_code"], event=event["slug"], session=plenary), STAFF
        )
    ).result == "ok"
    assert await Attendance.count() == 2


async def test_two_devices_scanning_the_same_tickets_at_once_check_each_in_once():
    event = await published_event()
    people = [await registered(event["slug"], form(f"p{n}@example.se"), STRANGER) for n in range(10)]
    scans = [
        Scan(
            reason=REASON,
            confirmed=True,
            code=p["ticket_code"],
            event=event["slug"],
            day=first_day(event),
            device=f"enhet {d}",
        )
        for p in people
        for d in range(5)
    ]
    answers = await asyncio.gather(*[checkins.check_in(scan, STAFF) for scan in scans])
    assert sorted(a.result for a in answers).count("ok") == 10
    assert await Attendance.count() == 10
    by_registration = {}
    for answer in answers:
        by_registration.setdefault(answer.registration, set()).add(answer.attendance)
    assert all(len(uids) == 1 for uids in by_registration.values())  # everyone is told of the same check-in


async def test_a_mistaken_check_in_is_undone_and_the_audit_log_keeps_it():
    event = await published_event()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    scan = Scan(
        reason=REASON,
        confirmed=True,
        code=anna["ticket_code"],
        event=event["slug"],
        day=first_day(event),
        device="telefon 1",
    )
    answer = await checkins.check_in(scan, STAFF)
    await checkins.undo(answer.attendance, SYSTEM)
    assert await Attendance.count() == 0
    entry = await AuditEntry.select().where(AuditEntry.action == "checkin.undone").output(load_json=True).first()
    assert entry["details"]["by"] == "Kim på entrén" and entry["details"]["device"] == "telefon 1"
    assert (await checkins.check_in(scan, STAFF)).result == "ok"
    with pytest.raises(NotFound):
        await checkins.undo(answer.attendance, SYSTEM)


async def test_a_walk_in_is_registered_and_checked_in_even_when_full_and_without_an_address():
    event = await published_event(capacity=1)
    await registrations.register(event["slug"], form("anna@example.se"), STRANGER)
    scan = Scan(
        reason=REASON,
        confirmed=True,
        code="",
        event=event["slug"],
        day=first_day(event),
        method="walk_in",
        device="entré",
    )

    answer = await checkins.walk_in(event["slug"], WalkIn(name="Gustav Ek", organisation="Timrå kommun"), scan, STAFF)

    assert (answer.result, answer.name) == ("ok", "Gustav Ek")
    walk_in = await Registration.select().where(Registration.name == "Gustav Ek").first()
    assert (walk_in["status"], walk_in["source"]) == ("confirmed", "walk_in")
    assert walk_in["email"].endswith("@walk-in.invalid")
    assert await OutboxMessage.count().where(OutboxMessage.to_address == walk_in["email"]) == 0
    # With an address already registered, the walk-in form checks that registration in.
    again = await checkins.walk_in(event["slug"], WalkIn(name="Anna", email="anna@example.se"), scan, STAFF)
    assert again.result == "ok" and again.name == "Anna Andersson"
    assert await Registration.count() == 2


async def test_the_live_counts_and_the_no_shows():
    event = await published_event()
    day = first_day(event)
    workshop = event["sessions"]["Workshop A"]
    anna = await registered(event["slug"], form("anna@example.se", sessions=[str(workshop["uid"])]), STRANGER)
    await registered(event["slug"], form("bo@example.se", organisation="Energibolaget AB"), STRANGER)
    await registered(event["slug"], form("cilla@example.se", days=[(day + timedelta(days=1)).isoformat()]), STRANGER)
    await checkins.check_in(
        Scan(reason=REASON, confirmed=True, code=anna["ticket_code"], event=event["slug"], day=day), STAFF
    )
    await checkins.check_in(
        Scan(
            reason=REASON, confirmed=True, code=anna["ticket_code"], event=event["slug"], session=str(workshop["uid"])
        ),
        STAFF,
    )

    counts = await checkins.live_counts(event["slug"], day)

    assert (counts["checked_in"], counts["expected"]) == (1, 2)
    assert counts["organisations"] == {
        "Energibolaget AB": {"expected": 1, "checked_in": 0},
        "Sundsvalls kommun": {"expected": 1, "checked_in": 1},
    }
    sessions = {s["title"]: (s["checked_in"], s["expected"]) for s in counts["sessions"]}
    assert sessions["Workshop A: Klimat"] == (1, 1) and sessions["Öppning"] == (0, 2)
    assert [row["email"] for row in await checkins.no_shows(event["slug"], day)] == ["bo@example.se"]


async def test_search_finds_by_name_or_organisation_and_checks_in_by_hand():
    event = await published_event()
    await registered(event["slug"], form("anna@example.se", name="Åsa Öberg"), STRANGER)
    await registered(event["slug"], form("bo@example.se", name="Bo Ek", organisation="Energibolaget AB"), STRANGER)
    assert [r["name"] for r in await checkins.search(event["slug"], "åsa")] == ["Åsa Öberg"]
    [bo] = await checkins.search(event["slug"], "energi")
    answer = await checkins.check_in_registration(
        str(bo["uid"]),
        Scan(reason=REASON, confirmed=True, code="", event=event["slug"], day=first_day(event), method="search"),
        STAFF,
    )
    assert answer.result == "ok"
    assert (await Attendance.select(Attendance.method).first())["method"] == "search"


async def test_a_cancelled_event_takes_no_check_ins():
    event = await published_event()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    await events.cancel_event(event["slug"], SYSTEM, "Inställt")
    with pytest.raises(NotFound):
        await checkins.check_in(
            Scan(reason=REASON, confirmed=True, code=anna["ticket_code"], event=event["slug"], day=first_day(event)),
            STAFF,
        )


async def test_a_walk_in_at_a_workshop_door_gets_that_workshop_and_is_checked_in():
    event = await published_event(workshop_capacity=5)
    workshop = event["sessions"]["Workshop A"]
    door = Scan(
        reason=REASON, confirmed=True, code="", event=event["slug"], session=str(workshop["uid"]), method="walk_in"
    )
    answer = await checkins.walk_in(event["slug"], WalkIn(name="Gustav Ek"), door, STAFF)
    assert answer.result == "ok"
    [row] = await Attendance.select(Attendance.session, Attendance.day)
    assert row["session"] == workshop["id"] and row["day"] == localtime(workshop["starts_at"]).date()


async def test_a_cancelled_sessions_door_admits_nobody_and_undo_keeps_to_its_event():
    from events_app.domain import programme

    event = await published_event()
    other = await published_event(title="Rådsmöte")
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    plenary = event["sessions"]["Öppning"]
    await programme.cancel_session(str(plenary["uid"]), SYSTEM)
    with pytest.raises(NotFound):
        await checkins.check_in(
            Scan(
                reason=REASON,
                confirmed=True,
                code=anna["ticket_code"],
                event=event["slug"],
                session=str(plenary["uid"]),
            ),
            STAFF,
        )
    answer = await checkins.check_in(
        Scan(reason=REASON, confirmed=True, code=anna["ticket_code"], event=event["slug"], day=first_day(event)), STAFF
    )
    with pytest.raises(NotFound):
        await checkins.undo(answer.attendance, SYSTEM, event_slug=other["slug"])
    assert await Attendance.count() == 1


async def test_another_day_than_today_is_checked_in_only_once_confirmed(monkeypatch):
    event = await published_event()  # days ahead: 1 and 2
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    day_two = first_day(event) + timedelta(days=1)
    scan = Scan(reason=REASON, code=anna["ticket_code"], event=event["slug"], day=day_two)

    asked = await checkins.check_in(scan, STAFF)
    assert (asked.result, asked.day, asked.day_number, asked.name) == (
        "needs_confirmation",
        day_two,
        2,
        "Anna Andersson",
    )
    assert await Attendance.count() == 0
    assert not await AuditEntry.exists().where(AuditEntry.action == "checkin.another_day")

    done = await checkins.check_in(Scan(**{**scan.__dict__, "confirmed": True}), STAFF)
    assert done.result == "ok" and await Attendance.count() == 1
    again = await checkins.check_in(Scan(**{**scan.__dict__, "confirmed": True}), STAFF)
    assert again.result == "already_checked_in" and await Attendance.count() == 1


async def test_on_the_day_itself_nobody_is_asked_to_confirm(monkeypatch):
    event = await published_event()
    anna = await registered(event["slug"], form("anna@example.se"), STRANGER)
    monkeypatch.setattr(checkins, "today", lambda: first_day(event))  # the door's clock, as tests set it
    door_staff = {"id": None, "name": "Karin", "role": "checkin"}
    answer = await checkins.check_in(Scan(code=anna["ticket_code"], event=event["slug"]), door_staff)
    assert answer.result == "ok" and answer.day is None
    assert (await checkins.day_counts(event["slug"], first_day(event))) == {"checked_in": 1, "expected": 1}
