"""A scanner's door list and its offline scans, through the JSON API: the list holds what the door
needs and no address; a delta holds only what changed (new, cancelled, checked in elsewhere, undone);
offline scans are applied once however often sent; the earliest of two devices' scans is the
check-in and the other a conflict the organisers see; a ticket cancelled before the sync is a
conflict and no check-in; four devices syncing the same tickets at once check no one in twice.
Runs on both databases."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from datetime import datetime, time, timedelta

import pytest

from events_app.domain import api_tokens, checkins, erasure, personal_data, registrations, tickets
from events_app.domain.audit import Actor
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance, CheckInConflict, Person, Registration
from events_app.domain.transactions import utcnow
from events_app.i18n import STOCKHOLM, localtime
from tests.account_helpers import tr
from tests.registration_helpers import event_today, form, registered

STRANGER = Registrant(ip="198.51.100.12")
BATCH = "/api/v1/checkins/batch"


@pytest.fixture
async def scanners(staff_accounts) -> dict[str, str]:
    """Two paired scanners (check-in scope) and an organiser's ordinary API token."""
    made = {}
    for name in ("entré 1", "entré 2"):
        made[name] = await api_tokens.create_token(
            staff_accounts["checkin"]["id"], f"Skanner: {name}", Actor.system("test"), scope=api_tokens.CHECKIN_SCOPE
        )
    made["organiser"] = await api_tokens.create_token(staff_accounts["organiser"]["id"], "Webb", Actor.system("test"))
    return made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def door_url(event: dict) -> str:
    return f"/api/v1/events/{event['slug']}/door"


def hash_of(code: str) -> str:
    """The ticket's hash as a device computes it from the QR code it scanned."""
    ticket = tickets.verify_code(code).ticket_id
    return base64.urlsafe_b64encode(hashlib.sha256(bytes.fromhex(ticket)).digest()[:16]).rstrip(b"=").decode()


def offline(code: str, minutes_ago: float, client_id: str | None = None) -> dict:
    """A scan made offline `minutes_ago` (at most 45) at today's event. Just after midnight the minutes
    are shrunk, in order, into the minutes since midnight: a scan made yesterday is not today's."""
    now = utcnow()
    since_midnight = now - datetime.combine(localtime(now).date(), time(0), STOCKHOLM)
    ago = min(timedelta(minutes=minutes_ago), timedelta(minutes=minutes_ago) * (since_midnight / timedelta(minutes=45)))
    return {"id": client_id or str(uuid.uuid4()), "code": code, "scanned_at": (now - ago).isoformat()}


async def people(event: dict, *emails: str) -> list[dict]:
    return [
        await registered(event["slug"], form(email, name=f"Person {n}", dietary_other="Inga nötter"), STRANGER)
        for n, email in enumerate(emails)
    ]


async def test_the_door_list_holds_what_the_door_needs_and_no_address(client, scanners):
    event = await event_today()
    anna, bo = await people(event, "anna@example.se", "bo@example.se")
    await registrations.cancel_registration(str(bo["uid"]), Actor.system("test"), by_organiser=True)

    response = await client.get(door_url(event), headers={**bearer(scanners["entré 1"]), "Accept-Encoding": "gzip"})

    assert response.status_code == 200, response.text
    assert response.headers["content-encoding"] == "gzip"
    body = response.json()
    assert body["full"] is True and body["event"]["tag"] == tickets.event_tag(event["uid"])
    listed = {row["name"]: row for row in body["registrations"]}
    assert listed["Person 0"]["ticket"] == hash_of(anna["ticket_code"])
    assert listed["Person 0"]["code"] == anna["short_code"]
    assert listed["Person 0"]["status"] == "confirmed" and listed["Person 1"]["status"] == "cancelled"
    assert listed["Person 0"]["organisation"] == "Sundsvalls kommun"
    assert listed["Person 0"]["checked_in"] == []
    assert set(listed["Person 0"]) == {
        "registration", "ticket", "code", "name", "organisation", "status", "days", "sessions", "checked_in"
    }  # fmt: skip
    text = response.text
    assert "@" not in text and "nötter" not in text and anna["ticket_id"] not in text


async def test_the_door_list_is_for_paired_scanners_only(client, scanners):
    event = await event_today()
    assert (await client.get(door_url(event))).status_code == 401
    refused = await client.get(door_url(event), headers=bearer(scanners["organiser"]))
    assert refused.status_code == 403
    assert (await client.get(door_url(event), headers=bearer(scanners["entré 1"]))).status_code == 200
    bad = await client.get(door_url(event), params={"since": "igår"}, headers=bearer(scanners["entré 1"]))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["message"] == tr("sv", "The cursor is not one this server gave.")


async def test_a_delta_holds_only_what_changed(client, scanners, staff_accounts):
    event = await event_today()
    anna, bo, carl, dora = await people(event, "anna@example.se", "bo@example.se", "carl@example.se", "d@example.se")
    # Dora was checked in long ago; the others registered an hour ago.
    staff = {"id": staff_accounts["checkin"]["id"], "name": "Karin", "role": "checkin"}
    dora_in = await checkins.check_in(checkins.Scan(code=dora["ticket_code"], event=event["slug"]), staff)
    an_hour_ago = utcnow() - timedelta(hours=1)
    await Registration.update({Registration.updated_at: an_hour_ago}, force=True)
    await Attendance.update({Attendance.recorded_at: an_hour_ago}, force=True)
    cursor = (await client.get(door_url(event), headers=bearer(scanners["entré 1"]))).json()["cursor"]

    await registrations.cancel_registration(str(anna["uid"]), Actor.system("test"), by_organiser=True)
    await checkins.check_in(checkins.Scan(code=bo["ticket_code"], event=event["slug"], device="entré 2"), staff)
    await checkins.undo(dora_in.attendance, Actor.system("test"))
    eva = await registered(event["slug"], form("eva@example.se", name="Eva"), STRANGER)

    delta = await client.get(door_url(event), params={"since": cursor}, headers=bearer(scanners["entré 1"]))
    body = delta.json()
    assert body["full"] is False
    changed = {row["name"]: row for row in body["registrations"]}
    assert set(changed) == {"Person 0", "Person 1", "Person 3", "Eva"}  # not Carl
    assert changed["Person 0"]["status"] == "cancelled"
    assert [c["device"] for c in changed["Person 1"]["checked_in"]] == ["entré 2"]
    assert changed["Person 3"]["checked_in"] == []
    assert changed["Eva"]["code"] == eva["short_code"]
    assert carl["uid"]


async def test_offline_scans_are_applied_once_however_often_sent(client, scanners):
    event = await event_today()
    anna, bo = await people(event, "anna@example.se", "bo@example.se")
    batch = {
        "event": event["slug"],
        "device": "entré 1",
        "scans": [offline(anna["ticket_code"], 20), offline(bo["short_code"], 10)],
    }

    first = await client.post(BATCH, json=batch, headers=bearer(scanners["entré 1"]))
    again = await client.post(BATCH, json=batch, headers=bearer(scanners["entré 1"]))

    assert first.status_code == 200, first.text
    assert [scan["answer"]["result"] for scan in first.json()["scans"]] == ["ok", "ok"]
    assert [scan["answer"]["result"] for scan in again.json()["scans"]] == ["ok", "ok"]
    assert not any(scan.get("conflict") for scan in again.json()["scans"])
    rows = await Attendance.select(Attendance.checked_in_at, Attendance.device).order_by(Attendance.checked_in_at)
    assert len(rows) == 2 and await CheckInConflict.count() == 0
    # Checked in when scanned, not when synced.
    scanned = datetime.fromisoformat(batch["scans"][0]["scanned_at"])
    assert abs(rows[0]["checked_in_at"] - scanned) < timedelta(seconds=1)
    assert rows[0]["device"] == "entré 1"


async def test_the_earliest_scan_wins_and_the_other_is_a_conflict_the_organisers_see(client, scanners, organiser):
    event = await event_today()
    (anna,) = await people(event, "anna@example.se")
    # Device 2 admitted Anna at 08.40 and synced first; device 1 admitted her at 08.35 and synced later.
    later = await client.post(
        BATCH,
        json={"event": event["slug"], "device": "entré 2", "scans": [offline(anna["ticket_code"], 5)]},
        headers=bearer(scanners["entré 2"]),
    )
    earlier = await client.post(
        BATCH,
        json={"event": event["slug"], "device": "entré 1", "scans": [offline(anna["ticket_code"], 10)]},
        headers=bearer(scanners["entré 1"]),
    )

    assert later.json()["scans"][0]["answer"]["result"] == "ok"
    assert earlier.json()["scans"][0]["answer"]["result"] == "ok"
    rows = await Attendance.select(Attendance.device)
    assert rows == [{"device": "entré 1"}]
    conflicts = await CheckInConflict.select(CheckInConflict.kind, CheckInConflict.device, CheckInConflict.first_device)
    assert conflicts == [{"kind": "twice", "device": "entré 2", "first_device": "entré 1"}]
    # Both devices see one check-in by entré 1 at their next sync.
    listed = (await client.get(door_url(event), headers=bearer(scanners["entré 2"]))).json()["registrations"]
    assert [c["device"] for c in listed[0]["checked_in"]] == ["entré 1"]
    page = await organiser.get(f"/organiser/events/{event['slug']}/checkin")
    assert tr("sv", "Admitted on two devices: the earlier scan is the check-in") in page.text
    assert "Person 0" in page.text and "entré 2" in page.text


async def test_a_ticket_cancelled_before_the_sync_is_a_conflict_and_no_check_in(client, scanners):
    event = await event_today()
    (anna,) = await people(event, "anna@example.se")
    await registrations.cancel_registration(str(anna["uid"]), Actor.system("test"), by_organiser=True)
    response = await client.post(
        BATCH,
        json={"event": event["slug"], "device": "entré 1", "scans": [offline(anna["ticket_code"], 3)]},
        headers=bearer(scanners["entré 1"]),
    )
    scan = response.json()["scans"][0]
    assert scan["conflict"] is True and scan["answer"]["result"] == "cancelled"
    assert await Attendance.count() == 0
    assert await CheckInConflict.select(CheckInConflict.kind) == [{"kind": "cancelled"}]


async def test_a_scan_out_of_time_is_refused_and_the_others_applied(client, scanners):
    event = await event_today()
    anna, bo = await people(event, "anna@example.se", "bo@example.se")
    future = {**offline(bo["ticket_code"], 0), "scanned_at": (utcnow() + timedelta(hours=1)).isoformat()}
    response = await client.post(
        BATCH,
        json={"event": event["slug"], "scans": [offline(anna["ticket_code"], 1), future, offline("x", 1, "kort")]},
        headers=bearer(scanners["entré 1"]),
    )
    answers = response.json()["scans"]
    assert answers[0]["answer"]["result"] == "ok"
    assert answers[1]["problem"] == tr("sv", "The scan was made too long ago, or its time is in the future.")
    assert answers[2]["problem"] == tr("sv", "The scan has no valid id.")
    assert await Attendance.count() == 1


async def test_four_devices_syncing_the_same_tickets_at_once_check_no_one_in_twice(client, scanners, staff_accounts):
    event = await event_today()
    count = 12
    tickets_ = [
        (await registered(event["slug"], form(f"p{n}@example.se", name=f"P {n}"), STRANGER))["ticket_code"]
        for n in range(count)
    ]
    tokens = [
        await api_tokens.create_token(
            staff_accounts["checkin"]["id"], f"Skanner {n}", Actor.system("test"), scope=api_tokens.CHECKIN_SCOPE
        )
        for n in range(4)
    ]
    batches = [
        {
            "event": event["slug"],
            "device": f"enhet {device}",
            # Device 2 scanned every ticket first.
            "scans": [offline(code, 30 - device if device != 2 else 40) for code in tickets_],
        }
        for device in range(4)
    ]
    responses = await asyncio.gather(
        *[
            client.post(BATCH, json=batch, headers=bearer(token))
            for batch, token in zip(batches * 2, tokens * 2, strict=True)  # and each batch sent twice
        ]
    )
    assert all(response.status_code == 200 for response in responses), [r.text for r in responses]
    rows = await Attendance.select(Attendance.device)
    assert len(rows) == count and {row["device"] for row in rows} == {"enhet 2"}
    assert await CheckInConflict.count() == 3 * count


async def test_conflicts_join_the_persons_data_export_and_stay_emptied_after_erasure(client, scanners):
    event = await event_today()
    (anna,) = await people(event, "anna@example.se")
    await registrations.cancel_registration(str(anna["uid"]), Actor.system("test"), by_organiser=True)
    await client.post(
        BATCH,
        json={"event": event["slug"], "scans": [offline(anna["ticket_code"], 3)]},
        headers=bearer(scanners["entré 1"]),
    )
    person = await Person.select().where(Person.email == "anna@example.se").first()
    exported = await personal_data.export_person(person)
    (registration,) = exported["registrations"]
    assert [conflict["kind"] for conflict in registration["door_conflicts"]] == ["cancelled"]

    before = (await client.get(door_url(event), headers=bearer(scanners["entré 1"]))).json()
    assert [row["name"] for row in before["registrations"]] == ["Person 0"]
    await erasure.erase_person(str(person["uid"]), Actor.system("test"), notify=False)
    assert await CheckInConflict.count() == 1  # kept: no personal text in it
    listed = (await client.get(door_url(event), headers=bearer(scanners["entré 1"]))).json()["registrations"]
    assert listed == []
    # A device that held her is told to delete her at its next sync.
    delta = await client.get(door_url(event), params={"since": before["cursor"]}, headers=bearer(scanners["entré 1"]))
    (removed,) = delta.json()["registrations"]
    assert removed["removed"] is True and removed["name"] == "" and removed["registration"] == str(anna["uid"])
    assert json.dumps(exported)


async def test_one_device_admitting_a_ticket_twice_is_no_conflict(client, scanners):
    """A scan whose online answer never came (the network hung) and that the device then decided
    offline: the same device twice, so one check-in and nothing for the organisers to sort out."""
    event = await event_today()
    (anna,) = await people(event, "anna@example.se")
    online = await client.post(
        "/api/v1/checkins",
        json={"code": anna["ticket_code"], "event": event["slug"], "device": "entré 1"},
        headers=bearer(scanners["entré 1"]),
    )
    assert online.json()["result"] == "ok"
    again = await client.post(
        BATCH,
        json={"event": event["slug"], "device": "entré 1", "scans": [offline(anna["ticket_code"], 0)]},
        headers=bearer(scanners["entré 1"]),
    )
    scan = again.json()["scans"][0]
    assert scan["answer"]["result"] == "already_checked_in" and not scan.get("conflict")
    assert await Attendance.count() == 1 and await CheckInConflict.count() == 0


async def test_an_earlier_offline_scan_displaces_a_check_in_made_online(client, scanners):
    """The online check-in has no id of its own: the conflict that records it gets one that fits."""
    event = await event_today()
    (anna,) = await people(event, "anna@example.se")
    online = await client.post(
        "/api/v1/checkins",
        json={"code": anna["ticket_code"], "event": event["slug"], "device": "entré 2"},
        headers=bearer(scanners["entré 2"]),
    )
    assert online.json()["result"] == "ok"
    earlier = await client.post(
        BATCH,
        json={"event": event["slug"], "device": "entré 1", "scans": [offline(anna["ticket_code"], 30)]},
        headers=bearer(scanners["entré 1"]),
    )
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["scans"][0]["answer"]["result"] == "ok"
    assert await Attendance.select(Attendance.device) == [{"device": "entré 1"}]
    (conflict,) = await CheckInConflict.select(CheckInConflict.device, CheckInConflict.client_id)
    assert conflict["device"] == "entré 2" and conflict["client_id"].startswith("o-")


async def test_a_scan_at_a_door_gone_since_is_its_own_problem_and_only_scanners_send_batches(client, scanners):
    event = await event_today()
    anna, bo = await people(event, "anna@example.se", "bo@example.se")
    gone = {**offline(bo["ticket_code"], 2), "session": str(uuid.uuid4())}
    response = await client.post(
        BATCH,
        json={"event": event["slug"], "scans": [offline(anna["ticket_code"], 1), gone]},
        headers=bearer(scanners["entré 1"]),
    )
    assert response.status_code == 200
    answers = response.json()["scans"]
    assert answers[0]["answer"]["result"] == "ok"
    assert answers[1]["problem"] == tr("sv", "There is no such session.")
    refused = await client.post(
        BATCH,
        json={"event": event["slug"], "scans": [offline(bo["ticket_code"], 1)]},
        headers=bearer(scanners["organiser"]),
    )
    assert refused.status_code == 403
    assert await Attendance.count() == 1
