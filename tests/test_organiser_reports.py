"""The organisers' participation reports on the web: the year's page and an event's page (numbers in
accessible tables beside bar charts), the CSV and XLSX exports with the same numbers, and the role
guards. Runs on both databases."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET

import pytest

from events_app import i18n
from events_app.i18n import localtime
from tests.certificate_helpers import check_in, days_of, participant
from tests.conftest import sign_in
from tests.test_participation_reports import scenario


def _routes() -> list[str]:
    return [
        "/organiser/reports",
        "/organiser/reports.csv",
        "/organiser/reports.xlsx",
        "/organiser/events/{slug}/report",
        "/organiser/events/{slug}/report.csv",
        "/organiser/events/{slug}/report.xlsx",
    ]


@pytest.mark.parametrize("route", _routes())
async def test_anonymous_visitors_are_sent_to_sign_in_and_check_in_staff_are_refused(client, staff_accounts, route):
    event = await scenario()
    url = route.format(slug=event["slug"])
    response = await client.get(url)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")
    await sign_in(client, "checkin@test.se")
    assert (await client.get(url)).status_code == 403


def _rows(page: str, caption_id: str) -> dict[str, list[str]]:
    table = re.search(r'<caption id="' + caption_id + r'">.*?</table>', page, re.DOTALL).group(0)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        head = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.DOTALL)
        if head:
            cells = re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
            rows[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", head.group(1))).split())] = [c.strip() for c in cells]
    return rows


def _charts(page: str) -> list[ET.Element]:
    return [ET.fromstring(chart) for chart in re.findall(r'<figure class="chart".*?</figure>', page, re.DOTALL)]


def _chart_values(chart: ET.Element) -> dict[str, list[str]]:
    """{category: the values written beside its bars}"""
    return {
        group.find("span").text: [value.text for value in group.iter("span") if value.get("class") == "chart-value"]
        for group in chart.iter("li")
        if group.get("class") == "chart-group"
    }


def sv_counts(singular: str, plural: str, n: int) -> str:
    with i18n.use_language("sv"):
        return i18n.ngettext(singular, plural, n)


async def test_the_event_report_page_has_charts_and_tables_with_the_check_ins(organiser):
    event = await scenario()
    await organiser.submit("/language", {"language": "en", "next": "/staff"}, form_page="/staff")
    response = await organiser.get(f"/organiser/events/{event['slug']}/report")
    assert response.status_code == 200
    page = response.text
    assert f'href="/organiser/events/{event["slug"]}/report" aria-current="page"' in page
    organisations = _rows(page, "org-caption")
    assert organisations["Sundsvall Municipality"] == ["1", "1", "0"]
    assert organisations["Härnösand Municipality"] == ["1", "0", "1"]
    assert organisations["Region Västernorrland"] == ["1", "1", "0"]
    assert organisations["Others"] == ["1", "1", "0"]
    assert organisations["Everyone"] == ["4", "3", "1"]
    assert _rows(page, "side-caption") == {"Majority": ["1", "1", "0"], "Opposition": ["1", "0", "1"]}
    charts = _charts(page)
    assert len(charts) == 2
    for chart in charts:
        assert chart.find("figcaption").text and chart.get("aria-labelledby") == chart.find("figcaption").get("id")
    assert _chart_values(charts[0])["Others"] == ["1 registered", "1 attended"]


async def test_the_charts_write_counts_with_the_languages_plurals(organiser):
    """Swedish counts agree with their number: "1 anmäld", "2 anmälda", "2 närvarande" (not "2 anmäld",
    "2 närvaro", the column headings the charts used to lower-case)."""
    event = await scenario()
    gun = await participant(event, "Gun Grå", "gun@example.se", organisation="sundsvall")
    await check_in(event, gun, days_of(event)[0])
    page = (await organiser.get(f"/organiser/events/{event['slug']}/report")).text
    values = _chart_values(_charts(page)[0])
    registered = ("%(num)s registered", "%(num)s registered")
    attended = ("%(num)s attended", "%(num)s attended")
    assert values["Sundsvalls kommun"] == [sv_counts(*registered, 2), sv_counts(*attended, 2)]
    assert values["Härnösands kommun"] == [sv_counts(*registered, 1), sv_counts(*attended, 0)]
    assert "2 anmäld<" not in page and "närvaro<" not in page


async def test_the_year_page_lists_the_events_and_the_members_rates(organiser):
    event = await scenario()
    year = localtime(event["starts_at"]).year
    response = await organiser.get("/organiser/reports")  # the current year by default
    assert response.status_code == 200
    page = (await organiser.get(f"/organiser/reports?year={year}")).text
    assert f'<option value="{year}" selected>' in page
    assert f'href="/organiser/events/{event["slug"]}/report"' in page
    assert _rows(page, "events-caption")["Hållbarhetsdagarna"][-3:] == ["4", "3", "1"]
    rates = _rows(page, "rates-caption")
    assert len(rates) == 3
    charts = _charts(page)
    assert len(charts) == 3
    # The rate chart's categories count the events held, in words with the right plural.
    held = ["(" + category.rsplit(" (", 1)[1] for category in _chart_values(charts[2])]
    assert sorted(held) == sorted(sv_counts("(%(num)s event held)", "(%(num)s events held)", n) for n in (0, 0, 1))
    assert (
        f'href="/organiser/reports.csv?year={year}"' in page and f'href="/organiser/reports.xlsx?year={year}"' in page
    )
    empty = await organiser.get("/organiser/reports?year=2001")
    assert empty.status_code == 200 and "Hållbarhetsdagarna" not in empty.text


async def test_the_exports_have_the_same_numbers(organiser):
    from openpyxl import load_workbook

    event = await scenario()
    year = localtime(event["starts_at"]).year
    await organiser.submit("/language", {"language": "en", "next": "/staff"}, form_page="/staff")

    csv = await organiser.get(f"/organiser/events/{event['slug']}/report.csv")
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == f'attachment; filename="{event["slug"]}-deltagande.csv"'
    assert csv.headers["cache-control"] == "no-store"
    assert csv.content.startswith(b"\xef\xbb\xbf")
    lines = [line.split(";") for line in csv.content.decode("utf-8-sig").splitlines()]
    assert lines[0][:5] == ['"Section"', '"Name"', '"Registered"', '"Attended"', '"No-show"']
    by_name = {line[1].strip('"'): [cell.strip('"') for cell in line[2:5]] for line in lines[1:]}
    assert by_name["Everyone"] == ["4", "3", "1"]
    assert by_name["Others"] == ["1", "1", "0"]
    assert by_name["Sundsvall Municipality"] == ["1", "1", "0"]
    assert by_name["Opposition"] == ["1", "0", "1"]

    xlsx = await organiser.get(f"/organiser/events/{event['slug']}/report.xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = {row[1]: list(row[2:5]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Everyone"] == ["4", "3", "1"] and rows["Others"] == ["1", "1", "0"]

    year_csv = await organiser.get(f"/organiser/reports.csv?year={year}")
    assert year_csv.headers["content-disposition"] == f'attachment; filename="deltagande-{year}.csv"'
    text = year_csv.content.decode("utf-8-sig")
    assert '"Hållbarhetsdagarna (' in text
    year_xlsx = await organiser.get(f"/organiser/reports.xlsx?year={year}")
    assert year_xlsx.headers["content-disposition"] == f'attachment; filename="deltagande-{year}.xlsx"'
    sheet = load_workbook(io.BytesIO(year_xlsx.content)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    event_row = next(row for row in rows if str(row[1]).startswith("Hållbarhetsdagarna"))
    assert event_row[2:5] == ["4", "3", "1"]
    member = next(row for row in rows if row[1] == "Åsa Öberg" and row[0].endswith("Sustainability days"))
    assert member[3] == "1" and member[5] == "1" and member[6] == "100 %"


async def test_the_staff_home_links_to_the_reports(organiser):
    assert 'href="/organiser/reports"' in (await organiser.get("/staff")).text
