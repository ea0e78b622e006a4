"""Least access to sensitive answers (issue 16, part 3): questions marked sensitive, the one rule of
what is sensitive (domain/sensitive_answers.py), check-in staff and scanners seeing none of it, the
exports marked in name and first row when they hold it, and the caterer's numbers without names.
Both databases."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from events_app.domain import checkins, questions, registration_reports, sensitive_answers
from events_app.domain.questions import QuestionInput
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Question, Registration
from events_app.i18n import localtime
from tests.account_helpers import text_of, tr
from tests.certificate_helpers import finished_event, participant
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, event_today, form, published_event, registered

STRANGER = Registrant(ip="198.51.100.21")
# Written by the registrant; none of it may reach check-in staff. Plain ASCII, so that no escaping
# (JSON's \u00f6, HTML's entities) could hide one from the search.
DIET_OTHER = "MARKER-KOST-selleriallergi"
ACCESS = "MARKER-TILLGANGLIGHET-rullstol"
SENSITIVE = "MARKER-KANSLIGT-diabetes"
PUBLIC = "MARKER-VANLIGT-buss"
# Each dietary code is stored as the code and shown by its label.
DIET_CODE = "nut_allergy"


def sensitive_markers() -> list[str]:
    return [DIET_OTHER, ACCESS, SENSITIVE, DIET_CODE, tr("sv", "Nut allergy"), tr("en", "Nut allergy")]


async def event_with_answers(event: dict | None = None) -> tuple[dict, dict]:
    """An event (today's, for the door) with a sensitive and an ordinary question, and Anna's
    registration holding every kind of sensitive answer."""
    event = event or await event_today()
    await questions.add_question(event["id"], QuestionInput(label="Hälsa", key="halsa", sensitive=True), SYSTEM)
    await questions.add_question(event["id"], QuestionInput(label="Buss", key="buss"), SYSTEM)
    anna = await registered(
        event["slug"],
        form(
            "anna@example.se",
            dietary=[DIET_CODE],
            dietary_other=DIET_OTHER,
            accessibility=ACCESS,
            answers={"halsa": SENSITIVE, "buss": PUBLIC},
        ),
        STRANGER,
    )
    return event, anna


def assert_clean(label: str, body: str | bytes, *, public_too: bool = True) -> None:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    for marker in sensitive_markers() + ([PUBLIC] if public_too else []):
        assert marker not in text, f"{marker} in {label}"


# --- The question form ----------------------------------------------------------------------------


async def test_an_organiser_marks_a_question_sensitive_and_unmarks_it(organiser):
    event = await published_event()
    page = await organiser.get(f"/organiser/events/{event['slug']}/questions")
    assert 'id="field-sensitive" name="sensitive" type="checkbox"' in page.text
    assert 'aria-describedby="hint-sensitive"' in page.text and 'id="hint-sensitive"' in page.text

    added = await organiser.submit(
        f"/organiser/events/{event['slug']}/questions", {"label": "Allergier", "kind": "text", "sensitive": "1"}
    )
    assert added.status_code == 303
    question = await Question.select().where(Question.event == event["id"]).first()
    assert question["sensitive"] is True
    listing = text_of(await organiser.get(f"/organiser/events/{event['slug']}/questions"))
    required_and_sensitive = f"<td>{tr('sv', 'No')}</td>\n      <td>{tr('sv', 'Yes')}</td>\n      <td><code>allergier"
    assert required_and_sensitive in listing

    edit = await organiser.get(f"/organiser/questions/{question['uid']}")
    assert 'name="sensitive" type="checkbox" value="1" checked' in edit.text
    saved = await organiser.submit(f"/organiser/questions/{question['uid']}", {"label": "Allergier", "kind": "text"})
    assert saved.status_code == 303
    assert (await Question.select(Question.sensitive).first())["sensitive"] is False
    assert await sensitive_answers.sensitive_question_ids(event["id"]) == set()


# --- The rule -------------------------------------------------------------------------------------


async def test_the_rule_dietary_accessibility_marked_and_orphaned_answers_are_sensitive():
    event, anna = await event_with_answers(await published_event())
    qs = await sensitive_answers.event_questions(event["id"])
    halsa = next(q for q in qs if q["key"] == "halsa")
    assert await sensitive_answers.sensitive_question_ids(event["id"]) == {halsa["id"]}
    assert sensitive_answers.is_sensitive_key("halsa", qs)
    assert not sensitive_answers.is_sensitive_key("buss", qs)
    assert sensitive_answers.is_sensitive_key("a_deleted_question", qs)

    stripped = sensitive_answers.strip_sensitive(anna, qs)
    assert stripped["answers"] == {"buss": PUBLIC}
    assert not set(sensitive_answers.SENSITIVE_COLUMNS) & set(stripped)
    assert stripped["name"] == anna["name"]
    assert sensitive_answers.holds_sensitive(anna, qs)
    assert not sensitive_answers.holds_sensitive(stripped, qs)
    assert sensitive_answers.erased(anna, qs) == {
        "dietary": [],
        "dietary_other": "",
        "accessibility": "",
        "answers": {"buss": PUBLIC},
    }


async def test_erasing_leaves_the_rest_and_other_events_alone():
    event, anna = await event_with_answers(await published_event())
    other, _ = await event_with_answers(await published_event(title="Klimatdagen"))
    plain = await registered(event["slug"], form("plain@example.se", name="Pia Plain"), STRANGER)
    assert await sensitive_answers.erase_sensitive(event["id"]) == 1
    rows = {
        row["email"]: row
        for row in await Registration.select(
            Registration.email,
            Registration.event,
            Registration.name,
            Registration.dietary,
            Registration.dietary_other,
            Registration.accessibility,
            Registration.answers,
            Registration.status,
        )
        .where(Registration.event == event["id"])
        .output(load_json=True)
    }
    assert rows["anna@example.se"] == {
        "email": "anna@example.se",
        "event": event["id"],
        "name": anna["name"],
        "dietary": [],
        "dietary_other": "",
        "accessibility": "",
        "answers": {"buss": PUBLIC},
        "status": "confirmed",
    }
    assert rows["plain@example.se"]["name"] == plain["name"]
    untouched = await Registration.select(Registration.accessibility).where(Registration.event == other["id"]).first()
    assert untouched["accessibility"] == ACCESS
    assert await sensitive_answers.erase_sensitive(event["id"]) == 0  # nothing left to erase


def test_the_door_columns_hold_nothing_sensitive():
    assert not set(checkins.DOOR_COLUMNS) & {*sensitive_answers.SENSITIVE_COLUMNS, sensitive_answers.ANSWERS_COLUMN}


# --- Check-in sees none of it ---------------------------------------------------------------------


async def test_no_check_in_response_holds_a_sensitive_answer(client, staff_accounts):
    event, anna = await event_with_answers()
    slug, day = event["slug"], localtime(event["starts_at"]).date().isoformat()
    bodies: dict[str, bytes] = {}

    await sign_in(client, "checkin@test.se")
    for url in ("/staff", "/checkin", "/checkin?choose=1", f"/checkin/{slug}", f"/checkin/{slug}/search?q=anna"):
        response = await client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        bodies[url] = response.content
    assert anna["name"] in bodies[f"/checkin/{slug}/search?q=anna"].decode()  # the search did find her
    # Pages of the organisers' check-in and the registrations: refused to check-in staff.
    for url in (
        f"/organiser/events/{slug}/checkin",
        f"/organiser/events/{slug}/checkin/live",
        f"/organiser/events/{slug}/checkin/no-shows.csv",
        f"/organiser/events/{slug}/registrations",
        f"/organiser/events/{slug}/registrations/summary",
        f"/organiser/events/{slug}/registrations.csv?sensitive=yes",
        f"/organiser/events/{slug}/catering.csv",
        f"/api/v1/events/{slug}/registrations",
    ):
        response = await client.get(url)
        assert response.status_code in (401, 403), url
        bodies[url] = response.content

    paired = (await client.submit("/checkin/device", {"device": "Entrén"}, form_page=f"/checkin/{slug}")).json()
    scanner = {"Authorization": f"Bearer {paired['token']}"}
    scanned = await client.post(
        "/api/v1/checkins", headers=scanner, json={"code": anna["ticket_code"], "event": slug, "day": day}
    )
    assert scanned.json()["result"] == "ok" and scanned.json()["name"] == anna["name"]
    bodies["scan"] = scanned.content
    again = await client.post(
        "/api/v1/checkins", headers=scanner, json={"code": anna["short_code_display"], "event": slug, "day": day}
    )
    assert again.json()["result"] == "already_checked_in"
    bodies["scan again"] = again.content
    door = {"day": day, "session": "", "device": "Entrén", "reason": ""}
    found = await client.submit(f"/checkin/{slug}/registrations/{anna['uid']}", door, form_page=f"/checkin/{slug}")
    assert found.json()["result"] == "already_checked_in"
    bodies["search check-in"] = found.content
    walk_in = await client.submit(
        f"/checkin/{slug}/walk-in",
        {**door, "name": "Anna", "organisation": "", "organisation_other": "", "email": "anna@example.se"},
        form_page=f"/checkin/{slug}",
    )
    assert walk_in.json()["result"] == "already_checked_in"
    bodies["walk-in of someone registered"] = walk_in.content
    for url in (f"/api/v1/events/{slug}", "/api/v1/events", f"/api/v1/events/{slug}/registrations"):
        bodies[f"scanner {url}"] = (await client.get(url, headers=scanner)).content
    assert json.loads(bodies[f"scanner /api/v1/events/{slug}/registrations"])["code"] == "forbidden"

    # An organiser's paired scanner may only check in too: it reads no registrations.
    await client.post("/logout", data={"_csrf_token": client.last_csrf})
    await sign_in(client, "organiser@test.se")
    theirs = (await client.submit("/checkin/device", {"device": "Telefon"}, form_page=f"/checkin/{slug}")).json()
    organisers_scanner = {"Authorization": f"Bearer {theirs['token']}"}
    listing = await client.get(f"/api/v1/events/{slug}/registrations", headers=organisers_scanner)
    assert listing.status_code == 403
    bodies["organiser's scanner: registrations"] = listing.content
    scanned = await client.post(
        "/api/v1/checkins", headers=organisers_scanner, json={"code": anna["ticket_code"], "event": slug, "day": day}
    )
    assert scanned.json()["result"] == "already_checked_in"
    bodies["organiser's scanner: scan"] = scanned.content
    # Organisers' own check-in pages show who came, not what they need.
    for url in (f"/organiser/events/{slug}/checkin", f"/organiser/events/{slug}/checkin/live"):
        response = await client.get(url)
        assert response.status_code == 200 and anna["name"] in response.text
        bodies[f"organiser {url}"] = response.content

    for label, body in bodies.items():
        assert_clean(label, body)


async def test_check_in_domain_answers_carry_door_columns_only():
    event, anna = await event_with_answers()
    found = await checkins.search(event["slug"], "anna")
    assert [row["name"] for row in found] == [anna["name"]]
    assert_clean("search", repr(found))
    staff = {"id": None, "name": "Dörren", "role": "checkin"}
    answer = await checkins.check_in(checkins.Scan(code=anna["ticket_code"], event=event["slug"]), staff)
    assert answer.result == "ok"
    assert_clean("answer", repr(answer))


# --- Organisers: the list and the exports -------------------------------------------------------


async def test_organisers_see_the_answers_on_the_registrations_page_the_sensitive_one_apart(organiser):
    event, anna = await event_with_answers()
    page = await organiser.get(f"/organiser/events/{event['slug']}/registrations")
    # The list shows no answers at all: they are on each registration's own page.
    assert SENSITIVE not in page.text and PUBLIC not in page.text
    for name in ("registrations.csv", "registrations.xlsx", "catering.csv", "catering.xlsx"):
        assert f"/organiser/events/{event['slug']}/{name}" in page.text
    assert f"/organiser/events/{event['slug']}/registrations.csv?sensitive=yes" in page.text
    own = text_of(await organiser.get(f"/organiser/registrations/{anna['uid']}"))
    ordinary, sensitive = own.split(tr("sv", "Sensitive personal data"), 1)
    assert PUBLIC in ordinary and SENSITIVE not in ordinary
    assert SENSITIVE in sensitive and "Hälsa" in sensitive and ACCESS in sensitive and DIET_OTHER in sensitive


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def filename(response) -> str:
    return response.headers["content-disposition"].split('filename="')[1].split('"')[0]


async def test_the_usual_export_holds_nothing_sensitive_and_keeps_its_name(organiser):
    event, _ = await event_with_answers()
    slug = event["slug"]
    as_csv = await organiser.get(f"/organiser/events/{slug}/registrations.csv")
    as_xlsx = await organiser.get(f"/organiser/events/{slug}/registrations.xlsx")
    assert filename(as_csv) == f"{slug}-anmalningar.csv" and filename(as_xlsx) == f"{slug}-anmalningar.xlsx"
    for rows in (csv_rows(as_csv), xlsx_rows(as_xlsx)):
        assert rows[0][0] == tr("sv", "Name")  # the header first, no warning
        assert "Buss" in rows[0] and "Hälsa" not in rows[0]  # the questions as asked, not their keys
        assert tr("sv", "Dietary needs") not in rows[0] and tr("sv", "Accessibility needs") not in rows[0]
        assert PUBLIC in rows[1]
        assert_clean("usual export", repr(rows), public_too=False)
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


async def test_the_export_with_sensitive_data_says_so_in_its_name_and_first_row(organiser):
    event, anna = await event_with_answers()
    slug = event["slug"]
    parts = ("dietary needs", "accessibility needs", "answers marked sensitive")
    notice = tr("sv", registration_reports.SENSITIVE_NOTICE, parts=", ".join(tr("sv", part) for part in parts))
    as_csv = await organiser.get(f"/organiser/events/{slug}/registrations.csv?sensitive=yes")
    as_xlsx = await organiser.get(f"/organiser/events/{slug}/registrations.xlsx?sensitive=yes")
    assert filename(as_csv) == f"{slug}-anmalningar-kansliga-uppgifter.csv"
    assert filename(as_xlsx) == f"{slug}-anmalningar-kansliga-uppgifter.xlsx"
    assert as_csv.headers["cache-control"] == "no-store"
    for rows in (csv_rows(as_csv), xlsx_rows(as_xlsx)):
        assert rows[0][0] == notice
        assert rows[1][0] == tr("sv", "Name")
        record = dict(zip(rows[1], rows[2], strict=True))
        assert record[tr("sv", "Name")] == anna["name"]
        assert record[tr("sv", "Dietary needs")] == tr("sv", "Nut allergy")
        assert record[tr("sv", "Other dietary needs or allergies")] == DIET_OTHER
        assert record[tr("sv", "Accessibility needs")] == ACCESS
        assert record["Hälsa"] == SENSITIVE and record["Buss"] == PUBLIC
    workbook = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))
    assert workbook.active.freeze_panes == "A3" and workbook.active["A2"].font.bold
    assert workbook.properties.description == notice

    # Without a sensitive question the warning names the needs alone.
    plain = await published_event(title="Klimatdagen")
    await registered(plain["slug"], form("bo@example.se", name="Bo Ek"), STRANGER)
    rows = csv_rows(await organiser.get(f"/organiser/events/{plain['slug']}/registrations.csv?sensitive=yes"))
    parts = ", ".join(tr("sv", part) for part in ("dietary needs", "accessibility needs"))
    assert rows[0] == [tr("sv", registration_reports.SENSITIVE_NOTICE, parts=parts)]


# --- The caterer's numbers ------------------------------------------------------------------------


@pytest.fixture
async def two_days():
    event = await published_event()
    day_one, day_two = (day["day"].isoformat() for day in event["days"])
    people = [
        ("a@example.se", "Alva Aspling", {"dietary": ["vegetarian", "gluten_free"], "days": [day_one]}),
        ("b@example.se", "Bo Björkman", {"dietary": ["vegetarian"], "dietary_other": DIET_OTHER}),
        ("c@example.se", "Cissi Cederlund", {"accessibility": ACCESS, "days": [day_two]}),
    ]
    for email, name, fields in people:
        await registered(event["slug"], form(email, name=name, **fields), STRANGER)
    return event


async def test_the_caterers_export_has_numbers_per_day_and_no_names(organiser, two_days):
    slug = two_days["slug"]
    day_one, day_two = (day["day"].isoformat() for day in two_days["days"])
    as_csv = await organiser.get(f"/organiser/events/{slug}/catering.csv")
    as_xlsx = await organiser.get(f"/organiser/events/{slug}/catering.xlsx")
    assert filename(as_csv) == f"{slug}-cateringunderlag.csv" and filename(as_xlsx) == f"{slug}-cateringunderlag.xlsx"
    for rows in (csv_rows(as_csv), xlsx_rows(as_xlsx)):
        header = rows[0]
        assert header[:2] == [tr("sv", "Day"), tr("sv", "Participants")]
        by_day = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        assert list(by_day) == [day_one, day_two]
        first, second = by_day[day_one], by_day[day_two]
        assert first[tr("sv", "Participants")] == "2" and second[tr("sv", "Participants")] == "2"
        assert first[tr("sv", "Vegetarian")] == "2" and second[tr("sv", "Vegetarian")] == "1"
        assert first[tr("sv", "Gluten-free")] == "1" and second[tr("sv", "Gluten-free")] == "0"
        assert first[tr("sv", "Other dietary needs or allergies (number)")] == "1"
        assert first[tr("sv", "Stated accessibility needs (number)")] == "0"
        assert second[tr("sv", "Stated accessibility needs (number)")] == "1"
        text = repr(rows)
        for secret in ("Alva", "Bo Björkman", "Cissi", "example.se", DIET_OTHER, ACCESS):
            assert secret not in text

    summary = await organiser.get(f"/organiser/events/{slug}/registrations/summary")
    assert f"/organiser/events/{slug}/catering.xlsx" in summary.text
    for secret in ("Alva", "Bo Björkman", "Cissi", DIET_OTHER, ACCESS):
        assert secret not in summary.text
    assert f"{tr('sv', 'Stated accessibility needs')}</th><td>1</td>" in text_of(summary)


async def test_organisers_see_sensitive_data_on_the_registrations_page_check_in_staff_cannot(client, staff_accounts):
    event = await finished_event(title="Detaljsidans evenemang")
    await questions.add_question(event["id"], QuestionInput(label="Mediciner", sensitive=True), SYSTEM)
    await questions.add_question(event["id"], QuestionInput(label="Favoritfika"), SYSTEM)
    registration = await participant(
        event,
        "Dora Detalj",
        "dora@exempel.se",
        dietary=["vegan"],
        accessibility="MARKER-RAMP",
        answers={"mediciner": "MARKER-MEDICIN", "favoritfika": "Kanelbulle"},
    )
    page = f"/organiser/registrations/{registration['uid']}"
    await sign_in(client, "organiser@test.se")
    shown = await client.get(page)
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    text = text_of(shown)
    for expected in ("Dora Detalj", "MARKER-RAMP", "MARKER-MEDICIN", "Kanelbulle", tr("sv", "Vegan")):
        assert expected in text
    assert page in (await client.get(f"/organiser/events/{event['slug']}/registrations")).text
    await sign_in(client, "checkin@test.se")
    refused = await client.get(page)
    assert refused.status_code == 403 and "MARKER" not in refused.text
