"""Per-request context: a request id, the visitor's language and the signed-in identity.

Runs after the session middleware, so the session cookie is already decoded.
"""

from __future__ import annotations

import uuid

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from events_app import i18n
from events_app.settings import get_settings
from events_app.web.auth import load_identity
from events_app.web.proxies import warn_once_if_untrusted_proxy

LANGUAGE_COOKIE = "lang"
# Every page: our own scripts, styles, images and fonts only, nothing inline, no framing by others.
# The scanner's tokens sit in this origin's localStorage: a script from anywhere else must never run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; media-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
# On https only (BASE_URL): browsers then refuse plain http to this host for a year. Subdomains are
# left alone: they may be the municipality's other sites.
HSTS = "max-age=31536000"


def language_of(connection: ASGIConnection) -> str:
    if connection.url.path.startswith("/api/"):
        # API clients have no language cookie: they say what they want in Accept-Language.
        return api_language(connection.headers.get("accept-language", ""), get_settings().default_language)
    chosen = connection.cookies.get(LANGUAGE_COOKIE)
    if chosen:
        return i18n.normalise_language(chosen, get_settings().default_language)
    return get_settings().default_language


def api_language(header: str, default: str) -> str:
    """The most wanted of our languages in an Accept-Language header ('en-GB,en;q=0.9,sv;q=0.8' -> 'en')."""
    best, best_quality = default, 0.0
    for part in header.split(","):
        tag, _, options = part.strip().partition(";")
        language = i18n.normalise_language(tag.strip(), "")
        quality = 1.0
        for option in options.split(";"):
            name, _, value = option.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if language and quality > best_quality:
            best, best_quality = language, quality
    return best


class RequestContextMiddleware(ASGIMiddleware):
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    def __init__(self, *, https: bool = False) -> None:
        self.https = https  # the site is served over https (BASE_URL): send HSTS

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return
        connection: ASGIConnection = ASGIConnection(scope, receive=receive, send=send)
        warn_once_if_untrusted_proxy(scope)
        request_id = uuid.uuid4().hex[:12]
        connection.state.request_id = request_id
        i18n.set_language(language_of(connection))
        await load_identity(connection)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers["X-Request-ID"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                if "Referrer-Policy" not in headers:  # a page with a secret in its URL says no-referrer
                    headers["Referrer-Policy"] = "same-origin"
                if "X-Frame-Options" not in headers:
                    headers["X-Frame-Options"] = "DENY"
                if "Content-Security-Policy" not in headers:  # a preview that needs its own sets it itself
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                if self.https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await next_app(scope, receive, send_with_headers)
