"""A person's own data (GDPR Art. 15, 17, 20): the export is complete, readable as a page, JSON and
PDF; erasure leaves no trace of the name or address anywhere, yet counts and certificates hold."""

from __future__ import annotations

import dataclasses
import json
import re

from piccolo.columns import JSON, ForeignKey, Text, Varchar

from events_app.domain import (
    accessibility_feedback,
    certificates,
    erasure,
    participation_reports,
    personal_data,
    questions,
)
from events_app.domain.accessibility_feedback import FeedbackInput
from events_app.domain.questions import QuestionInput
from events_app.domain.tables import (
    AuditEntry,
    Event,
    Invitation,
    Person,
    Registration,
)
from events_app.domain.text_folding import search_text
from events_app.piccolo_app import APP_CONFIG
from tests.account_helpers import another_client, database_snapshot, sign_in_member, text_of, tr
from tests.certificate_helpers import check_in, days_of, finished_event, participant, pdf_text
from tests.conftest import sign_in
from tests.invitation_helpers import invite
from tests.registration_helpers import SYSTEM, deliver, published_event

NAME = "Märta Qvist-Ödmark"
EMAIL = "marta.qvist@kramfors.se"
PERSONAL_COLUMN_NAMES = {"email", "to_address", "name", "to_name"}


def _refers_to_people(table) -> bool:
    """A table with a foreign key to a person, a registration or an invitation, or with an address."""
    people = {Person, Registration, Invitation}
    for column in table._meta.columns:
        if isinstance(column, ForeignKey) and column._foreign_key_meta.resolved_references in people:
            return True
        if column._meta.name in {"email", "to_address"}:
            return True
    return False


def test_every_table_holding_a_person_is_exported_or_says_why_not():
    for table in APP_CONFIG.table_classes:
        if _refers_to_people(table):
            assert table in personal_data.EXPORTED or table in personal_data.NOT_EXPORTED, (
                f"{table._meta.tablename} refers to a person: add it to personal_data.EXPORTED (and the export "
                "and erasure), or to NOT_EXPORTED with the reason"
            )


def test_erasure_says_what_it_does_to_every_table_the_export_names():
    named = set(personal_data.EXPORTED) | set(personal_data.NOT_EXPORTED)
    assert set(erasure.ERASED) == named, "add the table to erasure.ERASED, and handle it in erase_person"


async def _person_with_everything(settings) -> tuple[dict, dict, dict]:
    """A finished event with a sensitive-looking registration, a check-in, a certificate, an invitation
    and delivered mail, all of one person."""
    event = await finished_event(title="Hållbarhetsdagen i Härnösand")
    await questions.add_question(event["id"], QuestionInput(label="Vilken workshop lockar mest?"), SYSTEM)
    await invite(event["slug"], EMAIL)
    registration = await participant(
        event,
        NAME,
        EMAIL,
        dietary=["vegan"],
        dietary_other="Inga jordnötter",
        accessibility="Hörslinga behövs",
        answers={"vilken_workshop_lockar_mest": "Cirkulär upphandling"},
    )
    await check_in(event, registration, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    await accessibility_feedback.send(
        FeedbackInput(name=NAME, email=EMAIL, message="Knappen på anmälan syns inte i mörkt läge"), ip="10.0.0.9"
    )
    return event, registration, await Person.select().where(Person.email == EMAIL).first()


async def test_the_person_sees_and_downloads_everything_held_about_them(client, smtp_server):
    event, _, _ = await _person_with_everything(smtp_server.settings)
    await sign_in_member(client, EMAIL)

    page = await client.get("/my/data")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = text_of(page)
    for expected in (NAME, EMAIL, event["title"], tr("sv", "Vegan"), "Inga jordnötter", "Hörslinga behövs"):
        assert expected in text
    assert "Vilken workshop lockar mest?: Cirkulär upphandling" in text
    assert tr("sv", "Certificates") in text and "HR-" in text

    exported = json.loads((await client.get("/my/data/data.json")).content)
    assert exported["profile"]["email"] == EMAIL
    [mine] = exported["registrations"]
    assert mine["accessibility"] == "Hörslinga behövs"
    assert mine["attendance"][0]["day"] == days_of(event)[0].isoformat()
    assert exported["invitations"][0]["email"] == EMAIL
    assert exported["certificates"][0]["number"].startswith("HR-")
    assert certificates.MAIL_KIND in {mail["kind"] for mail in exported["mail"]}
    assert exported["accessibility_feedback"][0]["message"] == "Knappen på anmälan syns inte i mörkt läge"

    pdf = await client.get("/my/data/data.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    printed = pdf_text(pdf.content)
    for expected in (NAME, EMAIL, "Hörslinga behövs", event["title"]):
        assert expected in printed


async def test_someone_else_sees_only_their_own_data(client):
    await _person_with_everything(None)
    other = await participant(await finished_event(title="Annat evenemang"), "Olle Annan", "olle@timra.se")
    assert other
    await sign_in_member(client, "olle@timra.se")
    text = text_of(await client.get("/my/data"))
    assert "Olle Annan" in text and NAME not in text and EMAIL not in text
    assert EMAIL not in (await client.get("/my/data/data.json")).text


def _text_columns(table):
    return [column for column in table._meta.columns if isinstance(column, Varchar | Text | JSON)]


async def _traces(*needles: str) -> list[str]:
    """Every table and column whose text holds one of `needles`, ignoring case."""
    found = []
    for table in APP_CONFIG.table_classes:
        columns = _text_columns(table)
        if not columns:
            continue
        for row in await table.select(*columns):
            for name, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if any(needle.lower() in (text or "").lower() for needle in needles):
                    found.append(f"{table._meta.tablename}.{name}")
    return found


async def _counts(event: dict) -> dict:
    report = await participation_reports.event_report(event["slug"])
    year = await participation_reports.year_report(days_of(event)[0].year)
    return {"event": dataclasses.asdict(report.breakdown), "year": dataclasses.asdict(year.breakdown)}


async def test_asked_erasure_is_carried_out_by_an_admin_and_leaves_no_trace(client, app, smtp_server, staff_accounts):
    event, _, person = await _person_with_everything(smtp_server.settings)
    coming = await published_event(title="Klimatdagen nästa månad", days_ahead=30)
    place = await participant(coming, "Märta Ödmark", EMAIL)  # the name given differently this time
    # Someone else whose name begins like hers keeps every word of their entries.
    await participant(coming, "Märta Ödmarksson", "annan@kramfors.se")
    await deliver(smtp_server.settings)  # the certificate's mail, delivered and kept for a while
    [certificate] = await certificates.list_certificates(event["slug"])
    counts_before = await _counts(event)

    async with another_client(app) as member:
        await sign_in_member(member, EMAIL)
        await _ask_to_be_erased_and_see_it_recorded(member)
        await _erase_as_admin(client, person)
        # The erased person's browser is signed out.
        assert (await member.get("/my/data")).status_code in (302, 303, 401)

    smtp_server.collector.messages.clear()
    await deliver(smtp_server.settings)
    [done] = smtp_server.collector.messages
    assert done["To"] == EMAIL
    assert done["Subject"] == tr("sv", "Your personal data has been erased")

    # The door's search held her name folded ("marta qvist odmark"): gone with the name.
    folded = search_text(NAME, None).strip()
    assert await _traces(NAME, EMAIL, folded, "Hörslinga", "jordnötter", "Cirkulär upphandling", "mörkt läge") == []
    summaries = [row["summary"] for row in await AuditEntry.select(AuditEntry.summary)]
    assert not [summary for summary in summaries if re.search(r"Märta Ödmark(?!\w)", summary)]
    assert await AuditEntry.exists().where(AuditEntry.summary.like("%Märta Ödmarksson%"))
    assert await _counts(event) == counts_before
    verified = await client.get(f"/v/{certificate['verification_code']}")
    assert tr("sv", "The certificate is valid; the holder's details have been erased.") in text_of(verified)
    assert not await Person.exists().where(Person.email == EMAIL)
    assert await Registration.count().where(Registration.event == event["id"]) == 1
    # The place at the coming event is given up, for the next in line.
    held = (
        await Registration.select(Registration.status, Registration.search_text)
        .where(Registration.uid == place["uid"])
        .first()
    )
    assert held == {"status": "cancelled", "search_text": ""}


async def _ask_to_be_erased_and_see_it_recorded(client) -> None:
    asked = await client.submit("/my/data/erasure", {"confirm": "1"}, form_page="/my/data")
    assert asked.status_code in (302, 303)
    assert tr("sv", "Your request has been recorded. We will mail you when your data has been erased.") in text_of(
        await client.get("/my/data")
    )


async def _erase_as_admin(client, person: dict) -> None:
    await sign_in(client, "admin@test.se")
    home = text_of(await client.get("/staff"))
    assert "1 " in home and tr("sv", "People and their data") in home
    people = text_of(await client.get("/admin/people"))
    assert NAME in people
    person_page = f"/admin/people/{person['uid']}"
    assert "Hörslinga behövs" in text_of(await client.get(person_page))
    erased = await client.submit(f"{person_page}/erase", {"confirm": "1"}, form_page=person_page)
    assert erased.status_code in (302, 303)


async def test_the_records_plan_refuses_erasure_and_nothing_changes(client, staff_accounts):
    event, _, person = await _person_with_everything(None)
    await Event.update({Event.preserve: True}).where(Event.id == event["id"])
    await sign_in(client, "admin@test.se")
    person_page = f"/admin/people/{person['uid']}"
    page = text_of(await client.get(person_page))
    assert event["title"] in page
    before = await database_snapshot()
    await client.get(person_page)  # the form's CSRF token
    response = await client.post(
        f"{person_page}/erase", data={"confirm": "1", "_csrf_token": client.last_csrf}, follow_redirects=True
    )
    refusal = (
        "The person is in the attendance of events the records plan keeps (bevaras): %(events)s. Nothing was erased."
    )
    assert tr("sv", refusal, events=event["title"]) in text_of(response)
    after = await database_snapshot()
    for table in ("person", "registration", "certificate", "invitation", "outbox_message"):
        assert after[table] == before[table], table


async def test_an_admin_exports_any_person(client, staff_accounts):
    _, _, person = await _person_with_everything(None)
    await sign_in(client, "admin@test.se")
    found = text_of(await client.get("/admin/people", params={"q": "ÖDMARK"}))
    assert NAME in found
    exported = json.loads((await client.get(f"/admin/people/{person['uid']}/data.json")).content)
    assert exported["registrations"][0]["dietary_other"] == "Inga jordnötter"
    assert NAME in pdf_text((await client.get(f"/admin/people/{person['uid']}/data.pdf")).content)
    await sign_in(client, "organiser@test.se")
    assert (await client.get(f"/admin/people/{person['uid']}")).status_code == 403
