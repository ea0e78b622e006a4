"""Behind a reverse proxy that `serve` does not trust, the operator is told (once per worker)."""

from __future__ import annotations

import logging

import httpx
import pytest

from events_app.settings import Settings
from events_app.web import proxies


@pytest.fixture
def fresh_warning(monkeypatch):
    monkeypatch.setattr(proxies, "_warned", False)


async def _get(app, client_ip: str, forwarded_for: str | None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 50123))
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get("/", headers=headers)


async def test_a_request_through_an_untrusted_proxy_logs_one_warning(app, fresh_warning, caplog):
    caplog.set_level(logging.WARNING, logger="events_app.proxies")
    for _ in range(3):
        assert (await _get(app, "10.20.30.40", "203.0.113.7")).status_code == 200
    warnings = [r for r in caplog.records if r.name == "events_app.proxies"]
    assert len(warnings) == 1
    assert "10.20.30.40" in warnings[0].getMessage() and "FORWARDED_ALLOW_IPS" in warnings[0].getMessage()


async def test_a_trusted_proxys_applied_header_or_no_proxy_logs_nothing(app, fresh_warning, caplog):
    caplog.set_level(logging.WARNING, logger="events_app.proxies")
    # uvicorn has already put the visitor's address (the header's) in place of the proxy's.
    await _get(app, "203.0.113.7", "203.0.113.7")
    await _get(app, "198.51.100.2", "203.0.113.7, 198.51.100.2")
    await _get(app, "127.0.0.1", None)
    assert not [r for r in caplog.records if r.name == "events_app.proxies"]


def test_the_trusted_proxies_are_a_setting(tmp_path):
    assert Settings.from_env({"DEV": "1", "VAR_DIR": str(tmp_path)}).forwarded_allow_ips == "127.0.0.1"
    chosen = Settings.from_env({"DEV": "1", "VAR_DIR": str(tmp_path), "FORWARDED_ALLOW_IPS": "10.0.0.2,10.0.0.3"})
    assert chosen.forwarded_allow_ips == "10.0.0.2,10.0.0.3"
