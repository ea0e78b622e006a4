"""Places taken by a script: once one IP address has made more than REGISTRATION_BURST_PER_IP (10)
anonymous registrations for an event within an hour, the next ones are held until their person
confirms by the mailed link; a held place is released when the time passes, the next in line gets
it, and the organisers can cancel a burst at once. People registering one by one from a shared office
address, signed-in members and invitees are never held. The form has a honeypot."""

from __future__ import annotations

import re
from datetime import timedelta

from events_app.domain import invitation_links, invitations, registration_holds, registrations
from events_app.domain.registrations import Registrant
from events_app.domain.tables import OutboxMessage, Person, Registration
from events_app.domain.transactions import utcnow
from tests.account_helpers import add_member, another_client, location, text_of, tr
from tests.conftest import sign_in
from tests.invitation_helpers import invite
from tests.registration_helpers import SYSTEM, deliver, form, parts, published_event, queued

OFFICE = "192.0.2.10"


async def _burst(event: dict, count: int, ip: str = OFFICE, prefix: str = "p") -> list[dict]:
    return [
        (
            await registrations.register(
                event["slug"], form(f"{prefix}{n}@example.se", name=f"P {n}"), Registrant(ip=ip)
            )
        ).registration
        for n in range(count)
    ]


async def test_the_eleventh_anonymous_registration_from_one_address_is_held_and_mailed_to_confirm(smtp_server):
    event = await published_event()
    first = await _burst(event, 10)
    assert all(row["held_until"] is None for row in first)  # an office registering its staff: one step
    [held] = await _burst(event, 1, prefix="bot")
    assert held["held_until"] is not None and held["status"] == "confirmed"  # the place is held for them
    assert abs(held["held_until"] - (utcnow() + timedelta(hours=24))) < timedelta(minutes=1)
    [elsewhere] = await _burst(event, 1, ip="198.51.100.7", prefix="elsewhere")
    assert elsewhere["held_until"] is None  # another address is another matter

    assert [m["to_address"] for m in await queued("registration_held")] == ["bot0@example.se"]
    assert await queued("registration_received", "bot0@example.se") == []
    await deliver(smtp_server.settings)
    [mail] = [m for m in smtp_server.collector.messages if m["To"].addresses[0].addr_spec == "bot0@example.se"]
    text = parts(mail)["text"]
    assert f"/registration/{held['manage_token']}" in text and f"/registration/{held['manage_token']}/cancel" in text
    assert "inline" not in parts(mail) or not parts(mail)["inline"]  # no ticket before confirming

    confirmed = await registration_holds.confirm(held["manage_token"])
    assert confirmed["held_until"] is None
    assert [m["to_address"] for m in await queued("registration_received")][-1] == "bot0@example.se"


async def test_an_unconfirmed_held_place_goes_to_the_next_in_line_when_the_time_passes():
    event = await published_event(capacity=11)
    await _burst(event, 10)
    [held] = await _burst(event, 1, prefix="bot")
    waiting = (
        await registrations.register(event["slug"], form("karin@example.se"), Registrant(ip="198.51.100.9"))
    ).registration
    assert waiting["status"] == "waitlisted"

    assert await registration_holds.release_expired(utcnow() + timedelta(hours=23)) == 0
    assert await registration_holds.release_expired(utcnow() + timedelta(hours=25)) == 1
    assert (await registrations.get_registration(str(held["uid"])))["status"] == "cancelled"
    assert (await registrations.get_registration(str(waiting["uid"])))["status"] == "confirmed"
    assert await queued("registration_promoted", "karin@example.se")


async def test_members_signed_in_and_invitees_are_never_held():
    event = await published_event(audience="public")
    await _burst(event, 11)
    member = await add_member(email="asa@sundsvall.se")
    person = await Person.select(Person.id).where(Person.uid == member).first()
    signed_in = await registrations.register(
        event["slug"], form("asa@sundsvall.se"), Registrant(person_id=person["id"], ip=OFFICE)
    )
    assert signed_in.registration["held_until"] is None
    await invite(event["slug"], "gast@example.org")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    mail = (
        await OutboxMessage.select(OutboxMessage.build_args)
        .where(OutboxMessage.kind == "invitation")
        .output(load_json=True)
        .first()
    )
    token = invitation_links.link_secret(mail["build_args"]["link"])
    invited = await registrations.register(
        event["slug"], form("gast@example.org", invitation_token=token), Registrant(ip=OFFICE)
    )
    assert invited.registration["held_until"] is None


async def test_the_organisers_see_a_burst_and_cancel_it_at_once(client, staff_accounts):
    event = await published_event()
    await _burst(event, 10)
    held = await _burst(event, 3, prefix="bot")
    await sign_in(client, "organiser@test.se")
    page = await client.get(f"/organiser/events/{event['slug']}/registrations")
    assert tr("sv", "Held registrations") in text_of(page)
    action = re.search(r'action="(/organiser/events/[^"]+/bursts/[^"]+/cancel)"', page.text).group(1)
    done = await client.submit(action, {"confirm": "yes"}, form_page=f"/organiser/events/{event['slug']}/registrations")
    assert location(done) == f"/organiser/events/{event['slug']}/registrations"
    statuses = {str(r["uid"]): r["status"] for r in await Registration.select(Registration.uid, Registration.status)}
    assert [statuses[str(r["uid"])] for r in held] == ["cancelled"] * 3
    assert list(statuses.values()).count("confirmed") == 10  # the office's registrations stay
    assert await OutboxMessage.count().where(OutboxMessage.kind == "registration_cancelled") == 0  # nobody is mailed


async def test_a_held_registration_through_the_form_does_not_show_its_private_link(app, client):
    event = await published_event()
    await _burst(event, 10, ip="127.0.0.1")
    response = await client.submit(f"/events/{event['slug']}/register", _answers("bot@example.se"))
    # Not the private page: that link is mailed. "Check your email" instead.
    assert location(response) == f"/events/{event['slug']}/register/check-email"
    held = (
        await Registration.select(Registration.held_until, Registration.manage_token)
        .where(Registration.email == "bot@example.se")
        .first()
    )
    assert held["held_until"] is not None
    page = await client.get(location(response))
    assert page.status_code == 200 and held["manage_token"] not in page.text
    assert tr("sv", "Check your email") in text_of(page) and "bot@example.se" in text_of(page)


async def test_check_your_email_after_a_held_registration_sends_the_link_again_within_the_limits(app, client):
    event = await published_event()
    await _burst(event, 10, ip="127.0.0.1")
    page_url = location(await client.submit(f"/events/{event['slug']}/register", _answers("bot@example.se")))
    page = await client.get(page_url)
    assert re.search(rf'<form method="post" action="{page_url}" class="send-again">', page.text)

    # Registering counted once for the address; four more mails fit its limit of five an hour.
    for _ in range(4):
        again = await client.submit(page_url)
        assert location(again) == page_url
        assert tr("sv", "We have sent the link again to %(email)s.", email="bot@example.se") in text_of(
            await client.get(page_url)
        )
    assert len(await queued("registration_held", "bot@example.se")) == 5

    refused = await client.submit(page_url)
    assert refused.status_code == 429
    assert tr("sv", "Too many attempts. Please wait a few minutes and try again.") in text_of(refused)
    assert "send-again" not in refused.text
    assert len(await queued("registration_held", "bot@example.se")) == 5

    # Another browser has no held registration of its own here: no address, no button, no mail.
    async with another_client(app, ip="10.0.0.9") as stranger:
        assert location(await stranger.get(page_url)) == f"/events/{event['slug']}"
        assert location(await stranger.submit(page_url, form_page=f"/events/{event['slug']}")) == (
            f"/events/{event['slug']}"
        )
    assert len(await queued("registration_held", "bot@example.se")) == 5


async def test_a_confirmed_registration_has_no_link_to_send_again(client):
    event = await published_event()
    await _burst(event, 10, ip="127.0.0.1")
    page_url = location(await client.submit(f"/events/{event['slug']}/register", _answers("bot@example.se")))
    held = await Registration.select(Registration.manage_token).where(Registration.email == "bot@example.se").first()
    await registration_holds.confirm(held["manage_token"])

    again = await client.submit(page_url)

    assert location(again) == page_url
    assert tr("sv", "This registration is no longer waiting for a confirmation.") in text_of(await client.get(page_url))
    assert len(await queued("registration_held", "bot@example.se")) == 1


async def test_the_honeypot_is_refused_and_registers_nobody(client):
    event = await published_event()
    response = await client.submit(f"/events/{event['slug']}/register", {**_answers("bot@example.se"), "homepage": "x"})
    assert response.status_code == 400
    assert tr("sv", "The registration could not be made. Leave the field “Leave this field empty” empty.") in text_of(
        response
    )
    assert await Registration.count() == 0


def _answers(email: str) -> dict:
    return {"name": "Bo Bot", "email": email, "organisation": "sundsvall", "consent": "1"}
