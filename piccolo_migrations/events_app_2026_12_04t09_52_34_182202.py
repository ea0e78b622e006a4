"""The door's search in the database: `registration.search_text`, the name and the typed organisation
folded as `text_folding.search_text` folds them, filled in for the registrations there are, and
indexed: by event and in order on both engines (the search walks the event's folded names in order
and stops at the 20th match; SQLite matches them in the index itself), and with pg_trgm's trigrams
on PostgreSQL, where the extension can be created (it is a trusted extension: a database owner may
create it). PostgreSQL's planner picks the trigrams when the event is a small part of the table or
the words typed are rare, and the index by event otherwise; without the extension it has the index
by event only, as SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from events_app.domain.text_folding import search_text

ID = "2026-12-04T09:52:34:182202"
VERSION = "1.38.0"
BATCH = 500
DESCRIPTION = "registration.search_text for the door's search, filled in and indexed (pg_trgm on PostgreSQL)"


class Registration(Table, tablename="registration", schema=None):
    event = Integer()
    name = Varchar(length=200)
    organisation_text = Varchar(length=200)
    search_text = Text()


class _ThenFillAndIndex(MigrationManager):
    """Piccolo runs a migration's raw steps before its column changes: here the column is filled and
    indexed once it exists, in one transaction with adding it (the inner one joins the outer)."""

    async def run(self, backwards: bool = False):
        if backwards or self.preview:
            await super().run(backwards=backwards)
            return
        async with engine_finder().transaction():
            await super().run(backwards=False)
            await fill_and_index()


async def fill_and_index() -> None:
    rows = await Registration.select(Registration.id, Registration.name, Registration.organisation_text)
    # Many rows a statement (UPDATE … FROM VALUES, on both engines): an update each takes minutes at
    # tens of thousands of registrations.
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        values = ", ".join(["(CAST({} AS INTEGER), {})"] * len(batch))
        await Registration.raw(
            f"UPDATE registration SET search_text = folded.column2 FROM (VALUES {values}) AS folded "
            "WHERE registration.id = folded.column1",
            *(value for row in batch for value in (row["id"], search_text(row["name"], row["organisation_text"]))),
        )
    await Registration.raw("CREATE INDEX registration_search_text ON registration (event, search_text)")
    if isinstance(engine_finder(), PostgresEngine):
        # A failure to create the extension (not installed, not allowed) is caught inside the DO
        # block, in a subtransaction of its own, so the migration goes on without the trigram index.
        await Registration.raw(
            "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; "
            "EXCEPTION WHEN OTHERS THEN RAISE WARNING 'pg_trgm could not be created (%): the door search "
            "uses the index by event only', SQLERRM; END $$"
        )
        await Registration.raw(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN "
            "CREATE INDEX registration_search_trigrams ON registration USING gin (search_text gin_trgm_ops); "
            "END IF; END $$"
        )


async def drop_indexes() -> None:
    await Registration.raw("DROP INDEX IF EXISTS registration_search_trigrams")
    await Registration.raw("DROP INDEX IF EXISTS registration_search_text")


async def forwards():
    manager = _ThenFillAndIndex(migration_id=ID, app_name="events_app", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="search_text",
        db_column_name="search_text",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_raw_backwards(drop_indexes)
    return manager
