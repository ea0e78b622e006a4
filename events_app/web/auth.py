"""Who is signed in, and the guards that keep each audience to its own routes.

The session is an encrypted cookie (any worker can serve any request) holding only ids and the
account's session epoch; raising the epoch in the database signs the account out everywhere, which is
what signing out does (a copied cookie must not outlive it).
Anonymous visitors to a guarded page are sent to sign in; a signed-in user with the wrong role gets
403.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from events_app.domain import people, staff
from events_app.domain.audit import Actor
from events_app.domain.tables import Role

STAFF_SESSION_HOURS = 12
PERSON_SESSION_DAYS = 7


def client_ip(connection: ASGIConnection) -> str:
    return connection.client.host if connection.client else ""


async def load_identity(connection: ASGIConnection) -> None:
    """Put the signed-in staff account and/or person on `connection.state` (or None)."""
    session: dict[str, Any] = connection.scope.get("session") or {}
    connection.state.staff = None
    connection.state.person = None
    staff_session = session.get("staff")
    if staff_session and time.time() - staff_session.get("at", 0) < STAFF_SESSION_HOURS * 3600:
        connection.state.staff = await staff.get_active(staff_session["id"], staff_session["epoch"])
    person_session = session.get("person")
    if person_session and time.time() - person_session.get("at", 0) < PERSON_SESSION_DAYS * 86400:
        connection.state.person = await people.get_active(person_session["id"], person_session["epoch"])


def sign_in_staff(connection: ASGIConnection, account: dict[str, Any]) -> None:
    # A fresh session on sign-in: nothing from before it (e.g. a planted value) carries over.
    connection.clear_session()
    connection.set_session({"staff": {"id": account["id"], "epoch": account["session_epoch"], "at": time.time()}})


def sign_in_person(connection: ASGIConnection, person: dict[str, Any]) -> None:
    connection.clear_session()
    connection.set_session({"person": {"id": person["id"], "epoch": person["session_epoch"], "at": time.time()}})


def refresh_staff_epoch(connection: ASGIConnection, epoch: int) -> None:
    session = dict(connection.session)
    session["staff"] = {**session["staff"], "epoch": epoch}
    connection.set_session(session)


async def sign_out(connection: ASGIConnection) -> None:
    """End the signed-in account's sessions on every device, then this browser's session."""
    if connection.state.get("staff"):
        await staff.end_sessions(connection.state.staff["id"])
    if connection.state.get("person"):
        await people.end_sessions(connection.state.person["id"])
    # A new, empty session rather than none: the "signed out" flash message is stored in it.
    connection.clear_session()
    connection.set_session({})


def actor_of(connection: ASGIConnection) -> Actor:
    account = connection.state.get("staff")
    if account:
        return Actor(f"{account['name']} <{account['email']}>", staff_id=account["id"], ip=client_ip(connection))
    person = connection.state.get("person")
    if person:
        return Actor(f"{person['name']} <{person['email']}>", person_id=person["id"], ip=client_ip(connection))
    return Actor("anonymous", ip=client_ip(connection))


def sign_in_url(connection: ASGIConnection, *, person: bool = False) -> str:
    path = connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
    return f"{connection.app.route_reverse('login_link' if person else 'login')}?next={quote(path)}"


def requires_role(role: Role):
    """A guard admitting staff whose role is `role` or above.

    Guards are coroutines although they never wait: Litestar runs a plain function guard in a
    thread pool, which cost a thread hop on every staff request."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        account = connection.state.get("staff")
        if account is None:
            raise NotAuthorizedException(extra={"sign_in": sign_in_url(connection)})
        if not staff.has_role(account["role"], role):
            raise PermissionDeniedException()

    guard.__name__ = f"requires_{role.value}"
    return guard


async def requires_person(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.state.get("person") is None:
        raise NotAuthorizedException(extra={"sign_in": sign_in_url(connection, person=True)})


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
