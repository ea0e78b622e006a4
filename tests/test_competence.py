"""Competence records and the members × modules matrix: built from real check-ins and certificates,
the record's PDF read back, the matrix exported to XLSX and read with openpyxl. Runs on both databases."""

from __future__ import annotations

import io

from events_app.domain import certificates, competence, competence_pdf
from events_app.domain.people import MemberInput, create_member
from events_app.domain.tables import Person
from events_app.i18n import use_language
from tests.certificate_helpers import (
    MARET,
    check_in,
    days_of,
    finished_event,
    finished_module,
    participant,
    pdf_text,
)
from tests.registration_helpers import SYSTEM


async def _member(name: str, email: str, organisation: str = "harnosand", side: str = "majority") -> dict:
    await create_member(MemberInput(name=name, email=email, organisation=organisation, side=side), SYSTEM)
    return await Person.select().where(Person.email == email).first()


async def test_a_members_record_lists_what_they_attended_with_hours_and_certificates():
    maret = await _member(MARET, "maret@example.se")
    days = await finished_event(title="Hållbarhetsdagarna", hours_credit="day", hours_per_day=6)
    meeting = await finished_event(title="Rådsmöte", kind="council_meeting", completion_rule="none")
    module = await finished_module(title="Klimatanpassning", occasions=3, completion_min=2, last_days_ahead=8)
    skipped = await finished_event(title="Evenemang hon missade")
    for event, attended in (
        (days, days_of(days)),
        (meeting, days_of(meeting)[:1]),
        (module, days_of(module)[:1]),
        (skipped, []),
    ):
        registration = await participant(event, MARET, "maret@example.se")
        if attended:
            await check_in(event, registration, *attended)
    await certificates.issue_certificates(days["slug"], SYSTEM)

    record = await competence.record_of_person(maret["id"])
    by_kind = {kind: [entry.event["title"] for entry in entries] for kind, entries in record.sections}
    assert by_kind == {
        "training_module": ["Klimatanpassning"],
        "sustainability_day": ["Hållbarhetsdagarna"],
        "council_meeting": ["Rådsmöte"],
    }
    [days_entry] = dict(record.sections)["sustainability_day"]
    assert days_entry.minutes == 12 * 60 and days_entry.certificate["status"] == "valid"
    # The module: one occasion of three attended, two needed, two still ahead.
    [progress] = record.in_progress
    assert (len(progress.days), progress.total_days, progress.remaining, len(progress.upcoming)) == (1, 3, 1, 2)

    text = pdf_text(competence_pdf.render(record, "sv"))
    assert MARET in text and "Hållbarhetsdagarna" in text and "Rådsmöte" in text and "Klimatanpassning" in text
    assert days_entry.certificate["number"] in text
    assert "Evenemang hon missade" not in text


async def test_the_matrix_shows_each_member_and_module_and_exports_to_xlsx():
    from openpyxl import load_workbook

    anna = await _member("Anna Andersson", "anna@example.se", "sundsvall", "majority")
    bo = await _member("Bo Berg", "bo@example.se", "harnosand", "opposition")
    await _member("Cilla Ceder", "cilla@example.se", "kramfors", "majority")
    module = await finished_module(title="Cirkulär ekonomi", occasions=2, completion_min=None)
    for person, attended in ((anna, days_of(module)), (bo, days_of(module)[:1])):
        registration = await participant(module, person["name"], person["email"])
        await check_in(module, registration, *attended)
    await certificates.issue_certificates(module["slug"], SYSTEM)

    matrix = await competence.module_matrix()
    assert [m["title"] for m in matrix.modules] == ["Cirkulär ekonomi"]
    with use_language("en"):
        cells = {row["member"]["name"]: competence.cell_text(row["cells"][0]) for row in matrix.rows}
    number = (await certificates.list_certificates(module["slug"]))[0]["number"]
    assert cells == {"Anna Andersson": f"Completed ({number})", "Bo Berg": "Not completed: 1 of 2", "Cilla Ceder": ""}

    sheet = load_workbook(io.BytesIO(competence.matrix_xlsx(matrix, "en"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Name", "Organisation", "Side"]
    bo_row = next(row for row in rows if row[0] == "Bo Berg")
    assert bo_row[1:] == ["Härnösand Municipality", "Opposition", "Not completed: 1 of 2", "0"]
