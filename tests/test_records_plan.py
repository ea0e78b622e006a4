"""An event's records plan: an organiser marks it "bevaras", or anonymises it by hand once it has
ended, after a confirmation that shows what will go."""

from __future__ import annotations

import dataclasses

from events_app.domain import participation_reports, registration_reports
from events_app.domain.tables import AuditEntry, Event, Invitation, Registration
from tests.account_helpers import database_snapshot, ntr, text_of, tr
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.invitation_helpers import invite
from tests.registration_helpers import published_event
from tests.test_personal_data import _traces


async def _records_page(organiser, event) -> str:
    response = await organiser.get(f"/organiser/events/{event['slug']}/records")
    assert response.status_code == 200
    return text_of(response)


async def test_an_organiser_anonymises_an_ended_event_after_seeing_what_will_go(organiser):
    event = await finished_event(title="Klimatdagen i Sollefteå")
    lena = await participant(event, "Lena Lund", "lena@solleftea.se", dietary=["vegan"], accessibility="Hörslinga")
    await participant(event, "Per Berg", "per@ange.se")
    await check_in(event, lena, days_of(event)[0])
    await invite(event["slug"], "gast@exempel.se")
    counts = dataclasses.asdict((await participation_reports.event_report(event["slug"])).breakdown)
    catering = await registration_reports.catering(event["id"])

    page = await _records_page(organiser, event)
    assert tr("sv", "Anonymise the event") in page
    assert (
        ntr(
            "sv",
            "the name, address, organisation and title of %(num)s registration",
            "the names, addresses, organisations and titles of %(num)s registrations",
            2,
        )
        % {"num": 2}
        in page
    )
    assert "Lena Lund" not in page

    records = f"/organiser/events/{event['slug']}/records"
    refused = await organiser.submit(f"{records}/anonymise", {}, form_page=records)
    assert refused.status_code in (302, 303)
    assert await Registration.exists().where(Registration.name == "Lena Lund")  # not without the box ticked

    done = await organiser.submit(f"{records}/anonymise", {"confirm": "1"}, form_page=records)
    assert done.status_code in (302, 303)
    rows = await Registration.select(Registration.name, Registration.email, Registration.accessibility)
    assert {(row["name"], row["email"], row["accessibility"]) for row in rows} == {("", "", "")}
    assert [row["email"] for row in await Invitation.select(Invitation.email)] == [""]
    assert dataclasses.asdict((await participation_reports.event_report(event["slug"])).breakdown) == counts
    assert await registration_reports.catering(event["id"]) == catering
    assert await AuditEntry.exists().where(AuditEntry.action == "event.anonymised")
    # Nothing of the participants is left about the event, in the audit log and stored mail included;
    # only their own profiles stay (a person is erased, or anonymised as a guest, on their own).
    found = await _traces("Lena Lund", "lena@solleftea.se", "Per Berg", "per@ange.se", "gast@exempel.se")
    assert [where for where in found if not where.startswith("person.")] == [], found
    assert tr("sv", "The event was anonymised on %(date)s.", date="")[:20] in await _records_page(organiser, event)


async def test_a_kept_or_coming_event_is_not_anonymised_and_nothing_changes(organiser):
    kept = await finished_event(title="Rådsmöte")
    await participant(kept, "Rut Råd", "rut@harnosand.se")
    records = f"/organiser/events/{kept['slug']}/records"
    marked = await organiser.submit(f"{records}/preserve", {"preserve": "1"}, form_page=records)
    assert marked.status_code in (302, 303)
    page = await _records_page(organiser, kept)
    refusal = "The records plan keeps this event (bevaras): its registrations are not anonymised or deleted."
    assert tr("sv", refusal) in page

    coming = await published_event(title="Kommande dag")
    await participant(coming, "Kim Kommande", "kim@timra.se")
    assert tr("sv", "An event can be anonymised once it has ended.") in await _records_page(organiser, coming)

    before = await database_snapshot()
    for event in (kept, coming):
        path = f"/organiser/events/{event['slug']}/records"
        response = await organiser.submit(f"{path}/anonymise", {"confirm": "1"}, form_page=path)
        assert response.status_code in (302, 303)
    after = await database_snapshot()
    assert after["registration"] == before["registration"] and after["event"] == before["event"]


async def test_check_in_staff_cannot_reach_the_records_page(client, staff_accounts):
    from tests.conftest import sign_in

    event = await finished_event()
    await sign_in(client, "checkin@test.se")
    assert (await client.get(f"/organiser/events/{event['slug']}/records")).status_code == 403


async def test_only_an_admin_takes_the_bevaras_mark_away(client, staff_accounts):
    from tests.conftest import sign_in

    event = await finished_event(title="Rådsmöte i mars")
    records = f"/organiser/events/{event['slug']}/records"
    await sign_in(client, "organiser@test.se")
    await client.submit(f"{records}/preserve", {"preserve": "1"}, form_page=records)
    refused = await client.submit(f"{records}/preserve", {}, form_page=records)
    assert refused.status_code in (302, 303)
    assert tr("sv", "Only an administrator can take away the mark that the records plan keeps this event.") in text_of(
        await client.get(records)
    )
    assert (await Event.select(Event.preserve).where(Event.id == event["id"]).first())["preserve"] is True
    await sign_in(client, "admin@test.se")
    await client.submit(f"{records}/preserve", {}, form_page=records)
    assert (await Event.select(Event.preserve).where(Event.id == event["id"]).first())["preserve"] is False
