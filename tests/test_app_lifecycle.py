"""The application's start and stop: the PostgreSQL pool opens and closes with it."""

from __future__ import annotations

import pytest
from asgi_lifespan import LifespanManager

from events_app.domain.transactions import engine
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
