"""Registration rules through the domain: places, waiting lists, tickets, mails, changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from icalendar import Calendar

from events_app.domain import events, programme, registrations, reminders, tickets
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.programme import SessionInput
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Registration, SessionChoice
from tests.account_helpers import database_snapshot, tr
from tests.registration_helpers import (
    SYSTEM,
    decode_qr,
    deliver,
    form,
    parts,
    published_event,
    queued,
    registered,
)

STRANGER = Registrant(ip="198.51.100.7")


async def test_a_registration_gets_a_confirmed_place_and_a_ticket():
    event = await published_event()
    registration = await registered(event["slug"], form(), STRANGER)
    assert registration["status"] == "confirmed"
    assert len(registration["ticket_id"]) == 32 and len(registration["short_code"]) == 8
    verified = tickets.verify_code(registration["ticket_code"])
    assert verified is not None and verified.ticket_id == registration["ticket_id"]


async def test_ticket_codes_are_random_not_derived_from_ids():
    event = await published_event()
    first = await registered(event["slug"], form("a@example.se"), STRANGER)
    second = await registered(event["slug"], form("b@example.se"), STRANGER)
    assert first["ticket_id"] != second["ticket_id"]
    assert first["short_code"] != second["short_code"]
    # Consecutive registrations share no structure: about half the hex digits differ by chance alone.
    assert sum(a != b for a, b in zip(first["ticket_id"], second["ticket_id"], strict=True)) > 16
    assert tickets.verify_code(first["ticket_code"][:-4] + "AAAA") is None


async def test_the_confirmation_reaches_a_real_smtp_server_with_a_qr_code_and_a_calendar_file(smtp_server):
    event = await published_event()
    registration = await registered(
        event["slug"], form(sessions=[str(event["sessions"]["Workshop A"]["uid"])]), STRANGER
    )
    assert await deliver(smtp_server.settings) == 1
    [message] = smtp_server.collector.messages
    assert message["To"].addresses[0].addr_spec == "anna@example.se"
    assert "Hållbarhetsdagarna" in message["Subject"]
    found = parts(message)
    assert decode_qr(found["inline"]["ticket-qr"]) == registration["ticket_code"]
    assert registration["short_code_display"] in found["text"]
    assert "Workshop A: Klimat" in found["text"]
    assert f"/registration/{registration['manage_token']}" in found["text"]
    calendar = Calendar.from_ical(found["attachments"][f"{event['slug']}.ics"])
    summaries = [str(component["summary"]) for component in calendar.walk("VEVENT")]
    assert summaries == ["Hållbarhetsdagarna", "Hållbarhetsdagarna"]  # one entry per day


async def test_a_full_event_puts_people_on_the_waiting_list_and_a_cancellation_promotes_the_first(smtp_server):
    event = await published_event(capacity=2)
    regs = [await registered(event["slug"], form(f"p{n}@example.se", name=f"Person {n}"), STRANGER) for n in range(4)]
    assert [r["status"] for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    await deliver(smtp_server.settings)
    smtp_server.collector.messages.clear()
    await registrations.cancel_registration(str(regs[0]["uid"]), SYSTEM)
    statuses = {r["email"]: r["status"] for r in await Registration.select(Registration.email, Registration.status)}
    assert statuses == {
        "p0@example.se": "cancelled",
        "p1@example.se": "confirmed",
        "p2@example.se": "confirmed",
        "p3@example.se": "waitlisted",
    }
    await deliver(smtp_server.settings)
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in smtp_server.collector.messages}
    assert set(by_recipient) == {"p0@example.se", "p2@example.se"}
    promoted = parts(by_recipient["p2@example.se"])
    promoted_row = await registrations.get_registration(str(regs[2]["uid"]))
    assert decode_qr(promoted["inline"]["ticket-qr"]) == promoted_row["ticket_code"]


async def test_a_raised_capacity_promotes_the_waiting_list():
    event = await published_event(capacity=1)
    for n in range(3):
        await registrations.register(event["slug"], form(f"p{n}@example.se"), STRANGER)
    data = events.EventInput(
        **{k: event[k] for k in ("title", "kind", "audience", "starts_at", "ends_at", "venue_name", "venue_address")},
        capacity=2,
    )
    await events.update_event(event["slug"], data, SYSTEM)
    assert await Registration.count().where(Registration.status == "confirmed") == 2
    assert len(await queued("registration_promoted")) == 1


async def test_a_capacity_cannot_go_below_the_confirmed_places():
    event = await published_event(capacity=5)
    for n in range(3):
        await registrations.register(event["slug"], form(f"p{n}@example.se"), STRANGER)
    data = events.EventInput(**{k: event[k] for k in ("title", "kind", "audience", "starts_at", "ends_at")}, capacity=2)
    with pytest.raises(ValidationFailed) as failure:
        await events.update_event(event["slug"], data, SYSTEM)
    assert "capacity" in failure.value.errors


async def test_the_same_address_twice_makes_no_second_ticket_and_mails_the_link_again():
    event = await published_event()
    await registrations.register(event["slug"], form(), STRANGER)
    before = await Registration.count()
    with pytest.raises(registrations.AlreadyRegistered) as failure:
        await registrations.register(event["slug"], form(email="ANNA@example.se"), STRANGER)
    assert failure.value.field == "email"
    assert await Registration.count() == before
    assert len(await queued("registration_link", "anna@example.se")) == 1


async def test_conflicting_and_full_sessions_are_refused_and_nothing_is_written():
    event = await published_event(workshop_capacity=1)
    a, b = str(event["sessions"]["Workshop A"]["uid"]), str(event["sessions"]["Workshop B"]["uid"])
    before = await database_snapshot()
    with pytest.raises(ValidationFailed) as failure:
        await registrations.register(event["slug"], form(sessions=[a, b]), STRANGER)
    assert "sessions" in failure.value.errors
    assert await database_snapshot() == {
        **before,
        "rate_limit_counter": (await database_snapshot())["rate_limit_counter"],
    }
    await registrations.register(event["slug"], form("first@example.se", sessions=[a]), STRANGER)
    with pytest.raises(ValidationFailed) as failure:
        await registrations.register(event["slug"], form("second@example.se", sessions=[a]), STRANGER)
    assert "full" in failure.value.errors["sessions"].message
    assert await Registration.count().where(Registration.email == "second@example.se") == 0
    # The queue of a full session can be joined on purpose.
    queued_reg = await registered(event["slug"], form("second@example.se", waitlist_sessions=[a]), STRANGER)
    assert [c["status"] for c in queued_reg["choices"]] == ["waitlisted"]


async def test_dropping_a_session_gives_the_place_to_the_first_in_its_queue():
    event = await published_event(workshop_capacity=1)
    a, c = str(event["sessions"]["Workshop A"]["uid"]), str(event["sessions"]["Workshop C"]["uid"])
    holder = await registered(event["slug"], form("holder@example.se", sessions=[a]), STRANGER)
    waiter = await registered(event["slug"], form("waiter@example.se", waitlist_sessions=[a]), STRANGER)
    await registrations.update_registration(str(holder["uid"]), form("holder@example.se", sessions=[c]), SYSTEM)
    waiter = await registrations.get_registration(str(waiter["uid"]))
    assert [(ch["title"], ch["status"]) for ch in waiter["choices"]] == [("Workshop A: Klimat", "confirmed")]
    assert len(await queued("session_place", "waiter@example.se")) == 1


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"accessibility": "x" * 1001}, "accessibility"),
        ({"consent": False}, "consent"),
        ({"dietary": ["chocolate"]}, "dietary"),
        ({"days": []}, "days"),
        ({"days": ["1999-01-01"]}, "days"),
    ],
)
async def test_bad_input_is_refused_next_to_the_field(fields, field):
    event = await published_event()
    with pytest.raises(ValidationFailed) as failure:
        await registrations.register(event["slug"], form(**fields), STRANGER)
    assert field in failure.value.errors
    assert await Registration.count() == 0


async def test_registration_outside_the_window_is_refused():
    event = await published_event(publish=False)
    with pytest.raises(DomainError):
        await registrations.register(event["slug"], form(), STRANGER)
    event = await published_event(title="Stängd", registration_closes_at=None, days_ahead=-1)
    with pytest.raises(DomainError) as failure:
        await registrations.register(event["slug"], form(), STRANGER)
    assert failure.value.code == "registration_closed"


async def test_members_only_and_invitation_only_events_say_why_they_refuse():
    members = await published_event(audience="members", title="Rådsmöte")
    with pytest.raises(DomainError) as failure:
        await registrations.register(members["slug"], form(), STRANGER)
    assert failure.value.code == "members_only"
    invited = await published_event(audience="invitation", title="Inbjudna")
    with pytest.raises(DomainError) as failure:
        await registrations.register(invited["slug"], form(), STRANGER)
    assert failure.value.code == "invitation_required"
    with pytest.raises(DomainError) as failure:
        await registrations.register(invited["slug"], form(invitation_token="made-up"), STRANGER)
    assert failure.value.code == "invitation_unknown"


async def test_a_moved_session_mails_each_person_registered_to_it_once(smtp_server):
    event = await published_event(workshop_capacity=None)
    a = event["sessions"]["Workshop A"]
    for n in range(3):
        await registrations.register(event["slug"], form(f"p{n}@example.se", sessions=[str(a["uid"])]), STRANGER)
    await registrations.register(event["slug"], form("other@example.se"), STRANGER)
    await deliver(smtp_server.settings)
    smtp_server.collector.messages.clear()
    await programme.update_session(
        str(a["uid"]),
        SessionInput(
            title=a["title"],
            kind=a["kind"],
            starts_at=a["starts_at"],
            ends_at=a["ends_at"],
            room="Sal 3",
            capacity=a["capacity"],
            requires_signup=True,
        ),
        SYSTEM,
    )
    await deliver(smtp_server.settings)
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.collector.messages)
    assert recipients == ["p0@example.se", "p1@example.se", "p2@example.se"]
    text = parts(smtp_server.collector.messages[0])["text"]
    assert "Sal 1" in text and "Sal 3" in text


async def test_a_cancelled_event_mails_everyone_registered():
    event = await published_event(capacity=1)
    for n in range(2):
        await registrations.register(event["slug"], form(f"p{n}@example.se"), STRANGER)
    await events.cancel_event(event["slug"], SYSTEM, "Stormen")
    assert sorted(m["to_address"] for m in await queued("event_cancelled")) == ["p0@example.se", "p1@example.se"]
    await events.cancel_event(event["slug"], SYSTEM, "Stormen")  # again: no second mail
    assert len(await queued("event_cancelled")) == 2


async def test_reminders_are_queued_exactly_once_even_when_run_concurrently():
    event = await published_event(days_ahead=10)
    for n in range(5):
        await registrations.register(event["slug"], form(f"p{n}@example.se"), STRANGER)
    assert await reminders.queue_due_reminders() == 0  # ten days ahead: not yet
    two_days_before = event["starts_at"] - timedelta(days=2) + timedelta(minutes=1)
    counts = await asyncio.gather(
        *[reminders.queue_due_reminders(two_days_before) for _ in range(6)], return_exceptions=True
    )
    assert sum(c for c in counts if isinstance(c, int)) == 5, counts
    assert len(await queued("event_reminder")) == 5
    assert await reminders.queue_due_reminders(two_days_before + timedelta(hours=1)) == 0


async def test_a_registration_within_the_reminder_period_gets_no_separate_reminder(smtp_server):
    event = await published_event(days_ahead=1)
    await registrations.register(event["slug"], form(), STRANGER)
    assert await reminders.queue_due_reminders() == 0
    await deliver(smtp_server.settings)
    [message] = smtp_server.collector.messages
    assert decode_qr(parts(message)["inline"]["ticket-qr"]).startswith("HR1.")


async def test_sixty_simultaneous_registrations_never_exceed_the_capacity():
    event = await published_event(capacity=20)
    results = await asyncio.gather(
        *[
            registrations.register(event["slug"], form(f"rush{n}@example.se"), Registrant(ip=f"10.0.0.{n}"))
            for n in range(60)
        ]
    )
    assert sorted(r.registration["status"] for r in results) == ["confirmed"] * 20 + ["waitlisted"] * 40
    assert await Registration.count().where(Registration.status == "confirmed") == 20
    assert await Registration.count().where(Registration.status == "waitlisted") == 40
    assert len(await queued("registration_received")) == 60


async def test_simultaneous_choices_never_exceed_a_session_capacity():
    event = await published_event(capacity=None, workshop_capacity=7)
    a = str(event["sessions"]["Workshop A"]["uid"])

    async def attempt(n: int):
        try:
            return await registrations.register(
                event["slug"], form(f"rush{n}@example.se", sessions=[a]), Registrant(ip=f"10.0.1.{n}")
            )
        except ValidationFailed as failure:
            return failure

    results = await asyncio.gather(*[attempt(n) for n in range(50)])
    assert sum(1 for r in results if isinstance(r, ValidationFailed)) == 43
    assert await SessionChoice.count().where(SessionChoice.status == "confirmed") == 7
    assert await Registration.count() == 7


async def test_the_personal_calendar_feed_carries_confirmed_registrations_and_their_sessions():
    from events_app.domain import calendar

    event = await published_event(capacity=1, workshop_capacity=None)
    a = str(event["sessions"]["Workshop A"]["uid"])
    mine = await registered(event["slug"], form(sessions=[a]), STRANGER)
    waiting = await registered(event["slug"], form("waiting@example.se"), STRANGER)
    feed = Calendar.from_ical(await calendar.person_feed(await calendar.feed_token(mine["person"])))
    assert sorted(str(c["summary"]) for c in feed.walk("VEVENT")) == [
        "Hållbarhetsdagarna",
        "Hållbarhetsdagarna",
        "Workshop A: Klimat – Hållbarhetsdagarna",
    ]
    waiting_feed = Calendar.from_ical(await calendar.person_feed(await calendar.feed_token(waiting["person"])))
    assert waiting_feed.walk("VEVENT") == []


async def test_a_confirmation_still_queued_when_the_person_cancels_is_not_sent(smtp_server):
    event = await published_event()
    registration = await registered(event["slug"], form(), STRANGER)
    await registrations.cancel_registration(str(registration["uid"]), SYSTEM)
    await deliver(smtp_server.settings)
    subjects = [m["Subject"] for m in smtp_server.collector.messages]
    assert subjects == [tr("sv", "Registration cancelled: %(title)s", title="Hållbarhetsdagarna")]
    [unsent] = await queued("registration_received")
    assert unsent["status"] == "failed" and "no longer applies" in unsent["last_error"]


def test_sessions_whose_times_overlap_form_one_slot_and_touching_ones_do_not():
    from datetime import datetime

    def at(start: str, end: str, title: str) -> dict:
        day = "2027-05-12T"
        return {
            "title": title,
            "starts_at": datetime.fromisoformat(day + start),
            "ends_at": datetime.fromisoformat(day + end),
        }

    sessions = [
        at("13:00", "14:30", "A"),
        at("14:00", "15:00", "B"),  # overlaps A
        at("14:45", "16:00", "C"),  # overlaps B (not A): a chain is one slot
        at("16:00", "17:00", "D"),  # starts as C ends: a slot of its own
        at("09:00", "10:00", "E"),
    ]
    slots = programme.overlapping_slots(sessions)
    assert [[s["title"] for s in slot["sessions"]] for slot in slots] == [["E"], ["A", "B", "C"], ["D"]]
    assert (slots[1]["starts_at"].hour, slots[1]["ends_at"].hour) == (13, 16)
    assert not programme.overlaps(sessions[2], sessions[3]) and programme.overlaps(sessions[0], sessions[1])


GONE_ON = (
    "Your registration is cancelled and your place has gone to the next person in line. You are welcome to "
    "register again while registration is open."
)
JUST_CANCELLED = "Your registration is cancelled. You are welcome to register again while registration is open."


async def _cancellation_mail(smtp_server, email: str) -> dict:
    await deliver(smtp_server.settings)
    [mail] = [
        m
        for m in smtp_server.collector.messages
        if m["To"].addresses[0].addr_spec == email
        and m["Subject"] == tr("sv", "Registration cancelled: %(title)s", title="Hållbarhetsdagarna")
    ]
    return parts(mail)


async def test_the_cancellation_mail_says_the_place_went_on_only_when_someone_was_waiting(smtp_server):
    event = await published_event(capacity=1)
    first = await registered(event["slug"], form("first@example.se"), STRANGER)
    await registered(event["slug"], form("second@example.se"), STRANGER)  # waiting
    await registrations.cancel_registration(str(first["uid"]), SYSTEM)

    mail = await _cancellation_mail(smtp_server, "first@example.se")
    assert " ".join(tr("sv", GONE_ON).split()) in " ".join(mail["text"].split())
    assert tr("sv", GONE_ON) in " ".join(mail["html"].split())
    assert (await queued("registration_promoted", "second@example.se")) != []


async def test_the_cancellation_mail_says_nothing_of_the_next_in_line_when_nobody_was_waiting(smtp_server):
    event = await published_event(capacity=10)
    alone = await registered(event["slug"], form("alone@example.se"), STRANGER)
    await registrations.cancel_registration(str(alone["uid"]), SYSTEM)

    mail = await _cancellation_mail(smtp_server, "alone@example.se")
    for body in (" ".join(mail["text"].split()), " ".join(mail["html"].split())):
        assert tr("sv", JUST_CANCELLED) in body
        assert tr("sv", GONE_ON) not in body


async def test_someone_leaving_the_waiting_list_is_not_told_their_place_went_on(smtp_server):
    """A full event with a queue of two: the second in line cancels; nobody was given a place."""
    event = await published_event(capacity=1)
    await registered(event["slug"], form("first@example.se"), STRANGER)
    await registered(event["slug"], form("second@example.se"), STRANGER)
    third = await registered(event["slug"], form("third@example.se"), STRANGER)
    await registrations.cancel_registration(str(third["uid"]), SYSTEM)

    mail = await _cancellation_mail(smtp_server, "third@example.se")
    assert tr("sv", GONE_ON) not in " ".join(mail["text"].split())


async def test_two_simultaneous_cancellations_of_an_event_mail_each_person_once():
    event = await published_event()
    for n in range(3):
        await registrations.register(event["slug"], form(f"p{n}@example.se"), STRANGER)
    await asyncio.gather(*[events.cancel_event(event["slug"], SYSTEM, "Stormen") for _ in range(2)])
    assert sorted(m["to_address"] for m in await queued("event_cancelled")) == [
        "p0@example.se",
        "p1@example.se",
        "p2@example.se",
    ]


async def test_two_simultaneous_identical_session_edits_mail_each_person_once():
    event = await published_event(workshop_capacity=None)
    a = event["sessions"]["Workshop A"]
    await registrations.register(event["slug"], form(sessions=[str(a["uid"])]), STRANGER)
    edit = SessionInput(
        title=a["title"],
        kind=a["kind"],
        starts_at=a["starts_at"],
        ends_at=a["ends_at"],
        room="Sal 9",
        requires_signup=True,
    )
    await asyncio.gather(*[programme.update_session(str(a["uid"]), edit, SYSTEM) for _ in range(2)])
    assert len(await queued("session_changed")) == 1


async def test_nobody_is_promoted_into_a_cancelled_event():
    event = await published_event(capacity=1)
    first = await registered(event["slug"], form("first@example.se"), STRANGER)
    await registrations.register(event["slug"], form("second@example.se"), STRANGER)
    await events.cancel_event(event["slug"], SYSTEM)
    await registrations.cancel_registration(str(first["uid"]), SYSTEM, by_organiser=True)
    assert await Registration.count().where(Registration.status == "confirmed") == 0
    assert await queued("registration_promoted") == []


async def test_a_retry_after_an_smtp_outage_does_not_send_a_confirmation_cancelled_meanwhile(smtp_server):
    import dataclasses

    from events_app.domain.tables import OutboxMessage

    event = await published_event()
    registration = await registered(event["slug"], form(), STRANGER)
    unreachable = dataclasses.replace(smtp_server.settings, smtp_port=1)  # nothing listens there
    await deliver(unreachable)
    [pending] = await queued("registration_received")
    assert pending["status"] == "pending" and pending["attempts"] == 1
    await registrations.cancel_registration(str(registration["uid"]), SYSTEM)
    await OutboxMessage.update({OutboxMessage.next_attempt_at: pending["created_at"]}).where(
        OutboxMessage.id == pending["id"]
    )
    await deliver(smtp_server.settings)
    assert [m["Subject"] for m in smtp_server.collector.messages] == [
        tr("sv", "Registration cancelled: %(title)s", title="Hållbarhetsdagarna")
    ]


async def test_an_organiser_cannot_move_someone_into_a_clash_or_a_cancelled_session():
    event = await published_event(workshop_capacity=None)
    a, b, c = (str(event["sessions"][name]["uid"]) for name in ("Workshop A", "Workshop B", "Workshop C"))
    registration = await registered(event["slug"], form(sessions=[a, c]), STRANGER)
    with pytest.raises(DomainError) as failure:
        await registrations.move_choice(str(registration["uid"]), c, b, SYSTEM)  # B is at the time of A
    assert failure.value.field == "to_session"
    await programme.cancel_session(b, SYSTEM)
    with pytest.raises(DomainError):
        await registrations.move_choice(str(registration["uid"]), a, b, SYSTEM)
    assert [
        (ch["title"], ch["status"])
        for ch in (await registrations.get_registration(str(registration["uid"])))["choices"]
    ] == [("Workshop A: Klimat", "confirmed"), ("Workshop C: Transporter", "confirmed")]
