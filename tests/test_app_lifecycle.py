"""The application's start and stop (the PostgreSQL pool opens and closes with it), and the headers
every response carries."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
from asgi_lifespan import LifespanManager

from events_app.domain.transactions import engine
from events_app.settings import get_settings
from events_app.web import public
from events_app.web.app import create_app


@pytest.mark.postgres_only
async def test_postgres_pool_opens_and_closes_with_the_app():
    application = create_app()
    assert engine().pool is None
    async with LifespanManager(application):
        assert engine().pool is not None
    assert engine().pool is None


async def test_every_response_carries_a_request_id_and_safe_headers(client):
    response = await client.get("/")
    assert len(response.headers["x-request-id"]) == 12
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # BASE_URL is http in the tests


async def test_over_https_every_page_asks_for_https_and_every_cookie_is_secure(monkeypatch):
    settings = dataclasses.replace(get_settings(), base_url="https://evenemang.example.se")
    monkeypatch.setattr(public, "get_settings", lambda: settings)
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="https://evenemang.example.se") as http:
            page = await http.get("/login")
            assert page.headers["strict-transport-security"] == "max-age=31536000"
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
            chosen = await http.post("/language", data={"language": "en", "next": "/", "_csrf_token": token})
    cookies = [value for name, value in chosen.headers.multi_items() if name == "set-cookie"]
    cookies += [value for name, value in page.headers.multi_items() if name == "set-cookie"]
    assert any(cookie.startswith("lang=en") for cookie in cookies)
    assert cookies and all("secure" in cookie.lower() for cookie in cookies), cookies
