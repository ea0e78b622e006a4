"""Walk-ins a scanner registered while offline, synced in its batches (POST /api/v1/checkins/batch):
registered and checked in at the time they were let in, once however often (and however
concurrently) the batch is sent; a walk-in without a name or a scan without a code is that scan's
problem and writes nothing. And the batch's set-based way for first scans answers as the one-by-one
way does: a ticket scanned twice in one batch (by its QR code and its short code) is checked in
once, at the earlier scan. Runs on both databases."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from events_app.domain import api_tokens, tickets
from events_app.domain.audit import Actor
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance, CheckInConflict, Person, Registration
from events_app.domain.transactions import utcnow
from tests.account_helpers import tr
from tests.registration_helpers import event_today, form, registered

BATCH = "/api/v1/checkins/batch"


@pytest.fixture
async def scanner(staff_accounts) -> dict[str, str]:
    token = await api_tokens.create_token(
        staff_accounts["checkin"]["id"], "Skanner: entré", Actor.system("test"), scope=api_tokens.CHECKIN_SCOPE
    )
    return {"Authorization": f"Bearer {token}"}


def walk_in(minutes_ago: float, **person: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "walk_in": {"name": "Greta Gäst", "organisation": "Timrå kommun", **person},
        "scanned_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat(),
    }


def scan(code: str, minutes_ago: float) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "code": code,
        "scanned_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat(),
    }


async def test_a_walk_in_is_registered_and_checked_in_once_however_often_sent(client, scanner):
    event = await event_today()
    batch = {"event": event["slug"], "device": "entré 1", "scans": [walk_in(12)]}

    first = await client.post(BATCH, json=batch, headers=scanner)
    again = await client.post(BATCH, json=batch, headers=scanner)

    assert first.status_code == 200, first.text
    (answered,) = first.json()["scans"]
    assert answered["answer"]["result"] == "ok" and answered["answer"]["name"] == "Greta Gäst"
    assert answered["answer"]["method"] == "walk_in" and answered["answer"]["checked_in_by"] == "Karin Incheckare"
    registration = await Registration.select().where(Registration.uid == answered["answer"]["registration"]).first()
    assert registration["source"] == "walk_in" and registration["status"] == "confirmed"
    # The ticket to print on the badge: its short code and what its QR code carries.
    assert answered["short_code"] == registration["short_code"]
    assert answered["ticket_code"] == tickets.ticket_code(registration["ticket_id"], event["uid"])
    (resent,) = again.json()["scans"]
    assert resent["answer"]["result"] == "ok" and not resent.get("conflict")
    assert resent["answer"]["registration"] == answered["answer"]["registration"]
    assert resent["answer"]["checkin"] == answered["answer"]["checkin"]
    assert resent["short_code"] == answered["short_code"]
    assert await Registration.count() == 1
    (attendance,) = await Attendance.select(Attendance.checked_in_at, Attendance.method, Attendance.device)
    # Checked in when let in, not when synced.
    assert abs(attendance["checked_in_at"] - datetime.fromisoformat(batch["scans"][0]["scanned_at"])) < timedelta(
        seconds=1
    )
    assert attendance["method"] == "walk_in" and attendance["device"] == "entré 1"


async def test_the_same_walk_in_sent_twice_at_once_is_registered_once(client, scanner):
    event = await event_today()
    batch = {"event": event["slug"], "device": "entré 1", "scans": [walk_in(5), walk_in(4, email="h@example.se")]}

    responses = await asyncio.gather(*[client.post(BATCH, json=batch, headers=scanner) for _ in range(3)])

    assert all(response.status_code == 200 for response in responses), [r.text for r in responses]
    answers = [[item["answer"] for item in response.json()["scans"]] for response in responses]
    assert all(answer["result"] == "ok" for scans in answers for answer in scans), answers
    assert len({scans[0]["registration"] for scans in answers}) == 1
    assert len({scans[1]["registration"] for scans in answers}) == 1
    assert await Registration.count() == 2 and await Attendance.count() == 2
    assert await Person.count().where(Person.email == "h@example.se") == 1


async def test_a_walk_in_without_a_name_or_a_scan_without_a_code_is_a_problem_and_writes_nothing(client, scanner):
    event = await event_today()
    (anna,) = [await registered(event["slug"], form("anna@example.se"), Registrant(ip="198.51.100.12"))]
    both = {**walk_in(2), "code": anna["ticket_code"]}
    response = await client.post(
        BATCH,
        json={
            "event": event["slug"],
            "scans": [walk_in(3, name=" "), both, {"id": "ingen-kod-1", "scanned_at": both["scanned_at"]}],
        },
        headers=scanner,
    )
    assert response.status_code == 200, response.text
    problems = [item.get("problem") for item in response.json()["scans"]]
    assert problems[0] == tr("sv", "A walk-in needs a name.")
    assert problems[1] == problems[2] == tr("sv", "A scan has either a ticket's code or a walk-in: one of the two.")
    assert await Registration.count() == 1 and await Attendance.count() == 0 and await CheckInConflict.count() == 0


async def test_a_walk_in_already_registered_checks_that_registration_in(client, scanner):
    event = await event_today()
    anna = await registered(event["slug"], form("anna@example.se"), Registrant(ip="198.51.100.12"))
    response = await client.post(
        BATCH,
        json={"event": event["slug"], "scans": [walk_in(3, name="Anna", email="Anna@Example.se")]},
        headers=scanner,
    )
    (answered,) = response.json()["scans"]
    assert answered["answer"]["result"] == "ok" and answered["answer"]["registration"] == str(anna["uid"])
    assert (
        "short_code" not in answered and "ticket_code" not in answered
    )  # another registration's ticket: not handed out
    assert await Registration.count() == 1 and await Attendance.count() == 1


async def test_a_ticket_scanned_twice_in_one_batch_is_checked_in_once_at_the_earlier_scan(client, scanner):
    event = await event_today()
    anna, bo = [
        await registered(event["slug"], form(email, name=name), Registrant(ip="198.51.100.12"))
        for email, name in (("anna@example.se", "Anna"), ("bo@example.se", "Bo"))
    ]
    # Anna's QR code at 10 minutes ago, her short code typed on the same device 20 minutes ago.
    scans = [scan(anna["ticket_code"], 10), scan(bo["ticket_code"], 15), scan(anna["short_code"], 20)]
    response = await client.post(
        BATCH, json={"event": event["slug"], "device": "entré 1", "scans": scans}, headers=scanner
    )

    answers = response.json()["scans"]
    assert [item["id"] for item in answers] == [item["id"] for item in scans]  # in the order sent
    assert [item["answer"]["result"] for item in answers] == ["already_checked_in", "ok", "ok"]
    # One device twice: no conflict between devices for the organisers (checkins._earliest_wins).
    assert [item.get("conflict", False) for item in answers] == [False, False, False]
    rows = await Attendance.select(Attendance.client_id).order_by(Attendance.checked_in_at)
    assert [row["client_id"] for row in rows] == [scans[2]["id"], scans[1]["id"]]
