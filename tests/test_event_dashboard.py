"""The figures of the back office's home and the event overview (event_dashboard.py), counted for
many events at once and held to the pages they summarise: places as the waiting list counts them,
invitations as the invite list names their states, check-ins as the live view, certificates as the
preview, and the failed mails of each event."""

from __future__ import annotations

from datetime import timedelta

from events_app.domain import certificates, checkins, event_dashboard, events, invitations, waiting_list
from events_app.domain.checkins import Scan
from events_app.domain.tables import Event, Invitation, OutboxMessage, OutboxStatus
from events_app.domain.transactions import utcnow
from events_app.i18n import localtime
from tests.certificate_helpers import BY_HAND, check_in, days_of, finished_event, participant
from tests.invitation_helpers import invite
from tests.registration_helpers import SYSTEM, event_today, form, published_event, registered

DOOR = {"id": None, "name": "Kim på entrén", "role": "checkin"}


async def fail_mails_to(*addresses: str) -> None:
    """As if the sender had given up on every mail to these addresses."""
    failed = {OutboxMessage.status: OutboxStatus.failed.value, OutboxMessage.last_error: "550"}
    await OutboxMessage.update(failed).where(OutboxMessage.to_address.is_in(list(addresses)))


async def busy_day() -> dict:
    """Today's event, two places, three registered (one waiting), one checked in, invitations out."""
    event = await event_today(capacity=2, title="Klimatdagen")
    people = [await registered(event["slug"], form(f"p{n}@example.se", name=f"Person {n}"), BY_HAND) for n in (1, 2, 3)]
    answer = await checkins.check_in(Scan(code=people[0]["ticket_code"], event=event["slug"]), DOOR)
    assert answer.result == "ok", answer
    # Four invited and mailed: one registers through the public form (coming all the same), one declines
    # (answered); one is added after the mailing (not sent yet): two are left without an answer.
    await invite(event["slug"], "p2@example.se", "gast1@example.se", "gast2@example.se", "nej@example.se")
    assert await invitations.send_invitations(event["slug"], "Välkommen!", SYSTEM) == 4
    await Invitation.update({Invitation.status: invitations.DECLINED}).where(Invitation.email == "nej@example.se")
    await invite(event["slug"], "senare@example.se")
    await fail_mails_to("p3@example.se", "gast1@example.se")
    return {**event, "people": people}


async def test_an_event_of_today_has_its_places_waiting_list_invitations_and_check_ins():
    event = await busy_day()
    [figures] = [f for f in await event_dashboard.home_events() if f.event["slug"] == event["slug"]]

    assert figures.phase == "running"
    assert (figures.registered, figures.capacity, figures.waitlisted) == (2, 2, 1)
    assert figures.places_taken == await waiting_list.confirmed_registrations(event["id"])
    assert figures.full
    _, rows = await invitations.list_invitations(event["slug"])
    states = invitations.count_states(rows)
    assert figures.unanswered_invitations == 2 == sum(states[s] for s in ("queued", "sent", "opened", "failed"))
    live = await checkins.live_counts(event["slug"])
    assert (figures.checked_in_today, figures.expected_today) == (1, 2) == (live["checked_in"], live["expected"])
    # p3's registration mail (waiting list) and gast1's invitation could not be delivered.
    assert figures.failed_mails == 2
    assert figures.closes_in_days == 1  # registration closes tomorrow afternoon
    assert figures.certificates_ready == 0  # the event has not ended
    assert figures.todos == ["failed_mails", "full_with_waiting_list", "closes_soon"]


async def test_the_overview_of_one_event_counts_the_same():
    event = await busy_day()
    [on_home] = [f for f in await event_dashboard.home_events() if f.event["slug"] == event["slug"]]
    one = await event_dashboard.event_figures(event["slug"])
    assert vars(one) == vars(on_home)


async def test_certificates_ready_are_those_earned_and_not_yet_issued():
    event = await finished_event(completion_rule="all")  # both days needed
    both = await participant(event, "Alva Berg", "alva@example.se")
    one_day = await participant(event, "Bo Ek", "bo@example.se")
    await participant(event, "Cay Dahl", "cay@example.se")  # never came
    await check_in(event, both, *days_of(event))
    await check_in(event, one_day, days_of(event)[0])
    figures = await event_dashboard.event_figures(event["slug"])
    preview = await certificates.preview(event["slug"])
    assert figures.phase == "ended"
    assert figures.certificates_ready == 1 == len(preview.with_action("new"))
    assert "certificates_ready" in figures.todos

    await certificates.issue_certificates(event["slug"], SYSTEM)
    late = await participant(event, "Dag Falk", "dag@example.se")
    await check_in(event, late, *days_of(event))
    figures = await event_dashboard.event_figures(event["slug"])
    assert figures.certificates_ready == 1 == len((await certificates.preview(event["slug"])).with_action("new"))
    # Those issued and mailed: when a certificate mail fails, that is a failed mail of the event.
    await fail_mails_to("alva@example.se")
    assert (await event_dashboard.event_figures(event["slug"])).failed_mails >= 1


async def test_the_home_lists_running_upcoming_and_recently_ended_events_only():
    running = await event_today(title="Pågår idag")
    later = await published_event(days_ahead=40, title="Senare")
    draft = await published_event(days_ahead=60, title="Utkast", publish=False)
    ended = await finished_event(title="Förra veckan")
    cancelled = await published_event(days_ahead=10, title="Inställt")
    await events.cancel_event(cancelled["slug"], SYSTEM, "Sjukdom")
    long_ago = await finished_event(title="Länge sedan")
    await Event.update(
        {Event.starts_at: utcnow() - timedelta(days=90), Event.ends_at: utcnow() - timedelta(days=89)}
    ).where(Event.id == long_ago["id"])

    shown = [(f.event["slug"], f.phase) for f in await event_dashboard.home_events()]
    assert shown == [
        (running["slug"], "running"),
        (later["slug"], "upcoming"),
        (draft["slug"], "upcoming"),
        (ended["slug"], "ended"),
    ]


async def test_check_in_staff_see_only_todays_events_and_their_door_numbers():
    event = await busy_day()
    await published_event(days_ahead=5, title="Inte idag")
    [door] = await event_dashboard.door_events()
    assert door.event["slug"] == event["slug"]
    assert (door.checked_in_today, door.expected_today) == (1, 2)
    assert (door.unanswered_invitations, door.failed_mails, door.waitlisted, door.todos) == (0, 0, 0, [])


async def test_registration_closing_in_days_counts_calendar_days_in_stockholm():
    event = await published_event(days_ahead=30)
    now = utcnow()
    closes = localtime(now).replace(hour=23, minute=0) + timedelta(days=5)
    await Event.update({Event.registration_closes_at: closes}).where(Event.id == event["id"])
    figures = await event_dashboard.event_figures(event["slug"], now)
    assert figures.closes_in_days == 5
    assert "closes_soon" in figures.todos
    assert (await event_dashboard.event_figures(event["slug"], now - timedelta(days=20))).closes_in_days is None


async def test_the_number_of_queries_does_not_grow_with_the_events(monkeypatch):
    """One grouped query per figure, whatever the number of events and registrations."""
    engine_class = type(Event._meta.db)
    run = engine_class.run_querystring
    queries: list[str] = []

    async def counted(self, querystring, *args, **kwargs):
        queries.append(str(querystring))
        return await run(self, querystring, *args, **kwargs)

    async def count_home() -> list[str]:
        queries.clear()
        monkeypatch.setattr(engine_class, "run_querystring", counted)
        try:
            await event_dashboard.home_events()
        finally:
            monkeypatch.setattr(engine_class, "run_querystring", run)
        return [query.split(" WHERE")[0][:80] for query in queries]

    await busy_day()
    await finished_event(title="Avslutat")  # certificates are counted only for ended events
    one = await count_home()
    for n in range(3):
        event = await published_event(days_ahead=5 + n, title=f"Fler {n}")
        for m in range(3):
            await registered(event["slug"], form(f"x{n}{m}@example.se", name=f"X {n}{m}"), BY_HAND)
    assert len(await event_dashboard.home_events()) == 5
    assert await count_home() == one
    assert len(one) <= 7, one
