"""The tables and the migrations must agree: a table change without a migration fails here."""

from __future__ import annotations

from piccolo.apps.migrations.commands.new import AutoMigrationManager

from events_app.domain.tables import Organisation
from events_app.piccolo_app import APP_CONFIG


async def test_migrations_describe_the_tables_exactly():
    alter_statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    pending = [statement for group in alter_statements for statement in group.statements]
    assert pending == [], (
        "The tables differ from what the migrations build. Generate a migration with "
        "`piccolo migrations new events_app --auto` and review it:\n" + "\n".join(pending)
    )


async def test_drift_is_detected_when_a_column_is_added(monkeypatch):
    """The check above can fail: a column added to a table without a migration shows up."""
    from piccolo.columns import Varchar

    extra = Varchar(length=10, default="")
    extra._meta.name = "phone"
    extra._meta._table = Organisation
    monkeypatch.setattr(Organisation._meta, "non_default_columns", [*Organisation._meta.non_default_columns, extra])
    alter_statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    pending = [statement for group in alter_statements for statement in group.statements]
    assert any("phone" in statement for statement in pending)


async def test_migrations_are_applied_to_the_test_database():
    from piccolo.apps.migrations.tables import Migration

    applied = await Migration.select(Migration.name).where(Migration.app_name == "events_app")
    assert applied, "the test database was not built by the migrations"
