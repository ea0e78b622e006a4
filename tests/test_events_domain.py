"""The events domain through its services: events, their days and status, the programme's rules,
change records, duplication across daylight saving, calendar files, safe Markdown and the demo data.

Times are written as Stockholm local times (`at("2027-05-20", "09:00")`); what is stored and compared
is the instant.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from events_app.domain import calendar, events, programme, rich_text
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.events import EventInput
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.seed import DATA_DIR, load_demo
from events_app.domain.tables import AuditEntry, Event, EventKind, ProgrammeSession
from events_app.i18n import STOCKHOLM, localtime
from tests.account_helpers import database_snapshot

ACTOR = Actor.system("test")


def at(day: str, clock: str) -> datetime:
    """A Stockholm local time."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), STOCKHOLM)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def two_days(**fields) -> EventInput:
    """Hållbarhetsdagarna, Thursday and Friday 20-21 May 2027, 09.00-16.00."""
    values = {
        "title": "Hållbarhetsdagarna 2027",
        "kind": EventKind.sustainability_day.value,
        "starts_at": at("2027-05-20", "09:00"),
        "ends_at": at("2027-05-21", "16:00"),
        "registration_opens_at": at("2027-04-01", "09:00"),
        "registration_closes_at": at("2027-05-18", "12:00"),
        "venue_name": "Kulturmagasinet",
        "venue_address": "Sjögatan 7, Sundsvall",
        "themes": ["klimat-energi"],
        **fields,
    }
    return EventInput(**values)


def module(**fields) -> EventInput:
    """A training module with three occasions, 13.00-16.00."""
    values = {
        "title": "Klimatanpassning i kommunal planering",
        "kind": EventKind.training_module.value,
        "audience": "members",
        "starts_at": at("2027-02-02", "13:00"),
        "ends_at": at("2027-04-13", "16:00"),
        "occasion_dates": [date(2027, 2, 2), date(2027, 3, 9), date(2027, 4, 13)],
        "completion_rule": "at_least",
        "completion_min": 2,
        **fields,
    }
    return EventInput(**values)


def session(title: str, day: str, start: str, end: str, room: str = "", **fields) -> SessionInput:
    return SessionInput(title=title, starts_at=at(day, start), ends_at=at(day, end), room=room, **fields)


async def titles(event: dict) -> list[str]:
    return [s["title"] for s in await programme.programme(event["id"])]


def refused(failure: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    """{field: English message id} of a ValidationFailed."""
    assert all(error.field == name for name, error in failure.value.errors.items())
    return {name: error.message for name, error in failure.value.errors.items()}


# --- Events -------------------------------------------------------------------------------------


async def test_slugs_are_ascii_with_the_year_and_unique():
    first = await events.create_event(two_days(), ACTOR)
    assert first["slug"] == "hallbarhetsdagarna-2027"  # the year in the title is not added twice
    assert (await events.create_event(two_days(), ACTOR))["slug"] == "hallbarhetsdagarna-2027-2"
    assert (await events.create_event(two_days(), ACTOR))["slug"] == "hallbarhetsdagarna-2027-3"
    other = await events.create_event(two_days(title="Öppet möte: Ångermanälvens Åkerier & Łódź"), ACTOR)
    assert other["slug"] == "oppet-mote-angermanalvens-akerier-lodz-2027"
    # Southern Sami (æ, ø) and Northern Sami (đ, ŋ) letters that Unicode does not decompose are kept too.
    sami = await events.create_event(two_days(title="Åarjelsaemien gïele: bæjjese, Đuoddar & Ŋøøle"), ACTOR)
    assert sami["slug"] == "aarjelsaemien-giele-baejjese-duoddar-noole-2027"
    # The year is Stockholm's: 23.30 UTC on New Year's Eve is already 2028 here.
    new_year = await events.create_event(
        two_days(
            title="Nyårsvaka",
            starts_at=utc(2027, 12, 31, 23, 30),
            ends_at=utc(2028, 1, 1, 2, 0),
            registration_opens_at=None,
            registration_closes_at=None,
        ),
        ACTOR,
    )
    assert new_year["slug"] == "nyarsvaka-2028"


async def test_a_two_day_event_has_two_days_with_the_daily_times():
    event = await events.create_event(two_days(), ACTOR)
    assert [(d["day"], d["starts_at"], d["ends_at"]) for d in event["days"]] == [
        (date(2027, 5, 20), at("2027-05-20", "09:00"), at("2027-05-20", "16:00")),
        (date(2027, 5, 21), at("2027-05-21", "09:00"), at("2027-05-21", "16:00")),
    ]
    assert [t["slug"] for t in event["themes"]] == ["klimat-energi"]
    assert event["status"] == "draft"


async def test_a_training_module_has_its_occasions_as_days():
    event = await events.create_event(
        module(occasion_dates=[date(2027, 4, 13), date(2027, 2, 2), date(2027, 3, 9), date(2027, 2, 2)]), ACTOR
    )
    assert [(d["day"], d["starts_at"], d["ends_at"]) for d in event["days"]] == [
        (date(2027, 2, 2), at("2027-02-02", "13:00"), at("2027-02-02", "16:00")),
        (date(2027, 3, 9), at("2027-03-09", "13:00"), at("2027-03-09", "16:00")),  # CET: summer time starts 28 March
        (date(2027, 4, 13), at("2027-04-13", "13:00"), at("2027-04-13", "16:00")),  # CEST: 11.00 UTC
    ]
    assert event["days"][2]["starts_at"] == utc(2027, 4, 13, 11, 0)
    assert (event["completion_rule"], event["completion_min"]) == ("at_least", 2)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the event a title."),
        ({"ends_at": at("2027-05-20", "08:00")}, "ends_at", "The event must end after it starts."),
        ({"starts_at": None}, "starts_at", "Give the start date and time."),
        ({"themes": ["klimat-energi", "finns-inte"]}, "themes", "One of the themes does not exist."),
        (
            {"registration_closes_at": at("2027-05-21", "16:30")},
            "registration_closes_at",
            "Registration must close before the event ends.",
        ),
        (
            {"registration_closes_at": at("2027-03-31", "09:00")},
            "registration_closes_at",
            "Registration must close after it opens.",
        ),
        ({"venue_map_url": "javascript:alert(1)"}, "venue_map_url", "The map link must start with https://."),
        ({"kind": "fest"}, "kind", "Choose what kind of event this is."),
    ],
)
async def test_an_invalid_event_is_refused_on_the_right_field(fields, field, message):
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(two_days(**fields), ACTOR)
    assert refused(failure) == {field: message}
    assert await Event.count() == 0


async def test_every_broken_rule_is_reported_at_once():
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(two_days(title="", themes=["finns-inte"], capacity=-1), ACTOR)
    assert set(refused(failure)) == {"title", "themes", "capacity"}


@pytest.mark.parametrize(("completion_min", "accepted"), [(None, False), (0, False), (1, True), (3, True), (4, False)])
async def test_at_least_n_occasions_is_between_one_and_the_number_of_occasions(completion_min, accepted):
    data = module(completion_min=completion_min)
    if accepted:
        assert (await events.create_event(data, ACTOR))["completion_min"] == completion_min
    else:
        with pytest.raises(ValidationFailed) as failure:
            await events.create_event(data, ACTOR)
        assert refused(failure) == {
            "completion_min": "Give how many days or occasions are needed, at most the number the event has."
        }


async def test_the_completion_number_is_dropped_unless_the_rule_needs_it():
    assert (await events.create_event(module(completion_rule="all", completion_min=2), ACTOR))["completion_min"] is None


async def test_an_occasion_outside_the_module_is_refused():
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(module(occasion_dates=[date(2027, 2, 2), date(2027, 5, 4)]), ACTOR)
    assert refused(failure) == {"occasion_dates": "Every occasion must be between the start and the end of the module."}


async def test_an_event_lasts_at_most_31_days_and_a_module_has_at_most_60_occasions():
    month = await events.create_event(two_days(ends_at=at("2027-06-19", "16:00"), registration_closes_at=None), ACTOR)
    assert len(month["days"]) == 31
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(two_days(ends_at=at("9999-12-31", "16:00"), registration_closes_at=None), ACTOR)
    assert refused(failure) == {
        "ends_at": "An event lasts at most %(max)s days. For a training module, list its occasions instead."
    }
    weekly = [date(2027, 2, 2) + timedelta(days=n) for n in range(61)]
    ends = at(weekly[-1].isoformat(), "16:00")
    accepted = await events.create_event(module(ends_at=ends, occasion_dates=weekly[:60], completion_min=40), ACTOR)
    assert len(accepted["days"]) == 60
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(module(ends_at=ends, occasion_dates=weekly), ACTOR)
    assert refused(failure) == {"occasion_dates": "At most %(max)s occasions."}
    assert await Event.count() == 2


async def test_publish_cancel_and_archive():
    slug = (await events.create_event(two_days(), ACTOR))["slug"]
    with pytest.raises(NotFound):
        await events.get_public_event(slug)  # drafts do not exist for the public

    published = await events.publish_event(slug, ACTOR)
    assert published["status"] == "published" and published["published_at"] is not None
    again = await events.publish_event(slug, ACTOR)  # repeating it is harmless
    assert (again["status"], again["published_at"]) == ("published", published["published_at"])
    assert await AuditEntry.count().where(AuditEntry.action == "event.published") == 1
    assert (await events.get_public_event(slug))["status"] == "published"

    cancelled = await events.cancel_event(slug, ACTOR, message="  Inställt på grund av storm.  ")
    assert (cancelled["status"], cancelled["cancel_message"]) == ("cancelled", "Inställt på grund av storm.")
    assert (await events.archive_event(slug, ACTOR))["status"] == "archived"
    assert (await events.get_public_event(slug))["status"] == "archived"


@pytest.mark.parametrize(
    ("steps", "refused_step"),
    [
        ([], "archive"),  # a draft cannot be archived
        (["publish", "archive"], "publish"),  # an archived event cannot be published again
        (["publish", "archive"], "cancel"),
        (["cancel"], "publish"),  # a cancelled event stays cancelled
    ],
)
async def test_an_invalid_status_change_is_refused(steps, refused_step):
    actions = {"publish": events.publish_event, "cancel": events.cancel_event, "archive": events.archive_event}
    slug = (await events.create_event(two_days(), ACTOR))["slug"]
    for step in steps:
        await actions[step](slug, ACTOR)
    before = (await events.get_event(slug))["status"]
    with pytest.raises(DomainError) as failure:
        await actions[refused_step](slug, ACTOR)
    assert failure.value.code == "invalid_status"
    assert failure.value.message == events._STATUS_REFUSALS[before]  # the message names the present status
    assert (await events.get_event(slug))["status"] == before


async def test_an_event_cannot_shrink_away_from_its_sessions():
    event = await events.create_event(two_days(), ACTOR)
    await programme.add_session(event["slug"], session("Avslutning", "2027-05-21", "12:00", "13:00"), ACTOR)
    with pytest.raises(ValidationFailed) as failure:
        await events.update_event(
            event["slug"], two_days(ends_at=at("2027-05-20", "16:00"), registration_closes_at=None), ACTOR
        )
    assert set(refused(failure)) == {"starts_at"}
    assert len((await events.get_event(event["slug"]))["days"]) == 2


# --- The programme's rules --------------------------------------------------------------------


@pytest.fixture
async def draft() -> dict:
    return await events.create_event(two_days(), ACTOR)


@pytest.fixture
async def published(draft) -> dict:
    return await events.publish_event(draft["slug"], ACTOR)


async def test_a_session_must_end_after_it_starts(draft):
    with pytest.raises(ValidationFailed) as failure:
        await programme.add_session(draft["slug"], session("Fika", "2027-05-20", "10:30", "10:30"), ACTOR)
    assert refused(failure) == {"ends_at": "The session must end after it starts."}


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (at("2027-05-19", "10:00"), at("2027-05-19", "11:00")),  # the day before
        (at("2027-05-22", "10:00"), at("2027-05-22", "11:00")),  # the day after
        (at("2027-05-20", "22:00"), at("2027-05-21", "01:00")),  # over midnight, although both days are the event's
    ],
)
async def test_a_session_must_be_within_one_of_the_events_days(draft, starts_at, ends_at):
    data = SessionInput(title="Kvällsprogram", starts_at=starts_at, ends_at=ends_at)
    with pytest.raises(ValidationFailed) as failure:
        await programme.add_session(draft["slug"], data, ACTOR)
    assert refused(failure) == {"starts_at": "The session must take place on one of the event's days."}
    assert await ProgrammeSession.count() == 0


async def test_a_session_may_be_outside_the_days_hours_on_one_of_its_days(draft):
    """Decided: 'the event's days' are dates. A registration coffee at 08.00 or a dinner at 19.00 on a
    day of an event that runs 09.00-16.00 is part of its programme."""
    await programme.add_session(draft["slug"], session("Registrering och kaffe", "2027-05-20", "08:00", "09:00"), ACTOR)
    await programme.add_session(draft["slug"], session("Middag", "2027-05-20", "19:00", "22:00"), ACTOR)
    assert await titles(draft) == ["Registrering och kaffe", "Middag"]


async def test_a_module_session_must_be_on_an_occasion():
    event = await events.create_event(module(), ACTOR)
    with pytest.raises(ValidationFailed) as failure:  # between two occasions, inside the module's span
        await programme.add_session(event["slug"], session("Extra", "2027-02-16", "13:00", "16:00"), ACTOR)
    assert set(refused(failure)) == {"starts_at"}
    await programme.add_session(event["slug"], session("Tillfälle 2", "2027-03-09", "13:00", "16:00"), ACTOR)


async def test_a_room_cannot_be_double_booked(draft):
    first = await programme.add_session(
        draft["slug"], session("Solenergi", "2027-05-20", "11:00", "12:30", "Sal A"), ACTOR
    )
    with pytest.raises(ValidationFailed) as failure:  # the same room, however it is typed
        await programme.add_session(
            draft["slug"], session("Biogas", "2027-05-20", "12:00", "13:00", "  sal   a "), ACTOR
        )
    error = failure.value.errors["room"]
    assert (set(failure.value.errors), error.field) == ({"room"}, "room")
    assert error.message == "%(room)s is already booked then, for “%(title)s”."
    assert error.params == {"room": "sal a", "title": "Solenergi"}

    # Back to back in one room, at the same time in another room, and the session itself may change.
    await programme.add_session(draft["slug"], session("Lunch", "2027-05-20", "12:30", "13:30", "Sal A"), ACTOR)
    await programme.add_session(draft["slug"], session("Transporter", "2027-05-20", "11:00", "12:30", "Sal B"), ACTOR)
    await programme.update_session(
        str(first["uid"]), session("Solenergi", "2027-05-20", "10:30", "12:30", "Sal A"), ACTOR
    )
    with pytest.raises(ValidationFailed):
        await programme.update_session(
            str(first["uid"]), session("Solenergi", "2027-05-20", "10:30", "12:45", "Sal A"), ACTOR
        )

    # A cancelled session frees its room.
    await programme.cancel_session(str(first["uid"]), ACTOR)
    await programme.add_session(draft["slug"], session("Biogas", "2027-05-20", "11:00", "12:00", "SAL A"), ACTOR)


async def test_a_speaker_needs_a_name(draft):
    data = session(
        "Välkommen", "2027-05-20", "09:00", "09:30", speakers=[SpeakerInput(title="Ordförande"), SpeakerInput()]
    )
    with pytest.raises(ValidationFailed) as failure:
        await programme.add_session(draft["slug"], data, ACTOR)
    assert refused(failure) == {"speakers": "Every speaker needs a name."}
    data.speakers = [
        SpeakerInput(name="Anna Lindqvist", title="Ordförande", organisation="Härnösands kommun"),
        SpeakerInput(),
    ]  # an empty row of the form is ignored
    added = await programme.add_session(draft["slug"], data, ACTOR)
    assert [(s["name"], s["title"], s["organisation"]) for s in added["speakers"]] == [
        ("Anna Lindqvist", "Ordförande", "Härnösands kommun")
    ]


async def test_no_change_record_while_the_event_is_a_draft(draft):
    added = await programme.add_session(
        draft["slug"], session("Solenergi", "2027-05-20", "11:00", "12:30", "Sal A"), ACTOR
    )
    moved = await programme.update_session(
        str(added["uid"]), session("Solenergi", "2027-05-20", "13:00", "14:30", "Sal B"), ACTOR
    )
    assert (moved["change"], moved["changed_at"]) == ({}, None)
    cancelled = await programme.cancel_session(str(added["uid"]), ACTOR)
    assert (cancelled["status"], cancelled["change"]) == ("cancelled", {})


async def test_changes_after_publication_keep_the_first_before_values(draft):
    added = await programme.add_session(
        draft["slug"], session("Solenergi", "2027-05-20", "11:00", "12:30", "Sal A", description="Om solceller."), ACTOR
    )
    uid = str(added["uid"])
    await events.publish_event(draft["slug"], ACTOR)

    unwatched = await programme.update_session(
        uid,
        session("Solenergi", "2027-05-20", "11:00", "12:30", "Sal A", description="Om solceller på kommunala tak."),
        ACTOR,
    )
    assert (unwatched["change"], unwatched["changed_at"]) == ({}, None)  # the description is not a public change

    once = await programme.update_session(uid, session("Solenergi", "2027-05-20", "13:00", "14:30", "Sal A"), ACTOR)
    assert once["change"]["fields"] == ["ends_at", "starts_at"] and once["changed_at"] is not None
    twice = await programme.update_session(uid, session("Solenergi", "2027-05-20", "14:00", "15:30", "Sal B"), ACTOR)
    assert twice["change"]["fields"] == ["ends_at", "room", "starts_at"]
    before = twice["change"]["before"]
    assert datetime.fromisoformat(before["starts_at"]) == at("2027-05-20", "11:00")  # not 13.00
    assert datetime.fromisoformat(before["ends_at"]) == at("2027-05-20", "12:30")
    assert before["room"] == "Sal A"
    assert twice["starts_at"] == at("2027-05-20", "14:00")


async def test_cancelling_a_published_session_records_it(published):
    added = await programme.add_session(
        published["slug"], session("Studiebesök", "2027-05-20", "15:00", "16:30"), ACTOR
    )
    cancelled = await programme.cancel_session(str(added["uid"]), ACTOR)
    assert cancelled["status"] == "cancelled"
    assert cancelled["change"] == {"fields": ["status"], "before": {"status": "scheduled"}}
    assert cancelled["changed_at"] is not None
    again = await programme.cancel_session(str(added["uid"]), ACTOR)
    assert again["changed_at"] == cancelled["changed_at"]
    assert await AuditEntry.count().where(AuditEntry.action == "session.cancelled") == 1


async def test_sessions_are_deleted_only_from_drafts(draft):
    kept = await programme.add_session(draft["slug"], session("Välkommen", "2027-05-20", "09:00", "09:30"), ACTOR)
    gone = await programme.add_session(draft["slug"], session("Fika", "2027-05-20", "10:30", "11:00"), ACTOR)
    await programme.delete_session(str(gone["uid"]), ACTOR)
    with pytest.raises(NotFound):
        await programme.get_session(str(gone["uid"]))
    await events.publish_event(draft["slug"], ACTOR)
    with pytest.raises(DomainError) as failure:
        await programme.delete_session(str(kept["uid"]), ACTOR)
    assert failure.value.code == "invalid_status"
    assert await titles(draft) == ["Välkommen"]


async def test_moving_a_session_changes_the_order_of_parallel_sessions(draft):
    first = await programme.add_session(
        draft["slug"], session("Välkommen", "2027-05-20", "09:00", "09:30", "Plenum"), ACTOR
    )
    a, b, c = [
        await programme.add_session(
            draft["slug"], session(f"Verkstad {room}", "2027-05-20", "11:00", "12:30", room), ACTOR
        )
        for room in ("Sal A", "Sal B", "Sal C")
    ]
    await programme.move_session(str(c["uid"]), -1, ACTOR)
    assert await titles(draft) == ["Välkommen", "Verkstad Sal A", "Verkstad Sal C", "Verkstad Sal B"]
    await programme.move_session(str(a["uid"]), +1, ACTOR)
    assert await titles(draft) == ["Välkommen", "Verkstad Sal C", "Verkstad Sal A", "Verkstad Sal B"]
    await programme.move_session(str(first["uid"]), -1, ACTOR)  # already first: nothing happens
    await programme.move_session(str(b["uid"]), +1, ACTOR)  # already last
    assert await titles(draft) == ["Välkommen", "Verkstad Sal C", "Verkstad Sal A", "Verkstad Sal B"]


async def test_by_day_and_track_puts_parallel_sessions_in_one_slot(draft):
    for data in (
        session("Välkommen", "2027-05-20", "09:00", "09:30", "Plenum"),
        session("Verkstad B", "2027-05-20", "11:00", "12:30", "Sal B"),
        session("Verkstad A", "2027-05-20", "11:00", "12:30", "Sal A"),
        session("Promenad", "2027-05-20", "11:00", "12:00"),  # no room: no track
        session("Nyckeltal", "2027-05-21", "09:00", "10:00", "Plenum"),
        session("Webbinarium", "2027-05-21", "10:15", "11:45", "Online"),
        session("Verkstad A2", "2027-05-21", "10:15", "11:45", "Sal A"),
    ):
        await programme.add_session(draft["slug"], data, ACTOR)
    days = programme.by_day_and_track(await programme.programme(draft["id"]))
    assert [d["day"] for d in days] == [date(2027, 5, 20), date(2027, 5, 21)]
    assert days[0]["tracks"] == ["Plenum", "Sal B", "Sal A"]
    assert days[1]["tracks"] == ["Plenum", "Online", "Sal A"]
    assert [[s["title"] for s in slot["sessions"]] for slot in days[0]["slots"]] == [
        ["Välkommen"],
        ["Verkstad B", "Verkstad A", "Promenad"],
    ]
    assert [slot["starts_at"] for slot in days[1]["slots"]] == [at("2027-05-21", "09:00"), at("2027-05-21", "10:15")]
    assert [s["title"] for s in days[1]["slots"][1]["sessions"]] == ["Webbinarium", "Verkstad A2"]


# --- Duplicating ----------------------------------------------------------------------------------


async def test_duplicating_across_daylight_saving_keeps_the_local_times():
    source = await events.create_event(
        two_days(
            starts_at=at("2027-03-20", "09:00"),
            ends_at=at("2027-03-21", "16:00"),
            registration_opens_at=at("2027-02-01", "09:00"),
            registration_closes_at=at("2027-03-18", "12:00"),
            themes=["klimat-energi", "transport"],
        ),
        ACTOR,
    )
    await programme.add_session(
        source["slug"],
        session(
            "Verkstad: Fossilfria transporter",
            "2027-03-21",
            "10:15",
            "11:45",
            "Sal B",
            kind="workshop",
            capacity=40,
            requires_signup=True,
            themes=["transport"],
            speakers=[SpeakerInput(name="Trafikplanerare", organisation="Region Västernorrland")],
        ),
        ACTOR,
    )
    await events.publish_event(source["slug"], ACTOR)

    copy = await events.duplicate_event(source["slug"], date(2027, 3, 27), ACTOR)
    assert (copy["slug"], copy["title"], copy["status"]) == ("hallbarhetsdagarna-2027-2", source["title"], "draft")
    # Saturday 27 March is still CET (UTC+1); Sunday 28 March is CEST (UTC+2).
    assert (copy["starts_at"], copy["ends_at"]) == (utc(2027, 3, 27, 8, 0), utc(2027, 3, 28, 14, 0))
    assert [(d["day"], d["starts_at"], d["ends_at"]) for d in copy["days"]] == [
        (date(2027, 3, 27), utc(2027, 3, 27, 8, 0), utc(2027, 3, 27, 15, 0)),
        (date(2027, 3, 28), utc(2027, 3, 28, 7, 0), utc(2027, 3, 28, 14, 0)),
    ]
    assert (copy["registration_opens_at"], copy["registration_closes_at"]) == (
        at("2027-02-08", "09:00"),
        at("2027-03-25", "12:00"),
    )
    assert [t["slug"] for t in copy["themes"]] == ["klimat-energi", "transport"]
    assert copy["capacity"] == source["capacity"] and copy["venue_name"] == "Kulturmagasinet"

    [copied] = await programme.programme(copy["id"])
    assert (copied["starts_at"], copied["ends_at"]) == (utc(2027, 3, 28, 8, 15), utc(2027, 3, 28, 9, 45))
    assert (copied["title"], copied["room"], copied["kind"], copied["capacity"], copied["requires_signup"]) == (
        "Verkstad: Fossilfria transporter",
        "Sal B",
        "workshop",
        40,
        True,
    )
    assert [t["slug"] for t in copied["themes"]] == ["transport"]
    assert [(s["name"], s["organisation"]) for s in copied["speakers"]] == [
        ("Trafikplanerare", "Region Västernorrland")
    ]
    assert await titles(source) == ["Verkstad: Fossilfria transporter"]  # the source keeps its session


async def test_duplicating_to_another_year_renames_the_event():
    source = await events.create_event(two_days(), ACTOR)
    copy = await events.duplicate_event(source["slug"], date(2028, 5, 18), ACTOR)
    assert (copy["title"], copy["slug"]) == ("Hållbarhetsdagarna 2028", "hallbarhetsdagarna-2028")
    assert [d["day"] for d in copy["days"]] == [date(2028, 5, 18), date(2028, 5, 19)]
    named = await events.duplicate_event(source["slug"], date(2028, 9, 7), ACTOR, title="Höstdagarna")
    assert (named["title"], named["slug"]) == ("Höstdagarna", "hostdagarna-2028")


# --- Calendar files and Markdown --------------------------------------------------------------


async def test_the_event_calendar_has_one_entry_per_day_in_utc():
    event = await events.create_event(
        two_days(
            starts_at=at("2027-03-27", "09:00"),
            ends_at=at("2027-03-28", "16:00"),
            registration_opens_at=None,
            registration_closes_at=None,
        ),
        ACTOR,
    )
    event = await events.publish_event(event["slug"], ACTOR)
    ics = calendar.event_calendar(event)
    assert b"DTSTART:20270327T080000Z" in ics and b"DTEND:20270327T150000Z" in ics
    assert b"DTSTART:20270328T070000Z" in ics and b"DTEND:20270328T140000Z" in ics
    entries = Calendar.from_ical(ics).walk("VEVENT")
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in entries] == [
        (utc(2027, 3, 27, 8, 0), utc(2027, 3, 27, 15, 0)),
        (utc(2027, 3, 28, 7, 0), utc(2027, 3, 28, 14, 0)),
    ]
    assert [str(e["status"]) for e in entries] == ["CONFIRMED", "CONFIRMED"]
    assert len({str(e["uid"]) for e in entries}) == 2
    assert str(entries[0]["summary"]) == "Hållbarhetsdagarna 2027"

    cancelled = await events.cancel_event(event["slug"], ACTOR)
    entries = Calendar.from_ical(calendar.event_calendar(cancelled)).walk("VEVENT")
    assert [str(e["status"]) for e in entries] == ["CANCELLED", "CANCELLED"]


def test_markdown_is_rendered_without_raw_html():
    html = str(
        rich_text.render(
            "Välkommen!\n\n<script>alert('hej')</script>\n\n- solenergi\n- *biogas*\n\n"
            "[Programmet](https://exempel.se/program) och [inte detta](javascript:alert(1))"
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ul>\n<li>solenergi</li>\n<li><em>biogas</em></li>\n</ul>" in html
    assert '<a href="https://exempel.se/program">Programmet</a>' in html
    assert 'href="javascript' not in html


# --- Demo data ----------------------------------------------------------------------------------


async def test_the_demo_loads_twice_without_change():
    first = await load_demo()
    assert (first["staff"], first["members"], first["events"]) == (3, 16, 5)
    snapshot = await database_snapshot()
    second = await load_demo()
    assert second == {"organisations": 0, "themes": 0, "evaluation forms": 0, "staff": 0, "members": 0, "events": 0}
    assert await database_snapshot() == snapshot


async def test_the_demo_hallbarhetsdagarna_has_the_programme_of_the_csv():
    now = at("2027-02-10", "14:00")  # a Wednesday
    await load_demo(now=now)
    [row] = await Event.select(Event.slug).where((Event.kind == "sustainability_day") & (Event.status == "published"))
    event = await events.get_event(row["slug"])
    assert event["slug"] == "hallbarhetsdagarna-2027"
    assert (event["audience"], event["capacity"], [t["slug"] for t in event["themes"]]) == (
        "public",
        250,
        ["klimat-energi"],
    )
    assert event["venue_map_url"].startswith("https://www.openstreetmap.org/")
    # Thursday and Friday four to five weeks ahead; registration open until two days before.
    assert [d["day"] for d in event["days"]] == [date(2027, 3, 11), date(2027, 3, 12)]
    assert event["registration_opens_at"] == now
    assert event["registration_closes_at"] == event["starts_at"] - timedelta(days=2)

    with (DATA_DIR / "demo_programme.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    sessions = await programme.programme(event["id"])
    assert len(sessions) == len(rows) == 14
    assert [s["title"] for s in sessions] == [row["title"] for row in rows]
    first_day = date(2027, 3, 11)
    for s, row in zip(sessions, rows, strict=True):
        local_start, local_end = localtime(s["starts_at"]), localtime(s["ends_at"])
        assert (local_start.date() - first_day).days + 1 == int(row["day"])
        assert (local_start.strftime("%H:%M"), local_end.strftime("%H:%M")) == (row["start"], row["end"])
        assert (s["room"], s["kind"], s["requires_signup"]) == (
            row["track"],
            row["kind"],
            row["requires_signup"] == "true",
        )
        assert s["capacity"] == (int(row["capacity"]) if row["capacity"] else None)
        assert [t["slug"] for t in s["themes"]] == ([row["theme"]] if row["theme"] else [])
        assert [(p["name"], p["organisation"]) for p in s["speakers"]] == (
            [(row["speaker"], row["speaker_organisation"])] if row["speaker"] else []
        )


async def test_the_demo_has_a_module_a_council_meeting_and_last_years_days():
    now = at("2027-02-10", "14:00")
    await load_demo(now=now)
    found = await Event.select(Event.slug, Event.kind, Event.status, Event.title)
    rows = {row["kind"] + "/" + row["status"]: row for row in found if row["title"] != "Rådsmöte 15 december"}
    assert set(rows) == {
        "sustainability_day/published",
        "sustainability_day/archived",
        "training_module/published",
        "council_meeting/published",
    }
    # ... and the council meeting held two months ago, on a Tuesday (demo_council.py).
    assert [row["slug"] for row in found if row["title"] == "Rådsmöte 15 december"] == ["radsmote-15-december-2026"]

    training = await events.get_event(rows["training_module/published"]["slug"])
    assert training["title"] == "Klimatanpassning i kommunal planering"
    assert (training["audience"], training["completion_rule"], training["completion_min"]) == ("members", "at_least", 2)
    occasions = [d["day"] for d in training["days"]]
    assert occasions == [date(2027, 1, 19), date(2027, 2, 23), date(2027, 3, 23)]  # -3, +2 and +6 weeks, Tuesdays
    assert len(await programme.programme(training["id"])) == 3

    meeting = await events.get_event(rows["council_meeting/published"]["slug"])
    assert (meeting["title"], meeting["audience"]) == ("Rådsmöte", "members")
    assert [d["day"] for d in meeting["days"]] == [date(2027, 3, 3)]
    assert len(await programme.programme(meeting["id"])) == 4

    last_year = await events.get_event(rows["sustainability_day/archived"]["slug"])
    assert (last_year["slug"], last_year["title"]) == ("hallbarhetsdagarna-2026", "Hållbarhetsdagarna 2026")
    assert [d["day"] for d in last_year["days"]] == [date(2026, 3, 12), date(2026, 3, 13)]  # Thursday and Friday
    assert localtime(last_year["starts_at"]).strftime("%H:%M") == "09:00"
    assert len(await programme.programme(last_year["id"])) == 14
    assert [e["slug"] for e in await events.list_events(when="past", now=now)] == [
        "radsmote-15-december-2026",
        "hallbarhetsdagarna-2026",
    ]


async def test_text_longer_than_its_column_and_huge_capacities_are_refused_on_the_field():
    """PostgreSQL would refuse these with a server error; the rules say so next to the field first."""
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(
            two_days(venue_name="S" * 201, venue_address="G" * 301, capacity=3_000_000_000), ACTOR
        )
    assert set(failure.value.errors) >= {"venue_name", "venue_address", "capacity"}
    assert await Event.count() == 0
    event = await events.create_event(two_days(), ACTOR)
    with pytest.raises(ValidationFailed) as failure:
        await programme.add_session(
            event["slug"],
            SessionInput(
                title="Verkstad",
                starts_at=at("2027-05-20", "11:00"),
                ends_at=at("2027-05-20", "12:00"),
                room="R" * 101,
                speakers=[SpeakerInput(name="N" * 201)],
            ),
            ACTOR,
        )
    assert set(failure.value.errors) == {"room", "speakers"}
    assert await ProgrammeSession.count() == 0


async def test_a_training_module_over_several_weeks_needs_its_occasion_dates():
    spring = two_days(
        kind=EventKind.training_module.value,
        title="Klimatanpassning",
        starts_at=at("2027-03-02", "13:00"),
        ends_at=at("2027-04-13", "16:00"),
        registration_closes_at=None,
    )
    with pytest.raises(ValidationFailed) as failure:
        await events.create_event(spring, ACTOR)
    assert set(failure.value.errors) == {"occasion_dates"}
    spring.occasion_dates = [date(2027, 3, 2), date(2027, 3, 23), date(2027, 4, 13)]
    module = await events.create_event(spring, ACTOR)
    assert [day["day"] for day in module["days"]] == spring.occasion_dates


async def test_the_demo_hallbarhetsdagarna_has_an_invite_list():
    from events_app.domain import invitations

    await load_demo(now=at("2027-02-10", "14:00"))
    _, rows = await invitations.list_invitations("hallbarhetsdagarna-2027")
    counts = invitations.count_states(rows)
    assert (counts["queued"], counts["not_sent"], sum(counts.values())) == (3, 1, 4)
    assert [row["name"] for row in rows if row["reserved_place"]] == ["Elin Åkesson"]
