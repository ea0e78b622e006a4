"""One engine-aware way to open a write transaction.

SQLite's default DEFERRED transaction fails with "database is locked" when two writers read then
write; IMMEDIATE takes the write lock up front and lets the engine's timeout queue the others.
PostgreSQL needs no such mode: scarce rows are locked with SELECT ... FOR UPDATE where it matters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def engine():
    found = engine_finder()
    assert found is not None, "piccolo_conf.py defines no engine"
    return found


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def atomic():
    """`async with atomic():` commits on success and rolls back on any exception."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def utcnow() -> datetime:
    return datetime.now(UTC)
