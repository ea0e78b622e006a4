"""The council's records for organisers: a meeting's attendance register as a PDF
(`attendance_register`, `attendance_register_pdf`), and the year's statement for each organisation
(PDF and XLSX) with the county-wide summary (`organisation_statements`), in the organiser's language."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from events_app import i18n
from events_app.domain import (
    attendance_register,
    attendance_register_pdf,
    organisation_statement_pdf,
    participation_reports,
)
from events_app.domain import organisation_statements as statements
from events_app.domain.registration_reports import to_xlsx, to_xlsx_sheets
from events_app.domain.transactions import utcnow
from events_app.web.downloads import PDF_TYPE, XLSX_TYPE, download
from events_app.web.field_parsing import year_or_this_year


class OrganiserCouncilRecordsController(Controller):
    """A meeting's register, under the event's own address."""

    path = "/events"

    @get("/{slug:str}/council/register.pdf", name="organiser_council_register_pdf")
    async def register_pdf(self, slug: FromPath[str]) -> Response:
        register = await attendance_register.register_of(slug)
        content = await asyncio.to_thread(
            attendance_register_pdf.render, register, language=i18n.current_language(), created_at=utcnow()
        )
        return download(content, f"{slug}-narvarolista.pdf", PDF_TYPE)


class CouncilStatementsController(Controller):
    """Each organisation's statement of its representatives' attendance in a year, and the county's
    summary for the annual report."""

    path = "/council/statements"

    @get("/", name="organiser_council_statements")
    async def page(self, year: FromQuery[str] = "") -> Template:
        chosen = year_or_this_year(year)
        found = await statements.statements(chosen)
        summary = await statements.county_summary(chosen)
        return Template(
            "organiser/council_statements.html",
            context={
                "year": chosen,
                "years": await participation_reports.report_years(),
                "statements": list(found.values()),
                "summary": summary,
                "hours": i18n.format_hours,
            },
        )

    @get("/{code:str}/statement.pdf", name="organiser_council_statement_pdf")
    async def statement_pdf(self, code: FromPath[str], year: FromQuery[str] = "") -> Response:
        statement = await statements.statement(code, year_or_this_year(year))
        content = await asyncio.to_thread(
            organisation_statement_pdf.render, statement, language=i18n.current_language(), created_at=utcnow()
        )
        return download(content, f"{code}-{statement.year}.pdf", PDF_TYPE)

    @get("/{code:str}/statement.xlsx", name="organiser_council_statement_xlsx")
    async def statement_xlsx(self, code: FromPath[str], year: FromQuery[str] = "") -> Response:
        statement = await statements.statement(code, year_or_this_year(year))
        header, rows = statements.statement_rows(statement)
        content = to_xlsx(header, rows, title=f"{code} {statement.year}")
        return download(content, f"{code}-{statement.year}.xlsx", XLSX_TYPE)

    @get("/summary.xlsx", name="organiser_council_summary_xlsx")
    async def summary_xlsx(self, year: FromQuery[str] = "") -> Response:
        summary = await statements.county_summary(year_or_this_year(year))
        sheets = [
            (i18n.gettext("Council meetings"), *statements.summary_rows(summary)),
            (i18n.gettext("Training hours"), *statements.training_rows(summary)),
        ]
        return download(to_xlsx_sheets(sheets), f"rådet-{summary.year}.xlsx", XLSX_TYPE)
