"""One engine-aware way to open a write transaction, and the PostgreSQL connection pool.

SQLite's default DEFERRED transaction fails with "database is locked" when two writers read then
write; IMMEDIATE takes the write lock up front and lets the engine's timeout queue the others.
PostgreSQL needs no such mode: scarce rows are locked with SELECT ... FOR UPDATE where it matters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from asyncpg import Connection
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def engine():
    found = engine_finder()
    assert found is not None, "piccolo_conf.py defines no engine"
    return found


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


async def _keep_session(connection: Connection) -> None:
    """Nothing to undo on a connection going back to the pool: the app changes no session variables
    (SERVER_SETTINGS are set once, when the connection opens),
    takes no advisory locks and listens to nothing, and asyncpg rolls back a transaction left open
    before calling this. asyncpg's default (`RESET ALL; CLOSE ALL; UNLISTEN *; ...`) is one more
    round trip after every statement, which doubled the round trips of a scan at the door."""


# Set on each of the app's connections when it opens. A random read costs about what a sequential one
# does when the database is in memory or on SSD, where an app of this size keeps it; with PostgreSQL's
# default (4, for spinning disks) the planner read a 10,000-person event whole for each of the door's
# searches (5-7 ms) instead of using its trigram index (2-3 ms).
SERVER_SETTINGS = {"random_page_cost": "1.1"}


async def start_pool(db: PostgresEngine, *, min_size: int, max_size: int) -> None:
    await db.start_connection_pool(
        min_size=min_size, max_size=max_size, reset=_keep_session, server_settings=SERVER_SETTINGS
    )


def raw_timestamp(value: Any) -> datetime | None:
    """A time from a raw query: SQLite answers it as text, PostgreSQL as a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def atomic():
    """`async with atomic():` commits on success and rolls back on any exception."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def utcnow() -> datetime:
    return datetime.now(UTC)
