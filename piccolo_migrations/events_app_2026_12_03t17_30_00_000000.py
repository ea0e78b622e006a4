from datetime import UTC, datetime, timedelta

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.table import Table

ID = "2026-12-03T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "API tokens made before tokens expired now expire 90 days from this migration"


class ApiToken(Table, tablename="api_token", schema=None):
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events_app", description=DESCRIPTION)

    async def expire_lasting_tokens():
        await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) + timedelta(days=90)}).where(
            ApiToken.expires_at.is_null() & ApiToken.revoked_at.is_null()
        )

    manager.add_raw(expire_lasting_tokens)
    return manager
