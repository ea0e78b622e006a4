"""Each organisation's statement of its representatives' attendance in a year (PDF and XLSX), and the
county's summary for the annual report: the statement adds up to the attendance rows, a substitute
counts for the member's organisation, and a member counts for the organisation of the term they held
that day."""

from __future__ import annotations

import io
from datetime import date, timedelta

from events_app import i18n
from events_app.domain import organisation_statements as statements
from events_app.domain.tables import Attendance, EventDay, MemberTerm
from tests.certificate_helpers import check_in, days_of, participant, pdf_text
from tests.conftest import sign_in
from tests.registration_helpers import published_event
from tests.test_council_records import LUKASZ, MARET, _meeting


async def _year_of_attendance():
    """Last week's council meeting (test_council_records: Máret for orgs[0], Łukasz serving for Per of
    orgs[1]), a sustainability day two weeks ago where Máret came both days, and a training module
    four days ago that Máret attended after her term moved to orgs[3]."""
    meeting, orgs = await _meeting()
    meeting_day = days_of(meeting)[0]
    days = await published_event(title="Hållbarhetsdagarna", days_ahead=-15)
    four_days_ago = i18n.localtime(meeting["starts_at"]).date() + timedelta(days=4)
    module = await published_event(
        title="Klimatanpassning", kind="training_module", days_ahead=-4, occasion_dates=[four_days_ago]
    )
    maret_days = await participant(days, MARET, "maret@example.se")  # the same person as at the meeting
    await check_in(days, maret_days, *days_of(days))
    maret_module = await participant(module, MARET, "maret@example.se")
    [term] = await MemberTerm.select().where(
        (MemberTerm.organisation == orgs[0]["id"]) & (MemberTerm.person == maret_days["person"])
    )
    await MemberTerm.update({MemberTerm.ends_on: meeting_day + timedelta(days=1)}).where(MemberTerm.id == term["id"])
    await MemberTerm(
        person=term["person"], organisation=orgs[3]["id"], side="majority", starts_on=meeting_day + timedelta(days=2)
    ).save()
    await check_in(module, maret_module, days_of(module)[0])
    return meeting, days, module, orgs


async def _minutes_of(event_days: list[tuple[int, date]]) -> int:
    rows = await EventDay.select()
    lengths = {(r["event"], r["day"]): int((r["ends_at"] - r["starts_at"]).total_seconds() // 60) for r in rows}
    return sum(lengths[key] for key in event_days)


async def test_each_statement_adds_up_to_the_attendance_rows_of_its_representatives():
    meeting, days, module, orgs = await _year_of_attendance()
    years = sorted({i18n.localtime(event["starts_at"]).year for event in (meeting, days, module)})
    # In the first days of January the events fall in two years: each year's statement has its own.
    found = await statements.statements(years[0])
    for later in years[1:]:
        for organisation_id, statement in (await statements.statements(later)).items():
            found[organisation_id].visits.extend(statement.visits)
    for statement in found.values():
        statement.visits.sort(key=lambda visit: (visit.day, visit.event_title))
    first, second, fourth = found[orgs[0]["id"]], found[orgs[1]["id"]], found[orgs[3]["id"]]

    meeting_day = days_of(meeting)[0]
    assert [(v.name, v.event_title, v.day) for v in first.visits] == [
        (MARET, "Hållbarhetsdagarna", days_of(days)[0]),
        (MARET, "Hållbarhetsdagarna", days_of(days)[1]),
        (MARET, "Rådsmöte 3", meeting_day),
    ]
    assert first.minutes == await _minutes_of(
        [(days["id"], days_of(days)[0]), (days["id"], days_of(days)[1]), (meeting["id"], meeting_day)]
    )
    # The substitute counts for the member's organisation, named as such.
    assert [(v.name, v.substitute_for, v.side) for v in second.visits] == [(LUKASZ, "Per Berg", "opposition")]
    # After her term moved, Máret's module counts for the new organisation.
    assert [(v.name, v.kind) for v in fourth.visits] == [(MARET, "training_module")]
    counted = sum(len(statement.visits) for statement in found.values())
    attended = {
        (row["registration"], row["day"]) for row in await Attendance.select(Attendance.registration, Attendance.day)
    }
    # Every check-in is counted once, except the preparatory group's and the guest's (no organisation's
    # representatives) at the meeting.
    assert counted == len(attended) - 2

    summary = await statements.county_summary(i18n.localtime(meeting["starts_at"]).year)
    seats = {(s.organisation["code"], s.side): (s.meetings, s.attended) for s in summary.seats}
    assert seats[(orgs[0]["code"], "majority")] == (1, 1)
    assert seats[(orgs[1]["code"], "opposition")] == (1, 1)
    assert seats[(orgs[2]["code"], "majority")] == (1, 0)
    if i18n.localtime(module["starts_at"]).year == summary.year:
        assert [(name, minutes) for name, _, minutes in summary.training] == [
            (MARET, await _minutes_of([(module["id"], days_of(module)[0])]))
        ]


async def test_the_organiser_downloads_each_statement_as_pdf_and_xlsx_and_the_summary(client, staff_accounts):
    from openpyxl import load_workbook

    meeting, _, _, orgs = await _year_of_attendance()
    year = i18n.localtime(meeting["starts_at"]).year
    await sign_in(client, "organiser@test.se")

    page = await client.get(f"/organiser/council/statements/?year={year}")
    pdf = await client.get(f"/organiser/council/statements/{orgs[1]['code']}/statement.pdf?year={year}")
    xlsx = await client.get(f"/organiser/council/statements/{orgs[0]['code']}/statement.xlsx?year={year}")
    summary = await client.get(f"/organiser/council/statements/summary.xlsx?year={year}")

    assert page.status_code == 200 and orgs[1]["name_sv"] in page.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(pdf.content).split())  # a long line wraps
    assert LUKASZ in text and "ersättare för Per Berg" in text and orgs[1]["name_sv"] in text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    visits = [row for row in rows[1:] if row[0] == MARET]
    totals = [row for row in rows[1:] if row[0] == "Totalt" and not row[4]]
    expected = (await statements.statements(year))[orgs[0]["id"]]
    assert len(visits) == len(expected.visits)
    assert sum(float(row[6].replace(",", ".")) for row in visits) == float(totals[0][6].replace(",", "."))
    workbook = load_workbook(io.BytesIO(summary.content))
    assert workbook.sheetnames == ["Rådsmöten", "Utbildningstimmar"]


async def test_check_in_staff_cannot_read_the_statements(client, staff_accounts):
    await sign_in(client, "checkin@test.se")
    for path in ("/organiser/council/statements/", "/organiser/council/statements/summary.xlsx"):
        assert (await client.get(path)).status_code == 403
