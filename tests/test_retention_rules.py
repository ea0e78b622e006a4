"""The records plan's retention rules, with the clock moved forward: each rule takes what it names and
nothing else, the reports count the same before and after, events marked "bevaras" are kept, and
every run is in the audit log with its counts."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import timedelta

from events_app.domain import events, participation_reports, questions, registration_reports, retention
from events_app.domain.questions import QuestionInput
from events_app.domain.tables import AuditEntry, Event, Invitation, Person, Registration
from events_app.domain.transactions import utcnow
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.invitation_helpers import invite
from tests.registration_helpers import SYSTEM, published_event

DAY = timedelta(days=1)


async def _counts(event: dict) -> dict:
    report = await participation_reports.event_report(event["slug"])
    return dataclasses.asdict(report.breakdown)


async def _registration(email: str) -> dict:
    return await Registration.select().where(Registration.email == email).output(load_json=True).first()


async def _event_with_needs(**fields) -> dict:
    event = await finished_event(**fields)
    await questions.add_question(
        event["id"], QuestionInput(label="Hälsotillstånd att känna till", sensitive=True), SYSTEM
    )
    await questions.add_question(event["id"], QuestionInput(label="Favoritworkshop"), SYSTEM)
    first = await participant(
        event,
        "Lena Lund",
        "lena@solleftea.se",
        dietary=["vegan", "gluten_free"],
        dietary_other="Inga nötter",
        accessibility="Rullstolsplats",
        answers={"halsotillstand_att_kanna_till": "Diabetes", "favoritworkshop": "Energi"},
    )
    await participant(event, "Per Berg", "per@ange.se", dietary=["vegan"])
    await check_in(event, first, days_of(event)[0])
    return event


async def test_needs_and_sensitive_answers_go_a_set_time_after_the_event_and_their_counts_stay():
    ended = await _event_with_needs(title="Avslutat evenemang")
    coming = await published_event(title="Kommande evenemang", days_ahead=60)
    await participant(coming, "Kim Kommande", "kim@timra.se", dietary=["vegan"], accessibility="Teckentolk")
    catering_before = await registration_reports.catering(ended["id"])
    counts_before = await _counts(ended)

    # 29 days after the last day: nothing yet.
    assert (await retention.apply_retention(now=ended["ends_at"] + 29 * DAY))["events_with_needs_deleted"] == 0
    assert (await _registration("lena@solleftea.se"))["accessibility"] == "Rullstolsplats"

    applied = await retention.apply_retention(now=ended["ends_at"] + 31 * DAY)
    assert applied["events_with_needs_deleted"] == 1
    lena = await _registration("lena@solleftea.se")
    assert (lena["dietary"], lena["dietary_other"], lena["accessibility"]) == ([], "", "")
    assert lena["answers"] == {"favoritworkshop": "Energi"}  # the answer not marked sensitive stays
    assert lena["name"] == "Lena Lund"  # names follow other rules
    # The caterer's and accessibility counts are kept as numbers, the reports count the same.
    assert await registration_reports.catering(ended["id"]) == catering_before
    assert await _counts(ended) == counts_before
    # The coming event is not touched; a second run changes nothing.
    assert (await _registration("kim@timra.se"))["accessibility"] == "Teckentolk"
    again = await retention.apply_retention(now=ended["ends_at"] + 32 * DAY)
    assert again["events_with_needs_deleted"] == 0
    assert await registration_reports.catering(ended["id"]) == catering_before


async def test_guests_without_a_registration_for_24_months_are_anonymised_members_are_not():
    event = await finished_event(title="Gammalt evenemang")
    guest = await participant(event, "Gustav Gäst", "gustav@exempel.se", organisation="Firma AB")
    member_registration = await participant(event, "Maja Medlem", "maja@kramfors.se")
    await Person.update({Person.is_member: True}).where(Person.email == "maja@kramfors.se")
    await check_in(event, guest, days_of(event)[0])
    recent = await published_event(title="Nytt evenemang", days_ahead=5)
    await participant(recent, "Nina Ny", "nina@exempel.se")
    # Invited to an event still ahead 25 months on: not anonymised, the invitation intact.
    far = await published_event(title="Långt fram", days_ahead=900)
    await participant(event, "Ivar Inbjuden", "ivar@exempel.se")
    await invite(far["slug"], "ivar@exempel.se")
    counts_before = await _counts(event)
    assert member_registration

    later = utcnow() + timedelta(days=365 * 2 + 40)
    # Nina registered "now": 25 months on, she too is 25 months inactive, so she registers again.
    await Registration.update({Registration.created_at: later - 30 * DAY}).where(
        Registration.email == "nina@exempel.se"
    )
    applied = await retention.apply_retention(now=later)

    assert applied["guests_anonymised"] == 1
    gustav = await Registration.select().where(Registration.uid == guest["uid"]).first()
    assert (gustav["name"], gustav["email"], gustav["organisation_text"]) == ("", "", "")
    assert gustav["status"] == "confirmed" and gustav["event"] == event["id"]
    assert not await Person.exists().where(Person.email == "gustav@exempel.se")
    assert await Person.exists().where(Person.email == "maja@kramfors.se")
    assert await Person.exists().where(Person.email == "nina@exempel.se")
    assert await Person.exists().where(Person.email == "ivar@exempel.se")
    assert await Invitation.exists().where(Invitation.email == "ivar@exempel.se")
    assert await _counts(event) == counts_before


async def test_cancelled_events_unanswered_invitations_and_old_records_have_their_own_periods():
    cancelled = await published_event(title="Inställt evenemang", days_ahead=3)
    await participant(cancelled, "Cecilia Cancel", "cecilia@exempel.se")
    await events.cancel_event(cancelled["slug"], SYSTEM, "Inställt.")
    kept_cancelled = await published_event(title="Inställt rådsmöte", days_ahead=3)
    await participant(kept_cancelled, "Bo Bevarad", "bo@exempel.se")
    await events.cancel_event(kept_cancelled["slug"], SYSTEM, "Inställt.")
    await Event.update({Event.preserve: True}).where(Event.id == kept_cancelled["id"])
    held = await finished_event(title="Genomfört evenemang")
    await invite(held["slug"], "svarade.aldrig@exempel.se", "tackade.ja@exempel.se")
    await Invitation.update({Invitation.status: "accepted"}).where(Invitation.email == "tackade.ja@exempel.se")
    await participant(held, "Hanna Held", "hanna@exempel.se")

    applied = await retention.apply_retention(now=cancelled["ends_at"] + 91 * DAY)
    assert applied["cancelled_event_registrations"] == 1
    assert not await Registration.exists().where(Registration.email == "cecilia@exempel.se")
    assert await Registration.exists().where(Registration.email == "bo@exempel.se")  # bevaras
    assert applied["unanswered_invitations"] == 1
    assert [row["email"] for row in await Invitation.select(Invitation.email)] == ["tackade.ja@exempel.se"]
    assert applied["events_kept_by_records_plan"] == 1
    assert await Registration.exists().where(Registration.email == "hanna@exempel.se")

    ten_years_on = held["ends_at"] + timedelta(days=3653 + 2)
    await Person.update({Person.is_member: True}).where(Person.email == "hanna@exempel.se")  # not a guest
    applied = await retention.apply_retention(now=ten_years_on)
    assert applied["old_event_registrations"] == 1
    assert not await Registration.exists().where(Registration.email == "hanna@exempel.se")
    assert await Registration.exists().where(Registration.email == "bo@exempel.se")


async def test_each_run_is_audited_with_its_counts_and_runs_once_a_day():
    await _event_with_needs()
    assert await retention.apply_retention_if_due() is not None
    assert await retention.apply_retention_if_due() is None  # the mail sender's next hour: not again
    [entry] = await AuditEntry.select().where(AuditEntry.action == retention.RETENTION_ACTION)
    assert entry["actor"] == "retention"
    assert "events_with_needs_deleted" in str(entry["details"])


async def test_the_retention_periods_come_from_the_admins_settings():
    ended = await _event_with_needs()
    await retention.site_settings.save(
        "retention",
        {**await retention.site_settings.values("retention"), "retention_sensitive_days": "5"},
        actor=SYSTEM,
    )
    assert (await retention.apply_retention(now=ended["ends_at"] + 6 * DAY))["events_with_needs_deleted"] == 1


def test_the_purge_command_prints_what_it_did():
    result = subprocess.run(
        [sys.executable, "-m", "events_app.cli", "purge"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("purged: ")
    assert "guests anonymised" in result.stdout and "events with needs deleted" in result.stdout


async def test_unanswered_invitations_wait_for_their_period():
    held = await finished_event()
    await invite(held["slug"], "inte.an@exempel.se")
    applied = await retention.apply_retention(now=held["ends_at"] + 10 * DAY)
    assert applied["unanswered_invitations"] == 0
    assert await Invitation.count() == 1


def test_months_are_counted_on_the_calendar_ending_on_a_shorter_months_last_day():
    from datetime import UTC, datetime

    assert retention.months_before(datetime(2027, 3, 31, 9, tzinfo=UTC), 1) == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert retention.months_before(datetime(2028, 3, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert retention.months_before(datetime(2027, 1, 15, tzinfo=UTC), 24) == datetime(2025, 1, 15, tzinfo=UTC)
