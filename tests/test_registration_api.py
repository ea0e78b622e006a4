"""Registering through the JSON API, the organisers' list, cancelling, and the ticket key."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from events_app.domain import (
    api_tokens,
    checkins,
    events,
    questions,
    rate_limits,
    registrations,
    tickets,
)
from events_app.domain.audit import Actor
from events_app.domain.questions import QuestionInput
from events_app.domain.registrations import Registrant
from events_app.domain.tables import AuditEntry, Registration, SessionChoice
from events_app.domain.transactions import utcnow
from events_app.i18n import localtime
from tests.account_helpers import add_member, database_snapshot
from tests.registration_helpers import SYSTEM, deliver, form, published_event, queued, registered

STRANGER = Registrant(ip="10.0.0.1")


def body(email: str = "anna@example.se", **fields) -> dict:
    return {"name": "Anna Andersson", "email": email, "organisation": "sundsvall", "consent": True, **fields}


def url(event: dict | str) -> str:
    return f"/api/v1/events/{event if isinstance(event, str) else event['slug']}/registrations"


def field_errors(response: httpx.Response) -> dict[str, str]:
    return {item["field"]: item["message"] for item in response.json().get("errors", [])}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def tokens(staff_accounts) -> dict[str, str]:
    return {
        role: await api_tokens.create_token(staff_accounts[role]["id"], f"test {role}", Actor.system("test"))
        for role in ("organiser", "checkin")
    }


async def without_rate_limits() -> dict:
    """Every row but the counted attempts (a refused registration still counts as an attempt)."""
    snapshot = await database_snapshot()
    snapshot.pop("rate_limit_counter")
    return snapshot


# --- registering ----------------------------------------------------------------------------------


async def test_registering_gives_a_place_then_a_place_in_the_queue(client):
    event = await published_event(capacity=1)
    a = str(event["sessions"]["Workshop A"]["uid"])

    first = await client.post(url(event), json=body(sessions=[a], dietary=["vegan"], answers={}))
    second = await client.post(url(event), json=body("bo@example.se", sessions=[a]))

    assert first.status_code == 201, first.text
    assert first.json() == {
        "id": first.json()["id"],
        "event": event["slug"],
        "status": "confirmed",
        "sessions": [{"id": a, "title": "Workshop A: Klimat", "status": "confirmed"}],
        "held": False,
        "held_until": None,
    }
    assert second.status_code == 201, second.text
    assert second.json()["status"] == "waitlisted"
    assert second.json()["sessions"] == [{"id": a, "title": "Workshop A: Klimat", "status": "waitlisted"}]
    row = await Registration.select().where(Registration.uid == first.json()["id"]).first()
    assert row["source"] == "api" and row["email"] == "anna@example.se" and row["consent_at"] is not None
    # Neither the ticket nor the private link is given away: they go to the address by mail.
    for secret in (row["ticket_id"], row["manage_token"], row["short_code"], "HR1."):
        assert secret not in first.text
    assert [m["to_address"] for m in await queued("registration_received")] == ["anna@example.se", "bo@example.se"]


async def test_language_follows_the_body_else_accept_language(client):
    event = await published_event()
    await client.post(url(event), json=body("sv@example.se"))
    await client.post(url(event), json=body("en@example.se"), headers={"Accept-Language": "en"})
    await client.post(url(event), json=body("explicit@example.se", language="en"))
    rows = await Registration.select(Registration.email, Registration.language).order_by(Registration.id)
    assert [row["language"] for row in rows] == ["sv", "en", "en"]


async def test_days_are_iso_dates_of_the_event(client):
    event = await published_event()
    first_day = event["days"][0]["day"].isoformat()
    response = await client.post(url(event), json=body(days=[first_day]))
    assert response.status_code == 201, response.text
    assert (await Registration.select(Registration.days).output(load_json=True).first())["days"] == [first_day]
    refused = await client.post(url(event), json=body("bo@example.se", days=["2001-01-01"]))
    assert refused.status_code == 422 and "days" in field_errors(refused)


@pytest.mark.parametrize(
    "what, changes, fields",
    [
        ("a bad address", {"email": "anna-at-example"}, {"email"}),
        ("no consent", {"consent": False}, {"consent"}),
        ("an unknown session", {"sessions": ["0b7e7a52-7c43-4ad4-9d36-0d3c1f0e0a11"]}, {"sessions"}),
        ("a session that is not an id", {"sessions": ["workshop-a"]}, {"sessions"}),
        ("two sessions at once", {"sessions": ["A", "B"]}, {"sessions"}),
        ("an unknown dietary code", {"dietary": ["paleo"]}, {"dietary"}),
        ("several faults at once", {"name": " ", "consent": False}, {"name", "consent"}),
    ],
)
async def test_a_registration_that_breaks_a_rule_is_422_with_its_fields(client, what, changes, fields):
    event = await published_event()
    sessions = changes.get("sessions", [])
    changes["sessions"] = [str(event["sessions"][s]["uid"]) if s in event["sessions"] else s for s in sessions]
    before = await without_rate_limits()

    response = await client.post(url(event), json=body(**changes))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert set(field_errors(response)) == fields, what
    assert await without_rate_limits() == before


async def test_a_missing_answer_to_a_required_question_is_named_by_its_key(client):
    event = await published_event()
    question = await questions.add_question(
        event["id"], QuestionInput(label="Kommun du representerar", required=True), SYSTEM
    )
    refused = await client.post(url(event), json=body(), headers={"Accept-Language": "en"})
    assert refused.status_code == 422, refused.text
    assert set(field_errors(refused)) == {f"answers.{question['key']}"}

    accepted = await client.post(url(event), json=body(answers={question["key"]: "Sundsvall"}))
    assert accepted.status_code == 201, accepted.text
    assert (await Registration.select(Registration.answers).output(load_json=True).first())["answers"] == {
        question["key"]: "Sundsvall"
    }


@pytest.mark.parametrize(
    "content, field",
    [
        (json.dumps({**body(), "ticket": "mine"}), "ticket"),
        (json.dumps({**body(), "consent": "yes"}), "consent"),
        (json.dumps({"email": "anna@example.se", "consent": True}), "name"),
        (json.dumps({**body(), "days": ["11 maj"]}), None),
        ('{"name": "Anna", "email": ', None),
        ("name=Anna", None),
    ],
)
async def test_a_body_that_cannot_be_read_is_400_and_changes_nothing(client, content, field):
    event = await published_event()
    before = await database_snapshot()

    response = await client.post(url(event), content=content, headers={"Content-Type": "application/json"})

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"
    if field:
        assert field in field_errors(response)
    assert await database_snapshot() == before


async def test_registering_an_address_twice_is_409_and_mails_the_link_again(client):
    event = await published_event()
    assert (await client.post(url(event), json=body())).status_code == 201

    again = await client.post(url(event), json=body(email="Anna@Example.se", name="Anna A."))

    assert again.status_code == 409, again.text
    assert again.json()["code"] == "already_registered"
    assert await Registration.count() == 1
    assert [m["to_address"] for m in await queued("registration_link")] == ["anna@example.se"]
    assert len(await queued("registration_received")) == 1


async def test_a_members_only_event_is_403_through_the_api(client):
    await add_member(email="asa.oberg@sundsvall.se")
    event = await published_event(audience="members")
    response = await client.post(url(event), json=body("asa.oberg@sundsvall.se"))
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "members_only"
    assert await Registration.count() == 0


async def test_an_invitation_only_event_needs_a_valid_invitation_token(client):
    event = await published_event(audience="invitation")
    for extra, code in (({}, "invitation_required"), ({"invitation_token": "guessed"}, "invitation_unknown")):
        response = await client.post(url(event), json=body(**extra))
        assert response.status_code == 403, response.text
        assert response.json()["code"] == code
    assert await Registration.count() == 0


async def test_unknown_and_draft_events_are_404(client):
    draft = await published_event(publish=False)
    for slug in ("no-such-event", draft["slug"]):
        response = await client.post(url(slug), json=body())
        assert response.status_code == 404, slug
        assert response.json()["code"] == "not_found"


async def test_registration_outside_its_window_is_409(client):
    not_yet = await published_event(title="Snart", registration_opens_at=utcnow() + timedelta(days=2))
    cancelled = await published_event(title="Inställt")
    await events.cancel_event(cancelled["slug"], SYSTEM, "Inställt")
    for event, code in ((not_yet, "registration_not_yet"), (cancelled, "registration_unavailable")):
        response = await client.post(url(event), json=body())
        assert response.status_code == 409, response.text
        assert response.json()["code"] == code
    assert await Registration.count() == 0


async def test_the_sixth_attempt_for_an_address_within_the_hour_is_429(app, client, settings):
    assert settings.registrations_per_address == 5
    event = await published_event()
    statuses = [(await client.post(url(event), json=body())).status_code for _ in range(5)]
    assert statuses == [201, 409, 409, 409, 409]

    transport = httpx.ASGITransport(app=app, client=("10.7.7.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        refused = await elsewhere.post(url(event), json=body())  # the address counts wherever it comes from
        assert refused.status_code == 429
        assert refused.json()["code"] == "rate_limited"
        assert (await elsewhere.post(url(event), json=body("bo@example.se"))).status_code == 201


@pytest.mark.parametrize("consent", ["true", 1, "yes"])
async def test_consent_must_be_the_json_boolean_true(client, consent):
    event = await published_event()
    response = await client.post(url(event), json=body(consent=consent))
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["consent"]
    assert await Registration.count() == 0


async def test_a_nul_and_invisible_characters_are_taken_out_of_json_too(client):
    event = await published_event()
    sent = body(name="\u202eevil\u202c Anna \u200b", organisation="Energi\u0000bolaget AB", title="\ufeffChef")
    response = await client.post(url(event), json=sent)
    assert response.status_code == 201, response.text
    row = await Registration.select(Registration.name, Registration.organisation_text, Registration.title).first()
    assert row == {"name": "evil Anna", "organisation_text": "Energibolaget AB", "title": "Chef"}


async def test_case_and_plus_addressing_do_not_escape_the_limit_per_mailbox(app, client, smtp_server):
    """One mailbox gets at most five registration mails an hour, however its address is written."""
    event = await published_event()
    variants = ["anna@example.se", "Anna+1@example.se", "ANNA@EXAMPLE.SE", "anna+kurs@example.se", "anna+2@example.se"]
    statuses = [(await client.post(url(event), json=body(address))).status_code for address in variants]
    assert statuses == [201, 201, 409, 201, 201]
    refused = await client.post(url(event), json=body("ANNA+6@example.se"))
    assert refused.status_code == 429
    await deliver(smtp_server.settings)
    to_anna = [
        m
        for m in smtp_server.collector.messages
        if rate_limits.mailbox(m["To"].addresses[0].addr_spec) == "anna@example.se"
    ]
    assert len(to_anna) == 5


def test_a_mailbox_is_the_address_without_case_and_plus_tag():
    assert rate_limits.mailbox(" Anna.Berg+kurs@Example.SE ") == "anna.berg@example.se"
    assert rate_limits.mailbox("+tag@example.se") == "+tag@example.se"  # nothing before the plus: kept
    assert rate_limits.address_key("Anna+1@example.se") == rate_limits.address_key("anna@example.se")
    assert rate_limits.address_key("anna@example.se") != rate_limits.address_key("bo@example.se")


async def test_registrations_are_limited_per_ip_address(client, monkeypatch, settings):
    monkeypatch.setattr(registrations, "get_settings", lambda: dataclasses.replace(settings, registrations_per_ip=3))
    event = await published_event()
    for n in range(3):
        assert (await client.post(url(event), json=body(f"p{n}@example.se"))).status_code == 201
    refused = await client.post(url(event), json=body("p3@example.se"))
    assert refused.status_code == 429
    assert await Registration.count() == 3


async def test_a_token_that_is_sent_must_be_valid(client):
    event = await published_event()
    response = await client.post(url(event), json=body(), headers=bearer("hr_not-a-token"))
    assert response.status_code == 401
    assert await Registration.count() == 0


# --- sixty at once, through HTTP ------------------------------------------------------------------


async def test_sixty_simultaneous_requests_never_exceed_the_capacity(app):
    event = await published_event(capacity=20)

    async def attempt(n: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(f"10.0.{n // 250}.{n % 250 + 1}", 40000 + n))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(url(event), json=body(f"rush{n}@example.se"))

    responses = await asyncio.gather(*[attempt(n) for n in range(60)])

    assert [r.status_code for r in responses] == [201] * 60, [r.text for r in responses if r.status_code != 201]
    assert sorted(r.json()["status"] for r in responses) == ["confirmed"] * 20 + ["waitlisted"] * 40
    assert await Registration.count().where(Registration.status == "confirmed") == 20
    assert await Registration.count().where(Registration.status == "waitlisted") == 40
    assert len(await queued("registration_received")) == 60
    # The queue's order is the order in which the places were counted: confirmed ones came first.
    rows = await Registration.select(Registration.status).order_by(Registration.id)
    assert [row["status"] for row in rows] == ["confirmed"] * 20 + ["waitlisted"] * 40


# --- the organisers' list -------------------------------------------------------------------------


async def test_the_list_is_paginated_with_statuses_and_check_in(client, tokens):
    event = await published_event(capacity=2)
    a = str(event["sessions"]["Workshop A"]["uid"])
    await client.post(url(event), json=body(sessions=[a], dietary=["vegan", "no_pork"], title="Miljöstrateg"))
    await client.post(url(event), json=body("bo@example.se", organisation="Föreningen Grön Framtid"))
    await client.post(url(event), json=body("cecilia@example.se", sessions=[a]))

    first = await client.get(url(event), params={"per_page": 2}, headers=bearer(tokens["organiser"]))

    assert first.status_code == 200, first.text
    page = first.json()
    assert (page["page"], page["per_page"], page["total"]) == (1, 2, 3)
    assert page["next"] == f"{url(event)}?page=2&per_page=2"
    anna, bo = page["registrations"]
    assert anna["email"] == "anna@example.se" and anna["status"] == "confirmed"
    assert anna["organisation"] == "sundsvall" and anna["title"] == "Miljöstrateg"
    assert anna["dietary"] == ["vegan", "no_pork"] and anna["answers"] == {}
    assert anna["sessions"] == [{"id": a, "title": "Workshop A: Klimat", "status": "confirmed"}]
    assert anna["checked_in"] is False and anna["checked_in_at"] is None
    assert anna["created_at"].endswith("Z")  # UTC
    assert bo["organisation"] == "Föreningen Grön Framtid"
    for secret in ("ticket_id", "manage_token", "short_code"):
        assert secret not in anna

    second = (await client.get(page["next"], headers=bearer(tokens["organiser"]))).json()
    assert [r["email"] for r in second["registrations"]] == ["cecilia@example.se"]
    assert second["registrations"][0]["status"] == "waitlisted" and second["next"] is None
    assert second["registrations"][0]["sessions"][0]["status"] == "waitlisted"

    waiting = (
        await client.get(url(event), params={"status": "waitlisted"}, headers=bearer(tokens["organiser"]))
    ).json()
    assert waiting["total"] == 1 and [r["email"] for r in waiting["registrations"]] == ["cecilia@example.se"]


async def test_a_checked_in_registration_says_so(client, tokens):
    event = await published_event()
    await client.post(url(event), json=body())
    [anna] = await Registration.select(Registration.uid)
    answer = await checkins.check_in_registration(
        str(anna["uid"]),
        checkins.Scan(
            code="",
            event=event["slug"],
            day=localtime(event["starts_at"]).date(),
            method="search",
            reason="Efterhand",
            confirmed=True,  # the event is on another day than today
        ),
        {"name": "Kim", "role": "organiser"},
    )
    [row] = (await client.get(url(event), headers=bearer(tokens["organiser"]))).json()["registrations"]
    assert row["checked_in"] is True
    assert datetime.fromisoformat(row["checked_in_at"].replace("Z", "+00:00")) == answer.checked_in_at


async def test_the_list_needs_an_organisers_token(client, tokens):
    event = await published_event()
    await client.post(url(event), json=body())
    assert (await client.get(url(event))).status_code == 401
    refused = await client.get(url(event), headers=bearer(tokens["checkin"]))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert (await client.get(url("no-such-event"), headers=bearer(tokens["organiser"]))).status_code == 404
    for bad in ({"per_page": 201}, {"page": 0}, {"page": 10**20}, {"status": "maybe"}):
        response = await client.get(url(event), params=bad, headers=bearer(tokens["organiser"]))
        assert response.status_code == 400, bad


# --- cancelling -----------------------------------------------------------------------------------


async def test_cancelling_promotes_the_first_in_line_once(client, tokens, staff_accounts):
    event = await published_event(capacity=1)
    ids = [(await client.post(url(event), json=body(f"p{n}@example.se"))).json()["id"] for n in range(3)]

    response = await client.post(f"/api/v1/registrations/{ids[0]}/cancel", headers=bearer(tokens["organiser"]))

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["id"] == ids[0]
    statuses = {row["uid"]: row["status"] for row in await Registration.select(Registration.uid, Registration.status)}
    assert [statuses[uid] for uid in map(__import__("uuid").UUID, ids)] == ["cancelled", "confirmed", "waitlisted"]
    assert [m["to_address"] for m in await queued("registration_promoted")] == ["p1@example.se"]
    entry = await AuditEntry.select().where(AuditEntry.action == "registration.cancelled").first()
    assert entry["actor_staff"] == staff_accounts["organiser"]["id"] and "(API)" in entry["actor"]

    again = await client.post(f"/api/v1/registrations/{ids[0]}/cancel", headers=bearer(tokens["organiser"]))
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert len(await queued("registration_promoted")) == 1
    assert len(await queued("registration_cancelled")) == 1


async def test_cancelling_needs_an_organisers_token_and_a_real_registration(client, tokens):
    event = await published_event()
    uid = (await client.post(url(event), json=body())).json()["id"]
    path = f"/api/v1/registrations/{uid}/cancel"
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=bearer(tokens["checkin"]))).status_code == 403
    for unknown in ("0b7e7a52-7c43-4ad4-9d36-0d3c1f0e0a11", "not-an-id"):
        response = await client.post(f"/api/v1/registrations/{unknown}/cancel", headers=bearer(tokens["organiser"]))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert (await Registration.select(Registration.status).first())["status"] == "confirmed"
    assert await SessionChoice.count() == 0


# --- the ticket key -------------------------------------------------------------------------------


async def test_the_ticket_key_verifies_a_ticket_offline(client):
    event = await published_event()
    registration = await registered(event["slug"], form(), STRANGER)

    response = await client.get("/api/v1/ticket-key")

    assert response.status_code == 200
    key = response.json()
    assert key["version"] == "HR1" and key["algorithm"] == "Ed25519"
    public_key = load_pem_public_key(key["public_key"].encode())
    assert tickets.verify_code(registration["ticket_code"], public_key) is not None
    forged = registration["ticket_code"][:-4] + ("AAAA" if not registration["ticket_code"].endswith("AAAA") else "BBBB")
    assert tickets.verify_code(forged, public_key) is None


async def test_the_schema_documents_registering(client):
    schema = (await client.get("/api/v1/schema/openapi.json")).json()
    create = schema["components"]["schemas"]["RegistrationCreate"]
    assert {"name", "email", "consent"} <= set(create["required"])
    assert schema["paths"]["/api/v1/events/{slug}/registrations"]["post"]["security"] == [{}]
    assert schema["paths"]["/api/v1/events/{slug}/registrations"]["get"]["security"] == [{"bearerAuth": []}]
    assert set(schema["paths"]["/api/v1/events/{slug}/registrations"]["post"]["responses"]) >= {
        "201",
        "400",
        "403",
        "404",
        "409",
        "422",
        "429",
    }
