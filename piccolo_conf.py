"""Piccolo's configuration: the engine is chosen from DATABASE_URL (SQLite when it is unset)."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from events_app.settings import get_settings

_settings = get_settings()

if _settings.is_sqlite:
    # A generous timeout lets writers queue for SQLite's single write lock instead of failing.
    DB = SQLiteEngine(path=_settings.sqlite_path, timeout=30)
else:
    DB = PostgresEngine(config={"dsn": _settings.database_url})

APP_REGISTRY = AppRegistry(apps=["events_app.piccolo_app"])
