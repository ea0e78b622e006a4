"""The organisers' members × training modules matrix: the page (year chosen, an accessible table) and
its XLSX export (read back with openpyxl), for organisers only. Runs on both databases."""

from __future__ import annotations

import html
import io
import re

import pytest

from events_app.domain import certificates
from events_app.domain.people import MemberInput, create_member
from events_app.domain.tables import Person
from events_app.i18n import localtime
from tests.account_helpers import tr
from tests.certificate_helpers import (
    MARET,
    check_in,
    days_of,
    finished_module,
    participant,
)
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM

ROUTES = ("/organiser/competence", "/organiser/competence.xlsx")


async def _member(name: str, email: str, organisation: str, side: str) -> dict:
    await create_member(MemberInput(name=name, email=email, organisation=organisation, side=side), SYSTEM)
    return await Person.select().where(Person.email == email).first()


async def _module_with_one_completion() -> tuple[dict, str]:
    """Máret (Sollefteå, opposition) completed a module and holds its certificate; Bo attended one of
    two occasions; Cilla has not registered."""
    maret = await _member(MARET, "maret@example.se", "solleftea", "opposition")
    bo = await _member("Bo Berg", "bo@example.se", "harnosand", "majority")
    await _member("Cilla Ceder", "cilla@example.se", "kramfors", "majority")
    module = await finished_module(title="Cirkulär ekonomi", occasions=2, completion_min=None)
    for person, attended in ((maret, days_of(module)), (bo, days_of(module)[:1])):
        registration = await participant(module, person["name"], person["email"])
        await check_in(module, registration, *attended)
    await certificates.issue_certificates(module["slug"], SYSTEM)
    [certificate] = await certificates.list_certificates(module["slug"])
    return module, certificate["number"]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.mark.parametrize("url", ROUTES)
async def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = await client.get(url)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("url", ROUTES)
async def test_check_in_staff_may_not_see_the_matrix(client, staff_accounts, url):
    await sign_in(client, "checkin@test.se")
    assert (await client.get(url)).status_code == 403


async def test_the_page_shows_each_members_modules_with_the_certificate_number(organiser):
    module, number = await _module_with_one_completion()
    year = localtime(module["starts_at"]).year

    response = await organiser.get("/organiser/competence")
    assert response.status_code == 200
    page = response.text
    # The newest year is chosen, and offered with "all years" in the selector.
    assert f'<option value="{year}" selected>' in page
    assert '<option value="all">' in page
    assert f'href="/organiser/competence.xlsx?year={year}"' in page
    # An accessible table: a caption, the module as a column header with its date, members as row headers.
    assert "<caption" in page
    header = re.search(
        r'<th scope="col"><a href="/organiser/events/' + module["slug"] + r'">(.*?)</th>', page, re.DOTALL
    )
    assert header and "Cirkulär ekonomi" in header.group(1)
    assert localtime(module["starts_at"]).date().isoformat() in header.group(1)
    rows = {
        _text(re.search(r'<th scope="row">(.*?)</th>', row, re.DOTALL).group(1)): _text(row)
        for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", page, re.DOTALL)
    }
    assert set(rows) == {MARET, "Bo Berg", "Cilla Ceder"}
    # In words (Swedish by default): organisation, side, the state with the certificate's number, the count.
    completed = tr("sv", "Completed")
    assert rows[MARET] == f"{MARET} Sollefteå kommun {tr('sv', 'Opposition')} {completed} ({number}) 1"
    progress = tr("sv", "%(state)s: %(attended)s of %(total)s", state=tr("sv", "Not completed"), attended=1, total=2)
    assert rows["Bo Berg"] == f"Bo Berg Härnösands kommun {tr('sv', 'Majority')} {progress} 0"
    # An empty cell is a dash to the eye and words to a screen reader.
    assert rows["Cilla Ceder"] == f"Cilla Ceder Kramfors kommun {tr('sv', 'Majority')} – {tr('sv', 'Not registered')} 0"


async def test_all_years_and_an_empty_year(organiser):
    _, number = await _module_with_one_completion()
    everything = await organiser.get("/organiser/competence?year=all")
    assert everything.status_code == 200
    assert '<option value="all" selected>' in everything.text
    assert number in everything.text
    empty = await organiser.get("/organiser/competence?year=2001")
    assert empty.status_code == 200
    assert number not in empty.text and "<table" not in empty.text
    assert '<option value="2001" selected>' in empty.text


async def test_the_export_is_an_xlsx_with_the_members_row(organiser):
    from openpyxl import load_workbook

    module, number = await _module_with_one_completion()
    year = localtime(module["starts_at"]).year
    await organiser.submit(
        "/language", {"language": "en", "next": "/organiser/competence"}, form_page="/organiser/competence"
    )

    response = await organiser.get(f"/organiser/competence.xlsx?year={year}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response.headers["content-disposition"] == f'attachment; filename="utbildningsmoduler-{year}.xlsx"'
    assert response.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Name", "Organisation", "Side"]
    assert rows[0][3].startswith("Cirkulär ekonomi")
    maret_row = next(row for row in rows if row[0] == MARET)
    assert maret_row[1:] == ["Sollefteå Municipality", "Opposition", f"Completed ({number})", "1"]
    bo_row = next(row for row in rows if row[0] == "Bo Berg")
    assert bo_row[1:] == ["Härnösand Municipality", "Majority", "Not completed: 1 of 2", "0"]

    everything = await organiser.get("/organiser/competence.xlsx?year=all")
    assert everything.headers["content-disposition"] == 'attachment; filename="utbildningsmoduler-alla.xlsx"'


# --- The demo ------------------------------------------------------------------------------------


async def test_the_demo_has_certificates_to_issue_a_module_in_progress_and_maret_can_sign_in(app, organiser):
    from events_app.domain.seed import load_demo
    from events_app.domain.tables import Event
    from tests.account_helpers import another_client, sign_in_member

    await load_demo()
    [last_year] = await Event.select(Event.slug).where(Event.status == "archived")
    preview = await certificates.preview(last_year["slug"])
    assert preview.refusal == ""  # an organiser can issue at once
    actions = {a.registration["name"]: a.action for a in preview.assessments}
    assert len(actions) == 14
    assert sorted(name for name, action in actions.items() if action == "ineligible") == ["Johan Berg", "Lars Eriksson"]
    assert actions[MARET] == actions["Łukasz Żółw"] == "new"
    hours = {a.registration["name"]: a.minutes // 60 for a in preview.assessments}
    assert (hours[MARET], hours["Łukasz Żółw"]) == (12, 6)  # both days, one day: six hours a day

    # The module's first occasion was attended by a few members: in progress in the matrix.
    page = (await organiser.get("/organiser/competence")).text
    assert "Klimatanpassning i kommunal planering" in page
    progress = tr("sv", "%(state)s: %(attended)s of %(total)s", state=tr("sv", "In progress"), attended=1, total=3)
    assert page.count(progress) == 4

    # Máret signs in on My pages with an emailed link, like every demo person.
    async with another_client(app) as maret:
        response = await sign_in_member(maret, "maret.cudetsa@exempel.se")
        assert response.status_code in (302, 303)
        my_pages = await maret.get("/my")
        assert my_pages.status_code == 200
        assert MARET in my_pages.text and "Hållbarhetsdagarna" in my_pages.text
