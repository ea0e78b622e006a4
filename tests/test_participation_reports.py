"""Participation reports (domain): registered / attended / no-show per event and per year, by
organisation (with "others" for typed organisations) and by side, the members' attendance rates per
kind of event, the bar chart, and the export rows. Counts are checked against the check-ins made here.
Runs on both databases."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from events_app.domain import charts, registrations
from events_app.domain import participation_reports as reports
from events_app.domain.charts import Series, horizontal_bar_chart
from events_app.domain.people import MemberInput, create_member
from events_app.i18n import localtime
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.registration_helpers import SYSTEM, published_event


async def _member(name: str, email: str, organisation: str, side: str) -> None:
    await create_member(MemberInput(name=name, email=email, organisation=organisation, side=side), SYSTEM)


async def scenario() -> dict:
    """A finished sustainability day: Åsa (member, Sundsvall, majority) attended day one, Bo (member,
    Härnösand, opposition) never came, Dan (region) attended both days, Eva (typed "Företaget AB")
    attended, Fia (Sundsvall) cancelled. Cilla is a member who did not register."""
    await _member("Åsa Öberg", "asa@example.se", "sundsvall", "majority")
    await _member("Bo Berg", "bo@example.se", "harnosand", "opposition")
    await _member("Cilla Ceder", "cilla@example.se", "kramfors", "majority")
    event = await finished_event(title="Hållbarhetsdagarna")
    day_one, day_two = days_of(event)
    asa = await participant(event, "Åsa Öberg", "asa@example.se", organisation="sundsvall")
    await participant(event, "Bo Berg", "bo@example.se", organisation="harnosand")
    dan = await participant(event, "Dan Dahl", "dan@example.se", organisation="region")
    eva = await participant(event, "Eva Ek", "eva@example.se", organisation="Företaget AB")
    fia = await participant(event, "Fia Fors", "fia@example.se", organisation="sundsvall")
    await check_in(event, asa, day_one)
    await check_in(event, dan, day_one, day_two)
    await check_in(event, eva, day_two)
    await registrations.cancel_registration(str(fia["uid"]), SYSTEM, by_organiser=True, notify=False)
    return event


def _org(breakdown, key):
    return next(row for row in breakdown.organisations if row["key"] == key)


def _numbers(row):
    return row["registered"], row["attended"], row["no_show"]


async def test_an_events_report_counts_the_check_ins():
    event = await scenario()
    report = await reports.event_report(event["slug"])
    b = report.breakdown
    assert _numbers(b.total) == (4, 3, 1)
    # Every listed organisation in order: seven municipalities, the region, the county board, the federation;
    # then others.
    assert [row["key"] for row in b.organisations] == [
        "harnosand",
        "kramfors",
        "solleftea",
        "sundsvall",
        "timra",
        "ange",
        "ornskoldsvik",
        "region",
        "lansstyrelsen",
        "kommunforbundet",
        reports.OTHERS,
    ]
    assert _numbers(_org(b, "sundsvall")) == (1, 1, 0)  # Fia's cancelled registration does not count
    assert _numbers(_org(b, "harnosand")) == (1, 0, 1)
    assert _numbers(_org(b, "region")) == (1, 1, 0)
    assert _numbers(_org(b, reports.OTHERS)) == (1, 1, 0)  # the typed organisation
    assert _numbers(_org(b, "kramfors")) == (0, 0, 0)
    sides = {row["key"]: _numbers(row) for row in b.sides}
    assert sides == {"majority": (1, 1, 0), "opposition": (1, 0, 1)}


async def test_the_year_report_and_the_members_rates_across_two_council_meetings():
    event = await scenario()
    # Two council meetings the same week: Åsa attended both, Bo one, Cilla none.
    first = await finished_event(title="Rådsmöte 1", kind="council_meeting")
    second = await finished_event(title="Rådsmöte 2", kind="council_meeting")
    for meeting, people in ((first, ("asa", "bo")), (second, ("asa",))):
        for key in people:
            registration = await participant(
                meeting, key.title(), f"{key}@example.se", organisation="sundsvall" if key == "asa" else "harnosand"
            )
            await check_in(meeting, registration, days_of(meeting)[0])
    # Not held: a draft and an event ahead.
    await published_event(title="Utkast", kind="council_meeting", publish=False, days_ahead=-8)
    await published_event(title="Kommande", kind="council_meeting", days_ahead=30)

    year = localtime(event["starts_at"]).year
    report = await reports.year_report(year)
    assert [e["title"] for e in report.events] == ["Hållbarhetsdagarna", "Rådsmöte 1", "Rådsmöte 2"]
    by_title = {e["title"]: _numbers(e) for e in report.events}
    assert by_title == {"Hållbarhetsdagarna": (4, 3, 1), "Rådsmöte 1": (2, 2, 0), "Rådsmöte 2": (1, 1, 0)}
    assert _numbers(report.breakdown.total) == (7, 6, 1)
    assert _numbers(_org(report.breakdown, "sundsvall")) == (3, 3, 0)
    assert {row["key"]: _numbers(row) for row in report.breakdown.sides} == {
        "majority": (3, 3, 0),
        "opposition": (2, 1, 1),
    }

    kinds = {kind["kind"]: kind for kind in report.kinds}
    assert kinds["council_meeting"]["held"] == 2 and kinds["council_meeting"]["members"] == 3
    assert kinds["council_meeting"]["attended"] == 3 and kinds["council_meeting"]["rate"] == 50  # 3 of 6
    assert kinds["sustainability_day"]["held"] == 1 and kinds["sustainability_day"]["rate"] == 33  # Åsa, 1 of 3
    assert kinds["training_module"]["held"] == 0 and kinds["training_module"]["rate"] is None
    members = {m["name"]: m["rates"] for m in report.members}
    assert list(members) == ["Bo Berg", "Cilla Ceder", "Åsa Öberg"]  # Swedish order: Å after Z
    assert members["Åsa Öberg"]["council_meeting"] == {"attended": 2, "held": 2, "rate": 100}
    assert members["Bo Berg"]["council_meeting"] == {"attended": 1, "held": 2, "rate": 50}
    assert members["Cilla Ceder"]["council_meeting"] == {"attended": 0, "held": 2, "rate": 0}
    assert members["Bo Berg"]["sustainability_day"] == {"attended": 0, "held": 1, "rate": 0}

    # Another year has none of it.
    assert (await reports.year_report(year - 5)).events == []


async def test_export_rows_carry_the_same_numbers():
    event = await scenario()
    header, rows = reports.event_export_rows(await reports.event_report(event["slug"]))
    assert len(header) == 7
    assert rows[0][2:5] == ["4", "3", "1"]
    others = [row for row in rows if row[1] == "Övriga" or row[1] == "Others"]
    assert others and others[0][2:5] == ["1", "1", "0"]


def test_the_chart_writes_its_texts_as_html_at_the_page_size_beside_svg_bars():
    chart = horizontal_bar_chart(
        title="Anmälda & närvarande <test>",
        description="Samma siffror som i tabellen",
        chart_id="t",
        categories=["Sundsvalls kommun", "Övriga"],
        series=[Series("Anmälda", [12, 3]), Series("Närvarande", [9, None])],
    )
    root = ET.fromstring(chart)
    assert root.tag == "figure" and root.get("aria-labelledby") == "t-title"
    caption = root.find("figcaption")
    assert caption.get("id") == "t-title" and caption.text == "Anmälda & närvarande <test>"
    assert "".join(caption.itertext()).endswith("Samma siffror som i tabellen")
    # Every text is HTML, sized by the stylesheet like the page around it: no SVG text, and no
    # viewBox that would scale a text with the chart's width (it was 8 px on a phone).
    assert not list(root.iter("text")) and "viewBox" not in chart and "font-size" not in chart
    assert [el.text for el in root.iter("span") if el.get("class") == "chart-category"] == [
        "Sundsvalls kommun",
        "Övriga",
    ]
    values = [el.text for el in root.iter("span") if el.get("class") == "chart-value"]
    assert values == ["12 Anmälda", "9 Närvarande", "3 Anmälda", "– Närvarande"]
    # A bar's length is its share of the chart's width: the longest takes charts.PLOT percent, so
    # its value fits beside it; no value, no bar.
    widths = [svg.get("width") for svg in root.iter("svg") if "chart-fill" in svg.get("class", "")]
    assert widths == ["16", "16", f"{charts.PLOT:.1f}%", f"{charts.PLOT * 9 / 12:.1f}%", f"{charts.PLOT * 3 / 12:.1f}%"]
    # Patterns as well as colours: the second series is hatched; the legend is for the eye only.
    assert root.find(".//pattern[@id='t-p1']") is not None
    assert root.find("ul[@class='chart-legend']").get("aria-hidden") == "true"


def test_rates_round_half_up_and_nothing_held_is_none():
    assert reports.rate(1, 3) == 33 and reports.rate(2, 3) == 67 and reports.rate(1, 2) == 50
    assert reports.rate(0, 0) is None
