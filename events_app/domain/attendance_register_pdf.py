"""A council meeting's attendance register (`attendance_register.register_of`) as an A4 PDF in the
house style, in the reader's language: each group under its heading, one line a person, with the
organisation and side, and "substitute for <member>" ("ersättare för …" in Swedish)."""

from __future__ import annotations

from datetime import datetime

from events_app.domain.attendance_register import Present, Register
from events_app.domain.pdf_layout import MUTED, HouseStyle, new_document
from events_app.domain.people import side_label
from events_app.i18n import format_day, gettext, use_language


def render(register: Register, *, language: str, created_at: datetime) -> bytes:
    with use_language(language):
        return _draw(register, language, created_at)


def _line(present: Present) -> str:
    parts = [present.name, present.organisation]
    if present.side:
        parts.append(side_label(present.side).lower())
    if present.substitute_for:
        parts.append(gettext("substitute for %(member)s", member=present.substitute_for))
    return ", ".join(part for part in parts if part)


def _groups(register: Register) -> list[tuple[str, list[Present]]]:
    return [
        (gettext("Members present"), register.members),
        (gettext("Substitutes serving"), register.substitutes),
        (gettext("Preparatory group present"), register.preparatory),
        (gettext("Guests present"), register.guests),
        (gettext("Members absent with apologies"), register.absent_with_apologies),
        (gettext("Members absent"), register.absent),
    ]


def _draw(register: Register, language: str, created_at: datetime) -> bytes:
    title = gettext("Attendance register")
    day = format_day(register.day)
    groups = _groups(register)
    lines = [_line(present) for _, rows in groups for present in rows]
    pdf: HouseStyle = new_document(
        texts=[title, register.event_title, day, *(heading for heading, _ in groups), *lines, gettext("Nobody")],
        title=f"{title}: {register.event_title}, {day}",
        language=language,
        created_at=created_at,
        footer_text=f"{register.event_title} · {day}",
    )
    pdf.add_page()
    pdf.style(9, colour=MUTED)
    pdf.cell(0, 5, title, new_x="LMARGIN", new_y="NEXT")
    pdf.text_block(register.event_title, size=15, bold=True, space_after=0)
    pdf.text_block(day, size=11, colour=MUTED, space_after=4)
    for heading, rows in groups:
        pdf.text_block(f"{heading} ({len(rows)})", size=12, bold=True, space_after=1)
        for present in rows:
            pdf.text_block(_line(present), size=10, space_after=0)
        if not rows:
            pdf.text_block(gettext("Nobody"), size=10, colour=MUTED, space_after=0)
        pdf.ln(3)
    return pdf.finish()
