"""The paper door list: one day's confirmed registrations as a PDF to tick (by surname, with each
ticket's short code, never an address), and the ticked codes entered afterwards, checked in with
the door's rules: unknown codes reported, nothing written twice, bad input refused whole."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from events_app import i18n
from events_app.domain import paper_door_list, registrations
from events_app.domain.tables import Attendance, AuditEntry
from tests.account_helpers import database_snapshot, text_of, tr
from tests.certificate_helpers import LUKASZ, MARET, participant, pdf_text
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, bulk_registrations, published_event


@pytest.fixture
async def door():
    """A published two-day event: three for both days (one of them cancelled), one for day two only."""
    event = await published_event()
    first, second = (row["day"] for row in event["days"])
    people = {
        "anna": await participant(event, "Anna Zetterberg", "anna@example.se"),
        "maret": await participant(event, MARET, "maret@example.se"),
        "lukasz": await participant(event, LUKASZ, "lukasz@example.se"),
        "gone": await participant(event, "Greta Borttagen", "greta@example.se"),
        "later": await participant(event, "Lars Senare", "lars@example.se", days=[second.isoformat()]),
    }
    await registrations.cancel_registration(str(people["gone"]["uid"]), SYSTEM)
    return event, first, second, people


def list_url(event, day) -> str:
    return f"/organiser/events/{event['slug']}/door-list.pdf?day={day.isoformat()}"


def entry_url(event) -> str:
    return f"/organiser/events/{event['slug']}/checkin/paper"


async def test_the_door_list_of_a_day_has_names_and_codes_by_surname_and_no_address(organiser, door):
    event, first, second, people = door
    response = await organiser.get(list_url(event, first))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    with i18n.use_language("sv"):
        assert i18n.format_day(first) in text  # "torsdag 25 mars 2027"
    assert event["title"] in text
    listed = [MARET, "Anna Zetterberg", LUKASZ]  # Čuđetsá under C; Żółw under Z, after Zetterberg
    assert [text.index(name) for name in listed] == sorted(text.index(name) for name in listed)
    for person in ("anna", "maret", "lukasz"):
        assert people[person]["short_code_display"] in text  # "ABCD-EFGH", as on the ticket
    assert "Greta Borttagen" not in text  # cancelled
    assert "Lars Senare" not in text  # not registered for the first day
    assert "@" not in text
    assert "Lars Senare" in pdf_text((await organiser.get(list_url(event, second))).content)
    # A day the event does not have.
    assert (await organiser.get(list_url(event, first - timedelta(days=1)))).status_code == 404


async def test_a_long_list_repeats_its_headings_on_every_page(organiser):
    event = await published_event()
    await bulk_registrations(event, 60)
    day = event["days"][0]["day"]
    response = await organiser.get(list_url(event, day))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert event["title"] in page
        assert tr("sv", "Ticket code") in page and tr("sv", "Organisation") in page
        assert tr("sv", "Page %(page)s of %(pages)s", page=number, pages=3) in page
    assert sum(page.count("Långnamnsson-Österberg") for page in pages) == 60


async def test_the_check_in_page_links_the_door_list_of_each_day(organiser, door):
    event, first, second, _people = door
    page = text_of(await organiser.get(f"/organiser/events/{event['slug']}/checkin"))
    for day in (first, second):
        assert f'href="{list_url(event, day)}"' in page
    assert entry_url(event) in page
    assert (await organiser.get(entry_url(event) + f"?day={second.isoformat()}")).status_code == 200


def test_codes_are_read_however_they_were_typed():
    typed = "abcd-efgh\nJKMN PQRS, TUVW2345; ABCDEFGH  xyz\n\n"
    assert paper_door_list.codes_in(typed) == ["abcd-efgh", "JKMN-PQRS", "TUVW2345", "xyz"]


async def test_the_codes_ticked_are_checked_in_and_the_rest_reported(organiser, door, staff_accounts):
    event, first, _second, people = door
    codes = "\n".join(
        [
            people["maret"]["short_code_display"],
            people["lukasz"]["short_code"].lower(),
            "ZZZZ-ZZZZ",  # no such ticket
            people["gone"]["short_code_display"],  # cancelled
            people["later"]["short_code_display"],  # not registered for the day
        ]
    )
    response = await organiser.submit(entry_url(event), {"day": first.isoformat(), "codes": codes})
    assert response.status_code == 200
    page = text_of(response)
    assert MARET in page and LUKASZ in page
    for result in ("Unknown ticket", "The registration is cancelled", "Not registered for this day"):
        assert tr("sv", result) in page
    rows = await Attendance.select(Attendance.registration, Attendance.method, Attendance.device, Attendance.day)
    assert sorted(row["registration"] for row in rows) == sorted([people["maret"]["id"], people["lukasz"]["id"]])
    assert {(row["method"], row["device"], row["day"]) for row in rows} == {("scanner", "Paper door list", first)}
    # Another day than today: each check-in is in the audit log with the reason.
    reasons = await AuditEntry.select(AuditEntry.summary).where(AuditEntry.action == "checkin.another_day")
    assert [row["summary"] for row in reasons] == [tr("sv", paper_door_list.REASON)] * 2
    # The codes not checked in stay in the field, to be corrected.
    assert "ZZZZ-ZZZZ" in page.split('name="codes"')[1].split("</textarea>")[0]

    # The same list entered again changes nothing, and says so.
    before = await database_snapshot()
    again = await organiser.submit(entry_url(event), {"day": first.isoformat(), "codes": codes})
    assert again.status_code == 200
    assert tr("sv", "Already checked in") in text_of(again)
    assert await database_snapshot() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"codes": ""}, "Enter the short codes ticked on the list."),
        ({"codes": " ,\n; "}, "Enter the short codes ticked on the list."),
        ({"codes": "\n".join(f"C{n:07d}" for n in range(1001))}, "At most %(max)s codes at a time."),
        ({"day": "2001-01-01"}, "Choose one of the event's days."),
        ({"day": "tomorrow"}, "Choose one of the event's days."),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(organiser, door, fields, message):
    event, first, _second, people = door
    values = {"day": first.isoformat(), "codes": people["maret"]["short_code_display"], **fields}
    before = await database_snapshot()
    response = await organiser.submit(entry_url(event), values)
    assert response.status_code == 400
    assert tr("sv", message, max=1000) in text_of(response)
    assert await database_snapshot() == before


async def test_check_in_staff_may_not_use_the_paper_list(client, staff_accounts, door):
    event, first, _second, people = door
    await sign_in(client, "checkin@test.se")
    assert (await client.get(list_url(event, first))).status_code == 403
    before = await database_snapshot()
    response = await client.submit(
        entry_url(event), {"day": first.isoformat(), "codes": people["maret"]["short_code"]}, form_page="/staff"
    )
    assert response.status_code == 403
    assert await database_snapshot() == before
