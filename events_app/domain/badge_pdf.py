"""Name badges drawn as a PDF, 90 × 55 mm each: on A4 sheets of eight labels (two columns, four
rows, centred on the page, as common label sheets are cut), or one card a page for a badge printer.

Each badge has the event's title above a green rule, the name as registered (as large as it fits),
the organisation, the role word in a green tag, and the ticket's QR code, so the badge is scanned
at the door and at the workshop rooms like the ticket itself. The fonts are the house style's
(`pdf_layout`), which keep every letter of a name (Sámi, Polish and the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from events_app.domain.badges import Badge
from events_app.domain.pdf_layout import ACCENT, MUTED, HouseStyle, new_document
from events_app.i18n import gettext, use_language

SHEET, CARD = "sheet", "card"
LAYOUTS = (SHEET, CARD)
WIDTH, HEIGHT = 90.0, 55.0  # mm, one badge
COLUMNS, ROWS = 2, 4  # a sheet's labels
A4 = (210.0, 297.0)
PADDING = 4.0
QR_SIZE = 27.0  # with its quiet zone: 0.47 mm a module for a ticket's code, read by a phone at arm's length


def render(badges: Sequence[Badge], *, event_title: str, layout: str, language: str, created_at: datetime) -> bytes:
    """The badges, in the order given, as one PDF in `language` (the role words)."""
    with use_language(language):
        return _draw(badges, event_title, layout, language, created_at)


def _draw(badges: Sequence[Badge], event_title: str, layout: str, language: str, created_at: datetime) -> bytes:
    roles = {badge.role: gettext(badge.role) for badge in badges}
    texts = [event_title, *roles.values()]
    texts += [text for badge in badges for text in (badge.name, badge.organisation)]
    pdf = new_document(
        texts=texts, title=f"{gettext('Name badges')}: {event_title}", language=language, created_at=created_at
    )
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    if layout == CARD:
        for badge in badges:
            pdf.add_page(format=(WIDTH, HEIGHT))
            _badge(pdf, badge, roles[badge.role], event_title, x=0, y=0)
        return pdf.finish()
    left, top = (A4[0] - COLUMNS * WIDTH) / 2, (A4[1] - ROWS * HEIGHT) / 2
    per_page = COLUMNS * ROWS
    for number, badge in enumerate(badges):
        place = number % per_page
        if place == 0:
            pdf.add_page(format=A4)
        row, column = divmod(place, COLUMNS)
        _badge(pdf, badge, roles[badge.role], event_title, x=left + column * WIDTH, y=top + row * HEIGHT)
    return pdf.finish()


def _badge(pdf: HouseStyle, badge: Badge, role: str, event_title: str, *, x: float, y: float) -> None:
    inner = WIDTH - 2 * PADDING
    # The event's title and the green rule under it.
    pdf.style(7.5, colour=MUTED)
    _line(pdf, pdf.clipped(event_title, inner), x + PADDING, y + PADDING, inner, 4)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(x + PADDING, y + PADDING + 5, x + WIDTH - PADDING, y + PADDING + 5)
    # The name, as large as it fits on one line, else on two.
    size = _fitting_size(pdf, badge.name, inner, largest=18, smallest=12)
    names = [badge.name] if size else _wrapped(pdf, badge.name, inner, lines=2, size=12)
    size = size or 12
    pdf.style(size, bold=True)
    top = y + PADDING + 7
    for line in names:
        _line(pdf, line, x + PADDING, top, inner, size * 0.45)
        top += size * 0.45
    # The QR code in the lower right corner; the organisation and the role to its left.
    qr_x, qr_y = x + WIDTH - PADDING - QR_SIZE + 2, y + HEIGHT - PADDING - QR_SIZE + 2  # its quiet zone to the edge
    pdf.qr_code(badge.ticket_code, x=qr_x, y=qr_y, size=QR_SIZE)
    beside = qr_x - x - PADDING - 1
    if badge.organisation:
        pdf.style(9)
        for number, line in enumerate(_wrapped(pdf, badge.organisation, beside, lines=2, size=9)):
            _line(pdf, line, x + PADDING, top + 1.5 + number * 4.2, beside, 4.2)
    _role_tag(pdf, role, x + PADDING, y + HEIGHT - PADDING - 7, beside)


def _role_tag(pdf: HouseStyle, role: str, x: float, y: float, room: float) -> None:
    """The role word in white on a green tag, readable across a room."""
    pdf.style(10, bold=True, colour=(255, 255, 255))
    text = pdf.clipped(role, room - 6)
    pdf.set_fill_color(*ACCENT)
    pdf.set_xy(x, y)
    pdf.cell(pdf.get_string_width(text) + 6, 7, text, align="C", fill=True)
    pdf.style(10)


def _line(pdf: HouseStyle, text: str, x: float, y: float, width: float, height: float) -> None:
    pdf.set_xy(x, y)
    pdf.cell(width, height, text)


def _fitting_size(pdf: HouseStyle, text: str, width: float, *, largest: float, smallest: float) -> float:
    """The largest font size from `largest` down to `smallest` at which `text` fits `width` on one
    line, or 0 when it does not fit even at `smallest`."""
    size = largest
    while size >= smallest:
        pdf.style(size)
        if pdf.get_string_width(text) <= width:
            return size
        size -= 1
    return 0


def _wrapped(pdf: HouseStyle, text: str, width: float, *, lines: int, size: float) -> list[str]:
    """`text` broken between words into at most `lines` lines of `width` at `size`; what does not
    fit ends the last line with an ellipsis."""
    pdf.style(size)
    result: list[str] = []
    words = text.split()
    while words and len(result) < lines:
        line = words.pop(0)
        while words and pdf.get_string_width(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        result.append(line)
    if words:
        result[-1] = f"{result[-1]} {' '.join(words)}"
    return [pdf.clipped(line, width) for line in result]
