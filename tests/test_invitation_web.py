"""The invitee's side of a personal invitation, through the pages: the invitation page reached by the
link in a real mail, declining (with a reason), accepting through the registration form filled in
from the invitation, and links that no longer work. The rules themselves are tested in
tests/test_invitations.py."""

from __future__ import annotations

import re
from datetime import timedelta

from events_app import i18n
from events_app.domain import events, invitation_links, invitations, privacy_notice, registrations
from events_app.domain.invitations import InviteeInput
from events_app.domain.tables import Event, Invitation, Registration
from events_app.domain.transactions import utcnow
from tests.account_helpers import database_snapshot, location, text_of, tr
from tests.invitation_helpers import pass_the_deadline
from tests.registration_helpers import SYSTEM, form, published_event, queued
from tests.test_invitations import STRANGER, sent_links

NOTE = "Vi vill gärna höra om er vätgassatsning."
PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


async def invited(event: dict, email: str = "karin@energibolaget.se", name: str = "Karin Berg", **fields) -> dict:
    return await invitations.add_invitee(event["slug"], InviteeInput(name=name, email=email, **fields), SYSTEM)


async def mailed(smtp_server, event: dict) -> dict[str, str]:
    """Send the event's invitations through the real SMTP server: {address: the link's path}."""
    await invitations.send_invitations(event["slug"], "Välkommen!", SYSTEM)
    return {email: f"/invitation/{token}" for email, token in (await sent_links(smtp_server)).items()}


async def invitation_row(email: str = "karin@energibolaget.se") -> dict:
    return await Invitation.select().where(Invitation.email == email).first()


def assert_private(response) -> None:
    assert {name: response.headers.get(name) for name in PRIVATE} == PRIVATE, dict(response.headers)


# --- The invitation page ------------------------------------------------------------------------


async def test_the_page_shows_the_event_the_note_and_the_deadline_and_records_the_first_opening(client, smtp_server):
    event = await published_event(audience="invitation", description="Två dagar om **klimat** och energi.")
    await invited(event, note=NOTE)
    link = (await mailed(smtp_server, event))["karin@energibolaget.se"]
    assert (await invitation_row())["opened_at"] is None

    response = await client.get(link)

    assert response.status_code == 200
    page = text_of(response)
    for text in (
        tr("sv", "Invitation: %(title)s", title="Hållbarhetsdagarna"),
        tr("sv", "Hello %(name)s,", name="Karin Berg"),
        NOTE,
        "Folkets hus",
        tr("sv", "Not answered yet"),
    ):
        assert text in page, text
    assert "<strong>klimat</strong>" in response.text  # the description as the event page renders it
    with i18n.use_language("sv"):
        assert i18n.format_datetime(invitation_links.deadline(await Event.select().first())) in page  # Stockholm time
    assert f'href="/events/{event["slug"]}"' in response.text  # the public programme
    token = link.rsplit("/", 1)[1]
    assert f'href="/events/{event["slug"]}/register?invitation={token}"' in response.text
    assert f'action="{link}/decline"' in response.text
    opened = (await invitation_row())["opened_at"]
    assert opened is not None
    assert (await invitations.list_invitations(event["slug"]))[1][0]["state"] == "opened"

    await client.get(link)
    assert (await invitation_row())["opened_at"] == opened  # the first opening only


async def test_opening_the_link_or_the_form_never_answers(client, smtp_server):
    event = await published_event(audience="invitation")
    await invited(event)
    link = (await mailed(smtp_server, event))["karin@energibolaget.se"]
    await client.get(link)  # the first opening is recorded; nothing else may change
    before = await database_snapshot()

    for _ in range(2):
        assert (await client.get(link)).status_code == 200
        assert (
            await client.get(f"/events/{event['slug']}/register?invitation={link.rsplit('/', 1)[1]}")
        ).status_code == 200

    assert await database_snapshot() == before
    assert (await invitation_row())["status"] == "pending"


async def test_declining_with_a_reason_is_stored_and_confirmed(client, smtp_server):
    event = await published_event(audience="invitation")
    await invited(event)
    link = (await mailed(smtp_server, event))["karin@energibolaget.se"]

    response = await client.submit(link + "/decline", {"reason": "Krockar med styrelsemöte."}, form_page=link)

    assert location(response) == link
    assert_private(response)
    row = await invitation_row()
    assert row["status"] == "declined" and row["decline_reason"] == "Krockar med styrelsemöte."
    page = text_of(await client.get(link))
    assert tr("sv", "Thank you for your answer. You have declined the invitation.") in page
    assert tr("sv", "Declined") in page and "Krockar med styrelsemöte." in page
    assert tr("sv", "Accept and register") in page  # a change of mind is still possible
    assert f'action="{link}/decline"' not in page


async def test_a_decline_without_the_forms_token_or_with_a_too_long_reason_changes_nothing(client, smtp_server):
    event = await published_event(audience="invitation")
    await invited(event)
    link = (await mailed(smtp_server, event))["karin@energibolaget.se"]
    await client.get(link)
    before = await database_snapshot()

    forged = await client.post(link + "/decline", data={"reason": "nej"})  # no CSRF token
    assert forged.status_code == 403

    response = await client.submit(link + "/decline", {"reason": "x" * 2001}, form_page=link)

    assert response.status_code == 400
    message = tr("sv", "At most %(max)s characters.", max=2000)
    assert f'<p class="field-error" id="error-reason">{message}</p>' in text_of(response)
    assert f'<a href="#field-reason">{tr("sv", "Reason for declining")}: {message}</a>' in text_of(response)
    assert "x" * 2001 in response.text  # what was typed stays
    assert_private(response)
    assert await database_snapshot() == before


async def test_declining_an_accepted_invitation_cancels_the_registration_and_promotes_the_first_in_line(
    client, smtp_server
):
    event = await published_event(audience="invitation", capacity=1)
    await invited(event)
    await invited(event, "olle@example.se", "Olle Ek")
    links = await mailed(smtp_server, event)
    token = links["karin@energibolaget.se"].rsplit("/", 1)[1]
    karin = await registrations.register(
        event["slug"], form("karin@energibolaget.se", invitation_token=token), STRANGER
    )
    olle_token = links["olle@example.se"].rsplit("/", 1)[1]
    await registrations.register(event["slug"], form("olle@example.se", invitation_token=olle_token), STRANGER)

    page = await client.get(links["karin@energibolaget.se"])
    text = text_of(page)
    assert tr("sv", "Accepted") in text and tr("sv", "Confirmed") in text
    assert f'href="/registration/{karin.registration["manage_token"]}"' in page.text
    assert tr("sv", "Declining cancels your registration, and your place goes to the next in line.") in text

    response = await client.submit(links["karin@energibolaget.se"] + "/decline", {"reason": ""})

    assert response.status_code == 303
    statuses = {
        row["email"]: row["status"] for row in await Registration.select(Registration.email, Registration.status)
    }
    assert statuses == {"karin@energibolaget.se": "cancelled", "olle@example.se": "confirmed"}
    assert await queued("registration_promoted", "olle@example.se")
    assert await queued("registration_cancelled", "karin@energibolaget.se")
    assert (await invitation_row())["status"] == "declined"


# --- Links that no longer work -------------------------------------------------------------------


async def test_revoked_expired_unknown_and_cancelled_links_say_why_and_change_nothing(client, smtp_server):
    event = await published_event(audience="invitation")
    await invited(event)
    await invited(event, "olle@example.se", "Olle Ek")
    other = await published_event(audience="invitation", title="Rådsmöte")
    await invited(other, "lisa@example.se", "Lisa Lund")
    links = await mailed(smtp_server, event)
    links.update(await mailed(smtp_server, other))
    await invitations.revoke(event["slug"], str((await invitation_row())["uid"]), SYSTEM)
    await pass_the_deadline(event)
    await events.cancel_event(other["slug"], SYSTEM, "Inställt")
    links["nobody"] = "/invitation/" + "x" * 43
    before = await database_snapshot()

    for who, status, message in (
        ("karin@energibolaget.se", 410, "This invitation has been withdrawn by the organiser."),
        ("olle@example.se", 410, "The time to answer this invitation has passed."),
        ("lisa@example.se", 410, "This event has been cancelled."),
        ("nobody", 404, "This invitation link is not valid. Check that you copied the whole link."),
    ):
        link = links[who]
        page = await client.get(link)
        assert page.status_code == status, who
        assert tr("sv", message) in text_of(page), who
        assert tr(
            "sv",
            "If you still want to take part, or think this is a mistake, contact the organiser who sent "
            "you the invitation.",
        ) in text_of(page)
        assert tr("sv", "Accept and register") not in text_of(page)
        assert_private(page)
        declined = await client.post(link + "/decline", data={"reason": "nej", "_csrf_token": client.last_csrf})
        assert declined.status_code == status and tr("sv", message) in text_of(declined), who
        slug = other["slug"] if who == "lisa@example.se" else event["slug"]
        form_page = await client.get(f"/events/{slug}/register?invitation={link.rsplit('/', 1)[1]}")
        assert form_page.status_code == status and tr("sv", message) in text_of(form_page), who
        assert 'name="consent"' not in form_page.text

    assert await database_snapshot() == before
    # In English for a visitor who chose English.
    client.cookies.set("lang", "en")
    assert "The time to answer this invitation has passed." in text_of(await client.get(links["olle@example.se"]))


# --- Accepting: the registration form -------------------------------------------------------------


async def test_the_form_is_filled_in_from_the_invitation_even_before_registration_opens(client, smtp_server):
    event = await published_event(audience="members", registration_opens_at=utcnow() + timedelta(days=5))
    await invited(event, organisation="sundsvall", language="en")
    await invited(event, "olle@example.se", "Olle Ek", organisation="Energibolaget AB")
    links = await mailed(smtp_server, event)
    public_form = text_of(await client.get(f"/events/{event['slug']}/register"))
    assert 'name="consent"' not in public_form  # the public cannot register yet

    response = await client.get(
        f"/events/{event['slug']}/register?invitation={links['karin@energibolaget.se'].rsplit('/', 1)[1]}"
    )

    assert response.status_code == 200
    assert_private(response)
    page = text_of(response)
    # Karin's invitation is in English and she has not chosen a language here: the page follows it.
    assert '<html lang="en">' in response.text
    assert "You are invited personally." in page
    assert "Only council members can register for this event." not in page
    assert "Registration opens" not in page
    assert 'name="consent"' in page and 'value="Karin Berg"' in page
    assert re.search(r'<input id="field-email" type="email" name="email" value="karin@energibolaget.se" readonly', page)
    assert "The invitation is personal, so the registration uses the address it was sent to." in page
    assert '<option value="sundsvall" selected>' in page
    assert '<option value="en" selected>' in page

    other = text_of(
        await client.get(f"/events/{event['slug']}/register?invitation={links['olle@example.se'].rsplit('/', 1)[1]}")
    )
    assert re.search(r'name="organisation_other" type="text" value="Energibolaget AB"', other)
    assert '<option value="sv" selected>' in other


async def test_registering_with_the_invitation_under_another_address_is_refused_next_to_the_field(client, smtp_server):
    event = await published_event(audience="invitation")
    await invited(event)
    token = (await mailed(smtp_server, event))["karin@energibolaget.se"].rsplit("/", 1)[1]
    form_path = f"/events/{event['slug']}/register?invitation={token}"
    await client.get(form_path)
    before = await database_snapshot()

    response = await client.post(
        f"/events/{event['slug']}/register",
        data={
            "name": "Karin Berg",
            "email": "someone.else@example.se",
            "consent": "1",
            "invitation_token": token,
            "_csrf_token": client.last_csrf,
        },
    )

    assert response.status_code == 400
    message = tr("sv", "This invitation is for %(email)s: register with that address.", email="karin@energibolaget.se")
    assert f'<p class="field-error" id="error-email">{message}</p>' in text_of(response)
    assert (
        'value="karin@energibolaget.se" readonly aria-describedby="hint-email error-email" aria-invalid="true"'
        in response.text
    )
    assert await database_snapshot() == before


async def test_accepting_a_reserved_place_confirms_the_registration_on_a_full_event(client, smtp_server):
    event = await published_event(audience="invitation", capacity=1)
    await invited(event, "forst@example.se", "Först Person")
    karin = await invited(event, language="en")
    await invitations.set_reserved_place(event["slug"], str(karin["uid"]), True, SYSTEM)
    links = await mailed(smtp_server, event)
    await registrations.register(
        event["slug"], form("forst@example.se", invitation_token=links["forst@example.se"].rsplit("/", 1)[1]), STRANGER
    )  # the event is full now
    token = links["karin@energibolaget.se"].rsplit("/", 1)[1]

    page = text_of(await client.get(f"/events/{event['slug']}/register?invitation={token}"))
    assert (
        tr(
            "sv",
            "The event is full. If you register, you will be put on the waiting list and get a place, "
            "and a mail, as soon as one is free.",
        )
        not in page
    )
    response = await client.post(
        f"/events/{event['slug']}/register",
        data={
            "name": "Karin Berg",
            "email": "karin@energibolaget.se",
            "organisation_other": "Energibolaget AB",
            "language": "en",
            "consent": "1",
            "invitation_token": token,
            "_csrf_token": client.last_csrf,
        },
    )

    confirmation = await client.get(location(response))
    assert tr("sv", "Thank you! Your registration is confirmed.") in text_of(confirmation)
    row = await Registration.select().where(Registration.email == "karin@energibolaget.se").first()
    assert row["status"] == "confirmed" and row["reserved_place"] and row["language"] == "en"
    assert row["consent_at"] is not None and row["consent_version"] == await privacy_notice.current_version()
    assert (await invitation_row())["status"] == "accepted"
    invitation_page = await client.get(links["karin@energibolaget.se"])
    assert f'href="/registration/{row["manage_token"]}"' in invitation_page.text


async def test_the_pages_are_private_and_load_nothing_from_elsewhere(client, smtp_server):
    event = await published_event(
        audience="invitation",
        description="![spårning](https://tracker.example/pixel.png) [Karta](https://karta.example/)",
    )
    await invited(event)
    link = (await mailed(smtp_server, event))["karin@energibolaget.se"]
    token = link.rsplit("/", 1)[1]

    for response in (
        await client.get(link),
        await client.get(f"/events/{event['slug']}/register?invitation={token}"),
        await client.submit(link + "/decline", {"reason": ""}, form_page=link),
    ):
        assert_private(response)
        loaded = re.findall(r'<(?:img|script|link|iframe)\b[^>]*?(?:src|href)="([^"]*)"', response.text)
        assert all(url.startswith("/") for url in loaded), loaded
    assert "https://karta.example/" in (await client.get(link)).text  # a link is fine: it loads nothing
