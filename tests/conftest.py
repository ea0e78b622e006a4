"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL says so.

The schema is built once per run by applying the real migrations; every test then starts from
emptied tables with the seed (organisations, themes) loaded again. Tests talk to the app in their
own event loop through httpx's ASGI transport, so the app's queries and the test's share the
engine (and PostgreSQL's pool).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import re
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="events-test-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP / 'test.sqlite'}")
os.environ["DEV"] = "1"
os.environ["VAR_DIR"] = str(_TMP / "var")
os.environ["SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ["BASE_URL"] = "http://testserver"
os.environ["MAIL_SENDER_SEPARATE"] = "1"  # tests deliver mail explicitly
for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS", "DEFAULT_LANGUAGE", "MEDIA_DIR"):
    os.environ.pop(name, None)

import httpx
import pytest
from asgi_lifespan import LifespanManager

from events_app.settings import get_settings
from tests.live_server import attach_server_log, live_server  # noqa: F401 - the real server, a fixture for every test

IS_POSTGRES = get_settings().database_url.startswith("postgres")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL' if IS_POSTGRES else 'SQLite'} ({get_settings().database_url})"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    attach_server_log(item, outcome.get_result())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgresql://...)")
    for item in items:
        if "postgres_only" in item.keywords and not IS_POSTGRES:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def migrated_database():
    """Apply the migrations once, to an empty database."""
    from events_app.cli import migrate

    asyncio.run(migrate())
    yield
    shutil.rmtree(_TMP, ignore_errors=True)


async def empty_tables() -> None:
    from events_app.domain.transactions import engine
    from events_app.piccolo_app import APP_CONFIG

    names = [table._meta.tablename for table in APP_CONFIG.table_classes]
    if IS_POSTGRES:
        await engine().run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        for table in sorted(APP_CONFIG.table_classes, key=_dependency_depth, reverse=True):
            await table.delete(force=True)


def _dependency_depth(table) -> int:
    parents = [fk._foreign_key_meta.resolved_references for fk in table._meta.foreign_key_columns]
    return 1 + max((_dependency_depth(parent) for parent in parents if parent is not table), default=0)


@pytest.fixture(autouse=True)
async def clean_database(migrated_database) -> AsyncIterator[None]:
    from events_app.domain import remembered_accounts
    from events_app.domain.seed import load_seed

    await empty_tables()
    # Ids and epochs repeat from test to test: an account remembered by the last one is not this one's.
    remembered_accounts.forget()
    await load_seed()
    yield


@pytest.fixture
def settings():
    return get_settings()


@pytest.fixture(scope="session")
def _application():
    """Building the app takes a while; one instance serves every test, started and stopped per test."""
    from events_app.web.app import create_app

    return create_app()


@pytest.fixture
async def app(_application):
    async with LifespanManager(_application):
        yield _application


class Client(httpx.AsyncClient):
    """An httpx client that fills in the CSRF token the way a browser submitting the form would."""

    last_csrf: str = ""

    async def get(self, url, **kwargs):  # type: ignore[override]
        response = await super().get(url, **kwargs)
        match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
        if match:
            self.last_csrf = match.group(1)
        return response

    async def submit(self, url: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
        """GET the page with the form (default: `url`), then POST `data` with its CSRF token."""
        await self.get(form_page or url)
        return await self.post(url, data={**(data or {}), "_csrf_token": self.last_csrf}, **kwargs)


@pytest.fixture
async def client(app) -> AsyncIterator[Client]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with Client(transport=transport, base_url="http://testserver") as http:
        yield http


DEMO_PASSWORD = "Klimatdag-i-Sundsvall-27"


@functools.lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    from events_app.domain.passwords import hash_password

    return hash_password(DEMO_PASSWORD)


@pytest.fixture
async def staff_accounts() -> dict[str, dict]:
    """One active account per role: {'admin': {...}, 'organiser': {...}, 'checkin': {...}}.

    The rows are inserted with one argon2 hash computed once per run: hashing is deliberately slow,
    and creating accounts through the service is tested on its own.
    """
    from events_app.domain.tables import StaffAccount

    accounts = {}
    for role, name in (("admin", "Ada Admin"), ("organiser", "Olle Organisatör"), ("checkin", "Karin Incheckare")):
        account = StaffAccount(email=f"{role}@test.se", name=name, role=role, password_hash=_demo_password_hash())
        await account.save()
        accounts[role] = account.to_dict()
    return accounts


async def sign_in(client: Client, email: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    return await client.submit("/login", {"email": email, "password": password})


@pytest.fixture
async def organiser(client, staff_accounts):
    """The test client, signed in as the organiser."""
    response = await sign_in(client, "organiser@test.se")
    assert response.status_code in (302, 303)
    return client


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(free_port):
    """A real SMTP server (aiosmtpd) on a loopback port; `.messages` holds what arrived, parsed."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
            message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            self.messages.append(message)
            return "250 Message accepted for delivery"

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port)
    controller.start()
    controller.collector = collector  # type: ignore[attr-defined]
    controller.settings = dataclasses.replace(  # type: ignore[attr-defined]
        get_settings(), smtp_host="127.0.0.1", smtp_port=free_port, smtp_tls="none"
    )
    yield controller
    with contextlib.suppress(Exception):  # already stopped by the test
        controller.stop()
