"""The settings an admin keeps in the back office: defaults, saving, refusing bad values, the audit."""

from __future__ import annotations

from events_app.domain import site_settings
from tests.account_helpers import audit_actions, database_snapshot, location, text_of, tr
from tests.conftest import sign_in

FORM = "/admin/settings/retention"


async def test_defaults_until_an_admin_saves_and_the_change_is_audited(client, staff_accounts):
    assert await site_settings.number("retention", "retention_sensitive_days") == 30
    await sign_in(client, "admin@test.se")
    page = await client.get(FORM)
    assert page.status_code == 200
    assert 'value="30"' in page.text

    values = await site_settings.values("retention")
    response = await client.submit(FORM, {**values, "retention_sensitive_days": " 45 "})
    assert location(response).endswith(FORM)
    assert await site_settings.number("retention", "retention_sensitive_days") == 45
    assert (await site_settings.values("retention"))["retention_guest_months"] == "24"
    assert (await audit_actions()).count("settings.update") == 1
    # Saving the same values again changes nothing and writes no audit entry.
    await client.submit(FORM, {**values, "retention_sensitive_days": "45"})
    assert (await audit_actions()).count("settings.update") == 1


async def test_a_bad_value_is_named_in_swedish_and_nothing_is_saved(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    values = await site_settings.values("retention")
    before = await database_snapshot()
    response = await client.submit(FORM, {**values, "retention_sensitive_days": "-3", "retention_guest_months": ""})
    assert response.status_code == 400
    text = text_of(response)
    assert tr("sv", "Enter a whole number between 1 and %(limit)s.", limit=36500) in text
    assert tr("sv", "This field is required.") in text
    assert await database_snapshot() == before


async def test_only_admins_reach_the_settings(client, staff_accounts):
    await sign_in(client, "organiser@test.se")
    assert (await client.get(FORM)).status_code == 403
    await sign_in(client, "admin@test.se")
    assert (await client.get("/admin/settings/nonexistent")).status_code == 404
