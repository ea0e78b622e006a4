"""An organisation's statement of its representatives' attendance in a year
(`organisation_statements.statement`) as an A4 PDF in the house style, in the reader's language: one
line a visit (date, event, who and as what, hours), then the totals by kind, by person and in all."""

from __future__ import annotations

from datetime import datetime

from events_app.domain import organisation_statements as statements
from events_app.domain.organisation_statements import Statement
from events_app.domain.pdf_layout import MUTED, HouseStyle, new_document
from events_app.domain.people import side_label
from events_app.i18n import format_day, format_hours, gettext, use_language


def render(statement: Statement, *, language: str, created_at: datetime) -> bytes:
    with use_language(language):
        return _draw(statement, language, created_at)


def _visit_line(visit: statements.Visit) -> str:
    role = statements.visit_role(visit)
    role = role if visit.substitute_for else role.lower()  # "ersättare för Per Berg", "ledamot"
    who = f"{visit.name} ({role}, {side_label(visit.side).lower()})"
    kind = gettext(statements.KIND_LABELS[visit.kind])
    return f"{format_day(visit.day)} · {visit.event_title} ({kind.lower()}) · {who} · {format_hours(visit.minutes)} h"


def _totals(statement: Statement) -> list[str]:
    lines = [
        f"{gettext(statements.KIND_LABELS[kind])}: {format_hours(minutes)} h"
        for kind, minutes in statement.minutes_by_kind().items()
    ]
    lines += [
        gettext("%(name)s: %(count)s attendances, %(hours)s h", name=name, count=count, hours=format_hours(minutes))
        for name, count, minutes in statement.people()
    ]
    return lines


def _draw(statement: Statement, language: str, created_at: datetime) -> bytes:
    title = gettext("Attendance at the council's events %(year)s", year=statement.year)
    organisation = statement.organisation["name_sv"] if language == "sv" else statement.organisation["name_en"]
    visits = [_visit_line(visit) for visit in statement.visits]
    totals = _totals(statement)
    grand_total = gettext("In all: %(hours)s hours", hours=format_hours(statement.minutes))
    headings = [gettext("Attendance"), gettext("Totals"), gettext("Nobody")]
    pdf: HouseStyle = new_document(
        texts=[title, organisation, *visits, *totals, grand_total, *headings],
        title=f"{title}: {organisation}",
        language=language,
        created_at=created_at,
        footer_text=f"{organisation} · {statement.year}",
    )
    pdf.add_page()
    pdf.issuer_heading()
    pdf.text_block(title, size=15, bold=True, space_after=0)
    pdf.text_block(organisation, size=12, colour=MUTED, space_after=4)
    pdf.text_block(gettext("Attendance"), size=12, bold=True, space_after=1)
    for line in visits or [gettext("Nobody")]:
        pdf.text_block(line, size=10, space_after=0)
    pdf.ln(3)
    pdf.text_block(gettext("Totals"), size=12, bold=True, space_after=1)
    for line in totals:
        pdf.text_block(line, size=10, space_after=0)
    pdf.text_block(grand_total, size=11, bold=True, space_after=0)
    return pdf.finish()
