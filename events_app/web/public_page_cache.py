"""Rendered public pages, kept per language and answered to anonymous visitors before any other work.

A public page (a route handler with `opt={"public_page": True}`) is the same for every visitor
without a session in a language, except for the CSRF token of its forms (the language switcher).
The page is therefore rendered once with a placeholder in place of the token, kept, and each visitor
is given a copy with their own token: the one in their csrftoken cookie, or a new one set as that
cookie, exactly as Litestar's CSRF middleware would. A visitor with a session cookie (signed in, or
with a message waiting) is served by the application as usual, uncached.

A kept page is served while `public_page_versions.current()` is unchanged and for at most
PUBLIC_PAGE_CACHE_SECONDS; that lifetime bounds what no version tells of (registration opening
as time passes, another machine's changes). Each copy carries an ETag; `If-None-Match` with it is
answered 304 without a body.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from events_app import i18n
from events_app.domain import public_page_versions
from events_app.web.context import LANGUAGE_COOKIE

# Pages differ by path and query, so an address with random queries must not grow the store for ever.
MAX_PAGES = 256
# Litestar's tokens: 32 random bytes and their HMAC, in hex. Anything else in the cookie is left to
# the application (it never goes into a kept page's copy unchecked).
_TOKEN = re.compile(rb"[0-9a-f]{128}")
_KEPT_HEADERS_DROPPED = {b"content-length", b"set-cookie", b"x-request-id", b"etag", b"cache-control", b"vary"}
# The copy holds the visitor's CSRF token: no shared cache may keep it, and a browser asks again.
_CACHE_CONTROL = (b"cache-control", b"private, no-cache")
_VARY = (b"vary", b"Cookie")


@dataclass(frozen=True, slots=True)
class _Page:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    digest: str
    has_token: bool
    expires: float


class PublicPageCache:
    """ASGI middleware; placed before the session, CSRF and request-context middleware."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        seconds: int,
        csrf_config: CSRFConfig,
        session_cookie: str,
        default_language: str,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.csrf_config = csrf_config
        self.csrf_cookie = csrf_config.cookie_name.encode()
        self.session_cookie = session_cookie.encode()
        self.default_language = default_language
        # Rendered into kept pages where each visitor's token goes; random, so no page text matches it.
        self.placeholder = secrets.token_hex(64)
        self.pages: dict[tuple[str, str, bytes], _Page] = {}
        self.version: tuple[int, bytes] | None = None
        # The Set-Cookie header Litestar's CSRF middleware would send, built once around the token:
        # formatting a Cookie each time costs more than the rest of a cached answer.
        marker = secrets.token_hex(16)
        header = Cookie(
            key=csrf_config.cookie_name,
            value=marker,
            path=csrf_config.cookie_path,
            secure=csrf_config.cookie_secure,
            httponly=csrf_config.cookie_httponly,
            samesite=csrf_config.cookie_samesite,
            domain=csrf_config.cookie_domain,
        ).to_header(header="")
        prefix, suffix = header.split(marker)
        self.cookie_prefix, self.cookie_suffix = prefix.encode(), suffix.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if (
            self.seconds <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or handler is None
            or not handler.opt.get("public_page")
        ):
            await self.app(scope, receive, send)
            return
        cookies, if_none_match = self._cookies_and_validator(scope)
        if any(name == self.session_cookie or name.startswith(self.session_cookie + b"-") for name in cookies):
            await self.app(scope, receive, send)
            return
        token = cookies.get(self.csrf_cookie)
        if token is not None and not _TOKEN.fullmatch(token):
            await self.app(scope, receive, send)
            return
        language = i18n.normalise_language(
            (cookies.get(LANGUAGE_COOKIE.encode()) or b"").decode("latin-1"), self.default_language
        )
        key = (language, scope["path"], scope["query_string"])
        version = public_page_versions.current()
        if version != self.version:
            self.pages.clear()
            self.version = version
        page = self.pages.get(key)
        if page is None or page.expires < time.monotonic():
            page = await self._render(scope, receive, send, key, language, version, token.decode() if token else None)
            if page is None:
                return  # not a page to keep: the application has answered
        await self._answer(page, token.decode() if token else None, if_none_match, send)

    @staticmethod
    def _cookies_and_validator(scope: Scope) -> tuple[dict[bytes, bytes], bytes | None]:
        cookies: dict[bytes, bytes] = {}
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                for part in value.split(b";"):
                    cookie_name, _, cookie_value = part.strip().partition(b"=")
                    cookies[cookie_name] = cookie_value
            elif name == b"if-none-match":
                if_none_match = value
        return cookies, if_none_match

    async def _render(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple,
        language: str,
        version: tuple[int, bytes],
        token: str | None,
    ) -> _Page | None:
        """Render the page as any visitor of `language` without a session sees it; keep it if it is a
        plain 200 page. Anything else (a 404, a redirect, a cookie set) is passed on to the visitor as is."""
        headers = [(name, value) for name, value in scope["headers"] if name not in (b"cookie", b"if-none-match")]
        cookie = f"{LANGUAGE_COOKIE}={language}; {self.csrf_config.cookie_name}={self.placeholder}"
        headers.append((b"cookie", cookie.encode()))
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app({**scope, "headers": headers}, receive, capture)
        assert start is not None, "the application answered nothing"
        body = b"".join(chunks)
        kept_headers = [(name.lower(), value) for name, value in start.get("headers", [])]
        if start["status"] != 200 or any(name == b"set-cookie" for name, _ in kept_headers):
            # Never kept; the placeholder token cannot be left in what this visitor gets.
            await self._answer_uncached(start, body, token, send)
            return None
        has_token = self.placeholder.encode() in body
        page = _Page(
            status=200,
            headers=[(name, value) for name, value in kept_headers if name not in _KEPT_HEADERS_DROPPED],
            body=body,
            digest=hashlib.blake2b(body, digest_size=12).hexdigest(),
            has_token=has_token,
            expires=time.monotonic() + self.seconds,
        )
        # A change committed while the page was rendered may be missing from it: then it is not kept.
        if public_page_versions.current() == version:
            if len(self.pages) >= MAX_PAGES:
                del self.pages[next(iter(self.pages))]
            self.pages[key] = page
        return page

    async def _answer_uncached(self, start: Message, body: bytes, token: str | None, send: Send) -> None:
        """An answer not kept (a 404, a redirect) goes to this visitor with their own CSRF token in
        place of the placeholder, or a new one set as their cookie."""
        headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
        if self.placeholder.encode() in body:
            if token is None:
                token = generate_csrf_token(self.csrf_config.secret)
                headers.append((b"set-cookie", self._csrf_cookie_header(token)))
            body = body.replace(self.placeholder.encode(), token.encode())
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _csrf_cookie_header(self, token: str) -> bytes:
        return self.cookie_prefix + token.encode() + self.cookie_suffix

    async def _answer(self, page: _Page, token: str | None, if_none_match: bytes | None, send: Send) -> None:
        headers = list(page.headers)
        body = page.body
        new_token = None
        if page.has_token:
            if token is None:
                new_token = token = generate_csrf_token(self.csrf_config.secret)
            body = body.replace(self.placeholder.encode(), token.encode())
            # The visitor's copy differs from the next visitor's only by the token: so does the tag.
            etag = f'"{page.digest}-{hashlib.blake2b(token.encode(), digest_size=6).hexdigest()}"'.encode()
        else:
            etag = f'"{page.digest}"'.encode()
        headers += [(b"etag", etag), _CACHE_CONTROL, _VARY, (b"x-request-id", secrets.token_hex(6).encode())]
        if new_token is None and if_none_match is not None and _matches(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304, "headers": _without_content(headers)})
            await send({"type": "http.response.body", "body": b""})
            return
        if new_token is not None:
            headers.append((b"set-cookie", self._csrf_cookie_header(new_token)))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": page.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110's weak comparison: a W/ prefix is ignored, `*` matches any."""
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == etag:
            return True
    return False


def _without_content(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in headers if name not in (b"content-type", b"content-disposition")]
