"""The session cookie: Litestar's encrypted client-side session, written back only when it changed.

Litestar encrypts the session again and sends it as a new cookie on every response. Ours changes
only when someone signs in or out or a message is flashed (the sign-in time inside it sets when it
ends, see web/auth.py), so an unchanged session is left as the browser has it: a door's search or
scan then costs no encryption and no Set-Cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import Message, ScopeSession

_AS_LOADED = "events_app.session_as_loaded"  # the scope key: the session's serialised form as read


class UnchangedSessionBackend(ClientSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        if data:
            connection.scope[_AS_LOADED] = self.serialize_data(data)  # type: ignore[literal-required]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        loaded = connection.scope.get(_AS_LOADED)
        if loaded is not None and scope_session and loaded == self.serialize_data(scope_session):
            return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionCookieConfig(CookieBackendConfig):
    _backend_class = UnchangedSessionBackend
