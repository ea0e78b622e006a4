"""The JSON API v1: events, programme and themes through bearer tokens, with JSON errors and a schema."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from events_app.domain import api_tokens, remembered_accounts, staff
from events_app.domain.audit import Actor
from events_app.domain.tables import (
    ApiToken,
    AuditEntry,
    Event,
    ProgrammeSession,
    StaffAccount,
)
from tests.account_helpers import database_snapshot, tr
from tests.conftest import sign_in

EVENT = {
    "title": "Hållbarhetsdagarna 2027",
    "kind": "sustainability_day",
    "starts_at": "2027-05-11T09:00:00+02:00",
    "ends_at": "2027-05-12T16:00:00+02:00",
    "audience": "public",
    "capacity": 250,
    "registration_opens_at": "2027-03-01T08:00:00+01:00",
    "registration_closes_at": "2027-05-04T23:59:00+02:00",
    "themes": ["klimat-energi", "transport"],
    "venue_name": "Mittuniversitetet, Sundsvall",
    "venue_address": "Holmgatan 10, 852 30 Sundsvall",
    "description": "Två dagar om **omställningen** i länet.",
}


def session_body(title: str, starts: str, ends: str, room: str = "", **fields) -> dict:
    return {"title": title, "starts_at": starts, "ends_at": ends, "room": room, **fields}


async def token_for(accounts: dict, role: str) -> str:
    return await api_tokens.create_token(accounts[role]["id"], f"test {role}", Actor.system("test"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def tokens(staff_accounts) -> dict[str, str]:
    return {role: await token_for(staff_accounts, role) for role in ("admin", "organiser", "checkin")}


@pytest.fixture
def as_organiser(tokens) -> dict[str, str]:
    return bearer(tokens["organiser"])


async def create_event(client, headers, **changes) -> dict:
    response = await client.post("/api/v1/events", json={**EVENT, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, but for when a token was last used (a refused request still used it)."""
    tables = await database_snapshot()
    for row in tables["api_token"]:
        row.pop("last_used_at")
    return tables


def field_errors(response) -> dict[str, str]:
    return {item["field"]: item["message"] for item in response.json().get("errors", [])}


# --- events ---------------------------------------------------------------------------------------


async def test_creating_an_event_gives_a_draft_with_its_slug_days_and_themes(client, staff_accounts, as_organiser):
    response = await client.post("/api/v1/events", json=EVENT, headers=as_organiser)

    assert response.status_code == 201, response.text
    event = response.json()
    assert event["slug"] == "hallbarhetsdagarna-2027"
    assert event["status"] == "draft"
    assert event["title"] == EVENT["title"] and event["kind"] == "sustainability_day" and event["capacity"] == 250
    assert event["starts_at"] == "2027-05-11T09:00:00+02:00"  # Stockholm time, with the offset
    assert event["registration_opens_at"] == "2027-03-01T08:00:00+01:00"  # winter time
    assert [(d["date"], d["starts_at"], d["ends_at"]) for d in event["days"]] == [
        ("2027-05-11", "2027-05-11T09:00:00+02:00", "2027-05-11T16:00:00+02:00"),
        ("2027-05-12", "2027-05-12T09:00:00+02:00", "2027-05-12T16:00:00+02:00"),
    ]
    assert [t["slug"] for t in event["themes"]] == ["klimat-energi", "transport"]
    assert event["themes"][0]["name_sv"] == "Klimat och energi"
    assert event["sessions"] == []
    # Stored as given, in UTC, and audited as the token's staff account.
    row = await Event.select().where(Event.slug == event["slug"]).first()
    assert row["starts_at"] == datetime(2027, 5, 11, 7, 0, tzinfo=UTC)
    entry = await AuditEntry.select().where(AuditEntry.action == "event.created").first()
    assert entry["actor_staff"] == staff_accounts["organiser"]["id"]
    assert "(API)" in entry["actor"] and entry["object_id"] == event["slug"]


async def test_a_draft_is_hidden_from_the_public_but_shown_to_an_organisers_token(client, tokens, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]

    listing = await client.get("/api/v1/events")
    assert listing.status_code == 200
    assert slug not in [e["slug"] for e in listing.json()["events"]]
    hidden = await client.get(f"/api/v1/events/{slug}")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    # Check-in staff do not see drafts either.
    assert (await client.get(f"/api/v1/events/{slug}", headers=bearer(tokens["checkin"]))).status_code == 404
    assert slug not in [
        e["slug"] for e in (await client.get("/api/v1/events", headers=bearer(tokens["checkin"]))).json()["events"]
    ]

    for role in ("organiser", "admin"):
        shown = await client.get(f"/api/v1/events/{slug}", headers=bearer(tokens[role]))
        assert shown.status_code == 200, role
        assert shown.json()["status"] == "draft"
        listed = await client.get("/api/v1/events", headers=bearer(tokens[role]))
        assert [(e["slug"], e["status"]) for e in listed.json()["events"]] == [(slug, "draft")]


async def test_publish_then_cancel(client, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]

    published = await client.post(f"/api/v1/events/{slug}/publish", headers=as_organiser)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    public = await client.get("/api/v1/events")
    assert [(e["slug"], e["status"]) for e in public.json()["events"]] == [(slug, "published")]
    assert (await client.get(f"/api/v1/events/{slug}")).json()["status"] == "published"
    # Publishing again changes nothing.
    again = await client.post(f"/api/v1/events/{slug}/publish", headers=as_organiser)
    assert again.status_code == 200 and again.json()["published_at"] == published.json()["published_at"]

    cancelled = await client.post(
        f"/api/v1/events/{slug}/cancel", json={"message": "Flyttas till hösten."}, headers=as_organiser
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_message"] == "Flyttas till hösten."
    public = (await client.get(f"/api/v1/events/{slug}")).json()
    assert public["status"] == "cancelled"  # still public, as cancelled
    assert await Event.select(Event.status).where(Event.slug == slug).first() == {"status": "cancelled"}

    # A cancelled event cannot be published again: 409 with a stable code.
    before = await snapshot()
    refused = await client.post(f"/api/v1/events/{slug}/publish", headers=as_organiser)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_status"
    assert refused.json()["request_id"] == refused.headers["X-Request-ID"]
    assert refused.json()["message"] == tr("sv", "This cannot be done to a cancelled event.")
    assert await snapshot() == before


async def test_cancel_without_a_body(client, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]
    response = await client.post(f"/api/v1/events/{slug}/cancel", headers=as_organiser)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["cancel_message"] == ""


async def test_listing_filters(client, as_organiser):
    await create_event(client, as_organiser)
    await create_event(
        client,
        as_organiser,
        title="Rådsmöte mars",
        kind="council_meeting",
        themes=["samverkan"],
        starts_at="2027-03-10T13:00:00+01:00",
        ends_at="2027-03-10T16:00:00+01:00",
        registration_opens_at=None,
        registration_closes_at=None,
    )
    await create_event(
        client,
        as_organiser,
        title="Hållbarhetsdagarna 2020",
        starts_at="2020-05-12T09:00:00+02:00",
        ends_at="2020-05-13T16:00:00+02:00",
        registration_opens_at=None,
        registration_closes_at=None,
    )
    for slug in ("hallbarhetsdagarna-2027", "radsmote-mars-2027", "hallbarhetsdagarna-2020"):
        assert (await client.post(f"/api/v1/events/{slug}/publish", headers=as_organiser)).status_code == 200

    async def slugs(query: str) -> list[str]:
        response = await client.get(f"/api/v1/events{query}")
        assert response.status_code == 200, response.text
        return [e["slug"] for e in response.json()["events"]]

    assert await slugs("") == ["radsmote-mars-2027", "hallbarhetsdagarna-2027"]  # upcoming, soonest first
    assert await slugs("?when=past") == ["hallbarhetsdagarna-2020"]
    assert await slugs("?when=all") == ["hallbarhetsdagarna-2027", "radsmote-mars-2027", "hallbarhetsdagarna-2020"]
    assert await slugs("?kind=council_meeting") == ["radsmote-mars-2027"]
    assert await slugs("?theme=transport&when=all") == ["hallbarhetsdagarna-2027", "hallbarhetsdagarna-2020"]
    assert await slugs("?theme=no-such-theme") == []
    bad = await client.get("/api/v1/events?when=tomorrow")
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_error" and "when" in field_errors(bad)


async def test_themes(client):
    response = await client.get("/api/v1/themes")
    assert response.status_code == 200
    themes = response.json()["themes"]
    assert len(themes) == 7
    assert themes[0] == {"slug": "klimat-energi", "name_sv": "Klimat och energi", "name_en": "Climate and energy"}


# --- the programme --------------------------------------------------------------------------------


async def test_sessions_with_parallel_tracks_come_back_in_programme_order(client, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]
    day1, day2 = "2027-05-11T", "2027-05-12T"
    # Added out of order: day 2 first, the parallel tracks before the opening plenary.
    bodies = [
        session_body("Avslutning", f"{day2}15:00:00+02:00", f"{day2}16:00:00+02:00", "Aulan"),
        session_body(
            "Spår A dag 2: Laddinfrastruktur",
            f"{day2}10:00:00+02:00",
            f"{day2}11:30:00+02:00",
            "Sal A",
            kind="workshop",
        ),
        session_body(
            "Spår B dag 2: Cirkulär upphandling",
            f"{day2}10:00:00+02:00",
            f"{day2}11:30:00+02:00",
            "Sal B",
            kind="workshop",
        ),
        session_body(
            "Spår C dag 2: Digital omställning",
            f"{day2}10:00:00+02:00",
            f"{day2}11:30:00+02:00",
            "Sal C",
            kind="workshop",
            themes=["digitalisering"],
        ),
        session_body(
            "Spår A: Energieffektivisering",
            f"{day1}10:30:00+02:00",
            f"{day1}12:00:00+02:00",
            "Sal A",
            kind="workshop",
            capacity=40,
            requires_signup=True,
            themes=["klimat-energi"],
            speakers=[
                {"name": "Maria Nilsson", "title": "Energistrateg", "organisation": "Region Västernorrland"},
                {"name": "Per Ek"},
            ],
        ),
        session_body(
            "Spår B: Kollektivtrafik", f"{day1}10:30:00+02:00", f"{day1}12:00:00+02:00", "Sal B", kind="workshop"
        ),
        session_body(
            "Spår C: Landsbygdens möjligheter",
            f"{day1}10:30:00+02:00",
            f"{day1}12:00:00+02:00",
            "Sal C",
            kind="workshop",
        ),
        session_body("Öppning", f"{day1}09:00:00+02:00", f"{day1}10:00:00+02:00", "Aulan", description="Välkomna!"),
        session_body("Lunch", f"{day1}12:00:00+02:00", f"{day1}13:00:00+02:00", kind="meal"),
    ]
    ids = {}
    for body in bodies:
        response = await client.post(f"/api/v1/events/{slug}/sessions", json=body, headers=as_organiser)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["title"] == body["title"] and created["status"] == "scheduled"
        ids[body["title"]] = created["id"]
    assert len(set(ids.values())) == len(bodies)
    assert all(
        uid == str(row["uid"])
        for uid, row in zip(
            ids.values(), await ProgrammeSession.select(ProgrammeSession.uid).order_by(ProgrammeSession.id), strict=True
        )
    )

    response = await client.get(f"/api/v1/events/{slug}", headers=as_organiser)

    assert response.status_code == 200
    sessions = response.json()["sessions"]
    assert [s["title"] for s in sessions] == [
        "Öppning",
        "Spår A: Energieffektivisering",
        "Spår B: Kollektivtrafik",
        "Spår C: Landsbygdens möjligheter",
        "Lunch",
        "Spår A dag 2: Laddinfrastruktur",
        "Spår B dag 2: Cirkulär upphandling",
        "Spår C dag 2: Digital omställning",
        "Avslutning",
    ]
    assert [s["id"] for s in sessions] == [ids[s["title"]] for s in sessions]
    track_a = sessions[1]
    assert track_a == {
        "id": ids["Spår A: Energieffektivisering"],
        "title": "Spår A: Energieffektivisering",
        "description": "",
        "title_en": "",
        "description_en": "",
        "kind": "workshop",
        "starts_at": "2027-05-11T10:30:00+02:00",
        "ends_at": "2027-05-11T12:00:00+02:00",
        "room": "Sal A",
        "capacity": 40,
        "requires_signup": True,
        "status": "scheduled",
        "themes": [{"slug": "klimat-energi", "name_sv": "Klimat och energi", "name_en": "Climate and energy"}],
        "speakers": [
            {"name": "Maria Nilsson", "title": "Energistrateg", "organisation": "Region Västernorrland"},
            {"name": "Per Ek", "title": "", "organisation": ""},
        ],
        "change": None,
    }
    assert sessions[0]["kind"] == "plenary" and sessions[0]["description"] == "Välkomna!"
    # Once published, the public sees the same programme.
    await client.post(f"/api/v1/events/{slug}/publish", headers=as_organiser)
    public = await client.get(f"/api/v1/events/{slug}")
    assert [s["id"] for s in public.json()["sessions"]] == [s["id"] for s in sessions]


async def test_a_double_booked_room_is_refused_on_the_room_field(client, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]
    first = session_body("Workshop om vätgas", "2027-05-11T10:00:00+02:00", "2027-05-11T11:00:00+02:00", "Sal A")
    assert (await client.post(f"/api/v1/events/{slug}/sessions", json=first, headers=as_organiser)).status_code == 201
    before = await snapshot()

    clash = session_body("Workshop om biogas", "2027-05-11T10:30:00+02:00", "2027-05-11T11:30:00+02:00", "sal a")
    response = await client.post(f"/api/v1/events/{slug}/sessions", json=clash, headers=as_organiser)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert field_errors(response) == {
        "room": tr("sv", "%(room)s is already booked then, for “%(title)s”.", room="sal a", title="Workshop om vätgas")
    }
    assert await snapshot() == before
    # The same clash given in UTC.
    in_utc = session_body("Workshop om biogas", "2027-05-11T08:59:00Z", "2027-05-11T09:30:00Z", "Sal A")
    response = await client.post(f"/api/v1/events/{slug}/sessions", json=in_utc, headers=as_organiser)
    assert response.status_code == 422 and set(field_errors(response)) == {"room"}
    # Right after it, the room is free.
    later = session_body("Workshop om biogas", "2027-05-11T11:00:00+02:00", "2027-05-11T12:00:00+02:00", "Sal A")
    assert (await client.post(f"/api/v1/events/{slug}/sessions", json=later, headers=as_organiser)).status_code == 201


async def test_a_session_outside_the_events_days_is_refused_on_starts_at(client, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]
    before = await snapshot()
    body = session_body("Efterträff", "2027-05-13T10:00:00+02:00", "2027-05-13T11:00:00+02:00", "Aulan")

    response = await client.post(f"/api/v1/events/{slug}/sessions", json=body, headers=as_organiser)

    assert response.status_code == 422, response.text
    assert field_errors(response) == {"starts_at": tr("sv", "The session must take place on one of the event's days.")}
    assert await snapshot() == before


async def test_a_session_for_an_unknown_event_is_404(client, as_organiser):
    body = session_body("Öppning", "2027-05-11T09:00:00+02:00", "2027-05-11T10:00:00+02:00")
    response = await client.post("/api/v1/events/no-such-event/sessions", json=body, headers=as_organiser)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert await ProgrammeSession.count() == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/events/no-such-event", "There is no such event."),
        ("/api/v1/no/such/route", "The page you are looking for does not exist or has moved."),
    ],
)
async def test_unknown_things_are_a_json_404(client, path, message):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == tr("sv", message)


@pytest.mark.parametrize("action", ["publish", "cancel"])
async def test_publishing_or_cancelling_an_unknown_event_is_404(client, as_organiser, action):
    response = await client.post(f"/api/v1/events/no-such-event/{action}", headers=as_organiser)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- bad requests: a JSON error naming the fields, and nothing written -----------------------------

NAIVE = "2027-05-11T09:00:00"
BAD_EVENTS = [
    # (what, raw body or JSON, status, fields)
    ("not JSON", b'{"title": "Hall', 400, set()),
    ("an array", b"[]", 400, set()),
    ("no body", b"", 400, set()),
    ("100,000 nested arrays", b"[" * 100_000, 400, set()),
    ("100,000 nested objects", b'{"title":' * 100_000, 400, set()),
    ("wrong types", {**EVENT, "capacity": "many"}, 400, {"capacity"}),
    ("a number for a text", {**EVENT, "title": 2027}, 400, {"title"}),
    ("a list of numbers for themes", {**EVENT, "themes": [1, 2]}, 400, {"themes[0]"}),
    ("a missing required field", {k: v for k, v in EVENT.items() if k != "starts_at"}, 400, {"starts_at"}),
    ("an unknown kind", {**EVENT, "kind": "party"}, 400, {"kind"}),
    ("an unknown field", {**EVENT, "start_at": "2027-05-11T09:00:00+02:00"}, 400, {"start_at"}),
    ("a naive datetime", {**EVENT, "starts_at": NAIVE}, 400, {"starts_at"}),
    ("a naive closing time", {**EVENT, "registration_closes_at": NAIVE}, 400, {"registration_closes_at"}),
    ("the end before the start", {**EVENT, "ends_at": "2027-05-10T16:00:00+02:00"}, 422, {"ends_at"}),
    ("an unknown theme", {**EVENT, "themes": ["klimat-energi", "astrologi"]}, 422, {"themes"}),
    # One row per day: an event without an end would make millions and stop the worker.
    ("an end in the year 9999", {**EVENT, "ends_at": "9999-12-31T23:59:59+01:00"}, 422, {"ends_at"}),
    ("32 days", {**EVENT, "ends_at": "2027-06-11T16:00:00+02:00", "registration_closes_at": None}, 422, {"ends_at"}),
    (
        "61 occasions",
        {
            **EVENT,
            "kind": "training_module",
            "ends_at": "2027-08-31T16:00:00+02:00",
            "occasion_dates": [(date(2027, 5, 11) + timedelta(days=n)).isoformat() for n in range(61)],
        },
        422,
        {"occasion_dates"},
    ),
    ("an empty title and a negative capacity", {**EVENT, "title": "  ", "capacity": -1}, 422, {"title", "capacity"}),
]


@pytest.mark.parametrize(("what", "body", "status", "fields"), BAD_EVENTS, ids=[case[0] for case in BAD_EVENTS])
async def test_a_bad_event_is_refused_with_a_json_error_and_nothing_written(
    client, as_organiser, what, body, status, fields
):
    before = await snapshot()
    if isinstance(body, bytes):
        response = await client.post(
            "/api/v1/events", content=body, headers={**as_organiser, "Content-Type": "application/json"}
        )
    else:
        response = await client.post("/api/v1/events", json=body, headers=as_organiser)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["message"]
    assert set(field_errors(response)) == fields
    assert all(field_errors(response).values())
    assert await snapshot() == before


async def test_field_messages_say_what_is_wrong(client, as_organiser):
    naive = await client.post("/api/v1/events", json={**EVENT, "starts_at": NAIVE}, headers=as_organiser)
    assert field_errors(naive) == {
        "starts_at": tr("sv", "Give the time with its offset from UTC, for example 2027-05-11T09:00:00+02:00.")
    }
    missing = await client.post("/api/v1/events", json={"title": "Rådsmöte"}, headers=as_organiser)
    assert field_errors(missing) == {"kind": tr("sv", "This field is required.")}
    unknown = await client.post("/api/v1/events", json={**EVENT, "colour": "green"}, headers=as_organiser)
    assert field_errors(unknown) == {"colour": tr("sv", "There is no such field.")}
    ends = await client.post("/api/v1/events", json={**EVENT, "ends_at": EVENT["starts_at"]}, headers=as_organiser)
    assert field_errors(ends) == {"ends_at": tr("sv", "The event must end after it starts.")}
    assert ends.json()["message"] == tr("sv", "Please correct the marked fields.")


async def test_bad_sessions_are_refused_and_nothing_is_written(client, as_organiser):
    slug = (await create_event(client, as_organiser))["slug"]
    good = session_body("Öppning", "2027-05-11T09:00:00+02:00", "2027-05-11T10:00:00+02:00", "Aulan")
    cases = [
        ({**good, "starts_at": NAIVE}, 400, {"starts_at"}),
        ({**good, "kind": "party"}, 400, {"kind"}),
        ({**good, "speakers": [{"title": "Moderator"}]}, 400, {"speakers[0].name"}),
        ({**good, "ends_at": "2027-05-11T08:00:00+02:00"}, 422, {"ends_at"}),
        ({**good, "themes": ["astrologi"]}, 422, {"themes"}),
        ({**good, "capacity": -5}, 422, {"capacity"}),
        ({**good, "speakers": [{"name": ""}]}, 200, set()),  # an empty speaker row is left out
    ]
    for body, status, fields in cases:
        before = await snapshot()
        response = await client.post(f"/api/v1/events/{slug}/sessions", json=body, headers=as_organiser)
        if status == 200:
            assert response.status_code == 201, response.text
            assert response.json()["speakers"] == []
            continue
        assert response.status_code == status, (body, response.text)
        assert response.json()["code"] == "validation_error"
        assert set(field_errors(response)) == fields, body
        assert await snapshot() == before, body


async def test_messages_follow_accept_language(client, as_organiser):
    message = "Please correct the marked fields."
    body = {**EVENT, "ends_at": EVENT["starts_at"]}
    for header, language in [
        (None, "sv"),
        ("en", "en"),
        ("en-GB,en;q=0.9,sv;q=0.8", "en"),
        ("sv-SE", "sv"),
        ("de, en;q=0.5", "en"),
        ("de, fr", "sv"),
    ]:
        headers = {**as_organiser, **({"Accept-Language": header} if header else {})}
        response = await client.post("/api/v1/events", json=body, headers=headers)
        assert response.json()["message"] == tr(language, message), header
        assert field_errors(response) == {"ends_at": tr(language, "The event must end after it starts.")}, header
    assert tr("sv", message) != tr("en", message)


# --- tokens ---------------------------------------------------------------------------------------

WRITES = [
    ("/api/v1/events", EVENT),
    ("/api/v1/events/{slug}/publish", None),
    ("/api/v1/events/{slug}/cancel", {"message": "Inställt."}),
    (
        "/api/v1/events/{slug}/sessions",
        session_body("Öppning", "2027-05-11T09:00:00+02:00", "2027-05-11T10:00:00+02:00"),
    ),
]


@pytest.fixture
async def draft_slug(client, tokens) -> str:
    return (await create_event(client, bearer(tokens["organiser"])))["slug"]


async def refused_writes(client, draft_slug, headers: dict) -> list[tuple[int, str]]:
    """Every write, with `headers`; each must leave the database as it was."""
    outcomes = []
    for path, body in WRITES:
        before = await snapshot()
        response = await client.post(path.format(slug=draft_slug), json=body, headers=headers)
        assert await snapshot() == before, (path, response.status_code)
        assert response.headers["content-type"].startswith("application/json")
        outcomes.append((response.status_code, response.json()["code"]))
    return outcomes


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer hr_not-a-real-token", "Basic b3JnOnB3", "hr_no-scheme"])
async def test_writes_without_a_valid_token_are_401(client, draft_slug, header):
    headers = {"Authorization": header} if header else {}
    assert await refused_writes(client, draft_slug, headers) == [(401, "not_authenticated")] * len(WRITES)
    response = await client.post("/api/v1/events", json=EVENT, headers=headers)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["message"] == tr("sv", "Send a valid API token in the header Authorization: Bearer <token>.")


async def test_a_revoked_token_is_401_at_once(client, staff_accounts, tokens, draft_slug):
    token = tokens["organiser"]
    assert (await client.get(f"/api/v1/events/{draft_slug}", headers=bearer(token))).status_code == 200
    row = await ApiToken.select(ApiToken.uid).where(ApiToken.staff == staff_accounts["organiser"]["id"]).first()
    await api_tokens.revoke_token(str(row["uid"]), staff_accounts["organiser"]["id"], Actor.system("test"))

    assert await refused_writes(client, draft_slug, bearer(token)) == [(401, "not_authenticated")] * len(WRITES)
    # A token that is sent must work, also for reading.
    assert (await client.get(f"/api/v1/events/{draft_slug}", headers=bearer(token))).status_code == 401
    assert (await client.get("/api/v1/events", headers=bearer(token))).status_code == 401
    assert (await client.get("/api/v1/themes", headers=bearer(token))).status_code == 401


async def test_a_token_revoked_by_another_worker_stops_within_a_second(client, staff_accounts, tokens, draft_slug):
    token = tokens["organiser"]
    assert (await client.get(f"/api/v1/events/{draft_slug}", headers=bearer(token))).status_code == 200
    # Revoked as another worker process would: this one has the token's account in memory.
    await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(
        ApiToken.staff == staff_accounts["organiser"]["id"]
    )
    await asyncio.sleep(remembered_accounts.REMEMBER_FOR)
    assert (await client.get(f"/api/v1/events/{draft_slug}", headers=bearer(token))).status_code == 401


async def test_a_deactivated_accounts_token_is_401(client, staff_accounts, tokens, draft_slug):
    assert (await client.get(f"/api/v1/events/{draft_slug}", headers=bearer(tokens["organiser"]))).status_code == 200
    organiser, admin = staff_accounts["organiser"], staff_accounts["admin"]
    await staff.update_staff(
        str(organiser["uid"]),
        name=organiser["name"],
        role="organiser",
        active=False,
        actor=Actor(admin["name"], staff_id=admin["id"]),
    )
    assert await refused_writes(client, draft_slug, bearer(tokens["organiser"])) == [(401, "not_authenticated")] * 4


async def test_a_checkin_token_is_403(client, tokens, draft_slug):
    assert await refused_writes(client, draft_slug, bearer(tokens["checkin"])) == [(403, "forbidden")] * len(WRITES)
    response = await client.post("/api/v1/events", json=EVENT, headers=bearer(tokens["checkin"]))
    assert response.json()["message"] == tr("sv", "The token's account does not have the role this needs.")


async def test_an_admin_token_may_write(client, staff_accounts, tokens):
    event = await create_event(client, bearer(tokens["admin"]))
    assert event["status"] == "draft"
    entry = await AuditEntry.select().where(AuditEntry.action == "event.created").first()
    assert entry["actor_staff"] == staff_accounts["admin"]["id"]


async def test_a_signed_in_session_is_not_a_token(client, staff_accounts, draft_slug):
    """The API ignores session cookies, so a page elsewhere cannot make a signed-in browser write (no CSRF here)."""
    await sign_in(client, "organiser@test.se")
    assert (await client.get("/staff")).status_code == 200
    assert await refused_writes(client, draft_slug, {}) == [(401, "not_authenticated")] * len(WRITES)
    assert (await client.get(f"/api/v1/events/{draft_slug}")).status_code == 404


async def test_reads_need_no_token(client):
    for path in ("/api/v1/events", "/api/v1/themes", "/api/v1/events?when=past"):
        assert (await client.get(path)).status_code == 200, path


# --- the schema -----------------------------------------------------------------------------------


async def test_the_openapi_schema_documents_the_api_only(client):
    response = await client.get("/api/v1/schema/openapi.json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"] == {
        "title": "Hållbarhetsrådet events API",
        "version": "1",
        "description": schema["info"]["description"],
    }
    assert set(schema["paths"]) == {
        "/api/v1/events",
        "/api/v1/events/{slug}",
        "/api/v1/events/{slug}/publish",
        "/api/v1/events/{slug}/cancel",
        "/api/v1/events/{slug}/sessions",
        "/api/v1/themes",
        "/api/v1/events/{slug}/registrations",
        "/api/v1/registrations/{uid}/cancel",
        "/api/v1/ticket-key",
        "/api/v1/checkins",
        "/api/v1/checkins/{uid}/undo",
        "/api/v1/checkins/batch",
        "/api/v1/events/{slug}/door",
        "/api/v1/council/members",
        "/api/v1/council/members/{uid}/terms",
        "/api/v1/council/members/{uid}/roles",
        "/api/v1/council/members/{uid}/terms/{term_uid}/end",
        "/api/v1/council/meetings/{slug}/agenda/{uid}/delete",
        "/api/v1/council/meetings/{slug}/invitations/{uid}/apologies",
        "/api/v1/council/meetings/{slug}",
        "/api/v1/council/meetings/{slug}/agenda",
        "/api/v1/council/meetings/{slug}/invite",
        "/api/v1/council/meetings/{slug}/invitations/{uid}/substitute",
        "/api/v1/council/meetings/{slug}/invitations/{uid}/attended",
    }
    assert "DoorListOut" in schema["components"]["schemas"]
    assert set(schema["paths"]["/api/v1/events"]) == {"get", "post"}
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/events"]["post"]["security"] == [{"bearerAuth": []}]
    create = schema["components"]["schemas"]["EventCreate"]
    assert {"title", "kind", "starts_at", "ends_at"} <= set(create["required"])
    assert "themes" in create["properties"] and "occasion_dates" in create["properties"]
    assert "ErrorOut" in schema["components"]["schemas"]


async def test_the_api_documentation_page_is_drawn_here_and_loads_nothing_from_elsewhere(client):
    page = await client.get("/api/v1/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Hållbarhetsrådet events API" in page.text
    assert "<code>POST /api/v1/events/{slug}/registrations</code>" in page.text
    assert 'id="schema-EventCreate"' in page.text and "<code>occasion_dates</code>" in page.text
    assert "<script" not in page.text  # no viewer script, from a CDN or anywhere
    sources = re.findall(r'(?:src|href)="([^"#]*)"', page.text)
    assert sources and all(source.startswith("/") for source in sources), sources


# --- the command line -----------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "events_app.cli", *args], capture_output=True, text=True, timeout=120)


async def test_token_create_prints_a_working_token(client, staff_accounts):
    result = run_cli("token", "create", "--email", "Organiser@Test.se", "--name", "Kommunens webbplats")

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"  # only the token, so a script can capture it
    assert token.startswith("hr_") and len(token) > 30
    row = await ApiToken.select().where(ApiToken.staff == staff_accounts["organiser"]["id"]).first()
    assert row["name"] == "Kommunens webbplats" and token not in json.dumps(row, default=str)
    response = await client.post("/api/v1/events", json=EVENT, headers=bearer(token))
    assert response.status_code == 201, response.text


async def test_token_create_refuses_an_unknown_or_inactive_address(staff_accounts):
    result = run_cli("token", "create", "--email", "nobody@test.se")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "nobody@test.se" in result.stderr
    await StaffAccount.update({StaffAccount.active: False}).where(StaffAccount.email == "organiser@test.se")
    result = run_cli("token", "create", "--email", "organiser@test.se")
    assert result.returncode != 0 and result.stdout == ""
    assert await ApiToken.count() == 0
