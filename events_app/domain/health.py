"""Whether the database answers, for /healthz and the load balancer."""

from __future__ import annotations

import asyncio
import logging

from events_app.domain.tables import Organisation

log = logging.getLogger(__name__)


async def database_ok(timeout: float = 3.0) -> bool:
    try:
        # A query on a real table also catches a database whose migrations were never applied.
        await asyncio.wait_for(Organisation.count(), timeout=timeout)
    except Exception as error:  # any failure means "not healthy"
        log.warning("health check failed: %s", error)
        return False
    return True
