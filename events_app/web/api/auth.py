"""Who is calling the JSON API: the staff account behind a bearer token, the guards that admit an
organiser's or a scanner's token, what each kind of route asks for in the OpenAPI document, and the
token's account as the actor in the audit log.

Session cookies count for nothing here. A token sent where none is needed must be valid too.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from events_app.domain import api_tokens, staff
from events_app.domain.audit import Actor
from events_app.domain.tables import Role
from events_app.web.auth import client_ip

BEARER = "bearerAuth"
"""The name of the bearer token's security scheme in the OpenAPI document."""


async def token_account(connection: ASGIConnection) -> dict[str, Any] | None:
    """The staff account behind the request's bearer token; None without one; 401 for a bad one.

    Looked up once per request (the guard and the handler share it).
    """
    if "api_account" in connection.state:
        return connection.state.api_account
    header = connection.headers.get("authorization", "")
    account = None
    if header:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            account = await api_tokens.staff_for_token(token.strip())
        if account is None:
            raise NotAuthorizedException()
    connection.state.api_account = account
    return account


def _acts_as_organiser(account: dict[str, Any]) -> bool:
    # A scanner's token only checks in, whoever paired the scanner.
    return staff.has_role(account["role"], Role.organiser) and account.get("scope") != api_tokens.CHECKIN_SCOPE


async def requires_organiser_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    account = await token_account(connection)
    if account is None:
        raise NotAuthorizedException()
    if not _acts_as_organiser(account):
        raise PermissionDeniedException()


async def requires_checkin_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Any staff role may check people in (check-in staff, organisers, admins)."""
    account = await token_account(connection)
    if account is None:
        raise NotAuthorizedException()
    if not staff.has_role(account["role"], Role.checkin):
        raise PermissionDeniedException()


async def sees_drafts(request: Request) -> bool:
    """Whether the request carries an organiser's token, which also shows draft events."""
    account = await token_account(request)
    return account is not None and _acts_as_organiser(account)


def token_actor(request: Request) -> Actor:
    """The token's account, for the audit log; only behind a guard, which has looked the token up."""
    account = request.state.api_account
    return Actor(f"{account['name']} <{account['email']}> (API)", staff_id=account["id"], ip=client_ip(request))


def token_staff(request: Request) -> dict[str, Any]:
    """The token's account as the check-in records its staff member; only behind a guard."""
    account = request.state.api_account
    return {"id": account["id"], "name": account["name"], "role": account["role"]}


# What each kind of route asks of the caller, as handler options (guards and the OpenAPI security).
TOKEN_OPTIONAL: dict[str, Any] = {"security": [{}, {BEARER: []}]}
"""Reads: no token needed; an organiser's token also shows drafts."""
NO_TOKEN: dict[str, Any] = {"security": [{}]}
"""Public writes (registering), documented as needing no token."""
ORGANISER_TOKEN: dict[str, Any] = {"guards": [requires_organiser_token], "security": [{BEARER: []}]}
CHECKIN_TOKEN: dict[str, Any] = {"guards": [requires_checkin_token], "security": [{BEARER: []}]}
