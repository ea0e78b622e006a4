"""Piccolo's app registration: which tables exist and where their migrations live."""

from piccolo.conf.apps import AppConfig, table_finder

from events_app.settings import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name="events_app",
    migrations_folder_path=str(PROJECT_ROOT / "piccolo_migrations"),
    table_classes=table_finder(["events_app.domain.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
