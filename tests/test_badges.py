"""Name badges: eight to an A4 sheet or one card a page, for confirmed registrations only, by
surname, every letter of a name kept, the role the rule gives, and the ticket's own QR code (drawn
by pdfium, read by zxing-cpp, accepted by the door). Only organisers may print them."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from events_app.domain import badge_pdf, badges, registrations, tickets
from events_app.domain.badges import GUEST, MEMBER, SPEAKER, STAFF, role_of
from events_app.domain.tables import Speaker
from events_app.domain.transactions import utcnow
from tests.account_helpers import add_member, text_of, tr
from tests.certificate_helpers import LUKASZ, MARET, participant, pdf_qr_codes, pdf_text
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, published_event

# Sorted by surname (the last word), as a Swedish reader does: a letter with a mark under its base
# letter (Č as C, Ŋ as N, Ż and Ž as Z), but å, ä, ö after z.
SURNAME_ORDER = [
    "Anna Andersson",
    "Máret Čuđetsá",  # MARET
    "Ánde Đuolja",
    "Eva Ŋuvdi",
    "Jon Šávžža",
    "Ristin Ŧávlli",
    "Ole Žiŋŋa",
    "Łukasz Żółw",  # LUKASZ
    "Åsa Öberg",
]


def url(event: dict, query: str = "") -> str:
    return f"/organiser/events/{event['slug']}/badges.pdf" + (f"?{query}" if query else "")


@pytest.fixture
async def crowd():
    """A published event with nine confirmed registrations, registered in no particular order."""
    event = await published_event()
    people = {}
    for number, name in enumerate(reversed(SURNAME_ORDER)):
        people[name] = await participant(event, name, f"person{number}@example.se")
    return event, people


@pytest.mark.parametrize(
    ("fields", "role"),
    [
        ({"name": "Máret Čuđetsá"}, SPEAKER),
        ({"name": "  máret   ČUĐETSÁ "}, SPEAKER),  # case and spacing aside
        ({"name": "Máret Čuđetsá", "email": "olle@test.se", "is_member": True}, SPEAKER),  # speaker first
        ({"email": "Olle@Test.se"}, STAFF),
        ({"email": "olle@test.se", "is_member": True}, STAFF),  # staff before member
        ({"is_member": True}, MEMBER),
        ({}, GUEST),
        ({"name": "Máret Čuđets"}, GUEST),  # a name only like a speaker's is not one
    ],
)
def test_the_role_is_the_first_that_applies(fields, role):
    person = {"name": "Anna Andersson", "email": "anna@example.se", "is_member": False, **fields}
    assert role_of(**person, speaker_names=["Máret Čuđetsá"], staff_emails=["olle@test.se"]) == role


async def test_a_sheet_holds_eight_badges_by_surname_and_keeps_every_letter(organiser, crowd):
    event, _people = crowd
    response = await organiser.get(url(event))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) == 2  # nine badges: eight on the first sheet, one on the second
    assert [sum(name in page for name in SURNAME_ORDER) for page in pages] == [8, 1]
    text = "\n".join(pages)
    assert MARET in text and LUKASZ in text
    assert [text.index(name) for name in SURNAME_ORDER] == sorted(text.index(name) for name in SURNAME_ORDER)
    assert "Hållbarhetsdagarna" in text  # the event's title on each badge
    assert pages[0].count("Hållbarhetsdagarna") == 8
    assert "person0@example.se" not in text  # no address on a badge


async def test_cards_are_one_a_page_and_only_confirmed_registrations_get_one(organiser, crowd):
    event, people = crowd
    await registrations.cancel_registration(str(people["Anna Andersson"]["uid"]), SYSTEM)
    response = await organiser.get(url(event, "layout=card"))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 8
    millimetres = {
        (round(page.mediabox.width / 72 * 25.4), round(page.mediabox.height / 72 * 25.4)) for page in reader.pages
    }
    assert millimetres == {(90, 55)}
    assert "Anna Andersson" not in pdf_text(response.content)


async def test_the_badge_carries_the_tickets_qr_code(organiser, crowd):
    """One registration's card (a walk-in's, from the registration's page): its QR code is the
    ticket's, which the door accepts."""
    event, people = crowd
    maret = people[MARET]
    response = await organiser.get(url(event, f"layout=card&uid={maret['uid']}"))
    assert response.status_code == 200
    [code] = pdf_qr_codes(response.content)
    assert code == maret["ticket_code"]
    verified = tickets.verify_code(code)
    assert verified is not None and verified.ticket_id == maret["ticket_id"]
    assert MARET in pdf_text(response.content)


async def test_the_ones_chosen_on_the_list(organiser, crowd):
    event, people = crowd
    chosen = [people[LUKASZ]["uid"], people["Åsa Öberg"]["uid"], "not-a-uid"]
    response = await organiser.get(url(event, "chosen=yes&layout=sheet&" + "&".join(f"uid={uid}" for uid in chosen)))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert [name for name in SURNAME_ORDER if name in text] == [LUKASZ, "Åsa Öberg"]
    # The list's button pressed with nothing ticked: a message, not every badge.
    nothing = await organiser.get(url(event, "chosen=yes&layout=sheet"))
    assert nothing.status_code == 400
    assert tr("sv", "Choose the registrations in the list to print badges for.") in text_of(nothing)
    # Nobody confirmed among those chosen.
    await registrations.cancel_registration(str(people[LUKASZ]["uid"]), SYSTEM)
    assert (await organiser.get(url(event, f"chosen=yes&uid={people[LUKASZ]['uid']}"))).status_code == 404


async def test_each_badge_says_the_role(organiser, staff_accounts):
    event = await published_event()
    session = event["sessions"]["Öppning"]
    await Speaker.insert(Speaker(session=session["id"], name="máret čuđetsá"))
    await add_member("Åsa Öberg", "asa.oberg@sundsvall.se")
    await participant(event, MARET, "maret@example.se")
    await participant(event, "Olle Organisatör", "organiser@test.se")
    await participant(event, "Åsa Öberg", "asa.oberg@sundsvall.se")
    await participant(event, "Gun Gäst", "gun@example.se")
    _, found = await badges.badges_for(event["slug"])
    assert {badge.name: badge.role for badge in found} == {
        MARET: SPEAKER,
        "Olle Organisatör": STAFF,
        "Åsa Öberg": MEMBER,
        "Gun Gäst": GUEST,
    }
    # The words drawn, in the language of the one printing.
    for language in ("sv", "en"):
        text = pdf_text(
            badge_pdf.render(found, event_title="Dagarna", layout="card", language=language, created_at=utcnow())
        )
        for word in (SPEAKER, STAFF, MEMBER, GUEST):
            assert tr(language, word) in text


async def test_the_pages_link_to_the_badges(organiser, crowd):
    event, people = crowd
    page = text_of(await organiser.get(f"/organiser/events/{event['slug']}/registrations"))
    assert 'href="' + url(event, "layout=sheet") + '"' in page
    assert 'form="badges-form" name="uid" value="' + str(people[MARET]["uid"]) + '"' in page
    registration_page = text_of(await organiser.get(f"/organiser/registrations/{people[MARET]['uid']}"))
    assert url(event, f"layout=card&uid={people[MARET]['uid']}") in registration_page


async def test_only_organisers_print_badges(client, staff_accounts, crowd):
    event, _people = crowd
    anonymous = await client.get(url(event))
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")
    await sign_in(client, "checkin@test.se")
    assert (await client.get(url(event))).status_code == 403


async def test_the_door_prints_a_walk_ins_badge_and_no_other(client, staff_accounts):
    """Check-in staff print the card of someone registered at the door, one tap from the walk-in's
    answer; another registration's badge is the organisers' to print."""
    from events_app.domain import checkins
    from tests.registration_helpers import event_today, form, registered

    event = await event_today()
    staff = {"id": staff_accounts["checkin"]["id"], "name": "Karin", "role": "checkin"}
    answer = await checkins.walk_in(
        event["slug"], checkins.WalkIn(name="Ánde Đuolja"), checkins.Scan(code="", event=event["slug"]), staff
    )
    anna = await registered(event["slug"], form("anna@example.se"), registrations.Registrant(ip="198.51.100.15"))
    await sign_in(client, "checkin@test.se")

    door = f"/checkin/{event['slug']}/walk-ins"
    card = await client.get(f"{door}/{answer.registration}/badge.pdf")
    assert card.status_code == 200 and card.headers["content-type"] == "application/pdf"
    assert "Ánde Đuolja" in pdf_text(card.content)
    [code] = pdf_qr_codes(card.content)
    assert tickets.verify_code(code) is not None
    assert (await client.get(f"{door}/{anna['uid']}/badge.pdf")).status_code == 404
