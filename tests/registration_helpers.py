"""Helpers for the registration tests: a published event with workshops, a filled-in form, mail."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from events_app.domain import events, mail_delivery, programme
from events_app.domain.audit import Actor
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput
from events_app.domain.registrations import RegistrationInput
from events_app.domain.transactions import utcnow
from events_app.i18n import STOCKHOLM, localtime

SYSTEM = Actor.system("test")


def _day(offset_days: int, clock: str) -> datetime:
    day = (localtime(utcnow()) + timedelta(days=offset_days)).date()
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)


async def published_event(
    *,
    capacity: int | None = 100,
    workshop_capacity: int | None = 2,
    days_ahead: int = 20,
    audience: str = "public",
    publish: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A two-day event with a plenary and two parallel workshops (A and B at 13.00, C at 15.00 day one)."""
    event = await events.create_event(
        EventInput(
            title=fields.pop("title", "Hållbarhetsdagarna"),
            kind=fields.pop("kind", "sustainability_day"),
            audience=audience,
            capacity=capacity,
            starts_at=_day(days_ahead, "09:00"),
            ends_at=_day(days_ahead + 1, "16:00"),
            venue_name="Folkets hus",
            venue_address="Sundsvall",
            **fields,
        ),
        SYSTEM,
    )
    plan = [
        ("Öppning", "09:00", "10:00", "Stora salen", False, None),
        ("Workshop A: Klimat", "13:00", "14:30", "Sal 1", True, workshop_capacity),
        ("Workshop B: Energi", "13:00", "14:30", "Sal 2", True, workshop_capacity),
        ("Workshop C: Transporter", "15:00", "16:00", "Sal 1", True, workshop_capacity),
    ]
    sessions = {}
    for title, start, end, room, signup, cap in plan:
        added = await programme.add_session(
            event["slug"],
            SessionInput(
                title=title,
                kind="workshop" if signup else "plenary",
                starts_at=_day(days_ahead, start),
                ends_at=_day(days_ahead, end),
                room=room,
                requires_signup=signup,
                capacity=cap,
            ),
            SYSTEM,
        )
        sessions[title.split(":")[0]] = added
    if publish:
        event = await events.publish_event(event["slug"], SYSTEM)
    event["sessions"] = sessions
    return event


async def event_today(**fields: Any) -> dict[str, Any]:
    """published_event taking place today (the door scans for today), still open for registration."""
    return await published_event(days_ahead=0, registration_closes_at=_day(1, "15:00"), **fields)


def form(email: str = "anna@example.se", **fields: Any) -> RegistrationInput:
    data = {"name": "Anna Andersson", "email": email, "organisation": "sundsvall", "consent": True, **fields}
    return RegistrationInput(**data)


async def deliver(settings) -> int:
    """Run the mail sender once against the given settings (a real SMTP server in the tests)."""
    return await mail_delivery.deliver_due("test-sender", settings)


async def queued(kind: str | None = None, to_address: str | None = None) -> list[dict[str, Any]]:
    from events_app.domain.tables import OutboxMessage

    query = OutboxMessage.select().order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to_address:
        query = query.where(OutboxMessage.to_address == to_address)
    return await query


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the image"
    return results[0].text


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text, the HTML, the inline images by Content-ID and the attachments by filename."""
    found: dict[str, Any] = {"text": "", "html": "", "inline": {}, "attachments": {}}
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and not part.get_filename():
            found["text"] = part.get_content()
        elif content_type == "text/html":
            found["html"] = part.get_content()
        elif part["Content-ID"]:
            found["inline"][part["Content-ID"].strip("<>")] = part.get_payload(decode=True)
        elif part.get_filename():
            found["attachments"][part.get_filename()] = part.get_payload(decode=True)
    return found


async def registered(slug: str, data, registrant) -> dict[str, Any]:
    """Register, then read the registration back whole (with its ticket code and choices)."""
    from events_app.domain import registrations

    result = await registrations.register(slug, data, registrant)
    return await registrations.get_registration(str(result.registration["uid"]))


async def bulk_registrations(event: dict[str, Any], count: int, *, prefix: str = "bulk") -> None:
    """`count` confirmed registrations of one person written straight into the table, many rows a
    statement: ten thousand in seconds, for tests of long lists. Not through `registrations`: no
    mail, no audit, no places counted."""
    import contextlib
    import json
    import secrets
    import sqlite3
    import uuid

    from events_app.domain import tickets
    from events_app.domain.tables import Organisation, Person, Registration
    from events_app.domain.text_folding import search_text
    from events_app.domain.transactions import is_sqlite
    from events_app.settings import get_settings

    organisations = [row["id"] for row in await Organisation.select(Organisation.id)]
    [person] = await Person.insert(Person(name="Deltagare", email=f"{prefix}@example.se")).returning(Person.id)
    days = json.dumps([day["day"].isoformat() for day in event["days"]])
    now = utcnow()
    columns = (
        "uid, event, person, status, name, email, organisation, organisation_text, title, dietary, dietary_other, "
        "accessibility, answers, days, language, ticket_id, short_code, manage_token, reserved_place, source, "
        "consent_version, created_at, updated_at, confirmed_at, search_text"
    )
    rows = [
        (
            uuid.uuid4(),
            event["id"],
            person["id"],
            "confirmed",
            name,
            f"{prefix}{n}@example.se",
            organisations[n % len(organisations)],
            "",
            "Miljöstrateg",
            "[]",
            "",
            "",
            json.dumps({"lunch": "Fisk"}),
            days,
            "sv",
            tickets.new_ticket_id(),
            tickets.new_short_code(),
            secrets.token_urlsafe(32),
            False,
            "api",
            "",
            now,
            now,
            now,
            search_text(name, ""),
        )
        for n, name in ((n, f"Deltagare {n:05d} Långnamnsson-Österberg") for n in range(count))
    ]
    if is_sqlite():  # one executemany on a connection of its own (Piccolo's adapters apply)
        with contextlib.closing(sqlite3.connect(get_settings().sqlite_path)) as connection, connection:
            connection.executemany(f"INSERT INTO registration ({columns}) VALUES ({', '.join(['?'] * 25)})", rows)
        return
    batch = 500
    for start in range(0, count, batch):
        chunk = rows[start : start + batch]
        placeholders = ", ".join(len(chunk) * ["(" + ", ".join(["{}"] * 25) + ")"])
        await Registration.raw(
            f"INSERT INTO registration ({columns}) VALUES {placeholders}", *(value for row in chunk for value in row)
        )
