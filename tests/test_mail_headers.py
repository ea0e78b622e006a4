"""Every kind of mail the platform sends arrives with the headers that mail filters trust: a Date, a
Message-ID on the sender's domain, Auto-Submitted; and a follow-up mailing, bulk by nature, with
List-Id and a one-click List-Unsubscribe (RFC 8058). Read from a real SMTP server."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from events_app.domain import (
    certificates,
    events,
    invitations,
    mailings,
    outbox,
    people,
    programme,
    registrations,
    reminders,
    staff,
)
from events_app.domain.mailings import MailingInput
from events_app.domain.programme import SessionInput
from events_app.domain.tables import OutboxMessage
from events_app.domain.transactions import utcnow
from tests.account_helpers import add_member
from tests.certificate_helpers import BY_HAND, check_in, days_of, finished_event, participant
from tests.invitation_helpers import invite
from tests.registration_helpers import SYSTEM, deliver, form, published_event, registered

EVERY_KIND = {
    "registration_received",
    "registration_link",
    "registration_cancelled",
    "registration_promoted",
    "session_changed",
    "session_place",
    "event_reminder",
    "event_cancelled",
    "invitation",
    "invitation_reminder",
    "certificate",
    "mailing",
    "sign_in_link",
    "password_reset",
    "test_message",
    "sign_in_failures",
}


async def _mail_of_every_kind(staff_accounts, smtp_settings) -> None:
    # Registering, the link again, cancelling, and a place for the next in line.
    full = await published_event(title="Rådsmöte", capacity=1, days_ahead=1)
    first = await registered(full["slug"], form("anna@example.se"), registrations.Registrant())
    await registered(full["slug"], form("bo@example.se", name="Bo Berg"), registrations.Registrant())
    with contextlib.suppress(registrations.AlreadyRegistered):  # the link is mailed again
        await registrations.register(full["slug"], form("anna@example.se"), registrations.Registrant())
    await deliver(smtp_settings)  # before she cancels, which makes those mails moot
    await registrations.cancel_registration(str(first["uid"]), SYSTEM)
    # The reminder before an event five days ahead, as the sender queues it three days later.
    soon = await published_event(title="Påminnelsedagen", days_ahead=5)
    await registered(soon["slug"], form("eva@example.se", name="Eva"), registrations.Registrant())
    await reminders.queue_due_reminders(utcnow() + timedelta(days=4))
    # A session's place freed for the one waiting, then the session moved; then the event called off.
    day = await published_event(title="Klimatdagen", workshop_capacity=1)
    workshop = str(day["sessions"]["Workshop A"]["uid"])
    holder = await registered(day["slug"], form("cilla@example.se", name="Cilla", sessions=[workshop]), BY_HAND)
    await registered(day["slug"], form("dan@example.se", name="Dan", waitlist_sessions=[workshop]), BY_HAND)
    await registrations.update_registration(str(holder["uid"]), form("cilla@example.se", name="Cilla"), SYSTEM)
    moved = day["sessions"]["Workshop A"]
    await programme.update_session(
        str(moved["uid"]),
        SessionInput(
            title=moved["title"],
            kind="workshop",
            starts_at=moved["starts_at"] + timedelta(minutes=30),
            ends_at=moved["ends_at"] + timedelta(minutes=30),
            room="Sal 3",
            requires_signup=True,
            capacity=1,
        ),
        SYSTEM,
    )
    await deliver(smtp_settings)  # before the event is called off, which makes those mails moot
    await events.cancel_event(day["slug"], SYSTEM, "Inställt")
    # Invitations and a reminder.
    guests = await published_event(title="Gästdagen", audience="invitation")
    await invite(guests["slug"], "gast@example.org")
    await invitations.send_invitations(guests["slug"], "", SYSTEM)
    await invitations.send_reminders(guests["slug"], SYSTEM, now=utcnow() + timedelta(days=10))
    # A certificate and a follow-up mailing.
    done = await finished_event()
    erik = await participant(done, "Erik Ek", "erik@example.se")
    await check_in(done, erik, *days_of(done))
    await certificates.issue_certificates(done["slug"], SYSTEM)
    mailing = await mailings.create_draft(
        done["slug"], MailingInput(audience="attended", subject_sv="Tack", body_sv="Tack för i dag."), SYSTEM
    )
    await mailings.send(done["slug"], str(mailing["uid"]), SYSTEM)
    # The accounts' mails.
    await add_member(email="asa@example.se")
    await people.mail_sign_in_link("asa@example.se", language="sv")
    await staff.mail_password_reset("admin@test.se", ip="127.0.0.1", language="sv")
    await outbox.queue_test_message(staff_accounts["admin"], SYSTEM, "sv")
    for number in range(staff.FAILURE_NOTICE_AFTER):
        await staff.authenticate("organiser@test.se", f"fel-{number}", ip=f"10.5.0.{number}")


async def test_every_kind_of_mail_carries_date_message_id_and_auto_submitted(smtp_server, staff_accounts, monkeypatch):
    monkeypatch.setattr(staff, "BACKOFF_UNIT", 0.001)
    await _mail_of_every_kind(staff_accounts, smtp_server.settings)
    await deliver(smtp_server.settings)
    # Some mails no longer apply when the sender reaches them (to a registration cancelled since): those
    # are not sent, by design; every kind is sent at least once.
    sent = await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.message_id).where(
        OutboxMessage.status == "sent"
    )
    kinds = {row["kind"] for row in sent}
    assert kinds >= EVERY_KIND, f"never sent: {EVERY_KIND - kinds}"
    kind_of = {row["message_id"]: row["kind"] for row in sent}
    received = smtp_server.collector.messages
    assert {kind_of[message["Message-ID"]] for message in received} >= EVERY_KIND
    for message in received:
        kind = kind_of[message["Message-ID"]]
        assert message["Date"] is not None and message["Date"].datetime.tzinfo is not None, kind
        assert abs(message["Date"].datetime - utcnow()) < timedelta(minutes=5), kind
        assert message["Message-ID"].endswith("@localhost>"), kind  # the sender's domain (MAIL_FROM)
        assert message["Auto-Submitted"] == "auto-generated", kind
        if kind == "mailing":
            assert message["List-Id"].endswith(".mailings.localhost>")
            assert message["List-Unsubscribe"].startswith("<http://testserver/mailings/decline/")
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:  # the mails about one's own registration or account are not bulk mail
            assert message["List-Unsubscribe"] is None, kind
