"""Helpers shared by the role, account, member and error tests (not a test module itself)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from events_app import i18n
from events_app.domain import people
from events_app.domain.audit import Actor
from events_app.domain.people import MemberInput
from events_app.domain.tables import AuditEntry, OutboxMessage
from tests.conftest import Client

SIGN_IN_LINK = re.compile(r"http://testserver(/login/link/[A-Za-z0-9_-]+)")
RESET_LINK = re.compile(r"http://testserver(/password/reset/[A-Za-z0-9_-]+)")


def tr(language: str, message: str, **params: Any) -> str:
    """`message` (an English msgid) as the app says it in `language`; compare with `text_of(page)`."""
    with i18n.use_language(language):
        return i18n.gettext(message, **params)


# What a password change or reset says about the API tokens it revoked (singular, plural).
TOKENS_REVOKED = (
    "%(num)s API token was revoked with the old password: make a new one for the program that used it.",
    "%(num)s API tokens were revoked with the old password: make new ones for the programs that used them.",
)


def ntr(language: str, singular: str, plural: str, n: int) -> str:
    with i18n.use_language(language):
        return i18n.ngettext(singular, plural, n)


def text_of(response: httpx.Response) -> str:
    """The page with HTML entities decoded (Jinja escapes quotes as &#39; and &#34;)."""
    return html.unescape(response.text)


@asynccontextmanager
async def another_client(app, ip: str = "127.0.0.1", port: int = 50001) -> AsyncIterator[Client]:
    """A second browser (own cookies), optionally from another IP address."""
    transport = httpx.ASGITransport(app=app, client=(ip, port))
    async with Client(transport=transport, base_url="http://testserver") as http:
        yield http


async def add_member(name: str = "Åsa Öberg", email: str = "asa.oberg@sundsvall.se", **fields: str) -> str:
    data = {"organisation": "sundsvall", "side": "majority", **fields}
    return await people.create_member(MemberInput(name=name, email=email, **data), Actor.system("test"))


async def outbox(to_address: str | None = None) -> list[dict]:
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    if to_address is not None:
        query = query.where(OutboxMessage.to_address == to_address)
    return await query


async def link_in_latest_mail(to_address: str, pattern: re.Pattern[str] = SIGN_IN_LINK) -> str:
    messages = await outbox(to_address)
    assert messages, f"no mail queued to {to_address}"
    match = pattern.search(messages[-1]["text_body"])
    assert match, f"no link in the mail: {messages[-1]['text_body']!r}"
    return match.group(1)


async def sign_in_member(client: Client, email: str) -> httpx.Response:
    """Ask for a sign-in link, open it and press the button; returns the POST's response."""
    response = await client.submit("/login/link", {"email": email})
    assert response.status_code == 200, response.text
    link = await link_in_latest_mail(email)
    return await client.submit(link)


async def audit_actions() -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)
    return [row["action"] for row in rows]


async def database_snapshot() -> dict[str, list[dict]]:
    """Every row of every table, to show that a refused request changed nothing."""
    from events_app.piccolo_app import APP_CONFIG

    snapshot = {}
    for table in APP_CONFIG.table_classes:
        snapshot[table._meta.tablename] = await table.select().order_by(table._meta.primary_key)
    return snapshot


def location(response: httpx.Response) -> str:
    assert response.status_code in (301, 302, 303, 307), (response.status_code, response.text[:500])
    return response.headers["location"]
