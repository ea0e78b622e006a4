"""The paper door list of one day (`paper_door_list.door_list`) as an A4 PDF to tick with a pen: name,
organisation, the ticket's short code and an empty box, by surname; the event and the day at the
head of every page with the column headings again, and page numbers at the foot."""

from __future__ import annotations

from datetime import datetime

from events_app.domain.paper_door_list import DoorList
from events_app.domain.pdf_layout import ACCENT, MUTED, HouseStyle, new_document
from events_app.i18n import format_day, gettext, ngettext, use_language

# Column widths (mm) across the page's 166 mm: name, organisation, short code, the box to tick.
WIDTHS = (64.0, 62.0, 26.0, 14.0)
ROW = 8.0  # high enough to tick with a pen
BOX = 5.0
SHADE = (242, 244, 243)


def render(door_list: DoorList, *, language: str, created_at: datetime) -> bytes:
    with use_language(language):
        return _draw(door_list, language, created_at)


def _draw(door_list: DoorList, language: str, created_at: datetime) -> bytes:
    title = gettext("Door list")
    day = format_day(door_list.day)
    headings = (gettext("Name"), gettext("Organisation"), gettext("Ticket code"), gettext("Arrived"))
    texts = [door_list.event_title, day, title, *headings]
    texts += [text for row in door_list.rows for text in (row.name, row.organisation, row.short_code)]
    pdf = new_document(
        texts=texts,
        title=f"{title}: {door_list.event_title}, {day}",
        language=language,
        created_at=created_at,
        footer_text=f"{door_list.event_title} · {day}",
    )
    pdf.set_auto_page_break(False)
    _page(pdf, title, door_list, day, headings)
    if not door_list.rows:
        pdf.text_block(gettext("Nobody is registered for the day."), size=11)
    bottom = pdf.h - 24
    for number, row in enumerate(door_list.rows):
        if pdf.get_y() + ROW > bottom:
            _page(pdf, title, door_list, day, headings)
        _row(pdf, (row.name, row.organisation, row.short_code), shaded=number % 2 == 1)
    return pdf.finish()


def _page(pdf: HouseStyle, title: str, door_list: DoorList, day: str, headings: tuple[str, ...]) -> None:
    """A new page headed with the list's title, the event, the day and the column headings."""
    pdf.add_page()
    pdf.style(9, colour=MUTED)
    pdf.cell(0, 5, title, new_x="LMARGIN", new_y="NEXT")
    pdf.text_block(door_list.event_title, size=15, bold=True, space_after=0)
    count = ngettext(
        "%(num)s person registered for the day", "%(num)s people registered for the day", len(door_list.rows)
    )
    pdf.text_block(f"{day} · {count}", size=11, colour=MUTED, space_after=3)
    pdf.style(9, bold=True, colour=ACCENT)
    for width, heading in zip(WIDTHS, headings, strict=True):
        pdf.cell(width, 6, pdf.clipped(heading, width - 2), align="C" if heading == headings[-1] else "L")
    pdf.ln(6)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + sum(WIDTHS), pdf.get_y())
    pdf.style(10)


def _row(pdf: HouseStyle, cells: tuple[str, str, str], *, shaded: bool) -> None:
    x, y = pdf.l_margin, pdf.get_y()
    if shaded:
        pdf.set_fill_color(*SHADE)
        pdf.rect(x, y, sum(WIDTHS), ROW, style="F")
    for width, text in zip(WIDTHS, cells, strict=False):
        size = 10  # a long name or organisation a little smaller (down to 8 pt) before it is cut
        pdf.style(size)
        while size > 8 and pdf.get_string_width(text) > width - 2:
            size -= 1
            pdf.style(size)
        pdf.cell(width, ROW, pdf.clipped(text, width - 2))
    # The empty box, centred in its column, for the tick.
    box_x = x + sum(WIDTHS[:-1]) + (WIDTHS[-1] - BOX) / 2
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.rect(box_x, y + (ROW - BOX) / 2, BOX, BOX, style="D")
    pdf.set_xy(x, y + ROW)
