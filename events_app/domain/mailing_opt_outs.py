"""Declining follow-up mailings: the link every mailing carries (also as its one-click
List-Unsubscribe header), who has declined for an event, and leaving them out of its mailings.

A link names one registration or one invitation ("r" or "i" and its uid) with an HMAC under a key
derived from SECRET_KEY, so it cannot be guessed nor altered and nothing needs storing; using it
records the time on that row (`mailings_declined_at`). Declining is per event: the person stays on
other events' mailings, and keeps the mails about their own registration (confirmations, reminders,
certificates), which are not bulk mail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from events_app.domain import audit
from events_app.domain.audit import Actor
from events_app.domain.errors import NotFound
from events_app.domain.tables import Event, Invitation, Registration
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import parse_uid
from events_app.i18n import N_
from events_app.settings import get_settings

_TABLES = {"r": Registration, "i": Invitation}


def _mac(kind: str, uid: str) -> str:
    key = hashlib.sha256(b"events-app mailing opt-out\0" + get_settings().secret_key.encode()).digest()
    digest = hmac.new(key, f"{kind}:{uid}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_for(kind: str, uid: Any) -> str:
    """The link's secret for a registration ("r") or an invitation ("i")."""
    return f"{kind}.{uid}.{_mac(kind, str(uid))}"


async def _row(token: str) -> tuple[Any, dict[str, Any]]:
    kind, _, rest = (token or "").partition(".")
    uid_text, _, mac = rest.partition(".")
    uid = parse_uid(uid_text)
    table = _TABLES.get(kind)
    if table is None or uid is None or not hmac.compare_digest(mac, _mac(kind, str(uid))):
        raise NotFound(N_("This link is not valid. Check that you copied the whole link."))
    row = (
        await table.select(table.id, table.uid, table.email, table.mailings_declined_at, table.event)
        .where(table.uid == uid)
        .first()
    )
    if row is None:
        raise NotFound(N_("This link is not valid. Check that you copied the whole link."))
    return table, row


async def event_of(token: str) -> dict[str, Any]:
    """The event a link is about, and whether its person has already declined (for the page)."""
    _, row = await _row(token)
    event = await Event.select(Event.slug, Event.title, Event.title_en).where(Event.id == row["event"]).first()
    return {**event, "declined": row["mailings_declined_at"] is not None}


async def decline(token: str) -> dict[str, Any]:
    """No more follow-up mailings about this event to the link's person. Using the link again
    changes nothing."""
    table, row = await _row(token)
    async with atomic():
        if row["mailings_declined_at"] is None:
            await table.update({table.mailings_declined_at: utcnow()}).where(table.id == row["id"])
            await audit.record(
                "mailing.declined",
                Actor.system("the mailing's link"),
                object_type="registration" if table is Registration else "invitation",
                object_id=row["uid"],
            )
    return await event_of(token)


async def declined(event_id: int) -> list[dict[str, Any]]:
    """Who has declined the event's mailings: name, address and when, by name (for the organisers)."""
    rows: list[dict[str, Any]] = []
    for table in (Registration, Invitation):
        rows += await table.select(table.name, table.email, table.mailings_declined_at.as_alias("declined_at")).where(
            (table.event == event_id) & table.mailings_declined_at.is_not_null()
        )
    by_address: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_address.setdefault(row["email"].lower(), row)
    return sorted(by_address.values(), key=lambda row: (row["name"].casefold(), row["email"]))


async def declined_addresses(event_id: int) -> set[str]:
    return {row["email"].lower() for row in await declined(event_id)}
