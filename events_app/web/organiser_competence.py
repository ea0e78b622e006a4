"""The members × training modules matrix of a year (who has completed which module), as a page and
as an XLSX export."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromQuery
from litestar.response import Template

from events_app import i18n
from events_app.domain import competence
from events_app.i18n import localtime
from events_app.web.downloads import XLSX_TYPE, download


def _matrix_year(value: str, years: list[int]) -> int | None:
    """The year asked for ("all": every year, None); by default the newest year with modules."""
    value = (value or "").strip()
    if value == "all":
        return None
    if len(value) == 4 and value.isdigit() and 1900 < int(value) < 3000:
        return int(value)
    return years[0] if years else None


class CompetenceController(Controller):
    """The council members × the training modules of a year: who has completed which module."""

    @get("/competence", name="competence")
    async def matrix(self, year: FromQuery[str] = "") -> Template:
        years = await competence.module_years()
        matrix = await competence.module_matrix(_matrix_year(year, years))
        modules = [{**module, "day": localtime(module["starts_at"]).date()} for module in matrix.modules]
        return Template(
            "organiser/competence.html",
            context={
                "matrix": matrix,
                "modules": modules,
                "cell_text": competence.cell_text,
                "year_value": str(matrix.year) if matrix.year else "all",
                "years": sorted({*matrix.years, *([matrix.year] if matrix.year else [])}, reverse=True),
            },
        )

    @get("/competence.xlsx", name="competence_xlsx")
    async def xlsx(self, year: FromQuery[str] = "") -> Response:
        matrix = await competence.module_matrix(_matrix_year(year, await competence.module_years()))
        content = competence.matrix_xlsx(matrix, i18n.current_language())
        filename = f"utbildningsmoduler-{matrix.year or 'alla'}.xlsx"  # digits and ASCII letters only
        return download(content, filename, XLSX_TYPE)
