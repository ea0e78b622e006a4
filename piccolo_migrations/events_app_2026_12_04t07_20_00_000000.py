"""Data only (no table changes): the registrations and invitations whose typed organisation is one of
the county's ("Sundsvalls kommun", "Lst Y") are recorded as that organisation, as new ones are since
this change, so the participation reports of past events count them there too. Each change is in the
audit log with the text that was typed. Organisations not recognised stay as typed."""

from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from events_app.domain.organisation_names import OrganisationNames

ID = "2026-12-04T07:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "typed organisations that are the county's recorded as those organisations (data only)"


class Organisation(Table, tablename="organisation", schema=None):
    code = Varchar(length=50)
    name_sv = Varchar(length=200)
    name_en = Varchar(length=200)
    kind = Varchar(length=20)


class Registration(Table, tablename="registration", schema=None):
    uid = UUID()
    organisation = Integer(null=True)
    organisation_text = Varchar(length=200)


class Invitation(Table, tablename="invitation", schema=None):
    uid = UUID()
    organisation = Integer(null=True)
    organisation_text = Varchar(length=200)


class AuditEntry(Table, tablename="audit_entry", schema=None):
    created_at = Timestamptz()
    actor = Varchar(length=300)
    action = Varchar(length=80)
    object_type = Varchar(length=80)
    object_id = Varchar(length=80)
    summary = Text()
    details = JSON()
    ip = Varchar(length=64)


async def recognise_typed_organisations() -> int:
    """Returns how many rows now name one of the county's organisations."""
    organisations = await Organisation.select()
    names = OrganisationNames(organisations)
    name_of = {row["id"]: row["name_sv"] for row in organisations}
    changed = 0
    for table, kind in ((Registration, "registration"), (Invitation, "invitation")):
        rows = await table.select(table.id, table.uid, table.organisation_text).where(
            table.organisation.is_null() & (table.organisation_text != "")
        )
        for row in rows:
            organisation = names.match(row["organisation_text"])
            if organisation is None:
                continue
            await table.update({table.organisation: organisation, table.organisation_text: ""}).where(
                table.id == row["id"]
            )
            await AuditEntry.insert(
                AuditEntry(
                    created_at=datetime.now(UTC),
                    actor="system: migration",
                    action=f"{kind}.organisation_recognised",
                    object_type=kind,
                    object_id=str(row["uid"]),
                    summary=f"{row['organisation_text']} -> {name_of[organisation]}",
                    details={},
                    ip="",
                )
            )
            changed += 1
    return changed


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events_app", description=DESCRIPTION)
    manager.add_raw(recognise_typed_organisations)
    return manager
