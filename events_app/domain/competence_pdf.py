"""A person's competence record as one PDF: every training module, sustainability day, council
meeting and other event attended, with days, hours and certificate numbers."""

from __future__ import annotations

from events_app.domain.certificates import VALID
from events_app.domain.competence import KIND_HEADINGS, Record, organisation_name
from events_app.domain.pdf_layout import MUTED, new_document
from events_app.domain.transactions import utcnow
from events_app.i18n import (
    format_day,
    format_day_range,
    format_hours,
    gettext,
    localtime,
    use_language,
)


def render(record: Record, language: str) -> bytes:
    with use_language(language):
        return _draw(record, language)


def _draw(record: Record, language: str) -> bytes:
    person = record.person
    title = gettext("Competence record")
    organisation = organisation_name(person, language)
    texts = [
        person["name"],
        organisation,
        person["title"] or "",
        *(entry.event["title"] for _, entries in record.sections for entry in entries),
    ]
    now = utcnow()
    pdf = new_document(
        texts=texts,
        title=f"{title}: {person['name']}",
        language=language,
        created_at=now,
        footer_text=f"{title} · {person['name']}",
        bold_face=True,
    )
    pdf.add_page()
    pdf.issuer_heading()
    pdf.text_block(title, size=20, bold=True, space_after=2)
    pdf.text_block(person["name"], size=14, bold=True, space_after=1)
    if organisation:
        pdf.text_block(organisation, size=11, space_after=1)
    pdf.text_block(
        gettext("As of %(date)s", date=format_day(localtime(now).date())), size=10, colour=MUTED, space_after=6
    )
    if not record.sections:
        pdf.text_block(gettext("Nothing attended yet."), size=11)
    for kind, entries in record.sections:
        pdf.text_block(gettext(KIND_HEADINGS[kind]), size=13, bold=True, space_after=2)
        pdf.style(9)
        with pdf.table(
            col_widths=(30, 70, 22, 16, 28),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
            line_height=5,
            first_row_as_headings=True,
        ) as table:
            table.row(
                [gettext("Date"), gettext("Event"), gettext("Days attended"), gettext("Hours"), gettext("Certificate")]
            )
            for entry in entries:
                first, last = localtime(entry.event["starts_at"]).date(), localtime(entry.event["ends_at"]).date()
                certificate = entry.certificate or {}
                number = certificate.get("number", "") if certificate.get("status") == VALID else ""
                table.row(
                    [
                        format_day_range(first, last),
                        entry.event["title"],
                        gettext("%(attended)s of %(total)s", attended=len(entry.days), total=entry.total_days),
                        format_hours(entry.minutes) if entry.minutes else "",
                        number,
                    ]
                )
        pdf.ln(5)
    if record.minutes:
        pdf.text_block(gettext("In all %(hours)s hours", hours=format_hours(record.minutes)), size=11, bold=True)
    return pdf.finish()
