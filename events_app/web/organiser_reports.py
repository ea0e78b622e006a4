"""The secretariat's participation reports: a year's events, organisations, sides and the members'
attendance rates (/organiser/reports), one event's report (/organiser/events/<slug>/report), each with
server-drawn SVG charts beside data tables, and their CSV and XLSX exports."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from markupsafe import Markup

from events_app import i18n
from events_app.domain import participation_reports as reports
from events_app.domain.charts import Series, horizontal_bar_chart
from events_app.domain.registration_reports import to_csv, to_xlsx
from events_app.web.downloads import CSV_TYPE, XLSX_TYPE, download
from events_app.web.field_parsing import year_or_this_year


def _registered_and_attended(registered: list[int], attended: list[int]):
    """The two series of a breakdown and how their values are written: counts in words, with the
    plural the language asks for ("1 anmäld", "3 anmälda", "3 närvarande")."""
    gettext = i18n.gettext
    registered_series = Series(gettext("Registered"), registered)
    attended_series = Series(gettext("Attended"), attended)

    def write(series: Series, value) -> str:
        if value is None:
            return "–"
        if series is registered_series:
            return i18n.ngettext("%(num)s registered", "%(num)s registered", value)
        return i18n.ngettext("%(num)s attended", "%(num)s attended", value)

    return [registered_series, attended_series], write


def breakdown_chart(breakdown: reports.Breakdown, *, chart_id: str, title: str) -> Markup:
    rows = list(breakdown.organisations)
    series, write = _registered_and_attended([row["registered"] for row in rows], [row["attended"] for row in rows])
    return Markup(
        horizontal_bar_chart(
            title=title,
            chart_id=chart_id,
            description=i18n.gettext(
                "Registered and attended for each organisation; the same numbers are in the table beside the chart."
            ),
            categories=[reports.organisation_label(row) for row in rows],
            series=series,
            value_text=write,
        )
    )


def side_chart(breakdown: reports.Breakdown, *, chart_id: str, title: str) -> Markup:
    rows = breakdown.sides
    series, write = _registered_and_attended([row["registered"] for row in rows], [row["attended"] for row in rows])
    return Markup(
        horizontal_bar_chart(
            title=title,
            chart_id=chart_id,
            description=i18n.gettext(
                "Council members registered and attended, by side; the same numbers are in the table beside the chart."
            ),
            categories=[reports.side_label(row["key"]) for row in rows],
            series=series,
            value_text=write,
        )
    )


def rate_chart(report: reports.YearReport) -> Markup:
    gettext = i18n.gettext
    texts = {kind["kind"]: kind for kind in report.kinds}

    def write(series: Series, value) -> str:
        return gettext("no events held") if value is None else f"{value} %"

    def held(kind: str) -> str:
        return i18n.ngettext("(%(num)s event held)", "(%(num)s events held)", texts[kind]["held"])

    return Markup(
        horizontal_bar_chart(
            title=gettext("Members' attendance rate by kind of event, %(year)s", year=report.year),
            chart_id="rates-chart",
            maximum=100,
            description=gettext(
                "For each kind of event: the share of the year's events of that kind that the "
                "council members attended, in percent; the same numbers are in the table beside the chart."
            ),
            categories=[
                reports.kind_label(kind)
                + " "
                + i18n.ngettext("(%(num)s event held)", "(%(num)s events held)", texts[kind]["held"])
                for kind in reports.RATE_KINDS
            ],
            series=[Series(gettext("Attendance rate"), [texts[kind]["rate"] for kind in reports.RATE_KINDS])],
            value_text=write,
        )
    )


def _year_filename(year: int, extension: str) -> str:
    return f"deltagande-{year}.{extension}"  # digits and ASCII letters only


def _event_filename(slug: str, extension: str) -> str:
    safe = "".join(ch for ch in slug if ch.isascii() and (ch.isalnum() or ch == "-")) or "evenemang"
    return f"{safe}-deltagande.{extension}"


class OrganiserReportsController(Controller):
    """Participation reports, for organisers (and admins)."""

    @get("/reports", name="organiser_reports")
    async def year(self, year: FromQuery[str] = "") -> Template:
        report = await reports.year_report(year_or_this_year(year))
        gettext = i18n.gettext
        return Template(
            "organiser/reports.html",
            context={
                "report": report,
                "years": sorted({*report.years, report.year}, reverse=True),
                "organisation_label": reports.organisation_label,
                "side_label": reports.side_label,
                "kind_label": reports.kind_label,
                "rate_kinds": reports.RATE_KINDS,
                "organisation_chart": breakdown_chart(
                    report.breakdown,
                    chart_id="organisations-chart",
                    title=gettext("Registered and attended by organisation, %(year)s", year=report.year),
                ),
                "side_chart": side_chart(
                    report.breakdown,
                    chart_id="sides-chart",
                    title=gettext("Council members by side, %(year)s", year=report.year),
                ),
                "rate_chart": rate_chart(report),
            },
        )

    @get("/reports.csv", name="organiser_reports_csv")
    async def year_csv(self, year: FromQuery[str] = "") -> Response:
        report = await reports.year_report(year_or_this_year(year))
        header, rows = reports.year_export_rows(report)
        return download(to_csv(header, rows), _year_filename(report.year, "csv"), CSV_TYPE)

    @get("/reports.xlsx", name="organiser_reports_xlsx")
    async def year_xlsx(self, year: FromQuery[str] = "") -> Response:
        report = await reports.year_report(year_or_this_year(year))
        header, rows = reports.year_export_rows(report)
        content = to_xlsx(header, rows, title=i18n.gettext("Participation %(year)s", year=report.year))
        return download(content, _year_filename(report.year, "xlsx"), XLSX_TYPE)

    @get("/events/{slug:str}/report", name="organiser_event_report")
    async def event(self, slug: FromPath[str]) -> Template:
        report = await reports.event_report(slug)
        gettext = i18n.gettext
        return Template(
            "organiser/event_report.html",
            context={
                "event": report.event,
                "report": report,
                "organisation_label": reports.organisation_label,
                "side_label": reports.side_label,
                "organisation_chart": breakdown_chart(
                    report.breakdown,
                    chart_id="organisations-chart",
                    title=gettext("Registered and attended by organisation"),
                ),
                "side_chart": side_chart(
                    report.breakdown, chart_id="sides-chart", title=gettext("Council members by side")
                ),
            },
        )

    @get("/events/{slug:str}/report.csv", name="organiser_event_report_csv")
    async def event_csv(self, slug: FromPath[str]) -> Response:
        report = await reports.event_report(slug)
        header, rows = reports.event_export_rows(report)
        return download(to_csv(header, rows), _event_filename(report.event["slug"], "csv"), CSV_TYPE)

    @get("/events/{slug:str}/report.xlsx", name="organiser_event_report_xlsx")
    async def event_xlsx(self, slug: FromPath[str]) -> Response:
        report = await reports.event_report(slug)
        header, rows = reports.event_export_rows(report)
        content = to_xlsx(header, rows, title=i18n.gettext("Participation"))
        return download(content, _event_filename(report.event["slug"], "xlsx"), XLSX_TYPE)
