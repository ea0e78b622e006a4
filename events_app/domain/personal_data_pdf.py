"""A person's data (personal_data.export_person) as a PDF a person can read and keep (GDPR Art. 15):
the same headed sections as the page /my/data, in the reader's language."""

from __future__ import annotations

from typing import Any

from events_app.domain.pdf_layout import MUTED, new_document
from events_app.domain.personal_data import readable
from events_app.domain.transactions import utcnow
from events_app.i18n import format_datetime, gettext, use_language


def render(export: dict[str, Any], language: str) -> bytes:
    with use_language(language):
        return _draw(readable(export), language)


def _draw(sections: list[tuple[str, list[list[tuple[str, str]]]]], language: str) -> bytes:
    title = gettext("Your personal data")
    texts = [title, *(text for heading, items in sections for item in items for pair in item for text in pair)]
    texts += [heading for heading, _ in sections]
    now = utcnow()
    pdf = new_document(texts=texts, title=title, language=language, created_at=now, footer_text=title, bold_face=False)
    pdf.add_page()
    pdf.issuer_heading()
    pdf.text_block(title, size=20, bold=True, space_after=2)
    pdf.text_block(
        gettext("Everything the events platform held about you on %(date)s.", date=format_datetime(now)),
        size=10,
        colour=MUTED,
        space_after=6,
    )
    for heading, items in sections:
        pdf.text_block(heading, size=13, bold=True, space_after=2)
        if not items:
            pdf.text_block(gettext("Nothing."), size=10, colour=MUTED, space_after=4)
        for item in items:
            for label, value in item:
                pdf.text_block(f"{label}: {value}", size=10, space_after=0)
            pdf.ln(3)
        pdf.ln(2)
    return pdf.finish()
