"""The council's year planned in one step (council_year.py and /organiser/council/year): last year's
council meetings and sustainability days copied as drafts onto the same ISO week and weekday, with
their programmes, questions, certificate rules, records plan and invited guests; across daylight
saving, a week 53 and a leap year; all or nothing, and never twice.

Times are written as Stockholm local times (`at("2026-03-24", "09:00")`); what is stored is the instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest

from events_app.domain import council_year, events, invitations, programme, questions
from events_app.domain.council_year import Adjustment
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.events import EventInput
from events_app.domain.invitations import InviteeInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.questions import QuestionInput
from events_app.domain.tables import (
    CouncilRole,
    Event,
    EventKind,
    Invitation,
    InvitationLink,
    InvitationStatus,
    OutboxMessage,
    Person,
)
from events_app.i18n import STOCKHOLM, localtime
from tests.account_helpers import database_snapshot, location, tr
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM


def at(day: str, clock: str) -> datetime:
    """A Stockholm local time."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), STOCKHOLM)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_span(row: dict) -> tuple[str, str, str]:
    """(day, start, end) as read on a clock in Stockholm."""
    start, end = localtime(row["starts_at"]), localtime(row["ends_at"])
    return start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")


async def meeting(day: str, title: str = "", **fields) -> dict:
    """A council meeting, 09.00-12.00."""
    return await events.create_event(
        EventInput(
            title=title or f"Rådsmöte {day[:4]}",
            kind=EventKind.council_meeting.value,
            audience="invitation",
            starts_at=at(day, "09:00"),
            ends_at=at(day, "12:00"),
            venue_name="Kommunhuset",
            **fields,
        ),
        SYSTEM,
    )


async def sustainability_days(first: str, last: str, title: str, **fields) -> dict:
    return await events.create_event(
        EventInput(
            title=title,
            kind=EventKind.sustainability_day.value,
            starts_at=at(first, "09:00"),
            ends_at=at(last, "16:00"),
            venue_name="Kulturmagasinet",
            venue_address="Sjögatan 7, Sundsvall",
            **fields,
        ),
        SYSTEM,
    )


async def year_2026() -> dict[str, dict]:
    """Four council meetings and two sustainability days in 2026, and what must not be copied."""
    plan = {
        # Week 13, Tuesday: still winter time in 2026; week 13 of 2027 is after the change.
        "spring": await meeting("2026-03-24", title="Rådsmöte våren 2026"),
        "june": await meeting("2026-06-11", title="Rådsmöte i juni 2026"),
        "autumn": await meeting("2026-10-22", title="Rådsmöte i oktober 2026"),
        # Week 53, Thursday: 2027 has only 52 weeks.
        "year_end": await meeting("2026-12-31", title="Årets sista rådsmöte 2026"),
        "days": await sustainability_days(
            "2026-05-20",
            "2026-05-21",
            "Hållbarhetsdagarna 2026",
            title_en="Sustainability Days 2026",
            description="Två dagar om **klimat** och transporter.",
            capacity=150,
            registration_opens_at=at("2026-03-02", "09:00"),
            registration_closes_at=at("2026-05-15", "12:00"),
            themes=["klimat-energi", "transport"],
            completion_rule="at_least",
            completion_min=1,
            hours_credit="day",
            hours_per_day=6,
            signatory_name="Anna Ordförande",
            signatory_title="Rådets ordförande",
        ),
        "autumn_day": await sustainability_days("2026-09-15", "2026-09-15", "Hållbarhetsdagen i Härnösand 2026"),
    }
    days = plan["days"]
    for title, day, start, end, extra in (
        ("Välkommen", "2026-05-20", "09:00", "09:30", {}),
        (
            "Verkstad: Fossilfria transporter",
            "2026-05-21",
            "10:15",
            "11:45",
            {
                "kind": "workshop",
                "room": "Sal B",
                "capacity": 40,
                "requires_signup": True,
                "themes": ["transport"],
                "speakers": [SpeakerInput(name="Trafikplanerare", organisation="Region Västernorrland")],
            },
        ),
    ):
        await programme.add_session(
            days["slug"], SessionInput(title=title, starts_at=at(day, start), ends_at=at(day, end), **extra), SYSTEM
        )
    await questions.add_question(
        days["id"],
        QuestionInput(label="Vilken middag?", kind="single", options=["Fisk", "Vegetarisk"], required=True),
        SYSTEM,
    )
    await Event.update({Event.preserve: True, Event.invitation_deadline: at("2026-05-10", "23:59")}).where(
        Event.id == days["id"]
    )
    # The guests: one answered last year (with a mailed link), one not.
    for name, email in (("Karin Berg", "karin@energibolaget.se"), ("Lina Holm", "lina@forskning.se")):
        await invitations.add_invitee(
            days["slug"], InviteeInput(name=name, email=email, organisation="Energibolaget AB"), SYSTEM
        )
    karin = await Invitation.select().where(Invitation.email == "karin@energibolaget.se").first()
    await Invitation.update(
        {Invitation.status: InvitationStatus.accepted, Invitation.mailed_at: at("2026-04-01", "10:00")}
    ).where(Invitation.id == karin["id"])
    await InvitationLink.insert(InvitationLink(invitation=karin["id"], token_hash="a" * 64))
    # A council member invited as a member: invited again from the members in office, not copied.
    member = Person(name="Maja Ledamot", email="maja@sundsvall.se", is_member=True)
    await member.save()
    await Invitation.insert(
        Invitation(
            event=days["id"],
            person=member.id,
            email=member.email,
            name=member.name,
            council_role=CouncilRole.member.value,
        )
    )
    # Not part of the plan: a training module, a cancelled meeting, a meeting of another year.
    await events.create_event(
        EventInput(
            title="Klimatanpassning",
            kind=EventKind.training_module.value,
            starts_at=at("2026-02-03", "13:00"),
            ends_at=at("2026-02-03", "16:00"),
            occasion_dates=[date(2026, 2, 3)],
        ),
        SYSTEM,
    )
    cancelled = await meeting("2026-08-20", title="Inställt rådsmöte")
    await events.cancel_event(cancelled["slug"], SYSTEM)
    await meeting("2025-12-11")
    return {key: await events.get_event(event["slug"]) for key, event in plan.items()}


async def copies_by_source() -> dict[int, dict]:
    rows = await Event.select(Event.slug, Event.copied_from).where(Event.copied_from.is_not_null())
    return {row["copied_from"]: await events.get_event(row["slug"]) for row in rows}


async def test_the_plan_proposes_the_same_week_and_weekday():
    plan = await year_2026()
    proposed = await council_year.proposed_plan(2026, 2027)
    assert [(item.source["id"], item.start, item.title) for item in proposed] == [
        (plan["spring"]["id"], date(2027, 3, 30), "Rådsmöte våren 2027"),
        (plan["days"]["id"], date(2027, 5, 26), "Hållbarhetsdagarna 2027"),
        (plan["june"]["id"], date(2027, 6, 17), "Rådsmöte i juni 2027"),
        (plan["autumn_day"]["id"], date(2027, 9, 21), "Hållbarhetsdagen i Härnösand 2027"),
        (plan["autumn"]["id"], date(2027, 10, 28), "Rådsmöte i oktober 2027"),
        (plan["year_end"]["id"], date(2027, 12, 30), "Årets sista rådsmöte 2027"),  # week 53 -> week 52
    ]
    for item in proposed:
        source_day = localtime(item.source["starts_at"]).date()
        assert item.start.isoweekday() == source_day.isoweekday()
    assert await Event.count().where(Event.copied_from.is_not_null()) == 0  # proposing writes nothing


async def test_a_year_is_copied_with_its_programmes_and_guests():
    plan = await year_2026()
    outbox_before = await OutboxMessage.count()
    created = await council_year.create_year(2026, 2027, {}, SYSTEM)
    assert len(created) == 6 and all(copy["status"] == "draft" for copy in created)
    copies = await copies_by_source()
    assert set(copies) == {event["id"] for event in plan.values()}

    # The meeting moved from winter into summer time keeps its clock times: 08.00 UTC became 07.00 UTC.
    spring = copies[plan["spring"]["id"]]
    assert local_span(spring) == ("2027-03-30", "09:00", "12:00")
    assert (spring["starts_at"], spring["ends_at"]) == (utc(2027, 3, 30, 7, 0), utc(2027, 3, 30, 10, 0))
    assert (spring["title"], spring["kind"], spring["audience"], spring["venue_name"]) == (
        "Rådsmöte våren 2027",
        "council_meeting",
        "invitation",
        "Kommunhuset",
    )
    assert local_span(copies[plan["year_end"]["id"]]) == ("2027-12-30", "09:00", "12:00")

    days = copies[plan["days"]["id"]]
    source = plan["days"]
    assert [(d["day"], local_span(d)[1:]) for d in days["days"]] == [
        (date(2027, 5, 26), ("09:00", "16:00")),
        (date(2027, 5, 27), ("09:00", "16:00")),
    ]
    assert (days["title"], days["title_en"], days["description"], days["capacity"]) == (
        "Hållbarhetsdagarna 2027",
        "Sustainability Days 2027",
        source["description"],
        150,
    )
    assert (days["venue_name"], days["venue_address"]) == ("Kulturmagasinet", "Sjögatan 7, Sundsvall")
    assert [t["slug"] for t in days["themes"]] == ["klimat-energi", "transport"]
    # The registration window and the invitation deadline move by the same 371 days.
    assert localtime(days["registration_opens_at"]).isoformat() == "2027-03-08T09:00:00+01:00"
    assert localtime(days["registration_closes_at"]).isoformat() == "2027-05-21T12:00:00+02:00"
    assert localtime(days["invitation_deadline"]).isoformat() == "2027-05-16T23:59:00+02:00"
    certificate_rule = ("completion_rule", "completion_min", "hours_credit", "minutes_per_day", "signatory_name")
    assert [days[key] for key in certificate_rule] == ["at_least", 1, "day", 360, "Anna Ordförande"]
    assert days["signatory_title"] == "Rådets ordförande"
    # The records plan is carried over; a council meeting is always kept (bevaras).
    assert days["preserve"] is True and copies[plan["autumn_day"]["id"]]["preserve"] is False
    assert copies[plan["june"]["id"]]["preserve"] is True

    sessions = await programme.programme(days["id"])
    assert [(s["title"], local_span(s)) for s in sessions] == [
        ("Välkommen", ("2027-05-26", "09:00", "09:30")),
        ("Verkstad: Fossilfria transporter", ("2027-05-27", "10:15", "11:45")),
    ]
    workshop = sessions[1]
    assert (workshop["room"], workshop["kind"], workshop["capacity"], workshop["requires_signup"]) == (
        "Sal B",
        "workshop",
        40,
        True,
    )
    assert [t["slug"] for t in workshop["themes"]] == ["transport"]
    assert [(s["name"], s["organisation"]) for s in workshop["speakers"]] == [
        ("Trafikplanerare", "Region Västernorrland")
    ]
    [question] = await questions.questions_of(days["id"])
    assert (question["label"], question["kind"], question["options"], question["required"]) == (
        "Vilken middag?",
        "single",
        ["Fisk", "Vegetarisk"],
        True,
    )

    # The guests are invited again, not yet sent; the member is not copied.
    guests = await Invitation.select().where(Invitation.event == days["id"]).order_by(Invitation.email)
    old_uids = {row["uid"] for row in await Invitation.select(Invitation.uid).where(Invitation.event == source["id"])}
    assert [(g["email"], g["name"], g["status"], g["mailed_at"], g["council_role"]) for g in guests] == [
        ("karin@energibolaget.se", "Karin Berg", "pending", None, ""),
        ("lina@forskning.se", "Lina Holm", "pending", None, ""),
    ]
    assert all(g["organisation_text"] == "Energibolaget AB" for g in guests)
    assert not {g["uid"] for g in guests} & old_uids
    assert await InvitationLink.count().where(InvitationLink.invitation.is_in([g["id"] for g in guests])) == 0
    assert await OutboxMessage.count() == outbox_before  # no mail queued

    # The sources are as they were.
    assert (await events.get_event(source["slug"]))["status"] == "draft"
    assert len(await programme.programme(source["id"])) == 2


async def test_pressing_twice_creates_nothing_more():
    await year_2026()
    await council_year.create_year(2026, 2027, {}, SYSTEM)
    before = await database_snapshot()
    with pytest.raises(DomainError) as refused:
        await council_year.create_year(2026, 2027, {}, SYSTEM)
    assert refused.value.code == "already_copied"
    assert await database_snapshot() == before
    assert await Event.count().where(Event.copied_from.is_not_null()) == 6


async def test_adjusted_dates_and_titles_are_used_and_a_bad_one_changes_nothing():
    plan = await year_2026()
    june, days = str(plan["june"]["uid"]), str(plan["days"]["uid"])
    before = await database_snapshot()
    with pytest.raises(ValidationFailed) as refused:
        await council_year.create_year(
            2026,
            2027,
            {june: Adjustment(start=date(2028, 6, 15)), days: Adjustment(title="  ")},
            SYSTEM,
        )
    assert {name: error.message for name, error in refused.value.errors.items()} == {
        f"start_{june}": "Choose a date in %(year)s.",
        f"title_{days}": "This field is required.",
    }
    assert await database_snapshot() == before

    await council_year.create_year(
        2026,
        2027,
        {june: Adjustment(start=date(2027, 6, 10), title="Rådsmöte i Kramfors 2027")},
        SYSTEM,
    )
    copy = (await copies_by_source())[plan["june"]["id"]]
    assert (local_span(copy), copy["title"]) == (("2027-06-10", "09:00", "12:00"), "Rådsmöte i Kramfors 2027")


def test_only_the_year_written_on_its_own_is_renamed():
    assert council_year.renamed("Rådsmöte 2026 (dnr 20261)", 2026, 2027) == "Rådsmöte 2027 (dnr 20261)"


async def test_nothing_to_copy_and_bad_years_are_refused():
    await meeting("2026-06-11")
    with pytest.raises(DomainError) as nothing:
        await council_year.create_year(2025, 2026, {}, SYSTEM)
    assert (nothing.value.code, nothing.value.field) == ("nothing_to_copy", "from_year")
    with pytest.raises(ValidationFailed) as backwards:
        await council_year.create_year(2026, 2026, {}, SYSTEM)
    assert set(backwards.value.errors) == {"to_year"}
    assert await Event.count() == 1


async def test_a_copy_into_a_leap_year_lands_on_the_same_weekday():
    """2027 -> 2028: the ISO weeks move the dates two days earlier, onto 29 February too."""
    for day, title in (
        ("2027-03-01", "Rådsmöte 1 2027"),
        ("2027-03-02", "Rådsmöte 2 2027"),
        ("2027-10-30", "Rådsmöte 3 2027"),
        ("2027-11-01", "Rådsmöte 4 2027"),
    ):
        await meeting(day, title=title)
    two_days = await sustainability_days("2027-02-27", "2027-02-28", "Vinterdagarna 2027")
    await programme.add_session(
        two_days["slug"],
        SessionInput(title="Söndagens pass", starts_at=at("2027-02-28", "13:00"), ends_at=at("2027-02-28", "14:30")),
        SYSTEM,
    )
    created = await council_year.create_year(2027, 2028, {}, SYSTEM)
    spans = sorted((local_span(copy), copy["title"]) for copy in created)
    assert [span for span, _ in spans] == [
        ("2028-02-26", "09:00", "16:00"),  # Saturday and Sunday, 26-27 February
        ("2028-02-28", "09:00", "12:00"),  # Monday
        ("2028-02-29", "09:00", "12:00"),  # Tuesday, the leap day
        ("2028-10-28", "09:00", "12:00"),  # Saturday, the last of summer time
        ("2028-10-30", "09:00", "12:00"),  # Monday, winter time
    ]
    assert [title for _, title in spans][:3] == ["Vinterdagarna 2028", "Rådsmöte 1 2028", "Rådsmöte 2 2028"]
    copy = next(c for c in created if c["title"] == "Vinterdagarna 2028")
    assert [d["day"] for d in copy["days"]] == [date(2028, 2, 26), date(2028, 2, 27)]
    [moved] = await programme.programme(copy["id"])
    assert local_span(moved) == ("2028-02-27", "13:00", "14:30")
    assert {localtime(c["starts_at"]).isoweekday() for c in created} == {1, 2, 6}


# --- The organiser's page --------------------------------------------------------------------------


async def test_the_organiser_plans_the_year_on_the_page(organiser):
    plan = await year_2026()
    events_page = await organiser.get("/organiser/events?lang=en")
    assert "/organiser/council/year" in events_page.text and tr("sv", "Plan the council year") in events_page.text
    page = await organiser.get("/organiser/council/year?from_year=2026&to_year=2027&lang=en")
    assert page.status_code == 200
    june = str(plan["june"]["uid"])
    assert f'name="start_{june}"' in page.text and 'value="2027-06-17"' in page.text
    assert "Rådsmöte i juni 2027" in page.text and "Klimatanpassning" not in page.text

    unreadable = await organiser.get("/organiser/council/year?from_year=tjugo&to_year=2027")
    assert unreadable.status_code == 400 and 'id="error-from_year"' in unreadable.text
    backwards = await organiser.get("/organiser/council/year?from_year=2027&to_year=2026")
    assert backwards.status_code == 400 and 'id="error-to_year"' in backwards.text

    form = {"from_year": "2026", "to_year": "2027"}
    for item in await council_year.proposed_plan(2026, 2027):
        form[f"start_{item.source['uid']}"] = item.start.isoformat()
        form[f"title_{item.source['uid']}"] = item.title
    # A date that cannot be read comes back next to its field, and nothing is created.
    before = await database_snapshot()
    bad = await organiser.submit(
        "/organiser/council/year", {**form, f"start_{june}": "2027-06-31"}, form_page="/organiser/council/year?lang=en"
    )
    assert bad.status_code == 400
    assert re.search(rf'id="error-start_{june}"', bad.text)
    assert 'aria-invalid="true"' in bad.text and 'value="2027-06-31"' in bad.text
    assert await database_snapshot() == before

    form[f"title_{june}"] = "Rådsmöte i Kramfors 2027"
    done = await organiser.submit("/organiser/council/year", form)
    assert location(done) == "/organiser/events"
    copies = await copies_by_source()
    assert len(copies) == 6 and copies[plan["june"]["id"]]["title"] == "Rådsmöte i Kramfors 2027"
    listing = await organiser.get("/organiser/events")
    assert "Rådsmöte i Kramfors 2027" in listing.text

    # Pressing again creates nothing and says so.
    again = await organiser.submit("/organiser/council/year", form)
    assert again.status_code == 400 and await Event.count().where(Event.copied_from.is_not_null()) == 6


async def test_check_in_staff_may_not_plan_the_year(client, staff_accounts):
    await year_2026()
    await sign_in(client, "checkin@test.se")
    assert (await client.get("/organiser/council/year")).status_code == 403
    before = await database_snapshot()
    response = await client.submit(
        "/organiser/council/year", {"from_year": "2026", "to_year": "2027"}, form_page="/staff"
    )
    assert response.status_code == 403
    assert await database_snapshot() == before
