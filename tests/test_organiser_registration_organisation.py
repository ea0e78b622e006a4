"""On the web: a guest who types one of the county's organisations on the public form is counted under
it in the event's participation report, and an organiser corrects a registrant's organisation on its
own page (/organiser/registrations/<uid>/organisation), which the report follows. Bad input and other
roles change nothing. The matching itself: tests/test_organisation_names.py."""

from __future__ import annotations

import pytest

from events_app.domain import registrations
from events_app.domain.registrations import Registrant, RegistrationInput
from events_app.domain.tables import AuditEntry, Registration
from tests.account_helpers import database_snapshot, location, text_of, tr
from tests.conftest import sign_in
from tests.registration_helpers import published_event
from tests.test_organiser_reports import _rows
from tests.test_registration_web import answers


async def organisations_in_report(client, slug: str) -> dict[str, list[str]]:
    response = await client.get(f"/organiser/events/{slug}/report")
    assert response.status_code == 200
    return _rows(response.text, "org-caption")


async def test_a_guest_typing_a_county_organisation_is_counted_under_it(client, staff_accounts):
    event = await published_event()
    response = await client.submit(
        f"/events/{event['slug']}/register", answers(organisation="", organisation_other="Länsstyrelsen Y")
    )
    assert response.status_code == 303, text_of(response)[:2000]
    await sign_in(client, "organiser@test.se")

    report = await organisations_in_report(client, event["slug"])

    assert report["Länsstyrelsen Västernorrland"] == ["1", "0", "1"]  # registered, attended, no-show
    assert report[tr("sv", "Others")] == ["0", "0", "0"]


async def _guest(event: dict, organisation: str = "Sundsvalls kommun, miljökontoret") -> str:
    result = await registrations.register(
        event["slug"],
        RegistrationInput(name="Gun Gäst", email="gun@example.se", organisation=organisation, consent=True),
        Registrant(),
    )
    return str(result.registration["uid"])


async def stored() -> tuple:
    row = await Registration.select(Registration.organisation.code, Registration.organisation_text).first()
    return row["organisation.code"], row["organisation_text"]


async def test_an_organiser_corrects_the_organisation_and_the_report_follows(organiser):
    event = await published_event()
    uid = await _guest(event)
    url = f"/organiser/registrations/{uid}/organisation"
    assert (await organisations_in_report(organiser, event["slug"]))[tr("sv", "Others")] == ["1", "0", "1"]

    page = await organiser.get(url)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = text_of(page)
    assert tr("sv", "Correct the organisation") in text and "Gun Gäst" in text
    assert 'value="Sundsvalls kommun, miljökontoret"' in page.text  # the typed text, ready to edit
    assert '<option value="sundsvall">Sundsvalls kommun</option>' in page.text

    saved = await organiser.submit(url, {"organisation": "sundsvall", "organisation_other": ""})

    assert saved.status_code == 303 and location(saved) == f"/organiser/registrations/{uid}"
    assert await stored() == ("sundsvall", "")
    report = await organisations_in_report(organiser, event["slug"])
    assert report["Sundsvalls kommun"] == ["1", "0", "1"] and report[tr("sv", "Others")] == ["0", "0", "0"]
    [entry] = await AuditEntry.select().where(AuditEntry.action == "registration.organisation_corrected")
    assert entry["object_id"] == uid and entry["actor"].startswith("Olle Organisatör")
    # The form shows the correction; free text typed there is recognised like a registrant's.
    assert '<option value="sundsvall" selected>' in (await organiser.get(url)).text
    await organiser.submit(url, {"organisation": "", "organisation_other": "RVN"})
    assert await stored() == ("region", "")


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"organisation": "no-such-code", "organisation_other": ""},
            "organisation",
            "Choose an organisation from the list.",
        ),
        ({"organisation": "", "organisation_other": "x" * 201}, "organisation_other", "At most %(max)s characters."),
    ],
)
async def test_bad_input_is_explained_and_changes_nothing(organiser, form, field, message):
    event = await published_event()
    uid = await _guest(event)
    before = await database_snapshot()

    response = await organiser.submit(f"/organiser/registrations/{uid}/organisation", form)

    assert response.status_code == 400
    text = text_of(response)
    assert tr("sv", "There is a problem") in text
    assert tr("sv", message, max=200) in text and f'id="error-{field}"' in response.text
    assert await database_snapshot() == before


async def test_only_organisers_may_correct(client, staff_accounts):
    event = await published_event()
    uid = await _guest(event)
    url = f"/organiser/registrations/{uid}/organisation"
    anonymous = await client.get(url)
    assert anonymous.status_code in (302, 303) and location(anonymous).startswith("/login")
    await sign_in(client, "checkin@test.se")
    assert (await client.get(url)).status_code == 403
    before = await database_snapshot()
    refused = await client.submit(url, {"organisation": "region"}, form_page="/staff")
    assert refused.status_code == 403 and await database_snapshot() == before
    await sign_in(client, "organiser@test.se")
    assert (
        await client.get("/organiser/registrations/00000000-0000-0000-0000-000000000000/organisation")
    ).status_code == 404
