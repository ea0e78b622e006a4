"""Registering through the web form, the registrant's own page (the private link) and /my.

The rules themselves are tested in tests/test_registrations.py; here: what a person sees and does.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from events_app.domain import public_page_versions, questions
from events_app.domain.questions import QuestionInput
from events_app.domain.tables import (
    Event,
    OutboxMessage,
    Person,
    Registration,
    SessionChoice,
)
from events_app.domain.transactions import utcnow
from tests.account_helpers import (
    add_member,
    another_client,
    ntr,
    sign_in_member,
    text_of,
    tr,
)
from tests.registration_helpers import SYSTEM, published_event, queued

MANAGE_LINK = re.compile(r"^/registration/([A-Za-z0-9_-]{43})\?new=1$")


def answers(**fields) -> dict:
    return {
        "name": "Anna Andersson",
        "email": "anna@example.se",
        "organisation": "sundsvall",
        "title": "Miljöstrateg",
        "consent": "1",
        **fields,
    }


def uid(event: dict, key: str) -> str:
    return str(event["sessions"][key]["uid"])


async def register(client, event: dict, **fields):
    return await client.submit(f"/events/{event['slug']}/register", answers(**fields))


async def registered(client, event: dict, **fields) -> str:
    """Register through the form; returns the private link's path."""
    response = await register(client, event, **fields)
    assert response.status_code == 303, text_of(response)[:3000]
    match = MANAGE_LINK.match(response.headers["location"])
    assert match, response.headers["location"]
    return f"/registration/{match.group(1)}"


async def written() -> dict:
    """What a registration writes (the rate-limit counter aside, which counts refused attempts too)."""
    return {
        table.__name__: await table.select().order_by(table._meta.primary_key)
        for table in (Person, Registration, SessionChoice, OutboxMessage)
    }


async def statuses() -> dict[str, str]:
    return {row["email"]: row["status"] for row in await Registration.select(Registration.email, Registration.status)}


# --- Registering --------------------------------------------------------------------------------


async def test_register_through_the_form_then_the_waiting_list_when_full(app, client):
    event = await published_event(capacity=1)
    form = await client.get(f"/events/{event['slug']}/register")
    assert form.status_code == 200
    page = text_of(form)
    assert tr("sv", "Register for %(title)s", title="Hållbarhetsdagarna") in page
    assert "Sundsvalls kommun" in page and tr("sv", "Other organisation") in page
    assert tr("sv", "Vegetarian") in page and tr("sv", "Accessibility needs") in page
    assert tr("sv", "Days you will attend") in page  # a two-day event
    assert 'href="/privacy"' in form.text

    link = await registered(client, event)
    thanks = await client.get(link + "?new=1")
    assert tr("sv", "Thank you! Your registration is confirmed.") in text_of(thanks)
    assert "anna@example.se" in text_of(thanks)
    assert await queued("registration_received", "anna@example.se")

    async with another_client(app, ip="10.0.0.2") as other:
        second = await registered(other, event, name="Bo Berg", email="bo@example.se")
        page = text_of(await other.get(second + "?new=1"))
    assert tr("sv", "Thank you! The event is full, so you are on the waiting list.") in page
    assert (
        tr("sv", "You are number %(num)d in line for a place. We mail you your ticket as soon as you get one.", num=1)
        in page
    )
    assert "<svg" not in page  # no ticket while waiting
    assert await statuses() == {"anna@example.se": "confirmed", "bo@example.se": "waitlisted"}


async def test_a_full_event_says_so_before_registering(client):
    event = await published_event(capacity=1)
    await registered(client, event)
    page = text_of(await client.get(f"/events/{event['slug']}/register"))
    assert (
        tr(
            "sv",
            "The event is full. If you register, you will be put on the waiting list and get a place, "
            "and a mail, as soon as one is free.",
        )
        in page
    )


async def test_choosing_a_workshop(client):
    event = await published_event()
    form = text_of(await client.get(f"/events/{event['slug']}/register"))
    assert (
        "Workshop A: Klimat" in form and ntr("sv", "%(num)d place left", "%(num)d places left", 2) % {"num": 2} in form
    )
    assert (
        tr(
            "sv",
            "Choose the sessions you want to attend. Sessions at the same time cannot both be chosen. When a "
            "session is full you can join its waiting list instead: you get a place, and a mail, as soon as "
            "one is free.",
        )
        in form
    )

    link = await registered(client, event, sessions=[uid(event, "Workshop A"), uid(event, "Workshop C")])

    page = text_of(await client.get(link))
    assert "Workshop A: Klimat" in page and "Workshop C: Transporter" in page
    assert page.count(tr("sv", "place confirmed")) == 2


async def test_sessions_at_the_same_time_are_refused_next_to_the_field_and_nothing_is_written(client):
    event = await published_event()
    await client.get(f"/events/{event['slug']}/register")
    before = await written()

    response = await register(client, event, sessions=[uid(event, "Workshop A"), uid(event, "Workshop B")])

    assert response.status_code == 400
    message = tr(
        "sv",
        "“%(first)s” and “%(second)s” are at the same time: choose one of them.",
        first="Workshop A: Klimat",
        second="Workshop B: Energi",
    )
    page = text_of(response)
    assert f'<p class="field-error" id="error-sessions">{message}</p>' in page
    label = tr("sv", "Sessions that need sign-up")
    assert f'<a href="#field-sessions">{label}: {message}</a>' in page  # the error summary names and links the field
    assert 'id="field-sessions"' in page and 'aria-invalid="true"' in page
    assert 'value="Anna Andersson"' in page and 'value="Miljöstrateg"' in page  # what was typed stays
    assert await written() == before


def inputs_of(page: str) -> dict[str, tuple[str, str]]:
    """The form's session inputs by their value: (type, name)."""
    found = {}
    for tag in re.findall(r"<input [^>]*>", page):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attributes.get("name", "").startswith(("slot-", "sessions", "waitlist_sessions")):
            found[attributes["value"]] = (attributes["type"], attributes["name"])
    return found


async def test_sessions_at_the_same_time_are_one_radio_group_with_none_and_the_others_checkboxes(client):
    event = await published_event()
    page = (await client.get(f"/events/{event['slug']}/register")).text
    found = inputs_of(page)

    a, b, c = uid(event, "Workshop A"), uid(event, "Workshop B"), uid(event, "Workshop C")
    assert found[a][0] == found[b][0] == "radio" and found[a][1] == found[b][1]  # A and B: one group
    assert found[""] == ("radio", found[a][1])  # with "none", chosen until one of them is
    assert re.search(r'type="radio" value=""\s+checked', page)
    assert tr("sv", "No session at this time") in page
    assert found[c] == ("checkbox", "sessions")  # C overlaps nothing: a checkbox as before
    # The group's legend names its time.
    legend = re.search(r'<fieldset class="slot-choices slot-radios">\s*<legend>(.*?)</legend>', page, re.S).group(1)
    assert "13.00" in legend and "14.30" in legend


async def test_the_radio_group_registers_a_place_or_a_full_sessions_waiting_list(app, client):
    event = await published_event(workshop_capacity=1)
    page = (await client.get(f"/events/{event['slug']}/register")).text
    group = inputs_of(page)[uid(event, "Workshop A")][1]
    link = await registered(client, event, **{group: uid(event, "Workshop A")})
    assert tr("sv", "place confirmed") in text_of(await client.get(link))

    async with another_client(app, ip="10.0.0.2") as other:
        page = (await other.get(f"/events/{event['slug']}/register")).text
        full = "waitlist:" + uid(event, "Workshop A")
        assert inputs_of(page)[full] == ("radio", group)  # the full one's radio asks for its queue
        link = await registered(other, event, email="bo@example.se", **{group: full})
        assert tr("sv", "waiting list") in text_of(await other.get(link))
    choices = await SessionChoice.select(SessionChoice.status).order_by(SessionChoice.id)
    assert [c["status"] for c in choices] == ["confirmed", "waitlisted"]


async def test_two_sessions_of_one_time_sent_in_one_radio_group_are_still_refused(client):
    """A radio group lets a browser send one; a script can send both, and the server refuses the clash."""
    event = await published_event()
    page = (await client.get(f"/events/{event['slug']}/register")).text
    group = inputs_of(page)[uid(event, "Workshop A")][1]
    assert group.startswith("slot-")
    before = await written()

    response = await register(client, event, **{group: [uid(event, "Workshop A"), uid(event, "Workshop B")]})

    assert response.status_code == 400
    assert tr(
        "sv",
        "“%(first)s” and “%(second)s” are at the same time: choose one of them.",
        first="Workshop A: Klimat",
        second="Workshop B: Energi",
    ) in text_of(response)
    assert await written() == before


async def test_the_ticket_page_shows_the_qr_code_first_and_keeps_the_change_form_behind_a_button(client):
    event = await published_event()
    link = await registered(client, event, sessions=[uid(event, "Workshop A")])
    page = text_of(await client.get(link))

    qr = page.index('class="ticket-qr"')
    assert qr < page.index('class="facts registration-facts"')  # before the details
    assert page.index('class="short-code"') < page.index('class="facts registration-facts"')
    details = re.search(r'<details class="change-registration">\s*<summary[^>]*>(.*?)</summary>', page, re.S)
    assert details and details.group(1).strip() == tr("sv", "Change your registration")  # closed, no script
    assert qr < details.start() and page.index('action="' + link + '"') > details.start()  # the form inside it

    refused = text_of(await client.submit(link, {"name": ""}))
    assert '<details class="change-registration" open>' in refused  # open when it comes back with errors


async def test_a_full_workshop_is_refused_but_its_waiting_list_can_be_joined(app, client):
    event = await published_event(workshop_capacity=1)
    await registered(client, event, sessions=[uid(event, "Workshop A")])

    async with another_client(app, ip="10.0.0.2") as other:
        form = text_of(await other.get(f"/events/{event['slug']}/register"))
        assert tr("sv", "Full") in form and tr("sv", "Join the waiting list") in form
        before = await written()
        refused = await register(other, event, email="bo@example.se", sessions=[uid(event, "Workshop A")])
        assert refused.status_code == 400
        assert tr(
            "sv", "“%(title)s” is full. Choose another session, or join its waiting list.", title="Workshop A: Klimat"
        ) in text_of(refused)
        assert await written() == before

        link = await registered(other, event, email="bo@example.se", waitlist_sessions=[uid(event, "Workshop A")])
        page = text_of(await other.get(link))
    assert tr("sv", "Confirmed") in page and tr("sv", "waiting list") in page


async def test_registering_twice_mails_the_link_again_instead(app, client):
    event = await published_event()
    await registered(client, event)

    async with another_client(app, ip="10.0.0.2") as other:
        response = await register(other, event, name="Anna A.")

    assert response.status_code == 400
    assert tr(
        "sv", "You are already registered for this event. We have mailed you the link to your registration again."
    ) in text_of(response)
    assert await Registration.count() == 1
    assert len(await queued("registration_link", "anna@example.se")) == 1


async def _required_question(event: dict) -> dict:
    return await questions.add_question(
        event["id"], QuestionInput(label="Vilken kommun representerar du?", kind="text", required=True), SYSTEM
    )


@pytest.mark.parametrize(
    "case",
    [
        "invalid email",
        "missing required answer",
        "oversized field",
        "before the window",
        "after the window",
        "no consent",
    ],
)
async def test_bad_input_is_refused_with_the_message_and_nothing_is_written(client, case):
    event = await published_event()
    fields: dict = {}
    if case == "invalid email":
        fields, message = {"email": "anna@"}, tr("sv", "Enter a valid email address, like name@example.se.")
    elif case == "missing required answer":
        question = await _required_question(event)
        fields, message = {questions.field_name(question): ""}, tr("sv", "This question must be answered.")
    elif case == "oversized field":
        fields, message = {"title": "x" * 201}, tr("sv", "At most %(max)s characters.", max=200)
    elif case == "before the window":
        await Event.update({Event.registration_opens_at: utcnow() + timedelta(days=2)}).where(Event.id == event["id"])
        message = tr("sv", "Registration has not opened yet.")
    elif case == "after the window":
        await Event.update({Event.registration_closes_at: utcnow() - timedelta(hours=1)}).where(Event.id == event["id"])
        message = tr("sv", "Registration has closed.")
    else:
        fields, message = (
            {"consent": ""},
            tr("sv", "You must agree to the processing of your personal data to register."),
        )
    await client.get(f"/events/{event['slug']}/register")
    before = await written()

    response = await register(client, event, **fields)

    assert response.status_code == 400
    assert message in text_of(response)
    assert tr("sv", "There is a problem") in text_of(response)
    assert await written() == before


async def test_the_window_is_shown_on_the_form_and_the_event_page(client):
    event = await published_event()
    await Event.update({Event.registration_opens_at: utcnow() + timedelta(days=2)}).where(Event.id == event["id"])
    for path in (f"/events/{event['slug']}", f"/events/{event['slug']}/register"):
        page = text_of(await client.get(path))
        assert tr("sv", "Registration opens %(when)s.", when="").rstrip(".") in page
        assert f'action="/events/{event["slug"]}/register"' not in page
    await Event.update(
        {Event.registration_opens_at: None, Event.registration_closes_at: utcnow() - timedelta(hours=1)}
    ).where(Event.id == event["id"])
    # The write stands in for time passing, which a kept public page learns of within
    # PUBLIC_PAGE_CACHE_SECONDS; the test does not wait that long.
    public_page_versions.changed()
    assert tr("sv", "Registration has closed.") in text_of(await client.get(f"/events/{event['slug']}"))


async def test_the_event_page_invites_to_register(client):
    event = await published_event(capacity=1)
    page = await client.get(f"/events/{event['slug']}")
    assert f'href="/events/{event["slug"]}/register"' in page.text
    assert tr("sv", "Register") in text_of(page)
    await registered(client, event)
    page = text_of(await client.get(f"/events/{event['slug']}"))
    assert tr("sv", "Join the waiting list") in page


async def test_a_draft_has_no_registration_form(client):
    event = await published_event(publish=False)
    assert (await client.get(f"/events/{event['slug']}/register")).status_code == 404


async def test_members_only_refuses_a_stranger_and_takes_a_signed_in_member(client):
    event = await published_event(audience="members")
    page = text_of(await client.get(f"/events/{event['slug']}/register"))
    assert tr("sv", "Only council members can register for this event.") in page
    assert f"/login/link?next=/events/{event['slug']}/register" in page
    event_page = text_of(await client.get(f"/events/{event['slug']}"))
    assert tr("sv", "Sign in to register") in event_page
    before = await written()
    refused = await register(client, event)
    assert refused.status_code == 400
    assert tr("sv", "Only council members can register for this event. Sign in first.") in text_of(refused)
    assert await written() == before

    await add_member(name="Åsa Öberg", email="asa.oberg@sundsvall.se", title="Kommunalråd")
    await sign_in_member(client, "asa.oberg@sundsvall.se")
    form = await client.get(f"/events/{event['slug']}/register")
    assert 'value="Åsa Öberg"' in form.text and 'value="Kommunalråd"' in form.text
    assert re.search(
        r'<input id="field-email" type="email" name="email" value="asa.oberg@sundsvall.se" readonly', form.text
    )
    assert '<option value="sundsvall" selected>' in form.text

    response = await client.post(
        f"/events/{event['slug']}/register",
        data={
            "name": "Åsa Öberg",
            "organisation": "sundsvall",
            "consent": "1",
            "email": "someone.else@example.se",
            "_csrf_token": client.last_csrf,
        },
    )
    assert response.status_code == 303, text_of(response)[:2000]
    row = await Registration.select(Registration.email, Registration.person.email.as_alias("person_email")).first()
    assert row == {"email": "asa.oberg@sundsvall.se", "person_email": "asa.oberg@sundsvall.se"}


async def test_an_invitation_only_event_needs_the_invitation(client):
    event = await published_event(audience="invitation")
    page = text_of(await client.get(f"/events/{event['slug']}/register"))
    assert tr("sv", "This event is by invitation only. Use the link in your personal invitation to register.") in page
    # A made-up link gets the reason instead of the form, and a form sent with it anyway writes nothing.
    message = tr("sv", "This invitation link is not valid. Check that you copied the whole link.")
    form = await client.get(f"/events/{event['slug']}/register?invitation=not-a-real-token")
    assert form.status_code == 404
    assert (
        message in text_of(form)
        and 'name="invitation_token"' not in form.text
        and '<form method="post" action="/events/' not in form.text
    )
    before = await written()
    refused = await client.post(
        f"/events/{event['slug']}/register",
        data={**answers(), "invitation_token": "not-a-real-token", "_csrf_token": client.last_csrf},
    )
    assert refused.status_code == 404
    assert message in text_of(refused)
    assert await written() == before


# --- The registration's own page -----------------------------------------------------------------


async def test_the_private_page_shows_the_ticket_and_is_kept_private(client):
    event = await published_event()
    link = await registered(client, event)

    response = await client.get(link)

    assert response.status_code == 200
    registration = await Registration.select(Registration.short_code).first()
    short = f"{registration['short_code'][:4]}-{registration['short_code'][4:]}"
    page = text_of(response)
    assert short in page and tr("sv", "Your ticket") in page and tr("sv", "Confirmed") in page
    assert re.search(r'<svg[^>]* role="img" aria-label="[^"]+"', response.text)
    assert "Folkets hus" in page and f'href="/events/{event["slug"]}/calendar.ics"' in page
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-robots-tag"] == "noindex"


async def test_a_wrong_token_is_not_found(client):
    for path in ("/registration/" + "x" * 43, "/registration/short", "/registration/" + "x" * 43 + "/cancel"):
        response = await client.get(path)
        assert response.status_code == 404, path
    assert tr("sv", "This registration link is not valid.") in text_of(response)


async def test_changing_details_and_the_workshop_choice(client):
    event = await published_event()
    link = await registered(client, event, sessions=[uid(event, "Workshop A")])
    form = await client.get(link)
    assert f'value="{uid(event, "Workshop A")}" checked' in form.text

    response = await client.submit(link, {**answers(title="Hållbarhetschef"), "sessions": [uid(event, "Workshop B")]})

    assert response.status_code == 303
    page = text_of(await client.get(response.headers["location"]))
    assert tr("sv", "Your registration is updated.") in page
    assert "Workshop B: Energi" in page and "Workshop A: Klimat – " not in page
    row = await Registration.select(Registration.title).first()
    assert row["title"] == "Hållbarhetschef"
    choices = await SessionChoice.select(SessionChoice.session.title.as_alias("title"), SessionChoice.status).order_by(
        SessionChoice.id
    )
    assert choices == [
        {"title": "Workshop A: Klimat", "status": "cancelled"},  # kept, for the record
        {"title": "Workshop B: Energi", "status": "confirmed"},
    ]


async def test_a_change_that_breaks_a_rule_is_shown_next_to_the_field(client):
    event = await published_event()
    link = await registered(client, event)
    before = await written()
    response = await client.submit(
        link, {**answers(), "sessions": [uid(event, "Workshop A"), uid(event, "Workshop B")]}
    )
    assert response.status_code == 400
    assert 'id="error-sessions"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert await written() == before


async def test_cancelling_gives_the_place_to_the_first_in_line(app, client):
    event = await published_event(capacity=1)
    link = await registered(client, event)
    async with another_client(app, ip="10.0.0.2") as other:
        await registered(other, event, name="Bo Berg", email="bo@example.se")
    async with another_client(app, ip="10.0.0.3", port=50003) as third:
        await registered(third, event, name="Cia Ceder", email="cia@example.se")

    confirm = await client.get(link + "/cancel")
    assert confirm.status_code == 200 and confirm.headers["cache-control"] == "no-store"
    assert tr("sv", "Yes, cancel my registration") in text_of(confirm)
    not_yet = await client.post(link + "/cancel", data={"_csrf_token": client.last_csrf})  # no confirmation given
    assert not_yet.status_code == 303 and (await statuses())["anna@example.se"] == "confirmed"

    response = await client.submit(link + "/cancel", {"confirm": "yes"})

    assert response.status_code == 303
    page = text_of(await client.get(link))
    assert tr("sv", "This registration is cancelled.") in page
    assert tr("sv", "Change your registration") not in page
    assert await statuses() == {
        "anna@example.se": "cancelled",
        "bo@example.se": "confirmed",
        "cia@example.se": "waitlisted",
    }
    assert await queued("registration_promoted", "bo@example.se")


# --- My pages ------------------------------------------------------------------------------------


async def test_a_guest_signs_in_with_a_link_and_sees_their_registrations(client):
    event = await published_event()
    past = await published_event(title="Förra årets dagar", days_ahead=20)
    await registered(client, event, sessions=[uid(event, "Workshop A")])
    await registered(client, past)
    await Event.update(
        {Event.starts_at: utcnow() - timedelta(days=40), Event.ends_at: utcnow() - timedelta(days=39)}
    ).where(Event.id == past["id"])

    response = await sign_in_member(client, "anna@example.se")  # a guest, not a member

    assert response.headers["location"] == "/my"
    page = text_of(await client.get("/my"))
    assert tr("sv", "Your registrations") in page and tr("sv", "Past events") in page
    assert page.index("Hållbarhetsdagarna") < page.index("Förra årets dagar")  # the coming event first
    code = (await Registration.select(Registration.short_code).where(Registration.event == event["id"]).first())[
        "short_code"
    ]
    assert f"{code[:4]}-{code[4:]}" in page
    assert "Workshop A: Klimat" in page


async def test_past_events_on_my_pages_say_whether_the_person_came(client):
    from tests.certificate_helpers import check_in, days_of, finished_event, participant

    came = await finished_event(title="Dagen hon kom")
    stayed_away = await finished_event(title="Dagen hon uteblev")
    await check_in(came, await participant(came, "Anna Andersson", "anna@example.se"), days_of(came)[0])
    await participant(stayed_away, "Anna Andersson", "anna@example.se")

    await sign_in_member(client, "anna@example.se")
    page = text_of(await client.get("/my"))

    card = r'<h3><a href="[^"]+">([^<]+)</a></h3>.*?class="registration-status">(.*?)</p>'
    cards = dict(re.findall(card, page, re.S))
    assert " ".join(cards["Dagen hon kom"].split()) == tr("sv", "Attended the event")
    assert " ".join(cards["Dagen hon uteblev"].split()) == tr("sv", "Did not attend")
    assert tr("sv", "Confirmed") not in page


async def test_control_and_invisible_characters_never_reach_the_lists(client):
    """A NUL (which PostgreSQL refuses) and the bidi and zero-width characters that make a name read
    as another are taken out of what the form sends, wherever they are."""
    event = await published_event()
    response = await register(
        client,
        event,
        name="\u202eevil\u202c Anna\u0000 Andersson \u200b",
        organisation="",
        organisation_other="Energi\u0000bolaget\u2066 AB",
        title="Chef\u0007",
    )
    assert response.status_code == 303, response.text
    row = await Registration.select(Registration.name, Registration.organisation_text, Registration.title).first()
    assert row == {"name": "evil Anna Andersson", "organisation_text": "Energibolaget AB", "title": "Chef"}
